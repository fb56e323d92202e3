/** Weak supervision of a task: choose heuristics, method, threshold, what records without a
 * vote get and whether the run repeats itself, run with progress; the result's coverage,
 * accuracy on covered and on all records (micro F1 and exact sets of label sets, exact-span
 * F1 of spans), why ``auto`` chose its method, label distribution, confusion against the
 * reference labels, staleness, and every export as a download. The
 * settings start as the latest result's, so a reload shows what it was made with. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError, download, get, post } from "../api";
import type { Heuristic, HeuristicRun, Task } from "../types";
import { Badge, Button, ErrorAlert, Field, Progress, runTone, useToast } from "../ui";
import { percent } from "./StatsTable";

interface WeakResult extends HeuristicRun { metrics: Record<string, unknown>; stale: boolean }
interface Confusion { labels: string[]; matrix: number[][] }
/** A multi-label run's confusion: per label, ``[[tn, fp], [fn, tp]]``. */
interface LabelConfusions { labels: string[]; matrix: Record<string, number[][]> }

/** The methods a task of each kind can merge its votes with. */
export function methodsFor(kind: Task["kind"]): string[] {
  if (kind === "multilabel") return ["auto", "majority", "weighted"];
  return ["auto", "majority", "weighted", "label_model", "anchored_label_model"];
}

interface Settings { method: string; threshold: number; noVote: string; autoRerun: boolean }
const DEFAULTS: Settings = { method: "auto", threshold: 0, noVote: "none", autoRerun: false };

/** The settings a run was made with (its parameters), over the defaults. */
export function settingsOf(params: Record<string, unknown> | undefined): Settings {
  const p = params ?? {};
  return {
    method: typeof p.method === "string" ? p.method : DEFAULTS.method,
    threshold: typeof p.min_confidence === "number" ? p.min_confidence : DEFAULTS.threshold,
    noVote: p.no_vote === "prior" ? "prior" : "none",
    autoRerun: p.auto_rerun === true,
  };
}

export function methodName(method: unknown): string {
  return typeof method === "string" ? method.replaceAll("_", " ") : "—";
}

/** What a task kind's agreement with the reference labels measures. */
const AGREEMENT_SCORE: Record<Task["kind"], string> = {
  classification: "accuracy", multilabel: "micro F1", extraction: "exact-span F1" };

/** What ``auto`` chose and on what evidence, from a run's metrics. */
export function autoChoice(metrics: Record<string, unknown>,
                           kind: Task["kind"] = "classification"): string {
  const agreement = (metrics.agreement_by_method ?? {}) as Record<string, number | null>;
  const chose = `auto chose ${methodName(metrics.method)}`;
  const scores = Object.entries(agreement);
  if (!scores.length) return `${chose}: too few reference labels to compare the methods`;
  const shown = scores.map(([name, score]) => `${methodName(name)} ${score === null ? "—" : percent(score)}`);
  return `${chose}: agreement with the reference labels (${AGREEMENT_SCORE[kind]}) ${shown.join(", ")}` +
    (metrics.cross_fitted ? "; the scores shown are cross-fitted (each half of the reference labels " +
      "scored with the method chosen on the other half)" : "");
}

export function exportFormats(task: Task): string[] {
  return ["csv", "jsonl", "parquet", "label-studio", ...(task.kind === "extraction" ? ["conll"] : [])];
}

