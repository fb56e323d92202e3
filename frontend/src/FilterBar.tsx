/** The record-list filter bar: text search, the filter's conditions as chips (added in a
 * small editor whose choices come from the project's tasks, labels, heuristics, users and
 * attributes, a category's values with their counts), the sort. Typing is kept locally and
 * applied after a short pause. */
import { useEffect, useState, type ReactNode } from "react";
import { CategoryInput } from "./attributes/ValueChoices";
import {
  activeCount, COMMENT_STATES, describe, DISAGREEMENTS, isCondition, KIND_NAMES, NO_FILTERS,
  type Condition, type ConditionKind, type Filters,
} from "./filters";
import type { Attribute, Heuristic, Task } from "./types";
import { Button, Spinner } from "./ui";

export const SEARCH_DELAY_MS = 250;

/** What the condition editor holds while a condition is being written (all text). */
export interface Draft {
  kind: ConditionKind; task: string; op: string; label: string; heuristic: string;
  between: string; user: string; name: string; value: string; min: string; max: string;
}

export const EMPTY_DRAFT: Draft = {
  kind: "manual_label", task: "", op: "", label: "", heuristic: "", between: "annotators",
  user: "", name: "", value: "", min: "", max: "",
};

const DEFAULT_OPS: Record<ConditionKind, string> = {
  manual_label: "is", reference_label: "is", weak_label: "is", vote: "votes",
  disagreement: "", annotator: "labelled", attribute: "equals", gold: "", comment: "open",
};

