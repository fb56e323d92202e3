/** Simulation of active learning on the task's reference labels: a strategy against random
 * sampling from the same seed set, run on the workers with its progress shown, and its
 * learning curves (a held-out score against labels used) drawn as a chart. The scores
 * follow the task's kind: accuracy (classes), exact-match accuracy (label sets) or span F1
 * (spans), each beside macro-F1. */
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { get, post } from "../api";
import type { Run, Task } from "../types";
import { Badge, Button, ErrorAlert, Field, Progress, runTone } from "../ui";
import { DEFAULT_STRATEGY, type StrategyChoice } from "./queue";

export type Curve = { labels_used: number[] } & Record<string, number[]>;
export interface Curves {
  strategy: Curve; random: Curve; strategy_name: string; n_records: number;
  /** What the strategy ranked by for the task's kind (runs before it: its name). */
  ranked_by?: string;
  /** The held-out scores the curves hold, the main one first (runs before it: accuracy, macro-F1). */
  metrics?: string[];
}
type Metric = string;

const METRIC_NAMES: Record<string, string> = {
  accuracy: "accuracy", subset_accuracy: "exact-match accuracy", span_f1: "span F1", macro_f1: "macro-F1",
};
export const metricName = (metric: Metric) => METRIC_NAMES[metric] ?? metric;
export const curveMetrics = (curves: Curves) => curves.metrics ?? ["accuracy", "macro_f1"];
const rankedBy = (curves: Curves) => curves.ranked_by ?? curves.strategy_name.replaceAll("_", " ");

const WIDTH = 520;
const HEIGHT = 240;
const PAD = { left: 44, right: 12, top: 12, bottom: 32 };

/** SVG path ("M x y L x y ...") of a curve, and the axes' ticks, in a chart of WIDTH x HEIGHT:
 * x spans the labels used by either curve, y the metric's range (padded, within 0..1). */
