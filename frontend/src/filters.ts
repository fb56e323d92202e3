/** The record-list filter (the API's RecordFilter: conditions that all hold), the search
 * text and the sort, as the UI holds them, sends them and writes them in the URL. */
import type { Query } from "./api";
import type { Attribute, Heuristic, Task } from "./types";

export type LabelOp = "any" | "none" | "is";
export type Condition =
  | { kind: "manual_label" | "reference_label"; task_id: number; op: LabelOp; label?: string }
  | { kind: "vote"; heuristic_id: number; op: "votes" | "abstains"; label?: string }
  | { kind: "weak_label"; task_id: number; op: LabelOp; label?: string;
      min_confidence?: number; max_confidence?: number }
  | { kind: "disagreement"; task_id: number;
      between: "manual_weak" | "heuristic_reference" | "heuristics" | "annotators" }
  | { kind: "annotator"; user: string; task_id?: number; op: "labelled" | "not_labelled" }
  | { kind: "attribute"; name: string; op: "contains" | "equals" | "between";
      value?: string | number | boolean; min?: number; max?: number }
  | { kind: "gold"; task_id?: number }
  | { kind: "comment"; state: CommentFilterState };

/** Records with an open comment, a resolved one, or any comment. */
export type CommentFilterState = "open" | "resolved" | "any";

export type ConditionKind = Condition["kind"];

export interface Filters {
  conditions: Condition[];
  search: string;
  searchAttribute: string;
  /** id, external_id, an attribute, weak_confidence:<task id> or random; "-" descending */
  sort: string;
  seed: number;
}

export const NO_FILTERS: Filters = { conditions: [], search: "", searchAttribute: "", sort: "id", seed: 0 };

export const KIND_NAMES: Record<ConditionKind, string> = {
  manual_label: "Manual label", reference_label: "Reference label", vote: "Heuristic vote",
  weak_label: "Weak label", disagreement: "Disagreement", annotator: "Annotator",
  attribute: "Attribute", gold: "Gold", comment: "Comments",
};

export const COMMENT_STATES: Record<CommentFilterState, string> = {
  open: "open comments", resolved: "resolved comments", any: "any comment",
};

/** The condition "the record has an open comment". */
export const OPEN_COMMENTS: Condition = { kind: "comment", state: "open" };

export const DISAGREEMENTS: Record<string, string> = {
  manual_weak: "reference vs weak label", heuristic_reference: "a heuristic vs reference",
  heuristics: "heuristics among themselves", annotators: "annotators among themselves",
};

const isInt = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;
const isNumber = (value: unknown) => value === undefined || typeof value === "number";
const isText = (value: unknown) => value === undefined || typeof value === "string";

/** Whether ``value`` is a complete condition (the URL may hold anything). */
export function isCondition(value: unknown): value is Condition {
  if (!value || typeof value !== "object") return false;
  const c = value as Record<string, unknown>;
  switch (c.kind) {
    case "manual_label": case "reference_label":
      return isInt(c.task_id) && ["any", "none", "is"].includes(c.op as string)
        && isText(c.label) && (c.op !== "is" || !!c.label);
    case "weak_label":
      return isInt(c.task_id) && ["any", "none", "is"].includes(c.op as string) && isText(c.label)
        && (c.op !== "is" || !!c.label) && isNumber(c.min_confidence) && isNumber(c.max_confidence);
    case "vote":
      return isInt(c.heuristic_id) && ["votes", "abstains"].includes(c.op as string) && isText(c.label);
    case "disagreement":
      return isInt(c.task_id) && typeof c.between === "string" && c.between in DISAGREEMENTS;
    case "annotator":
      return typeof c.user === "string" && !!c.user && ["labelled", "not_labelled"].includes(c.op as string)
        && (c.task_id === undefined || isInt(c.task_id));
    case "attribute":
      return typeof c.name === "string" && ["contains", "equals", "between"].includes(c.op as string)
        && isNumber(c.min) && isNumber(c.max)
        && (c.op === "between" ? c.min !== undefined || c.max !== undefined
          : c.value !== undefined && c.value !== "");
    case "gold":
      return c.task_id === undefined || isInt(c.task_id);
    case "comment":
      return typeof c.state === "string" && Object.hasOwn(COMMENT_STATES, c.state);
    default:
      return false;
  }
}

/** The conditions the API gets: the filter's, and the search text as a search condition. */
export function apiConditions(filters: Filters): object[] {
  const text = filters.search.trim();
  const search = text ? [{ kind: "search", text, ...(filters.searchAttribute ? { attribute: filters.searchAttribute } : {}) }] : [];
  return [...filters.conditions, ...search];
}

/** The query of ``GET /records``: the filter as JSON, the sort and its seed. */
export function recordQuery(filters: Filters): Query {
  const query: Query = { sort: filters.sort || "id" };
  if (filters.sort.replace(/^-/, "") === "random") query.seed = filters.seed;
  const conditions = apiConditions(filters);
  if (conditions.length) query.filter = JSON.stringify({ conditions });
  return query;
}

