/** One record: its attributes, every task's labels, votes and weak label, and the records
 * most similar to it by an embedding; owners delete it. A record deleted meanwhile (here or
 * elsewhere) says so. */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { get } from "../api";
import { DeleteRecord } from "../DeleteRecords";
import { atLeast, useMe, useRole, useTasks } from "../hooks";
import { LabelsPanel } from "../labeling/LabelsPanel";
import { isGone, useRecordsDeleted } from "../recordDeletion";
import { navigate, useLocation } from "../router";
import type { Embedding, Page, RecordDetail, Similar } from "../types";
import { Button, Empty, ErrorAlert, Spinner } from "../ui";
import { Link } from "../ui/Link";
import { format } from "./DataBrowser";

export function RecordPage({ projectId, recordId }: { projectId: number; recordId: number }) {
  const { search } = useLocation();
  const me = useMe().data;
  const tasks = useTasks(projectId).data ?? [];
  const role = useRole(projectId);
  const detail = useQuery({ queryKey: ["projects", projectId, "records", recordId, "detail"],
    queryFn: () => get<RecordDetail>(`/projects/${projectId}/records/${recordId}`) });
  const [deleted, setDeleted] = useState(false);
  useEffect(() => setDeleted(false), [recordId]);
  useRecordsDeleted(projectId, ({ ids }) => { if (ids?.has(recordId)) setDeleted(true); });
  const gone = deleted || isGone(detail.error);
  const back = `/projects/${projectId}/data${search.toString() ? `?${search}` : ""}`;
  return (
    <div className="page">
      <div className="page-head">
        <Link href={back}>← Records</Link>
        <h1 className="mono">{detail.data?.external_id ?? "…"}</h1>
        <span className="spacer" />
        {!gone && <Button onClick={() => navigate(`/projects/${projectId}/label${search.toString() ? `?${search}` : ""}`)}>Label records like these</Button>}
        {!gone && detail.data && atLeast(role, "owner") && (
          <DeleteRecord projectId={projectId} record={detail.data} onDeleted={() => navigate(back)} />
        )}
      </div>
      {gone ? (
        <div className="panel"><Empty>
          {deleted || detail.data ? "This record was deleted." : `There is no record ${recordId} in this project: it was deleted, or never was.`}
          {" "}<Link href={back}>Back to the records</Link>
        </Empty></div>
      ) : detail.error ? <ErrorAlert error={detail.error} /> : !detail.data ? <Spinner /> : (
        <div className="record-grid">
          <div className="stack">
            <div className="panel"><div className="panel-body">
              <dl className="attr-list">
                {Object.entries(detail.data.data).map(([name, value]) => (
                  <Entry key={name} name={name} value={format(value)} />
                ))}
              </dl>
            </div></div>
            <SimilarRecords projectId={projectId} recordId={recordId} />
          </div>
          <div className="stack">
            {tasks.map((task) => (
              <LabelsPanel key={task.id} title={`Task ${task.name}`} projectId={projectId} task={task}
                detail={detail.data} me={me?.name} fresh={new Set()} canGold={false} onGold={() => {}} />
            ))}
          </div>
        </div>
      )}
    </div>
  );
}

function Entry({ name, value }: { name: string; value: string }) {
  return <><dt>{name}</dt><dd>{value}</dd></>;
}

function SimilarRecords({ projectId, recordId }: { projectId: number; recordId: number }) {
  const embeddings = useQuery({ queryKey: ["projects", projectId, "embeddings"],
    queryFn: () => get<Page<Embedding>>(`/projects/${projectId}/embeddings`).then((p) => p.data) });
  const usable = (embeddings.data ?? []).filter((e) => e.level === "record" && e.vectors > 0);
  const [chosen, setChosen] = useState<number | null>(null);
  const embeddingId = chosen ?? usable[0]?.id ?? null;
  const similar = useQuery({ queryKey: ["projects", projectId, "records", recordId, "similar", embeddingId],
    queryFn: () => get<Similar>(`/projects/${projectId}/records/${recordId}/similar`, { embedding_id: embeddingId!, k: 10 }),
    enabled: embeddingId !== null });
  return (
    <div className="panel">
      <div className="panel-head">
        <h2>Similar records</h2><span className="spacer" />
        {usable.length > 0 && (
          <select className="select" style={{ height: 26 }} value={embeddingId ?? ""} aria-label="Embedding"
            onChange={(e) => setChosen(Number(e.target.value))}>
            {usable.map((e) => <option key={e.id} value={e.id}>{e.name}</option>)}
          </select>
        )}
      </div>
      {embeddings.isPending ? <Empty><Spinner /></Empty> : usable.length === 0 ? (
        <Empty>No record-level embedding yet. <Link href={`/projects/${projectId}/embeddings`}>Compute one</Link>.</Empty>
      ) : similar.error ? <div className="panel-body"><ErrorAlert error={similar.error} /></div>
        : !similar.data ? <Empty><Spinner /></Empty> : (
          <table className="table" aria-label="similar records">
            <tbody>
              {similar.data.data.filter((s) => s.record.id !== recordId).map(({ record, score }) => (
                <tr key={record.id} className="clickable" onClick={() => navigate(`/projects/${projectId}/records/${record.id}`)}>
                  <td className="mono nowrap" style={{ width: 1 }}>{record.external_id}</td>
                  <td style={{ maxWidth: 0, overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" }}>
                    {format(Object.values(record.data).find((v) => typeof v === "string" && v.length > 15) ?? Object.values(record.data)[0])}
                  </td>
                  <td className="muted nowrap" style={{ width: 1 }}>{score.toFixed(3)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </div>
  );
}
