/** The records an owner's action of the data browser acts on (deleting them, setting their
 * values): those the filter matches, or every record of the project without one. Offered
 * once the exact count is known, that count is sent as ``expected``: the server refuses
 * when the selection holds another number by then. */
import type { ReactNode } from "react";
import { ApiError } from "./api";
import { activeCount, apiConditions, describe, type Filters, type Names } from "./filters";

export const records = (n: number) => `${n.toLocaleString()} record${n === 1 ? "" : "s"}`;

/** The filter in words, e.g. "sentiment: manual label is negative; search “awful”". */
export function filterText(filters: Filters, names: Names): string {
  const text = filters.search.trim();
  const search = filters.searchAttribute ? `${filters.searchAttribute} contains “${text}”` : `search “${text}”`;
  return [...filters.conditions.map((c) => describe(c, names)), ...(text ? [search] : [])].join("; ");
}

export interface Selection {
  /** whether a filter narrows it (else: every record of the project) */
  filtered: boolean;
  /** the number shown (0 until it is known exactly) */
  count: number;
  /** the API's filter conditions */
  conditions: object[];
  /** whether the action is offered: the exact count is known, and some records match */
  offered: boolean;
}

/** The selection of ``filters``, ``known`` their exact count (null while it is not known,
 * or only capped). */
export function selectionOf(filters: Filters, known: number | null): Selection {
  const count = known ?? 0;
  return { filtered: activeCount(filters) > 0, count, conditions: apiConditions(filters), offered: count > 0 };
}

/** An action on the selection: "Delete 3 records", or "Delete all 30 records" when no
 * filter narrows it. */
export const onSelection = (verb: string, { filtered, count }: Selection) =>
  filtered || count === 1 ? `${verb} ${records(count)}` : `${verb} all ${records(count)}`;

/** The selection in words: "The 3 records that match the filter **search “awful”**" (with a
 * filter; ``children`` follow), or ``everything`` without one. */
export function SelectionWords({ selection, filters, names, everything, children }: {
  selection: Selection; filters: Filters; names: Names; everything: ReactNode; children: ReactNode;
}) {
  return selection.filtered
    ? <p>The {records(selection.count)} that match the filter <b>{filterText(filters, names)}</b> {children}</p>
    : <p>{everything}</p>;
}

/** Whether the server refused because the selection holds another number of records than
 * the one shown (the list is to be counted again). */
export const isRecounted = (error: unknown) => error instanceof ApiError && error.status === 409
  && error.field === "expected";
