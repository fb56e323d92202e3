/** A classification task's annotators as CROWDLAB reads them: each one's quality score and
 * agreement with the consensus, and the records where they disagree, with the task's
 * reference label beside the consensus (weighed with the queue's model). */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { get } from "../api";
import { percent } from "../heuristics/StatsTable";
import type { Task } from "../types";
import { Button, ErrorAlert, Spinner } from "../ui";
import { Link } from "../ui/Link";

export interface AnnotatorsReport {
  task_id: number; model: string | null; n_disagreements: number; note: string | null;
  annotators: { name: string; labels: number; quality: number | null; agreement: number | null }[];
  disagreements: {
    record_id: number; external_id: string | null; annotations: Record<string, string>;
    reference: string | null; consensus: string | null; consensus_quality: number | null;
  }[];
}

const SHOWN = 10;

export function AnnotatorsPanel({ projectId, task }: { projectId: number; task: Task }) {
  const [all, setAll] = useState(false);
  const report = useQuery({ queryKey: ["projects", projectId, "tasks", task.id, "annotators"],
    queryFn: () => get<AnnotatorsReport>(`/projects/${projectId}/tasks/${task.id}/annotators`) });
  if (report.isPending) return <div className="panel-body"><Spinner /></div>;
  if (report.error) return <div className="panel-body"><ErrorAlert error={report.error} /></div>;
  const data = report.data;
  const rows = all ? data.disagreements : data.disagreements.slice(0, SHOWN);
  return (
    <div className="panel-body stack" aria-label={`annotators of ${task.name}`}>
      <h3>Annotators</h3>
      {data.note && <p className="small muted" role="status">{data.note}</p>}
      {data.annotators.length === 0 ? <p className="small muted">Nobody has labelled this task yet.</p> : (
        <table className="table" aria-label="annotator quality">
          <thead><tr><th>Annotator</th><th>Labels</th><th title="CROWDLAB's annotator quality score">Quality</th>
            <th>Agrees with the consensus</th></tr></thead>
          <tbody>{data.annotators.map((a) => (
            <tr key={a.name}><td>{a.name}</td><td className="num">{a.labels}</td>
              <td className="num">{percent(a.quality)}</td><td className="num">{percent(a.agreement)}</td></tr>
          ))}</tbody>
        </table>
      )}
      <div className="small muted">
        {data.n_disagreements === 0 ? "No record has different labels from its annotators."
          : `${data.n_disagreements} record${data.n_disagreements === 1 ? "" : "s"} where annotators disagree` +
            (data.model ? `, settled by CROWDLAB with ${data.model}, least certain first:` : ":")}
      </div>
      {rows.length > 0 && (
        <table className="table" aria-label="disagreements">
          <thead><tr><th>Record</th><th>Labels</th><th>Reference</th><th>Consensus</th></tr></thead>
          <tbody>{rows.map((d) => (
            <tr key={d.record_id}>
              <td><Link href={`/projects/${projectId}/records/${d.record_id}`}>{d.external_id ?? `#${d.record_id}`}</Link></td>
              <td className="small">{Object.entries(d.annotations).map(([who, label]) => `${who}: ${label}`).join(", ")}</td>
              <td>{d.reference ?? <span className="muted">tie</span>}</td>
              <td>{d.consensus === null ? "—" : <>{d.consensus} <span className="small muted">{percent(d.consensus_quality)}</span></>}</td>
            </tr>
          ))}</tbody>
        </table>
      )}
      {!all && data.disagreements.length > SHOWN &&
        <Button small variant="ghost" onClick={() => setAll(true)}>Show {data.disagreements.length - SHOWN} more</Button>}
    </div>
  );
}