export function chartGeometry(curves: Curves, metric: Metric) {
  const xs = [...curves.strategy.labels_used, ...curves.random.labels_used];
  const ys = [...curves.strategy[metric], ...curves.random[metric]];
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const low = Math.max(0, Math.floor((Math.min(...ys) - 0.02) * 20) / 20);
  const high = Math.min(1, Math.ceil((Math.max(...ys) + 0.02) * 20) / 20);
  const x = (v: number) => PAD.left + ((v - x0) / (x1 - x0 || 1)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - ((v - low) / (high - low || 1)) * (HEIGHT - PAD.top - PAD.bottom);
  const path = (curve: Curve) => curve.labels_used
    .map((used, i) => `${i ? "L" : "M"}${x(used).toFixed(1)} ${y(curve[metric][i]).toFixed(1)}`).join(" ");
  const steps = 4;
  return {
    strategy: path(curves.strategy),
    random: path(curves.random),
    xTicks: Array.from({ length: steps + 1 }, (_, i) => Math.round(x0 + ((x1 - x0) * i) / steps))
      .map((v) => ({ at: x(v), label: String(v) })),
    yTicks: Array.from({ length: steps + 1 }, (_, i) => low + ((high - low) * i) / steps)
      .map((v) => ({ at: y(v), label: v.toFixed(2) })),
  };
}

export function LearningCurveChart({ curves, metric }: { curves: Curves; metric: Metric }) {
  const g = chartGeometry(curves, metric);
  const name = metricName(metric);
  return (
    <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" className="curve-chart"
      aria-label={`held-out ${name} against labels used: ${rankedBy(curves)} and random`}>
      {g.yTicks.map((t) => <g key={`y${t.label}`}>
        <line x1={PAD.left} x2={WIDTH - PAD.right} y1={t.at} y2={t.at} className="grid" />
        <text x={PAD.left - 6} y={t.at + 4} textAnchor="end">{t.label}</text></g>)}
      {g.xTicks.map((t) => <text key={`x${t.at}`} x={t.at} y={HEIGHT - PAD.bottom + 16} textAnchor="middle">{t.label}</text>)}
      <text x={(WIDTH + PAD.left) / 2} y={HEIGHT - 2} textAnchor="middle" className="axis-name">labels used</text>
      <path d={g.random} className="random" data-testid="random-curve" />
      <path d={g.strategy} className="strategy" data-testid="strategy-curve" />
    </svg>
  );
}

const signed = (value: number) => `${value < 0 ? "−" : "+"}${Math.abs(value).toFixed(3)}`;

/** The curves' numbers: per budget, the strategy's score, random's and the difference. */
export function LearningCurveTable({ curves, metric }: { curves: Curves; metric: Metric }) {
  const random = new Map(curves.random.labels_used.map((used, i) => [used, curves.random[metric]?.[i]]));
  return (
    <div className="curve-table">
      <table className="table" aria-label={`${metricName(metric)} per budget`}>
        <thead><tr><th>labels</th><th title={rankedBy(curves)}>strategy</th><th>random</th><th>difference</th></tr></thead>
        <tbody>
          {curves.strategy.labels_used.map((used, i) => {
            const ours = curves.strategy[metric]?.[i];
            const base = random.get(used);
            const gap = ours !== undefined && base !== undefined ? Math.round((ours - base) * 1000) / 1000 : undefined;
            return (
              <tr key={used}>
                <td>{used}</td><td>{ours?.toFixed(3) ?? "-"}</td><td>{base?.toFixed(3) ?? "-"}</td>
                <td className={gap ? (gap > 0 ? "ahead" : "behind") : undefined}>{gap === undefined ? "-" : signed(gap)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

const KIND_NOTES: Record<string, string> = {
  multilabel: "Multi-label tasks: the strategy asks for the records whose least certain label is closest to 0.5; "
    + "the curves show exact-match accuracy (the whole label set right) and macro-F1 over labels.",
  extraction: "Span tasks: the strategy asks for the least confident token sequences (by default after cold start: until 60 labels, "
    + "the records nearest the centres of clusters of their mean token vectors), or the least confident predicted span; "
    + "the curves show exact-span F1 and macro-F1 over span labels.",
};

function last(values: number[]): number | undefined { return values[values.length - 1]; }

/** Start a simulation of the task's queue (one of `strategies`, the queue's choices) and
 * draw its learning curves against random sampling. */
export function SimulationPanel({ projectId, task, strategies }: { projectId: number; task: Task; strategies: StrategyChoice[] }) {
  const [form, setForm] = useState({ strategy: DEFAULT_STRATEGY, seed_size: "20", batch_size: "20", budget: "200" });
  const [chosenMetric, setMetric] = useState<Metric | undefined>(undefined);
  const start = useMutation({
    mutationFn: () => post<Run>(`/projects/${projectId}/tasks/${task.id}/simulations`, {
      strategy: form.strategy, seed_size: Number(form.seed_size), batch_size: Number(form.batch_size),
      budget: Number(form.budget) }),
  });
  const runId = start.data?.id;
  const run = useQuery({
    queryKey: ["projects", projectId, "runs", runId], enabled: runId !== undefined,
    queryFn: () => get<Run & { metrics: { curves?: Curves } }>(`/projects/${projectId}/runs/${runId}`),
    refetchInterval: (query) => (["queued", "running"].includes(query.state.data?.status ?? "queued") ? 1000 : false),
  });
  const curves = run.data?.status === "succeeded" ? run.data.metrics.curves : undefined;
  const metrics = curves ? curveMetrics(curves) : [];
  const metric = chosenMetric && metrics.includes(chosenMetric) ? chosenMetric : metrics[0];
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });
  return (
    <div className="panel" aria-label="simulation">
      <div className="panel-head"><h2>Simulate on the reference labels</h2>
        <span className="small muted">a strategy against random sampling, from the same seed labels</span></div>
      <div className="panel-body stack">
        <div className="row">
          <Field label="Strategy">
            <select className="select" aria-label="Simulated strategy" value={form.strategy} onChange={set("strategy")}>
              {strategies.filter((s) => s.name !== "random").map((s) => <option key={s.name} value={s.name}>{s.ranks_by}</option>)}
            </select>
          </Field>
          <Field label="Seed labels"><input className="input" type="number" min={1} aria-label="Seed labels" value={form.seed_size} onChange={set("seed_size")} /></Field>
          <Field label="Batch"><input className="input" type="number" min={1} aria-label="Batch size" value={form.batch_size} onChange={set("batch_size")} /></Field>
          <Field label="Budget"><input className="input" type="number" min={1} aria-label="Budget" value={form.budget} onChange={set("budget")} /></Field>
          <Button variant="primary" busy={start.isPending} onClick={() => start.mutate()}>Run simulation</Button>
        </div>
        {task.kind !== "classification" && <p className="small muted">{KIND_NOTES[task.kind]}</p>}
        <ErrorAlert error={start.error ?? run.error} />
        {run.data && <div className="row">
          <Badge tone={runTone(run.data.status)}>{run.data.status}</Badge>
          {["queued", "running"].includes(run.data.status) && <Progress value={run.data.progress} label="simulation progress" />}
          {run.data.error && <span role="alert" className="small" style={{ color: "var(--danger)" }}>{run.data.error}</span>}
        </div>}
        {curves && metric && <>
          <div className="row">
            <select className="select" aria-label="Curve metric" value={metric} onChange={(e) => setMetric(e.target.value)}>
              {metrics.map((m) => <option key={m} value={m}>{metricName(m)}</option>)}
            </select>
            <span className="legend strategy">{rankedBy(curves)}</span><span className="legend random">random</span>
            <span className="spacer" />
            <span aria-label="final scores" className="small">
              at {last(curves.strategy.labels_used)} labels: <b>{last(curves.strategy[metric])?.toFixed(3)}</b> vs random {last(curves.random[metric])?.toFixed(3)}
              {" "}({curves.n_records} records with a reference)
            </span>
          </div>
          <div className="curve-results">
            <LearningCurveChart curves={curves} metric={metric} />
            <LearningCurveTable curves={curves} metric={metric} />
          </div>
        </>}
      </div>
    </div>
  );
}
