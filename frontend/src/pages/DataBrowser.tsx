/** The records of a project in a virtualised table: filters and sort of the API, counts,
 * pages fetched as they scroll into view. */
import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { CommentCount } from "../comments/CommentCount";
import { OpenComments } from "../comments/OpenComments";
import { deleteTitle, DeleteRecords } from "../DeleteRecords";
import { FilterBar } from "../FilterBar";
import { filtersFromSearch, filtersToSearch, OPEN_COMMENTS, recordQuery, type Filters } from "../filters";
import { atLeast, useAttributes, useHeuristics, useMembers, useRole, useTasks } from "../hooks";
import { useRecordEvents } from "../recordEditing";
import { usePagedRecords } from "../records";
import { navigate, useLocation } from "../router";
import { SavedFilters } from "../SavedFilters";
import { selectionOf } from "../recordSelection";
import { SetValues, setValuesOffered, setValuesTitle } from "../SetValues";
import type { Task } from "../types";
import { Button, Empty, ErrorAlert, MenuButton, Progress, Swatch, type MenuAction } from "../ui";

const ROW_HEIGHT = 34;

export function DataBrowser({ projectId }: { projectId: number }) {
  const { search } = useLocation();
  const filters = useMemo(() => filtersFromSearch(search), [search]);
  const tasks = useTasks(projectId).data ?? [];
  const attributes = useAttributes(projectId).data ?? [];
  const heuristics = useHeuristics(projectId).data ?? [];
  const users = (useMembers(projectId).data ?? []).map((m) => m.user);
  const role = useRole(projectId);
  const query = useMemo(() => recordQuery(filters), [filters]);
  const records = usePagedRecords(projectId, query);
  const byComments = filters.conditions.some((c) => c.kind === "comment");
  // records deleted or edited elsewhere (or commented on, when the filter asks for comments):
  // the list is read again; a comment otherwise: the rows of its record (their counts)
  useRecordEvents(projectId, { deleted: records.reload, edited: records.reload,
    commented: byComments ? records.reload : records.refreshRecord });
  // a new filter is a new history entry (back returns to the previous one); typing replaces
  const setFilters = useCallback((next: Filters) =>
    navigate(`/projects/${projectId}/data${filtersToSearch(next)}`,
      { replace: next.search !== filters.search }), [projectId, filters.search]);

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: records.count ?? 0, getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT, overscan: 20,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  const { ensure } = records;
  useEffect(() => { if (items.length) ensure(first, last); }, [first, last, items.length, ensure]);
  useEffect(() => { scroller.current?.scrollTo({ top: 0 }); }, [query]);

  const shown = attributes.slice(0, 5);
  const labelTasks = tasks.filter((t) => t.kind !== "extraction").slice(0, 3);
  const columns = `140px ${shown.map((a) => (a.data_type === "text" ? "minmax(240px, 3fr)" : "minmax(90px, 1fr)")).join(" ")}`
    + labelTasks.map(() => " minmax(100px, 1fr)").join("");
  const suffix = filtersToSearch(filters);
  // what owners act on is offered once it is counted exactly, in one menu (the toolbar stays
  // on one line): the dialog of the action chosen opens
  const exact = records.countCapped ? null : records.count;
  const [acting, setActing] = useState<"set values" | "delete" | null>(null);
  const selection = selectionOf(filters, exact);
  const actions: MenuAction[] = [
    ...(setValuesOffered(attributes, filters, exact)
      ? [{ label: `${setValuesTitle(selection)}…`, onSelect: () => setActing("set values") }] : []),
    ...(selection.offered ? [{ label: `${deleteTitle(selection)}…`, danger: true, onSelect: () => setActing("delete") }] : []),
  ];
  const names = { tasks, heuristics };
  // the records with open comments: the one comment condition of the filter
  const openFiltered = filters.conditions.some((c) => c.kind === "comment" && c.state === "open");
  const showOpen = () => setFilters({ ...filters,
    conditions: [...filters.conditions.filter((c) => c.kind !== "comment"), OPEN_COMMENTS] });

  return (
    <div className="page wide">
      <div className="page-head data-toolbar">
        <FilterBar projectId={projectId} filters={filters} onChange={setFilters} tasks={tasks} attributes={attributes}
          heuristics={heuristics} users={users} count={records.error && records.count === null ? undefined : records.count}
          countCapped={records.countCapped} loading={records.loading}
          aside={<OpenComments projectId={projectId} filtered={openFiltered} onFilter={showOpen} suffix={suffix} />}>
          <SavedFilters projectId={projectId} filters={filters} onLoad={setFilters}
            canSave={atLeast(role, "annotator")} />
        </FilterBar>
        {atLeast(role, "annotator") && (
          <Button variant="primary" onClick={() => navigate(`/projects/${projectId}/label${suffix}`)}>
            Label these records
          </Button>
        )}
        {atLeast(role, "owner") && <>
          <MenuButton label="Actions" actions={actions}
            title={actions.length ? "set values of the records shown, or delete them"
              : exact === null ? "offered once the records are counted" : "no records match"} />
          <SetValues projectId={projectId} filters={filters} count={exact} names={names} attributes={attributes}
            open={acting === "set values"} onClose={() => setActing(null)} onChanged={records.reload} />
          <DeleteRecords projectId={projectId} filters={filters} count={exact} names={names}
            open={acting === "delete"} onClose={() => setActing(null)} onChanged={records.reload} />
        </>}
      </div>
      <ErrorAlert error={records.error} />
      {records.loading && records.count === null && !records.error && <Progress value={null} label="Loading records" />}
      <div className="panel datatable" style={{ flex: 1, minHeight: 0, display: "flex", flexDirection: "column" }}>
        <div className="dt-row dt-head" style={{ gridTemplateColumns: columns }} role="row">
          <div role="columnheader">id</div>
          {shown.map((a) => <div key={a.id} role="columnheader">{a.name} <span className="faint">{a.data_type}</span></div>)}
          {labelTasks.map((t) => <div key={`t${t.id}`} role="columnheader">{t.name} <span className="faint">reference</span></div>)}
        </div>
        {records.count === 0 ? <Empty>No records match. {attributes.length === 0 && "Import data to start."}</Empty> : (
          <div ref={scroller} className="dt-body" role="grid" aria-rowcount={records.count ?? undefined}>
            <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
              {items.map((item) => {
                const record = records.row(item.index);
                return (
                  <div key={item.index} role="row" aria-rowindex={item.index + 1}
                    className={`dt-row ${record ? "clickable" : "loading"}`}
                    style={{ gridTemplateColumns: columns, transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                    onClick={() => record && navigate(`/projects/${projectId}/records/${record.id}${suffix}`)}>
                    {record ? <>
                      <div className="dt-id">
                        <span className="mono" title={record.external_id}>{record.external_id}</span>
                        <CommentCount comments={record.comments} open={record.open_comments}
                          href={`/projects/${projectId}/records/${record.id}${suffix}`} />
                      </div>
                      {shown.map((a) => <div key={a.id} title={String(record.data[a.name] ?? "")}>{format(record.data[a.name])}</div>)}
                      {labelTasks.map((t) => <ReferenceCell key={`t${t.id}`} task={t} value={record.references?.[String(t.id)]} />)}
                    </> : <div className="faint">loading…</div>}
                  </div>
                );
              })}
            </div>
          </div>
        )}
      </div>
    </div>
  );
}

/** A task's reference label in a row: the label with its colour, or a dash. */
function ReferenceCell({ task, value }: { task: Task; value: unknown }) {
  const names = Array.isArray(value) ? value.map(String) : value == null ? [] : [String(value)];
  if (!names.length) return <div className="faint">—</div>;
  return (
    <div aria-label={`${task.name} reference`}>
      {names.map((name) => (
        <span key={name} className="nowrap" style={{ marginRight: 8 }}>
          <Swatch color={task.labels.find((l) => l.name === name)?.color ?? "#999"} /> {name}
        </span>
      ))}
    </div>
  );
}

export function format(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
