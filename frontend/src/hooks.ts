/** Queries shared by the pages (TanStack Query keys follow the API's paths). */
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { get } from "./api";
import type { Attribute, AttributeValues, Heuristic, Member, Page, Project, Role, Task, User } from "./types";

export const useMe = () => useQuery({ queryKey: ["me"], queryFn: () => get<User>("/me"),
  staleTime: 60_000, retry: false });

export const useProject = (id: number) => useQuery({ queryKey: ["projects", id],
  queryFn: () => get<Project>(`/projects/${id}`) });

export const useTasks = (id: number) => useQuery({ queryKey: ["projects", id, "tasks"],
  queryFn: () => get<Page<Task>>(`/projects/${id}/tasks`).then((p) => p.data) });

export const useAttributes = (id: number) => useQuery({ queryKey: ["projects", id, "attributes"],
  queryFn: () => get<Attribute[]>(`/projects/${id}/attributes`) });

/** An attribute's values in the project's records with their counts, the most frequent
 * first (``search``: those containing it); while another search is asked, the previous
 * answer of the same attribute stays. ``enabled``: asked only while something shows them. */
export const useAttributeValues = (id: number, attributeId: number | undefined,
  { search = "", limit = 100, enabled = true }: { search?: string; limit?: number; enabled?: boolean } = {}) =>
  useQuery({ queryKey: ["projects", id, "attributes", attributeId, "values", { search, limit }],
    queryFn: ({ signal }) => get<AttributeValues>(`/projects/${id}/attributes/${attributeId}/values`,
      { limit, search: search || undefined }, signal),
    enabled: enabled && attributeId !== undefined, staleTime: 30_000,
    // the same attribute's previous answer (another search) while this one comes
    placeholderData: (previous, query) => (query?.queryKey[3] === attributeId ? previous : undefined) });

export const useHeuristics = (id: number) => useQuery({ queryKey: ["projects", id, "heuristics", "all"],
  queryFn: () => get<Page<Heuristic>>(`/projects/${id}/heuristics`).then((p) => p.data) });

export const useMembers = (id: number) => useQuery({ queryKey: ["projects", id, "members"],
  queryFn: () => get<Member[]>(`/projects/${id}/members`) });

const RANK: Record<Role, number> = { viewer: 0, annotator: 1, owner: 2 };

/** The signed-in user's role in the project (admins are owners everywhere). */
export function useRole(projectId: number): Role | null {
  const me = useMe().data;
  const members = useMembers(projectId).data;
  if (!me) return null;
  if (me.is_admin) return "owner";
  return members?.find((m) => m.user === me.name)?.role ?? null;
}

export const atLeast = (role: Role | null, minimum: Role) =>
  role !== null && RANK[role] >= RANK[minimum];

/** While ``active`` (something typed is unsaved), leaving or reloading the page asks first. */
export function useLeaveWarning(active: boolean): void {
  useEffect(() => {
    if (!active) return;
    const warn = (event: BeforeUnloadEvent) => { event.preventDefault(); event.returnValue = ""; };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [active]);
}
