/** The record-list filters of the API, as the UI holds them and writes them in the URL. */
import type { Query } from "./api";

export interface Filters {
  search: string;
  searchAttribute: string;
  taskId: number | null;
  labelled: "" | "yes" | "no";
  label: string;
  sort: string;
}

export const NO_FILTERS: Filters = {
  search: "", searchAttribute: "", taskId: null, labelled: "", label: "", sort: "id",
};

/** The query of ``GET /records``: label conditions only with a task; a label implies
 * labelled. */
export function recordQuery(filters: Filters): Query {
  const query: Query = { sort: filters.sort || "id" };
  if (filters.search.trim()) {
    query.search = filters.search.trim();
    if (filters.searchAttribute) query.search_attribute = filters.searchAttribute;
  }
  if (filters.taskId !== null) {
    if (filters.label) query.label = filters.label;
    else if (filters.labelled) query.labelled = filters.labelled === "yes";
    if (query.label || query.labelled !== undefined) query.task_id = filters.taskId;
  }
  return query;
}

export function filtersFromSearch(search: URLSearchParams): Filters {
  const task = search.get("task");
  const labelled = search.get("labelled");
  return {
    search: search.get("q") ?? "",
    searchAttribute: search.get("in") ?? "",
    taskId: task && /^\d+$/.test(task) ? Number(task) : null,
    labelled: labelled === "yes" || labelled === "no" ? labelled : "",
    label: search.get("label") ?? "",
    sort: search.get("sort") ?? "id",
  };
}

export function filtersToSearch(filters: Filters): string {
  const params = new URLSearchParams();
  if (filters.search) params.set("q", filters.search);
  if (filters.search && filters.searchAttribute) params.set("in", filters.searchAttribute);
  if (filters.taskId !== null) params.set("task", String(filters.taskId));
  if (filters.labelled) params.set("labelled", filters.labelled);
  if (filters.label) params.set("label", filters.label);
  if (filters.sort && filters.sort !== "id") params.set("sort", filters.sort);
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** How many conditions narrow the list (for the filter bar's summary). */
export function activeCount(filters: Filters): number {
  return [filters.search.trim(), filters.taskId !== null && (filters.label || filters.labelled)]
    .filter(Boolean).length;
}
