/** The project's lookup lists as the pages share them, and which of them a heuristic's
 * latest run read at an older version. */
import { useQuery } from "@tanstack/react-query";
import { get } from "./api";
import type { HeuristicRun, LookupListSummary } from "./types";

export const useLookupLists = (projectId: number) => useQuery({
  queryKey: ["projects", projectId, "lookup-lists"],
  queryFn: () => get<{ data: LookupListSummary[] }>(`/projects/${projectId}/lookup-lists`).then((p) => p.data),
  staleTime: 0,   // a list that follows a label changes as spans are marked on other pages
});

/** The lookup lists that ``run`` read (the versions it recorded as it began, of the lists
 * its code reads) and that changed since. */
export function listsChangedSince(run: HeuristicRun | null | undefined,
  lists: LookupListSummary[]): string[] {
  const read = run?.status === "succeeded" ? run.params?.lookup_lists as Record<string, number> | undefined : undefined;
  if (!read) return [];
  return lists.filter((l) => l.name in read && read[l.name] !== l.version).map((l) => l.name);
}
