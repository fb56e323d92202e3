/** Deleted records as the pages follow them: the cache read again after a deletion, and the
 * project's ``records.deleted`` events (followed with edits by recordEditing's
 * useRecordEvents). */
import type { QueryClient } from "@tanstack/react-query";
import { ApiError } from "./api";
import type { ServerEvent } from "./events";

/** What ``POST .../records/delete`` answers. */
export interface RecordsDeleted { deleted: number; manual_labels: number; record_count: number }

/** A deletion as its event tells it: how many records went, and which (null when the event
 * does not name them, as for more than 1,000). */
export interface Deletion { count: number; ids: ReadonlySet<number> | null }

export function deletionOf(event: ServerEvent): Deletion | null {
  if (event.type !== "records.deleted") return null;
  const ids = event.data.record_ids;
  return { count: Number(event.data.count ?? 0),
    ids: Array.isArray(ids) ? new Set(ids.map(Number)) : null };
}

/** Whether an error says the record is not there (any more). */
export const isGone = (error: unknown) => error instanceof ApiError && error.status === 404;

/** Every query of the project is read again (records, counts, statistics, heuristics, weak
 * labels, embeddings, the project's record count), but the record lists of labeling
 * sessions and queue batches: those are fixed when they start. */
export function refreshAfterDeletion(client: QueryClient, projectId: number): void {
  void client.invalidateQueries({ predicate: ({ queryKey: [root, id, what, ...rest] }) =>
    root === "projects" && (id === undefined
      || (id === projectId && what !== "session" && !rest.includes("next"))) });
}
