/** The active-learning queue as the Labeling page walks it (GET .../tasks/{task}/next). */
import type { RecordRow } from "../types";

export interface StopHint {
  stop: boolean; kappas: number[]; mean_kappa: number | null; uncertainty: number; message: string;
}
export interface QueueItem { record: RecordRow; score: number; reason: string }
export interface NextBatch {
  task_id: number; strategy: string; model: string; data: QueueItem[]; count: number;
  lease_expires_at: string; refit_pending: boolean; stop: StopHint | null; notes: string[];
}

/** A strategy the task's queue can rank by, with what it asks for first in words (the API
 * lists only those that rank the task's kind of records differently). */
export interface StrategyChoice { name: string; ranks_by: string }
export interface QueueSettings {
  task_id: number; strategy: string; ranks_by: string; strategies: StrategyChoice[]; batch_size: number;
}

/** The strategy the simulation form starts with: the queue's default for every kind of task. */
export const DEFAULT_STRATEGY = "margin_after_cold_start";

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