const number = (text: string): number | undefined => {
  if (text.trim() === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : NaN;
};

/** The condition a draft describes, or null while it is incomplete or invalid. */
export function buildCondition(draft: Draft, attributes: Attribute[] = []): Condition | null {
  const op = draft.op || DEFAULT_OPS[draft.kind];
  const task = draft.task ? Number(draft.task) : undefined;
  const label = draft.label || undefined;
  let condition: unknown;
  switch (draft.kind) {
    case "manual_label": case "reference_label":
      condition = { kind: draft.kind, task_id: task, op, ...(op === "is" ? { label } : {}) };
      break;
    case "weak_label": {
      const min = number(draft.min);
      const max = number(draft.max);
      condition = { kind: "weak_label", task_id: task, op, ...(op === "is" ? { label } : {}),
        ...(op !== "none" && min !== undefined ? { min_confidence: min } : {}),
        ...(op !== "none" && max !== undefined ? { max_confidence: max } : {}) };
      const bad = (v?: number) => v !== undefined && !(v >= 0 && v <= 1);
      if (bad(min) || bad(max)) return null;
      break;
    }
    case "vote":
      condition = { kind: "vote", heuristic_id: draft.heuristic ? Number(draft.heuristic) : undefined, op,
        ...(op === "votes" && label ? { label } : {}) };
      break;
    case "disagreement":
      condition = { kind: "disagreement", task_id: task, between: draft.between };
      break;
    case "annotator":
      condition = { kind: "annotator", user: draft.user.trim(), op, ...(task ? { task_id: task } : {}) };
      break;
    case "attribute": {
      const attribute = attributes.find((a) => a.name === draft.name);
      if (op === "between") {
        const min = number(draft.min);
        const max = number(draft.max);
        if (Number.isNaN(min) || Number.isNaN(max)) return null;
        condition = { kind: "attribute", name: draft.name, op, ...(min !== undefined ? { min } : {}),
          ...(max !== undefined ? { max } : {}) };
      } else {
        const numeric = attribute && (attribute.data_type === "integer" || attribute.data_type === "float");
        const value = op === "equals" && numeric ? number(draft.value) : draft.value;
        if (Number.isNaN(value)) return null;
        condition = { kind: "attribute", name: draft.name, op, value };
      }
      break;
    }
    case "gold":
      condition = { kind: "gold", ...(task ? { task_id: task } : {}) };
      break;
    case "comment":
      condition = { kind: "comment", state: op };
      break;
  }
  return isCondition(condition) ? condition : null;
}

/** The tasks a kind of condition can name: reference labels and disagreements are defined
 * for classification tasks. */
function tasksFor(kind: ConditionKind, tasks: Task[]): Task[] {
  return kind === "reference_label" || kind === "disagreement"
    ? tasks.filter((t) => t.kind === "classification") : tasks;
}

function Select({ label, value, onChange, children }: { label: string; value: string;
  onChange: (value: string) => void; children: ReactNode }) {
  return (
    <select className="select" aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
      {children}
    </select>
  );
}

/** The editor of a new condition: its kind, then the choices that kind needs (a category's
 * values those of project ``projectId``, when given). */
export function ConditionEditor({ projectId, tasks, heuristics, attributes, users, onAdd, onCancel }: {
  projectId?: number; tasks: Task[]; heuristics: Heuristic[]; attributes: Attribute[]; users: string[];
  onAdd: (condition: Condition) => void; onCancel: () => void;
}) {
  const [draft, setDraft] = useState<Draft>({ ...EMPTY_DRAFT, task: tasks[0] ? String(tasks[0].id) : "" });
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const op = draft.op || DEFAULT_OPS[draft.kind];
  const task = tasks.find((t) => String(t.id) === draft.task);
  const heuristic = heuristics.find((h) => String(h.id) === draft.heuristic);
  const labelsOf = (t?: Task) => t?.labels ?? [];
  const attribute = attributes.find((a) => a.name === draft.name);
  const numeric = attribute && (attribute.data_type === "integer" || attribute.data_type === "float");
  const condition = buildCondition(draft, attributes);
  const choosable = tasksFor(draft.kind, tasks);
  const taskSelect = (optional: boolean) => (
    <Select label="Filter task" value={draft.task} onChange={(task) => set({ task, label: "" })}>
      {optional ? <option value="">any task</option> : <option value="" disabled>task…</option>}
      {choosable.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
    </Select>
  );
  const labelSelect = (labels: Task["labels"], anyText?: string) => (
    <Select label="Filter label" value={draft.label} onChange={(label) => set({ label })}>
      <option value="" disabled={!anyText}>{anyText ?? "label…"}</option>
      {labels.map((l) => <option key={l.id} value={l.name}>{l.name}</option>)}
    </Select>
  );
  const labelOps = (
    <Select label="Label state" value={op} onChange={(op) => set({ op })}>
      <option value="is">is</option><option value="any">has any</option><option value="none">has none</option>
    </Select>
  );

  return (
    <form className="condition-editor row" aria-label="New filter condition"
      onSubmit={(e) => { e.preventDefault(); if (condition) onAdd(condition); }}>
      <Select label="Filter kind" value={draft.kind}
        onChange={(kind) => {
          const allowed = tasksFor(kind as ConditionKind, tasks);
          const task = allowed.some((t) => String(t.id) === draft.task) ? draft.task
            : allowed[0] ? String(allowed[0].id) : "";
          set({ kind: kind as ConditionKind, op: "", label: "", task });
        }}>
        {(Object.keys(KIND_NAMES) as ConditionKind[]).map((k) => <option key={k} value={k}>{KIND_NAMES[k]}</option>)}
      </Select>
      {(draft.kind === "manual_label" || draft.kind === "reference_label" || draft.kind === "weak_label") && <>
        {taskSelect(false)}{labelOps}{op === "is" && labelSelect(labelsOf(task))}
      </>}
      {draft.kind === "weak_label" && op !== "none" && <>
        <input className="input" style={{ width: 110 }} type="number" min={0} max={1} step={0.05}
          aria-label="Min confidence" placeholder="min 0–1" value={draft.min} onChange={(e) => set({ min: e.target.value })} />
        <input className="input" style={{ width: 110 }} type="number" min={0} max={1} step={0.05}
          aria-label="Max confidence" placeholder="max 0–1" value={draft.max} onChange={(e) => set({ max: e.target.value })} />
      </>}
      {draft.kind === "vote" && <>
        <Select label="Heuristic" value={draft.heuristic} onChange={(h) => set({ heuristic: h, label: "" })}>
          <option value="" disabled>heuristic…</option>
          {heuristics.map((h) => <option key={h.id} value={h.id}>{h.name}</option>)}
        </Select>
        <Select label="Vote" value={op} onChange={(op) => set({ op })}>
          <option value="votes">votes</option><option value="abstains">abstains</option>
        </Select>
        {op === "votes" && labelSelect(labelsOf(tasks.find((t) => t.id === heuristic?.task_id)), "any label")}
      </>}
      {draft.kind === "disagreement" && <>
        {taskSelect(false)}
        <Select label="Between" value={draft.between} onChange={(between) => set({ between })}>
          {Object.entries(DISAGREEMENTS).map(([k, text]) => <option key={k} value={k}>{text}</option>)}
        </Select>
      </>}
      {draft.kind === "annotator" && <>
        <Select label="Annotator state" value={op} onChange={(op) => set({ op })}>
          <option value="labelled">labelled by</option><option value="not_labelled">not labelled by</option>
        </Select>
        <input className="input" style={{ width: 140 }} aria-label="User" placeholder="user name"
          list="filter-users" value={draft.user} onChange={(e) => set({ user: e.target.value })} />
        <datalist id="filter-users">{users.map((u) => <option key={u} value={u} />)}</datalist>
        {taskSelect(true)}
      </>}
      {draft.kind === "attribute" && <>
        <Select label="Attribute" value={draft.name} onChange={(name) => set({ name, op: "" })}>
          <option value="" disabled>attribute…</option>
          {attributes.map((a) => <option key={a.id} value={a.name}>{a.name}</option>)}
        </Select>
        <Select label="Comparison" value={op} onChange={(op) => set({ op })}>
          <option value="equals">equals</option><option value="contains">contains</option>
          {numeric && <option value="between">between</option>}
        </Select>
        {op === "between" ? <>
          <input className="input" style={{ width: 90 }} type="number" aria-label="Minimum" placeholder="min"
            value={draft.min} onChange={(e) => set({ min: e.target.value })} />
          <input className="input" style={{ width: 90 }} type="number" aria-label="Maximum" placeholder="max"
            value={draft.max} onChange={(e) => set({ max: e.target.value })} />
        </> : attribute?.data_type === "boolean" && op === "equals" ? (
          <Select label="Value" value={draft.value} onChange={(value) => set({ value })}>
            <option value="" disabled>value…</option><option value="true">true</option><option value="false">false</option>
          </Select>
        ) : attribute?.data_type === "category" && op === "equals" && projectId !== undefined ? (
          <CategoryInput projectId={projectId} attribute={attribute} label="Value" style={{ width: 180 }}
            placeholder="value" value={draft.value} onChange={(value) => set({ value })} />
        ) : (
          <input className="input" style={{ width: 150 }} aria-label="Value" placeholder="value"
            value={draft.value} onChange={(e) => set({ value: e.target.value })} />
        )}
      </>}
      {draft.kind === "gold" && taskSelect(true)}
      {draft.kind === "comment" && (
        <Select label="Comment state" value={op} onChange={(op) => set({ op })}>
          {Object.entries(COMMENT_STATES).map(([state, text]) => <option key={state} value={state}>has {text}</option>)}
        </Select>
      )}
      <Button small variant="primary" type="submit" disabled={!condition}>Add</Button>
      <Button small variant="ghost" onClick={onCancel}>Cancel</Button>
    </form>
  );
}

function sortOptions(attributes: Attribute[], tasks: Task[]): [string, string][] {
  return [["id", "import order"], ["external_id", "id"],
    ...attributes.map((a): [string, string] => [a.name, a.name]),
    ...tasks.map((t): [string, string] => [`weak_confidence:${t.id}`, `weak confidence (${t.name})`]),
    ["random", "random"]];
}

/** ``projectId``: the project whose values a condition on a category offers (none: typed);
 * ``children``: more controls on the first line (before the count); ``aside``: at the end of
 * the conditions' line. */
export function FilterBar({ projectId, filters, onChange, tasks, attributes, heuristics = [], users = [],
  count, countCapped = false, loading = false, children, aside }: {
  projectId?: number; filters: Filters; onChange: (filters: Filters) => void; tasks: Task[];
  attributes: Attribute[]; heuristics?: Heuristic[]; users?: string[]; count?: number | null;
  countCapped?: boolean; loading?: boolean; children?: ReactNode; aside?: ReactNode;
}) {
  const [search, setSearch] = useState(filters.search);
  const [adding, setAdding] = useState(false);
  useEffect(() => setSearch(filters.search), [filters.search]);
  useEffect(() => {
    if (search === filters.search) return;
    const timer = window.setTimeout(() => onChange({ ...filters, search }), SEARCH_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [search, filters, onChange]);

  const textAttributes = attributes.filter((a) => a.data_type === "text" || a.data_type === "category");
  const sortDescending = filters.sort.startsWith("-");
  const sortKey = filters.sort.replace(/^-/, "");
  const options = sortOptions(attributes, tasks);
  if (!options.some(([key]) => key === sortKey)) options.push([sortKey, sortKey]);
  const set = (patch: Partial<Filters>) => onChange({ ...filters, ...patch });
  const names = { tasks, heuristics };

  return (
    <div className="filterbar" role="search">
      <div className="row">
        <input className="input" style={{ width: 180 }} type="search" placeholder="Search text…"
          aria-label="Search" value={search} onChange={(e) => setSearch(e.target.value)}
          onKeyDown={(e) => { if (e.key === "Enter") onChange({ ...filters, search }); }} />
        <select className="select" aria-label="Search in" value={filters.searchAttribute}
          onChange={(e) => set({ searchAttribute: e.target.value })}>
          <option value="">in all attributes</option>
          {textAttributes.map((a) => <option key={a.id} value={a.name}>in {a.name}</option>)}
        </select>
        <select className="select" style={{ maxWidth: 220 }} aria-label="Sort by" value={sortKey}
          onChange={(e) => set({ sort: (sortDescending ? "-" : "") + e.target.value,
            seed: e.target.value === "random" && !filters.seed ? newSeed() : filters.seed })}>
          {options.map(([key, text]) => <option key={key} value={key}>sort: {text}</option>)}
        </select>
        <Button small variant="ghost" aria-label="Sort direction" title="Sort direction"
          onClick={() => set({ sort: sortDescending ? sortKey : `-${sortKey}` })}>
          {sortDescending ? "↓ desc" : "↑ asc"}
        </Button>
        {sortKey === "random" && (
          <Button small variant="ghost" title={`seed ${filters.seed}`} onClick={() => set({ seed: newSeed() })}>Shuffle</Button>
        )}
        {children}
        <span className="muted nowrap" style={{ marginLeft: "auto" }} aria-label="count">
          {loading && <Spinner />}{" "}
          {count === undefined ? null : count === null ? "counting…"
            : `${count.toLocaleString()}${countCapped ? "+" : ""} record${count === 1 ? "" : "s"}`}
        </span>
      </div>
      <div className="row chips" aria-label="Filter conditions">
        {filters.conditions.map((condition, i) => (
          <span key={i} className="chip">
            {describe(condition, names)}
            <button type="button" className="chip-x" aria-label={`Remove ${describe(condition, names)}`}
              onClick={() => set({ conditions: filters.conditions.filter((_, j) => j !== i) })}>×</button>
          </span>
        ))}
        {!adding && <Button small variant="ghost" onClick={() => setAdding(true)}>+ Add filter</Button>}
        {activeCount(filters) > 0 && !adding && (
          <Button small variant="ghost" onClick={() => onChange({ ...NO_FILTERS, sort: filters.sort, seed: filters.seed })}>
            Clear filters
          </Button>
        )}
        {aside && <span className="chips-aside">{aside}</span>}
      </div>
      {adding && (
        <ConditionEditor projectId={projectId} tasks={tasks} heuristics={heuristics} attributes={attributes} users={users}
          onCancel={() => setAdding(false)}
          onAdd={(condition) => { set({ conditions: [...filters.conditions, condition] }); setAdding(false); }} />
      )}
    </div>
  );
}

export function newSeed(): number {
  return Math.floor(Math.random() * 1_000_000) + 1;
}