export function WeakSupervisionPanel({ projectId, task, heuristics, canRun }: {
  projectId: number; task: Task; heuristics: Heuristic[]; canRun: boolean;
}) {
  const client = useQueryClient();
  const toast = useToast();
  const [edited, setEdited] = useState<Partial<Settings>>({});
  const [chosen, setChosen] = useState<Set<number> | null>(null);
  const picked = chosen ?? new Set(heuristics.filter((h) => h.last_run?.status === "succeeded").map((h) => h.id));
  const base = `/projects/${projectId}/tasks/${task.id}/weak-supervision`;
  const latest = useQuery({ queryKey: ["projects", projectId, "weak-supervision", task.id],
    queryFn: () => get<WeakResult>(base).catch((e) => { if (e instanceof ApiError && e.status === 404) return null; throw e; }) });
  const runs = useQuery({ queryKey: ["projects", projectId, "weak-supervision", task.id, "runs"],
    queryFn: () => get<{ data: HeuristicRun[] }>(`/projects/${projectId}/runs`, { kind: "weak_supervision", limit: 20 })
      .then((p) => p.data.find((r) => r.params?.task_id === task.id) ?? null),
    refetchInterval: (q) => (q.state.data && ["queued", "running"].includes(q.state.data.status) ? 1000 : false) });
  const result = latest.data;
  const { method, threshold, noVote, autoRerun } = { ...settingsOf(result?.params), ...edited };
  const edit = (change: Partial<Settings>) => setEdited((before) => ({ ...before, ...change }));
  const start = useMutation({
    mutationFn: () => post(base, { method, min_confidence: threshold, heuristic_ids: [...picked],
      auto_rerun: autoRerun, ...(task.kind === "classification" ? { no_vote: noVote } : {}) }),
    onSuccess: () => client.invalidateQueries({ queryKey: ["projects", projectId, "weak-supervision", task.id] }),
  });
  const run = runs.data;
  const active = run && ["queued", "running"].includes(run.status);
  const m = (result?.metrics ?? {}) as Record<string, unknown>;
  const distribution = (m.distribution ?? {}) as Record<string, number>;
  const most = Math.max(1, ...Object.values(distribution));
  const confusion = m.confusion as Confusion | LabelConfusions | undefined;
  return (
    <div className="panel" aria-label="weak supervision">
      <div className="panel-head"><h2>Weak supervision</h2>
        {result?.stale && <Badge tone="warn" title="the heuristics or the records changed since this run">stale: run again</Badge>}</div>
      <div className="panel-body ws-grid">
        <div className="stack">
          <fieldset className="ws-heuristics">
            <legend className="small muted">Heuristics</legend>
            {heuristics.map((h) => (
              <label key={h.id} className="check">
                <input type="checkbox" checked={picked.has(h.id)} onChange={(e) => {
                  const next = new Set(picked);
                  if (e.target.checked) next.add(h.id); else next.delete(h.id);
                  setChosen(next);
                }} /> {h.name}
              </label>
            ))}
          </fieldset>
          <Field label="Method">
            <select className="select" aria-label="Method" value={method} onChange={(e) => edit({ method: e.target.value })}>
              {methodsFor(task.kind).map((x) => <option key={x} value={x}>{methodName(x)}</option>)}
            </select>
          </Field>
          <Field label={`Minimum confidence: ${threshold.toFixed(2)}`}>
            <input type="range" min={0} max={1} step={0.05} value={threshold} aria-label="Minimum confidence"
              onChange={(e) => edit({ threshold: Number(e.target.value) })} />
          </Field>
          {task.kind === "classification" && <Field label="Records no heuristic voted on"
            hint={noVote === "prior" ? "each gets the most frequent label, less confident than any voted one" : undefined}>
            <select className="select" aria-label="Records no heuristic voted on" value={noVote}
              onChange={(e) => edit({ noVote: e.target.value })}>
              <option value="none">no weak label</option>
              <option value="prior">the class prior's label</option>
            </select>
          </Field>}
          <label className="check small">
            <input type="checkbox" checked={autoRerun} onChange={(e) => edit({ autoRerun: e.target.checked })} />
            Run again whenever a heuristic's output changes
          </label>
          {canRun && <Button variant="primary" busy={start.isPending} disabled={picked.size === 0 || Boolean(active)}
            onClick={() => start.mutate()}>Run weak supervision</Button>}
          <ErrorAlert error={start.error} />
          {run && <div className="row" style={{ flexWrap: "nowrap" }} aria-label="weak supervision run">
            <Badge tone={runTone(run.status)}>{run.status}</Badge>
            {active && <Progress value={run.progress} label="weak supervision progress" />}
            {run.status === "failed" && <span className="small" style={{ color: "var(--danger)" }}>{run.error}</span>}
          </div>}
        </div>
        {result ? (
          <div className="stack">
            <div className="metrics" aria-label="weak supervision metrics">
              <Metric name="Coverage" value={percent(m.coverage as number)} />
              {task.kind === "classification" ? <>
                <Metric name="Accuracy on covered" value={percent(m.accuracy as number | null)}
                  note={referenced(m.compared)} />
                <Metric name="Accuracy on all" value={percent(m.accuracy_all as number | null)}
                  note={referenced(m.compared_all)} more={guessed(m)} />
              </> : <>
                <Metric name={task.kind === "extraction" ? "Exact-span F1" : "Micro F1"}
                  value={percent(m.micro_f1 as number | null)} note={referenced(m.compared)} />
                {task.kind === "multilabel" && <Metric name="Exact label sets"
                  value={percent(m.accuracy as number | null)} note={referenced(m.compared)} />}
              </>}
              <Metric name="Weakly labelled" value={String(m.weakly_labelled ?? "—")}
                note={m.no_vote === "prior" ? `${m.from_prior ?? 0} from the class prior` : undefined} />
              <Metric name="Method" value={methodName(m.method)} />
            </div>
            {result.params?.method === "auto" && m.method !== undefined &&
              <p className="small muted" aria-label="auto choice">{autoChoice(m, task.kind)}</p>}
            {result.params?.method !== "auto" && Boolean(m.cross_fitted) &&
              <p className="small muted" aria-label="cross-fitted">{methodName(m.method)} learns
                from the reference labels: the scores shown are cross-fitted (each half of the
                reference labels scored by the method fitted on the other half's)</p>}
            {typeof m.abstentions === "string" &&
              <p className="small muted" aria-label="label model abstentions"
                title="A rule that votes one label and stays silent says a little against its label, if rules fire independently given the label; the label model counts that only where the votes show it">
                Label model: {m.abstentions}</p>}
            <div className="grid2">
              <div>
                <h3>Label distribution</h3>
                {Object.entries(distribution).map(([label, count]) => (
                  <div key={label} className="bar-row">
                    <span className="bar-name">{label}</span>
                    <span className="bar"><span style={{ width: `${(count / most) * 100}%`, background: task.labels.find((l) => l.name === label)?.color }} /></span>
                    <span className="small mono">{count}</span>
                  </div>
                ))}
              </div>
              {confusion && <ConfusionTable confusion={confusion} kind={task.kind} />}
            </div>
            <div className="row">
              <span className="small muted">Download:</span>
              {exportFormats(task).map((f) => (
                <Button key={f} small onClick={() => download(`${base}/export?format=${f}`,
                  `${task.name}-weak.${f === "label-studio" ? "label-studio.json" : f}`).catch((e) => toast(e.message))}>{f}</Button>
              ))}
              <Button small onClick={() => download(`${base}/label-matrix`, "label_matrix.npz").catch((e) => toast(e.message))}>label matrix</Button>
            </div>
          </div>
        ) : <div className="empty">No weak labels yet{heuristics.length ? ": run weak supervision." : "."}</div>}
      </div>
    </div>
  );
}

function referenced(count: unknown): string | undefined {
  return typeof count === "number" ? `of ${count} with a reference` : undefined;
}

/** How the records with a reference but no weak label count in the accuracy on all: the
 * scoring rule's share of a tie among every label. */
export function guessed(m: Record<string, unknown>): string | undefined {
  const labels = Object.keys((m.distribution as object | undefined) ?? {}).length;
  return typeof m.guessed === "number" && m.guessed > 0 && labels > 1
    ? `${m.guessed} with no weak label count 1/${labels} each` : undefined;
}

/** The weak labels against the reference labels: a confusion matrix (of tokens for spans),
 * or per label of a multi-label task its true and false positives and negatives. */
function ConfusionTable({ confusion, kind }: { confusion: Confusion | LabelConfusions;
                                               kind: Task["kind"] }) {
  if (!Array.isArray(confusion.matrix)) {
    const perLabel = confusion.matrix;
    return <div>
      <h3>Per label (against the reference label sets)</h3>
      <table className="table confusion" aria-label="confusion per label">
        <thead><tr><th />{["true negatives", "false positives", "false negatives", "true positives"]
          .map((h) => <th key={h}>{h}</th>)}</tr></thead>
        <tbody>{confusion.labels.map((label) => (
          <tr key={label}><th>{label}</th>{(perLabel[label] ?? [[0, 0], [0, 0]]).flat().map((n, j) =>
            <td key={j} className={!n ? "" : j === 0 || j === 3 ? "diag" : "off"}>{n}</td>)}</tr>
        ))}</tbody>
      </table>
    </div>;
  }
  const matrix = confusion.matrix;
  return <div>
    <h3>Confusion{kind === "extraction" ? " of tokens" : ""} (rows: reference, columns: weak)</h3>
    <table className="table confusion" aria-label="confusion matrix">
      <thead><tr><th />{confusion.labels.map((l) => <th key={l}>{l}</th>)}</tr></thead>
      <tbody>{matrix.map((row, i) => (
        <tr key={i}><th>{confusion.labels[i]}</th>{row.map((n, j) => <td key={j} className={!n ? "" : i === j ? "diag" : "off"}>{n}</td>)}</tr>
      ))}</tbody>
    </table>
  </div>;
}

function Metric({ name, value, note, more }: { name: string; value: string; note?: string;
                                               more?: string }) {
  return <div className="metric"><span className="small muted">{name}</span><b>{value}</b>
    {note && <span className="small muted">{note}</span>}
    {more && <span className="small muted">{more}</span>}</div>;
}
