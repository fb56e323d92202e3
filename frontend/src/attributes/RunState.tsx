/** A computed attribute's latest run as a person reads it: a progress bar while it waits
 * (and what for) or runs, how many records have a value once it succeeded, its error once
 * it failed. */
import { useQuery } from "@tanstack/react-query";
import { get } from "../api";
import type { AttributeRun, RunDetail } from "../types";
import { Badge, Progress, runTone } from "../ui";

const WAITING_POLL_MS = 2000;

/** "1 record", "30 new records". */
const count = (n: number, noun = "record") => `${n.toLocaleString()} ${noun}${n === 1 ? "" : "s"}`;

/** "28 of 30 records have a value"; a run over newly imported records only says how many
 * it computed. */
export function valuesText(run: AttributeRun): string {
  const withValue = run.metrics?.records_with_value;
  if (withValue === undefined) return `${count(run.total_items)} computed`;
  const have = withValue === 1 ? "has" : "have";
  if (run.params?.only_missing) {
    return `${count(run.total_items, "new record")} computed; ${count(withValue)} ${have} a value`;
  }
  return `${withValue.toLocaleString()} of ${count(run.total_items)} ${have} a value`;
}

export function RunState({ projectId, run }: { projectId: number; run: AttributeRun }) {
  return (
    <div className="run-state" aria-label="run state">
      <div className="row" style={{ flexWrap: "nowrap" }}>
        <Badge tone={runTone(run.status)}>{run.status}</Badge>
        {run.status === "queued" && <Progress value={null} label="waiting" />}
        {run.status === "running" && <>
          <Progress value={run.progress} label="computing" />
          <span className="small muted nowrap">{run.done_items.toLocaleString()}/{run.total_items.toLocaleString()}</span>
        </>}
        {run.status === "succeeded" && <span className="small" aria-label="values">{valuesText(run)}</span>}
      </div>
      {run.status === "queued" && <WaitingFor projectId={projectId} runId={run.id} />}
      {run.status === "failed" && run.error && <div className="small run-error" aria-label="run error" title={run.error}>{run.error}</div>}
    </div>
  );
}

/** What a queued run waits for (asked again every few seconds while it waits). */
function WaitingFor({ projectId, runId }: { projectId: number; runId: number }) {
  const detail = useQuery({ queryKey: ["projects", projectId, "runs", runId],
    queryFn: () => get<RunDetail>(`/projects/${projectId}/runs/${runId}`),
    refetchInterval: WAITING_POLL_MS });
  const waitingFor = detail.data?.status === "queued" ? detail.data.waiting_for : null;
  return <span className="small muted">{waitingFor ? `waiting for ${waitingFor}` : "waiting to start…"}</span>;
}