export function filtersFromSearch(search: URLSearchParams): Filters {
  let conditions: Condition[] = [];
  try {
    const parsed: unknown = JSON.parse(search.get("f") ?? "[]");
    if (Array.isArray(parsed)) conditions = withoutNulls(parsed).filter(isCondition);
  } catch {
    conditions = [];
  }
  // the short form of a label filter (?task=3&label=spam, ?task=3&labelled=no)
  const task = search.get("task");
  if (task && /^\d+$/.test(task)) {
    const label = search.get("label");
    const labelled = search.get("labelled");
    if (label) conditions.push({ kind: "manual_label", task_id: Number(task), op: "is", label });
    else if (labelled === "yes" || labelled === "no") {
      conditions.push({ kind: "manual_label", task_id: Number(task), op: labelled === "yes" ? "any" : "none" });
    }
  }
  const seed = Number(search.get("seed") ?? 0);
  return {
    conditions,
    search: search.get("q") ?? "",
    searchAttribute: search.get("in") ?? "",
    sort: search.get("sort") || "id",
    seed: Number.isInteger(seed) && seed >= 0 ? seed : 0,
  };
}

export function filtersToSearch(filters: Filters): string {
  const params = new URLSearchParams();
  if (filters.search) params.set("q", filters.search);
  if (filters.search && filters.searchAttribute) params.set("in", filters.searchAttribute);
  if (filters.conditions.length) params.set("f", JSON.stringify(filters.conditions));
  if (filters.sort && filters.sort !== "id") params.set("sort", filters.sort);
  if (filters.sort.replace(/^-/, "") === "random") params.set("seed", String(filters.seed));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** A value without its null or undefined fields (the API writes absent fields as null). */
export function withoutNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutNulls) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, withoutNulls(v)])) as T;
  }
  return value;
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort()
      .map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** Whether two filters choose and order the same records (field order and nulls aside). */
export function sameFilters(a: Filters, b: Filters): boolean {
  const canonical = (f: Filters) => JSON.stringify(sortedKeys(withoutNulls({
    conditions: f.conditions, search: f.search.trim(), in: f.search.trim() ? f.searchAttribute : "",
    sort: f.sort || "id", seed: f.sort.replace(/^-/, "") === "random" ? f.seed : 0 })));
  return canonical(a) === canonical(b);
}

/** How many conditions narrow the list (for the filter bar's summary). */
export function activeCount(filters: Filters): number {
  return filters.conditions.length + (filters.search.trim() ? 1 : 0);
}

/** The first task a condition names (the labeling page starts its session on it). */
export function taskOf(filters: Filters): number | null {
  for (const c of filters.conditions) {
    if ("task_id" in c && c.task_id) return c.task_id;
  }
  return null;
}

export interface Names { tasks: Task[]; heuristics: Heuristic[]; attributes?: Attribute[] }

const percent = (value: number) => `${Math.round(value * 100)} %`;

/** A condition as a person reads it, e.g. "spam: manual label is ham". */
export function describe(condition: Condition, { tasks, heuristics }: Names): string {
  const taskName = (id?: number) => (id ? tasks.find((t) => t.id === id)?.name ?? `task ${id}` : "");
  const about = (c: { task_id: number; op: LabelOp; label?: string }, what: string, article: string) =>
    `${taskName(c.task_id)}: ${c.op === "is" ? `${what} is ${c.label}` : c.op === "none" ? `no ${what}` : `${article} ${what}`}`;
  switch (condition.kind) {
    case "manual_label":
      return about(condition, "manual label", "any");
    case "reference_label":
      return about(condition, "reference", "has a");
    case "weak_label": {
      let text = about(condition, "weak label", "has a");
      if (condition.op !== "none" && condition.min_confidence !== undefined) text += ` ≥ ${percent(condition.min_confidence)}`;
      if (condition.op !== "none" && condition.max_confidence !== undefined) text += ` ≤ ${percent(condition.max_confidence)}`;
      return text;
    }
    case "vote": {
      const name = heuristics.find((h) => h.id === condition.heuristic_id)?.name ?? `heuristic ${condition.heuristic_id}`;
      return condition.op === "abstains" ? `${name} abstains` : `${name} votes ${condition.label ?? "any label"}`;
    }
    case "disagreement":
      return `${taskName(condition.task_id)}: ${DISAGREEMENTS[condition.between]} disagree`;
    case "annotator":
      return `${condition.op === "labelled" ? "labelled" : "not labelled"} by ${condition.user}${condition.task_id ? ` in ${taskName(condition.task_id)}` : ""}`;
    case "attribute":
      if (condition.op === "between") {
        if (condition.min !== undefined && condition.max !== undefined) return `${condition.name} ${condition.min}–${condition.max}`;
        return condition.min !== undefined ? `${condition.name} ≥ ${condition.min}` : `${condition.name} ≤ ${condition.max}`;
      }
      return condition.op === "contains" ? `${condition.name} contains “${condition.value}”` : `${condition.name} = ${condition.value}`;
    case "gold":
      return condition.task_id ? `${taskName(condition.task_id)}: gold` : "gold";
    case "comment":
      return `has ${COMMENT_STATES[condition.state]}`;
  }
}
