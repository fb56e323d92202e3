/** A task's annotators: how well they agree (every kind of task: the overall value, each pair
 * of them, each label, each annotator, against gold labels too) and, for a classification
 * task, each one's quality as CROWDLAB reads it with their agreement with the consensus, and
 * the records where they disagree, with the task's reference label beside the consensus
 * (weighed with the queue's model). Both follow the task's labels as they change. */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { get } from "../api";
import { useProjectEvents } from "../events";
import { percent } from "../heuristics/StatsTable";
import { deletionOf } from "../recordDeletion";
import type { Task } from "../types";
import { Button, ErrorAlert, Spinner } from "../ui";
import { Link } from "../ui/Link";
import {
  AgreementSummary, Confusions, LabelAgreement, PairMatrix, plural, type AgreementReport,
} from "./Agreement";

export interface AnnotatorsReport {
  task_id: number; model: string | null; n_disagreements: number; note: string | null;
  annotators: { name: string; labels: number; quality: number | null; agreement: number | null }[];
  disagreements: {
    record_id: number; external_id: string | null; annotations: Record<string, string>;
    reference: string | null; consensus: string | null; consensus_quality: number | null;
  }[];
}

const SHOWN = 10;
/** Labels changing in a burst (a bulk import, an annotator at speed) are read again once. */
export const REFRESH_DELAY_MS = 400;

export function AnnotatorsPanel({ projectId, task }: { projectId: number; task: Task }) {
  const crowdlab = task.kind === "classification";   // the other kinds have no CROWDLAB
  const base = ["projects", projectId, "tasks", task.id];
  const agreement = useQuery({ queryKey: [...base, "agreement"],
    queryFn: () => get<AgreementReport>(`/projects/${projectId}/tasks/${task.id}/agreement`) });
  const report = useQuery({ queryKey: [...base, "annotators"], enabled: crowdlab,
    queryFn: () => get<AnnotatorsReport>(`/projects/${projectId}/tasks/${task.id}/annotators`) });
  useRefreshOnLabels(projectId, task.id);
  return (
    <div className="panel-body stack annotators-panel" aria-label={`annotators of ${task.name}`}>
      <section className="stack" aria-label="agreement">
        <h3>Agreement</h3>
        {agreement.isPending ? <Spinner /> : agreement.error ? <ErrorAlert error={agreement.error} /> : <>
          <AgreementSummary report={agreement.data} />
          <div className="agreement-grid">
            <PairMatrix report={agreement.data} />
            <div className="stack agreement-side">
              <LabelAgreement report={agreement.data} task={task} />
              <Confusions report={agreement.data} />
            </div>
          </div>
        </>}
      </section>
      <section className="stack" aria-label="each annotator">
        <h3>Annotators</h3>
        <AnnotatorTable task={task} agreement={agreement.data} crowdlab={crowdlab ? report.data : undefined}
          pending={agreement.isPending || (crowdlab && report.isPending)} />
        {crowdlab && (report.isPending ? <Spinner /> : report.error ? <ErrorAlert error={report.error} />
          : <Disagreements projectId={projectId} report={report.data} />)}
      </section>
    </div>
  );
}

/** Read the task's agreement and annotators again when its labels change or records go (at
 * most once in REFRESH_DELAY_MS). */
function useRefreshOnLabels(projectId: number, taskId: number) {
  const client = useQueryClient();
  const timer = useRef<number | null>(null);
  useEffect(() => () => { if (timer.current !== null) window.clearTimeout(timer.current); }, []);
  useProjectEvents(projectId, (event) => {
    const ours = event.type === "labels.changed" && event.data.task_id === taskId;
    if ((!ours && !deletionOf(event)) || timer.current !== null) return;
    timer.current = window.setTimeout(() => {
      timer.current = null;
      for (const what of ["agreement", "annotators"]) {
        void client.invalidateQueries({ queryKey: ["projects", projectId, "tasks", taskId, what] });
      }
    }, REFRESH_DELAY_MS);
  });
}

/** One row per annotator: their records, agreement with the others and with gold labels;
 * for a classification task CROWDLAB's quality and agreement with its consensus beside. */
function AnnotatorTable({ task, agreement, crowdlab, pending }: { task: Task; agreement?: AgreementReport;
  crowdlab?: AnnotatorsReport; pending: boolean }) {
  const mine = new Map(agreement?.annotators.map((a) => [a.name, a]));
  const scores = new Map(crowdlab?.annotators.map((a) => [a.name, a]));
  const names = [...mine.keys(), ...[...scores.keys()].filter((n) => !mine.has(n))];
  if (names.length === 0) return pending ? null : <p className="small muted">Nobody has labelled this task yet.</p>;
  const classification = task.kind === "classification";
  const extraction = task.kind === "extraction";
  const done = extraction ? "annotated" : "labelled";
  const measure = extraction ? "Span F1" : "Agrees";
  const crowdlabHead = (name: string, title: string) =>
    <th className="num" title={title}>{name}<span className="th-source">CROWDLAB</span></th>;
  return (
    <div className="table-scroll">
      <table className="table agreement-annotators" aria-label={classification ? "annotator quality" : "annotator agreement"}>
        <thead><tr><th>Annotator</th>
          <th className="num" title={`Records they ${done} (gold labels left out)`}>{classification ? "Labels" : "Records"}</th>
          {classification && <>
            {crowdlabHead("Quality", "CROWDLAB's annotator quality score (their labels weighed with the queue's model)")}
            {crowdlabHead("Agrees with consensus", "Share of their labels that equal CROWDLAB's consensus")}</>}
          <th className="num" title={`Their records another annotator ${done} too`}>Shared</th>
          <th className="num" title={extraction ? "Span F1 with the other annotators on the shared records, pooled over the pairs"
            : "Share of the other annotators' labels of the shared records that agree with theirs, pooled over the pairs"}>
            {measure} with others</th>
          <th className="num" title={`${extraction ? "Span F1 with" : "Share agreeing with"} the gold labels, on their records that have one`}>
            {measure} with gold</th>
        </tr></thead>
        <tbody>{names.map((name) => {
          const a = mine.get(name);
          const s = scores.get(name);
          return (
            <tr key={name}><td className="agreement-who" title={name}>{name}</td>
              <td className="num">{a?.records ?? s?.labels ?? "—"}</td>
              {classification && <><td className="num">{percent(s?.quality)}</td>
                <td className="num">{percent(s?.agreement)}</td></>}
              <td className="num">{a?.shared ?? "—"}</td>
              <td className="num">{percent(a?.agreement)}</td>
              <td className="num" title={a ? `${plural(a.gold_records, "record")} of theirs with a gold label` : undefined}>
                {percent(a?.gold_agreement)}
                {a && a.gold_records > 0 && <span className="small muted"> on {a.gold_records}</span>}</td>
            </tr>
          );
        })}</tbody>
      </table>
    </div>
  );
}

/** CROWDLAB's reading of the records where annotators disagree, least certain first. */
function Disagreements({ projectId, report: data }: { projectId: number; report: AnnotatorsReport }) {
  const [all, setAll] = useState(false);
  const rows = all ? data.disagreements : data.disagreements.slice(0, SHOWN);
  return <>
    {data.note && <p className="small muted" role="status">{data.note}</p>}
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
  </>;
}
