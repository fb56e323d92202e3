/** The project's lookup lists as the pages share them. */
import { useQuery } from "@tanstack/react-query";
import { get } from "./api";
import type { LookupListSummary } from "./types";

export const useLookupLists = (projectId: number) => useQuery({
  queryKey: ["projects", projectId, "lookup-lists"],
  queryFn: () => get<{ data: LookupListSummary[] }>(`/projects/${projectId}/lookup-lists`).then((p) => p.data),
  staleTime: 0,   // a list that follows a label changes as spans are marked on other pages
});
