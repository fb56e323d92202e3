/** The record-list filters and sort: text search (in one attribute or all), a task's label
 * state or label. Typing is kept locally and applied after a short pause. */
import { useEffect, useState } from "react";
import { activeCount, NO_FILTERS, type Filters } from "./filters";
import type { Attribute, Task } from "./types";
import { Button } from "./ui";

export const SEARCH_DELAY_MS = 250;

export function FilterBar({ filters, onChange, tasks, attributes, count }: {
  filters: Filters; onChange: (filters: Filters) => void; tasks: Task[];
  attributes: Attribute[]; count?: number | null;
}) {
  const [search, setSearch] = useState(filters.search);
  useEffect(() => setSearch(filters.search), [filters.search]);
  useEffect(() => {
    if (search === filters.search) return;
    const timer = window.setTimeout(() => onChange({ ...filters, search }), SEARCH_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [search, filters, onChange]);

  const task = tasks.find((t) => t.id === filters.taskId) ?? null;
  const textAttributes = attributes.filter((a) => a.data_type === "text" || a.data_type === "category");
  const sortDescending = filters.sort.startsWith("-");
  const sortKey = filters.sort.replace(/^-/, "");
  const set = (patch: Partial<Filters>) => onChange({ ...filters, ...patch });

  return (
    <div className="filterbar row" role="search">
      <input className="input" style={{ width: 180 }} type="search" placeholder="Search text…"
        aria-label="Search" value={search} onChange={(e) => setSearch(e.target.value)}
        onKeyDown={(e) => { if (e.key === "Enter") onChange({ ...filters, search }); }} />
      <select className="select" aria-label="Search in" value={filters.searchAttribute}
        onChange={(e) => set({ searchAttribute: e.target.value })}>
        <option value="">in all attributes</option>
        {textAttributes.map((a) => <option key={a.id} value={a.name}>in {a.name}</option>)}
      </select>
      <select className="select" aria-label="Task" value={filters.taskId ?? ""}
        onChange={(e) => set({ taskId: e.target.value ? Number(e.target.value) : null, label: "",
          labelled: "" })}>
        <option value="">any task</option>
        {tasks.map((t) => <option key={t.id} value={t.id}>task: {t.name}</option>)}
      </select>
      <select className="select" aria-label="Manual labels" disabled={!task}
        value={filters.label ? `label:${filters.label}` : filters.labelled}
        onChange={(e) => {
          const value = e.target.value;
          if (value.startsWith("label:")) set({ label: value.slice(6), labelled: "" });
          else set({ label: "", labelled: value as Filters["labelled"] });
        }}>
        <option value="">labelled or not</option>
        <option value="no">not labelled</option>
        <option value="yes">labelled</option>
        {task?.labels.map((l) => <option key={l.id} value={`label:${l.name}`}>labelled {l.name}</option>)}
      </select>
      <select className="select" aria-label="Sort by" value={sortKey}
        onChange={(e) => set({ sort: (sortDescending ? "-" : "") + e.target.value })}>
        <option value="id">sort: import order</option>
        <option value="external_id">sort: id</option>
        {attributes.map((a) => <option key={a.id} value={a.name}>sort: {a.name}</option>)}
      </select>
      <Button small variant="ghost" aria-label="Sort direction" title="Sort direction"
        onClick={() => set({ sort: sortDescending ? sortKey : `-${sortKey}` })}>
        {sortDescending ? "↓ desc" : "↑ asc"}
      </Button>
      {activeCount(filters) > 0 && (
        <Button small variant="ghost" onClick={() => onChange({ ...NO_FILTERS, sort: filters.sort })}>
          Clear filters
        </Button>
      )}
      {count !== undefined && (
        <span className="muted nowrap" style={{ marginLeft: "auto" }} aria-label="count">
          {count === null ? "counting…" : `${count.toLocaleString()} record${count === 1 ? "" : "s"}`}
        </span>
      )}
    </div>
  );
}
