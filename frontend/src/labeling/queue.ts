/** The active-learning queue as the Labeling page walks it (GET .../tasks/{task}/next). */
import type { RecordRow, TaskKind } from "../types";

export interface StopHint {
  stop: boolean; kappas: number[]; mean_kappa: number | null; uncertainty: number; message: string;
}
export interface QueueItem { record: RecordRow; score: number; reason: string }
export interface NextBatch {
  task_id: number; strategy: string; model: string; data: QueueItem[]; count: number;
  lease_expires_at: string; refit_pending: boolean; stop: StopHint | null; notes: string[];
}

export const STRATEGIES = ["margin_after_cold_start", "margin", "least_confidence", "entropy", "margin_diverse", "random"] as const;

/** The strategies that rank a task's queue differently: every one for classification; for
 * multi-label tasks every strategy but random ranks by the least certain label; extraction
 * tasks by the least confident token sequence, after cold start with the default
 * (`margin_diverse`: the least confident predicted span). */
export function strategiesFor(kind: TaskKind): readonly string[] {
  if (kind === "multilabel") return ["margin_after_cold_start", "random"];
  if (kind === "extraction") return ["margin_after_cold_start", "margin", "margin_diverse", "random"];
  return STRATEGIES;
}

/** A strategy's name as people read it: `margin_after_cold_start` -> "margin after cold
 * start"; for the other kinds of task, what it ranks by there (see `strategiesFor`). */
export function strategyName(name: string, kind: TaskKind = "classification"): string {
  if (kind === "multilabel" && name !== "random") return "least certain label";
  if (kind === "extraction" && name !== "random") {
    if (name === "margin_after_cold_start") return "cold start, then least confident token sequence";
    return name === "margin_diverse" ? "least confident predicted span" : "least confident token sequence";
  }
  return name.replaceAll("_", " ");
}

/** Each record of the batch by id, for the reason and score of the one on screen. */
export function itemsById(batch: NextBatch | undefined): Map<number, QueueItem> {
  return new Map((batch?.data ?? []).map((item) => [item.record.id, item]));
}

/** The batch is done once every record of it was labelled (or skipped): time for the next. */
export function batchDone(batch: NextBatch | undefined, done: ReadonlySet<number>): boolean {
  return !!batch && batch.data.length > 0 && batch.data.every((item) => done.has(item.record.id));
}

/** The stopping hint in one line, and whether it says stop: the criteria's numbers, or why
 * there are none yet. */
export function stopLine(batch: NextBatch | undefined): { stop: boolean; text: string } | null {
  if (!batch) return null;
  if (!batch.stop) {
    return { stop: false, text: batch.model === "cold start" || batch.model === "random sample"
      ? "No model yet: label a few records of each kind; the stopping criteria start after the first refit."
      : "The stopping criteria report after the default learner's refits." };
  }
  return { stop: batch.stop.stop, text: batch.stop.message };
}

/** How strongly the strategy asks for a record, for the badge beside the reason. */
export function scoreText(score: number): string {
  return score === 0 ? "—" : score.toFixed(score >= 0.995 ? 3 : 2);
}
