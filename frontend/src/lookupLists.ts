/** The project's lookup lists as the pages share them, and terms as the server keeps them. */
import { useQuery } from "@tanstack/react-query";
import { get } from "./api";
import type { LookupListSummary } from "./types";

/** The lists' summaries. ``staleTime`` 0 by default: a list that follows a label changes as
 * spans are marked on other pages; a page that only needs the lists' names may wait longer
 * (the labeling page, which must not ask again for every record). */
export const useLookupLists = (projectId: number, staleTime = 0) => useQuery({
  queryKey: ["projects", projectId, "lookup-lists"],
  queryFn: () => get<{ data: LookupListSummary[] }>(`/projects/${projectId}/lookup-lists`).then((p) => p.data),
  staleTime,
});

/** A term as the server keeps it: trimmed, each run of white space inside one space. */
export const cleanTerm = (term: string) => term.trim().replace(/\s+/g, " ");

/** The terms of a text, one per line, as the server keeps them (cleaned, no empty ones,
 * no repeats). */
export function termsOf(text: string): string[] {
  return [...new Set(text.split(/\r?\n/).map(cleanTerm).filter(Boolean))];
}
