/** A learner's held-out metrics per label, its warnings, and its vote threshold: the slider
 * previews the vote count and the votes' precision against the reference labels (computed
 * by the server from the stored predictions at every step) as it moves; applying it changes
 * the votes without refitting. Also the auto-refit interval. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { get, patch } from "../api";
import type { Heuristic, HeuristicRun, Task } from "../types";
import { Button, ErrorAlert, Field } from "../ui";
import { percent } from "./StatsTable";

export interface ThresholdPoint { threshold: number; votes: number; judged: number; correct: number; precision: number | null }
interface ThresholdPreview { run_id: number | null; points: ThresholdPoint[] }
interface LabelMetric { label: string; precision: number; recall: number; f1: number; support: number }

/** The preview point of a threshold (the server sweeps steps of 0.01). */
export function pointAt(points: ThresholdPoint[], threshold: number): ThresholdPoint | undefined {
  const step = Math.round(threshold * 100);
  return points.find((p) => Math.round(p.threshold * 100) === step);
}

function PreviewLine({ point, threshold }: { point: ThresholdPoint | undefined; threshold: number }) {
  if (!point) return <span aria-label="vote preview" className="faint">…</span>;
  return (
    <span aria-label="vote preview">
      <b>{point.votes}</b> votes at {threshold.toFixed(2)}
      {" · "}{point.precision === null
        ? <span className="muted">no reference labels to judge them</span>
        : <>precision <b>{percent(point.precision)}</b> <span className="muted">({point.correct} of {point.judged} with a reference)</span></>}
    </span>
  );
}

export function LearnerPanel({ projectId, heuristic, task, canEdit }: {
  projectId: number; heuristic: Heuristic; task: Task; canEdit: boolean;
}) {
  const client = useQueryClient();
  const run = heuristic.last_run?.status === "succeeded" ? heuristic.last_run : null;
  const detail = useQuery({ queryKey: ["projects", projectId, "runs", run?.id], enabled: run !== null,
    queryFn: () => get<HeuristicRun>(`/projects/${projectId}/runs/${run!.id}`) });
  const preview = useQuery({ queryKey: ["projects", projectId, "heuristics", "threshold-preview", heuristic.id, run?.id],
    enabled: run !== null,
    queryFn: () => get<ThresholdPreview>(`/projects/${projectId}/heuristics/${heuristic.id}/threshold-preview`) });
  const points = preview.data?.points ?? [];
  const inForce = heuristic.vote_threshold ?? 0;
  const [threshold, setThreshold] = useState(inForce);
  useEffect(() => setThreshold(inForce), [inForce]);
  const [refit, setRefit] = useState(String(heuristic.auto_refit_every ?? ""));
  const apply = useMutation({
    mutationFn: (body: Record<string, unknown>) => patch(`/projects/${projectId}/heuristics/${heuristic.id}`, body),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["projects", projectId, "heuristics"] });
      void client.invalidateQueries({ queryKey: ["projects", projectId, "stats"] });
    },
  });
  const metrics = (detail.data?.metrics ?? {}) as { held_out?: { accuracy?: number; labels?: LabelMetric[] }; n_labelled?: number; warnings?: string[] };
  const warnings = metrics.warnings ?? [];
  return (
    <div className="panel" aria-label="learner">
      <div className="panel-head"><h2>Learner</h2>
        {metrics.n_labelled !== undefined && <span className="small muted">fitted on {metrics.n_labelled} labelled records</span>}</div>
      <div className="panel-body stack">
        {!run ? <span className="faint small">Run it to fit the model and see its held-out metrics.</span> : <>
          {metrics.held_out && <table className="table held-out" aria-label="held-out metrics">
            <thead><tr><th>Label</th><th>Precision</th>
              <th title="Recall: share of the held-out records labelled L that the model predicts L">Recall</th>
              <th>F1</th><th>Labels</th></tr></thead>
            <tbody>{(metrics.held_out.labels ?? []).map((l) => (
              <tr key={l.label}><td>{l.label}</td><td>{percent(l.precision)}</td><td>{percent(l.recall)}</td><td>{percent(l.f1)}</td><td>{l.support}</td></tr>
            ))}</tbody>
          </table>}
          {metrics.held_out?.accuracy !== undefined && <span className="small">Held-out accuracy <b>{percent(metrics.held_out.accuracy)}</b></span>}
          {warnings.map((w) => <div key={w} className="alert warn" role="note">{w[0].toUpperCase() + w.slice(1)}.</div>)}
          <Field label={`Vote threshold (min_confidence): ${threshold.toFixed(2)}`}
            hint={task.kind === "extraction" ? "Spans below it do not vote." : "Predictions below it do not vote."}>
            <input type="range" min={0} max={1} step={0.01} value={threshold} aria-label="Vote threshold" disabled={!canEdit}
              onChange={(e) => setThreshold(Number(e.target.value))} />
          </Field>
          <div className="row">
            <PreviewLine point={pointAt(points, threshold)} threshold={threshold} />
            {pointAt(points, inForce) && <span className="small muted">({pointAt(points, inForce)!.votes} now)</span>}
            <span className="spacer" />
            {canEdit && <Button small variant="primary" busy={apply.isPending} disabled={threshold === inForce}
              onClick={() => apply.mutate({ min_confidence: threshold })}>Apply threshold</Button>}
          </div>
        </>}
        {canEdit && <div className="row">
          <Field label="Refit after this many new labels (0: never)">
            <input className="input" type="number" min={0} value={refit} aria-label="Auto refit" onChange={(e) => setRefit(e.target.value)} />
          </Field>
          <Button small onClick={() => apply.mutate({ auto_refit_every: refit === "" ? null : Number(refit) })}>Set</Button>
        </div>}
        <ErrorAlert error={preview.error} />
        <ErrorAlert error={apply.error} />
      </div>
    </div>
  );
}
