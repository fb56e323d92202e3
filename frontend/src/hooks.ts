/** Queries shared by the pages (TanStack Query keys follow the API's paths). */
import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { del, get, patch, post } from "./api";
import type { ServerEvent } from "./events";
import type {
  Attribute, AttributeValues, CommentsPage, CommentState, Heuristic, Member, NotificationsPage, NotificationState,
  Page, Project, RecordComment, Role, Task, User,
} from "./types";

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

/** A record's comments (its thread) in the query cache. */
export const recordCommentsKey = (projectId: number, recordId: number) =>
  ["projects", projectId, "records", recordId, "comments"];

/** A record's comments, oldest first (``enabled``: asked only while something shows them). */
export const useRecordComments = (projectId: number, recordId: number, { enabled = true }: { enabled?: boolean } = {}) =>
  useQuery({ queryKey: recordCommentsKey(projectId, recordId),
    queryFn: ({ signal }) => get<CommentsPage>(`/projects/${projectId}/records/${recordId}/comments`, undefined, signal),
    enabled, staleTime: 30_000 });

/** The project's comments in ``state``, the newest ``limit`` first, with how many are open. */
export const useProjectComments = (projectId: number, { state = "open", limit = 10 }: { state?: CommentState; limit?: number } = {}) =>
  useQuery({ queryKey: ["projects", projectId, "comments", { state, limit }],
    queryFn: ({ signal }) => get<CommentsPage>(`/projects/${projectId}/comments`, { state, limit }, signal) });

/** After a comment on ``recordId`` changed (here or, told by an event, elsewhere): its thread
 * and the project's lists of comments are read again; the data browser's pages of records
 * (their comment counts, and which records a comment filter holds) when next shown. */
export function refreshComments(client: QueryClient, projectId: number, recordId: number | null): void {
  if (recordId !== null) void client.invalidateQueries({ queryKey: recordCommentsKey(projectId, recordId) });
  else void client.invalidateQueries({ predicate: ({ queryKey: [root, id, , , what] }) =>
    root === "projects" && id === projectId && what === "comments" });
  void client.invalidateQueries({ queryKey: ["projects", projectId, "comments"] });
  // a list's pages and count are keyed by its query as JSON text, a record's own by its id
  void client.invalidateQueries({ refetchType: "none", predicate: ({ queryKey: [root, id, what, query] }) =>
    root === "projects" && id === projectId && what === "records" && typeof query === "string"
      && query.startsWith("{") });
}

/** The record a ``comments.changed`` event is about (null: another event). */
export function commentedRecord(event: ServerEvent): { recordId: number | null } | null {
  if (event.type !== "comments.changed") return null;
  const id = Number(event.data.record_id);
  return { recordId: Number.isInteger(id) ? id : null };
}

/** Writing on a record's thread: ``add`` a comment, ``change`` one (its text, or resolved or
 * not), ``remove`` one; each reads the thread and the project's comments again. */
export function useCommentActions(projectId: number, recordId: number) {
  const client = useQueryClient();
  const onSuccess = () => refreshComments(client, projectId, recordId);
  const base = `/projects/${projectId}`;
  return {
    add: useMutation({ onSuccess,
      mutationFn: (text: string) => post<RecordComment>(`${base}/records/${recordId}/comments`, { text }) }),
    change: useMutation({ onSuccess,
      mutationFn: ({ id, ...body }: { id: number; text?: string; resolved?: boolean }) =>
        patch<RecordComment>(`${base}/comments/${id}`, body) }),
    remove: useMutation({ onSuccess, mutationFn: (id: number) => del(`${base}/comments/${id}`) }),
  };
}

/** The signed-in user's notifications in the query cache (every state asked). */
export const NOTIFICATIONS_KEY = ["me", "notifications"];

/** How often the notifications are read again while a page is open. */
export const NOTIFICATIONS_POLL_MS = 30_000;

/** The signed-in user's notifications in ``state``, the newest ``limit`` first, with how many
 * are unread; read again every 30 s (``enabled``: asked only while something shows them). */
export const useNotifications = (state: NotificationState, { limit = 20, enabled = true }:
  { limit?: number; enabled?: boolean } = {}) =>
  useQuery({ queryKey: [...NOTIFICATIONS_KEY, { state, limit }], enabled,
    queryFn: ({ signal }) => get<NotificationsPage>("/me/notifications", { state, limit }, signal),
    refetchInterval: NOTIFICATIONS_POLL_MS, placeholderData: (previous) => previous });

/** Mark notifications read: some (``ids``) or all of them; the notifications are read again. */
export function useMarkRead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (which: { ids: number[] } | { all: true }) => post<{ unread: number }>("/me/notifications/read", which),
    onSuccess: () => client.invalidateQueries({ queryKey: NOTIFICATIONS_KEY }),
  });
}
