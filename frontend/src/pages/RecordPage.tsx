/** One record: its attributes, its comments, every task's labels, votes and weak label, and
 * the records most similar to it by an embedding; owners edit its values and delete it. A record deleted
 * meanwhile (here or elsewhere) says so; one edited elsewhere shows its new values (an open
 * form keeps what was typed, and says so). */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";
import { get } from "../api";
import { isActive } from "../attributes/live";
import { COMMENTS_ANCHOR } from "../comments/CommentCount";
import { CommentsPanel } from "../comments/CommentThread";
import { DeleteRecord } from "../DeleteRecords";
import { EditRecord } from "../EditRecord";
import { atLeast, useAttributes, useMe, useRole, useTasks } from "../hooks";
import { LabelsPanel } from "../labeling/LabelsPanel";
import { isGone } from "../recordDeletion";
import { editSummary, readRecordDraft, refreshAfterEdit, useRecordEvents, type RecordEdited } from "../recordEditing";
import { navigate, useLocation } from "../router";
import type { Attribute, Embedding, Page, RecordDetail, Similar } from "../types";
import { Button, Empty, ErrorAlert, Spinner } from "../ui";
import { Link } from "../ui/Link";
import { format } from "./DataBrowser";

export function RecordPage({ projectId, recordId }: { projectId: number; recordId: number }) {
  const { search } = useLocation();
  const me = useMe().data;
  const tasks = useTasks(projectId).data ?? [];
  const role = useRole(projectId);
  const client = useQueryClient();
  const attributes = useAttributes(projectId);
  const detailKey = ["projects", projectId, "records", recordId, "detail"];
  const detail = useQuery({ queryKey: detailKey,
    queryFn: () => get<RecordDetail>(`/projects/${projectId}/records/${recordId}`) });
  const [deleted, setDeleted] = useState(false);
  // the form is open at once when it left a draft (a reload, or coming back to the record)
  const [editing, setEditing] = useState(() => readRecordDraft(projectId, recordId) !== null);
  /** what the latest edit did, in words */
  const [edited, setEdited] = useState<string | null>(null);
  useEffect(() => {
    setDeleted(false);
    setEditing(readRecordDraft(projectId, recordId) !== null);
    setEdited(null);
  }, [projectId, recordId]);
  useRecordEvents(projectId, {
    deleted: ({ ids }) => { if (ids?.has(recordId)) setDeleted(true); },
    // a computed attribute's run ended: its values (computed again after an edit) are read
    computed: () => {
      void client.invalidateQueries({ queryKey: ["projects", projectId, "attributes"] });
      void client.invalidateQueries({ queryKey: detailKey });
    },
  });
  // a link to the record's comments (its address ends in #comments) shows them once it is read
  const shown = detail.data !== undefined;
  useEffect(() => {
    if (shown && window.location.hash === `#${COMMENTS_ANCHOR}`) {
      document.getElementById(COMMENTS_ANCHOR)?.scrollIntoView?.({ block: "start" });
    }
  }, [shown, recordId]);
  const gone = deleted || isGone(detail.error);
  const isOwner = atLeast(role, "owner");
  const saved = (result: RecordEdited | null) => {
    setEditing(false);
    setEdited(result ? editSummary(result) : "Nothing changed.");
    if (!result?.changed.length || result.dry_run) return;
    // the new values at once; its labels (moved spans), votes and the rest as they are read again
    client.setQueryData<RecordDetail>(detailKey, (old) => old && { ...old, data: result.record.data, revision: result.record.revision });
    refreshAfterEdit(client, projectId);
  };
  const back = `/projects/${projectId}/data${search.toString() ? `?${search}` : ""}`;
  return (
    <div className="page">
      <div className="page-head">
        <Link href={back}>← Records</Link>
        <h1 className="mono">{detail.data?.external_id ?? "…"}</h1>
        <span className="spacer" />
        {!gone && <Button onClick={() => navigate(`/projects/${projectId}/label${search.toString() ? `?${search}` : ""}`)}>Label records like these</Button>}
        {!gone && detail.data && isOwner && !editing && attributes.data && (
          <Button onClick={() => { setEdited(null); setEditing(true); }}>Edit values</Button>
        )}
        {!gone && detail.data && isOwner && (
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
            {edited && (
              <div className="alert ok row" role="status" aria-label="edit result">
                <span style={{ flex: 1 }}>{edited}</span>
                <Button small variant="ghost" aria-label="dismiss" onClick={() => setEdited(null)}>×</Button>
              </div>
            )}
            {editing && isOwner && attributes.data ? (
              <EditRecord key={recordId} projectId={projectId} record={detail.data} attributes={attributes.data}
                reload={() => detail.refetch().then((r) => r.data)} onClose={() => setEditing(false)} onSaved={saved} />
            ) : (
              <div className="panel"><div className="panel-body">
                <dl className="attr-list" aria-label="values">
                  {entries(detail.data.data, attributes.data).map(([name, value, attribute]) => (
                    <Entry key={name} name={name} value={value === null && attribute?.computed && isActive(attribute.run)
                      ? <span className="faint">computing…</span> : format(value)} />
                  ))}
                </dl>
              </div></div>
            )}
            <CommentsPanel id={COMMENTS_ANCHOR} projectId={projectId} recordId={recordId} />
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

/** A record's values in the order of the project's attributes (those it has no value of
 * too: null), then any other it holds. */
function entries(data: Record<string, unknown>, attributes: Attribute[] | undefined): [string, unknown, Attribute | undefined][] {
  const known = new Set(attributes?.map((a) => a.name));
  return [...(attributes ?? []).map((a): [string, unknown, Attribute] => [a.name, data[a.name] ?? null, a]),
    ...Object.entries(data).filter(([name]) => !known.has(name)).map(([name, value]): [string, unknown, undefined] => [name, value, undefined])];
}

function Entry({ name, value }: { name: string; value: ReactNode }) {
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
