/** A labeling session over a filtered set of records (the set is fixed when the session
 * starts, as refinery's sessions): classification by click or hotkey, multi-label toggles,
 * extraction by mouse selection snapped to tokens; nothing to mark, gold, undo, keyboard
 * navigation; the task's guidelines beside the record and each label's description on its
 * button; the record's comments beside it (C writes one); other annotators' labels and
 * comments arrive live, and records deleted meanwhile are passed over. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { del, get, patch, post } from "../api";
import { useProjectEvents } from "../events";
import { FilterBar } from "../FilterBar";
import { filtersFromSearch, filtersToSearch, recordQuery, taskOf, type Filters } from "../filters";
import {
  atLeast, commentedRecord, recordCommentsKey, refreshComments, useAttributes, useHeuristics, useMe, useMembers,
  useRecordComments, useRole, useTasks,
} from "../hooks";
import { hotkeyOf, keyAction, labelHotkeys, typing } from "../labeling/hotkeys";
import { CommentsPanel } from "../comments/CommentThread";
import { useCommentsPanel } from "../comments/commentsOpen";
import { SpanText } from "../labeling/SpanText";
import { overlapping, type TokenRange } from "../labeling/spans";
import { navigate, useLocation } from "../router";
import type { CommentsPage, Label, ManualLabel, Page, RecordDetail, RecordRow, Task } from "../types";
import { Button, Empty, ErrorAlert, Kbd, Spinner, Swatch, useToast } from "../ui";
import { Link } from "../ui/Link";
import { AddToList } from "../labeling/AddToList";
import { LabelsPanel } from "../labeling/LabelsPanel";
import { GuidelinesPanel, NoGuidelinesHint, shortDescription } from "../labeling/Guidelines";
import { useGuidelinesPanel } from "../labeling/guidelinesOpen";
import { SimulationPanel } from "../labeling/SimulationPanel";
import { stepOver } from "../labeling/deleted";
import { deletionOf, isGone, refreshAfterDeletion } from "../recordDeletion";
import { editOf } from "../recordEditing";
import { batchDone, itemsById, scoreText, stopLine, type NextBatch, type QueueSettings, type QueueItem } from "../labeling/queue";

const SESSION_SIZE = 1000;

interface UndoEntry { what: string; index: number; revert: () => Promise<unknown> }

/** A session fed by the active-learning queue: each record's reason, and a call once the
 * annotator is done with a record. */
interface QueueFeed { items: Map<number, QueueItem>; onDone: (recordId: number) => void }

export function Labeling({ projectId }: { projectId: number }) {
  const { search } = useLocation();
  const filters = useMemo(() => filtersFromSearch(search), [search]);
  const tasks = useTasks(projectId).data;
  const attributes = useAttributes(projectId).data ?? [];
  const heuristics = useHeuristics(projectId).data ?? [];
  const users = (useMembers(projectId).data ?? []).map((m) => m.user);
  const taskParam = search.get("lt");
  const task = tasks?.find((t) => String(t.id) === taskParam) ?? tasks?.find((t) => t.id === taskOf(filters))
    ?? tasks?.[0];
  const query = useMemo(() => recordQuery(filters), [filters]);
  const session = useQuery({
    queryKey: ["projects", projectId, "session", query],
    queryFn: () => get<Page<RecordRow>>(`/projects/${projectId}/records`, { ...query, limit: SESSION_SIZE })
      .then((page) => ({ ids: page.data.map((r) => r.id), count: page.count })),
    staleTime: Infinity, gcTime: 0,
  });
  const activeMode = search.get("mode") === "al";
  const setMode = (al: boolean) => {
    const params = new URLSearchParams(search);
    if (al) params.set("mode", "al"); else params.delete("mode");
    const text = params.toString();
    navigate(`/projects/${projectId}/label${text ? `?${text}` : ""}`, { replace: true });
  };
  const setFilters = useCallback((next: Filters) => {
    const params = filtersToSearch(next);
    const lt = taskParam ? `${params ? "&" : "?"}lt=${taskParam}` : "";
    navigate(`/projects/${projectId}/label${params}${lt}`, { replace: true });
  }, [projectId, taskParam]);

  if (!tasks) return <Empty><Spinner /></Empty>;
  if (!task) {
    return <div className="page"><Empty>This project has no labeling task yet. <Link href={`/projects/${projectId}/settings`}>Create one</Link>.</Empty></div>;
  }
  return (
    <div className="page" style={{ maxWidth: 1440 }}>
      <div className="page-head">
        <select className="select" aria-label="Labeling task" value={task.id}
          onChange={(e) => navigate(`/projects/${projectId}/label${filtersToSearch(filters) || "?"}${filtersToSearch(filters) ? "&" : ""}lt=${e.target.value}`, { replace: true })}>
          {tasks.map((t) => <option key={t.id} value={t.id}>Label: {t.name} ({t.kind})</option>)}
        </select>
        <div className="mode-switch" role="group" aria-label="Labeling mode">
          <Button small variant={activeMode ? "ghost" : "primary"} aria-pressed={!activeMode} onClick={() => setMode(false)}>Filtered set</Button>
          <Button small variant={activeMode ? "primary" : "ghost"} aria-pressed={activeMode} onClick={() => setMode(true)}>Next by active learning</Button>
        </div>
        {!activeMode && <FilterBar projectId={projectId} filters={filters} onChange={setFilters} tasks={tasks} attributes={attributes}
          heuristics={heuristics} users={users} count={session.data ? session.data.count : null}
          loading={session.isFetching} />}
      </div>
      {activeMode && <ActiveQueue key={task.id} projectId={projectId} task={task} />}
      {!activeMode && <ErrorAlert error={session.error} />}
      {!activeMode && session.data && session.data.ids.length === 0 && <Empty>No records in this set. Change the filters to start a session.</Empty>}
      {!activeMode && session.data && session.data.ids.length > 0 && (
        <Session key={`${task.id}:${JSON.stringify(query)}`} projectId={projectId} task={task}
          ids={session.data.ids} total={session.data.count} />
      )}
    </div>
  );
}

/** Labels what the queue asks for next, a batch at a time: the reason and score of each
 * record, the model that ranked them, and the stopping hint. A batch done, the next is asked. */
function ActiveQueue({ projectId, task }: { projectId: number; task: Task }) {
  const [round, setRound] = useState(0);
  const [strategy, setStrategy] = useState("");
  const [relabel, setRelabel] = useState(false);
  const [done, setDone] = useState<Set<number>>(new Set());
  const next = useQuery({
    queryKey: ["projects", projectId, "tasks", task.id, "next", round, strategy, relabel],
    queryFn: () => get<NextBatch>(`/projects/${projectId}/tasks/${task.id}/next`,
      { strategy: strategy || undefined, relabel: relabel ? "true" : undefined }),
    staleTime: Infinity, gcTime: 0,
  });
  const items = useMemo(() => itemsById(next.data), [next.data]);
  useEffect(() => { if (batchDone(next.data, done)) setRound((r) => r + 1); }, [done, next.data]);
  const onDone = useCallback((id: number) => setDone((d) => new Set(d).add(id)), []);
  const hint = stopLine(next.data);
  const batch = next.data;
  const isOwner = atLeast(useRole(projectId), "owner");
  const canSimulate = isOwner;
  const [simulating, setSimulating] = useState(false);
  const settingsPath = `/projects/${projectId}/tasks/${task.id}/active-learning`;
  const settings = useQuery({ queryKey: ["projects", projectId, "tasks", task.id, "active-learning"],
    queryFn: () => get<QueueSettings>(settingsPath) });
  const keep = useMutation({
    mutationFn: () => patch(settingsPath, { strategy }),
    onSuccess: () => { void settings.refetch(); setStrategy(""); },
  });
  return (
    <>
      <div className="panel al-bar" aria-label="active learning">
        <span>Ranked by <b aria-label="model">{batch?.model ?? "…"}</b></span>
        <select className="select" aria-label="Strategy" value={strategy} onChange={(e) => setStrategy(e.target.value)}>
          <option value="">the task's strategy{settings.data ? ` (${settings.data.ranks_by})` : ""}</option>
          {(settings.data?.strategies ?? []).map((s) => <option key={s.name} value={s.name}>{s.ranks_by}</option>)}
        </select>
        {isOwner && strategy && strategy !== settings.data?.strategy &&
          <Button small variant="ghost" busy={keep.isPending} onClick={() => keep.mutate()}
            title="Every annotator's queue of this task uses it from now on">Make it the task's</Button>}
        <label className="check small" title="Records you labelled come back too (to label them again)">
          <input type="checkbox" checked={relabel} onChange={(e) => setRelabel(e.target.checked)} /> records I labelled too</label>
        <Button small onClick={() => setRound((r) => r + 1)} title="Ask for a new batch">Next batch</Button>
        {batch?.refit_pending && <span className="badge accent">refitting…</span>}
        {hint && <span role="status" aria-label="stop hint" className={`stop-hint ${hint.stop ? "stop" : ""}`}>{hint.text}</span>}
        {batch?.notes.map((note) => <span key={note} className="muted small">{note}</span>)}
        {canSimulate && <><span className="spacer" />
          <Button small variant="ghost" aria-expanded={simulating} onClick={() => setSimulating((s) => !s)}>
            {simulating ? "Hide simulation" : "Simulate…"}</Button></>}
      </div>
      {simulating && <SimulationPanel projectId={projectId} task={task} strategies={settings.data?.strategies ?? []} />}
      <ErrorAlert error={next.error ?? keep.error} />
      {!batch && !next.error && <Empty><Spinner /></Empty>}
      {batch && batch.data.length === 0 && (
        <Empty>Nothing left to label in this task (or other annotators hold the rest for now).
          {!relabel && <> <Button small variant="ghost" onClick={() => setRelabel(true)}>Ask for records I labelled</Button></>}
        </Empty>)}
      {batch && batch.data.length > 0 && (
        <Session key={`${round}:${strategy}:${relabel}`} projectId={projectId} task={task}
          ids={batch.data.map((item) => item.record.id)} total={batch.data.length} queue={{ items, onDone }} />
      )}
    </>
  );
}

function Session({ projectId, task, ids, total, queue }: { projectId: number; task: Task; ids: number[]; total: number; queue?: QueueFeed }) {
  const client = useQueryClient();
  const toast = useToast();
  const me = useMe().data;
  const role = useRole(projectId);
  const [index, setIndex] = useState(0);
  const [gold, setGold] = useState(false);
  const [pending, setPending] = useState<TokenRange | null>(null);
  const [selectedSpan, setSelectedSpan] = useState<number | null>(null);
  const [undo, setUndo] = useState<UndoEntry[]>([]);
  const [busy, setBusy] = useState(0);
  const [fresh, setFresh] = useState<Set<number>>(new Set());
  /** the session's records deleted meanwhile (of ``ids`` only: see markGone) */
  const [gone, setGone] = useState<ReadonlySet<number>>(new Set());
  const keys = useMemo(() => labelHotkeys(task.labels), [task.labels]);
  const recordId = ids[index];
  const deleted = gone.has(recordId);
  const detailKey = (id: number) => ["projects", projectId, "records", id, "detail"];
  const fetchDetail = useCallback((id: number) => get<RecordDetail>(`/projects/${projectId}/records/${id}`), [projectId]);
  const detail = useQuery({ queryKey: detailKey(recordId), queryFn: () => fetchDetail(recordId), staleTime: 30_000,
    enabled: !deleted });
  const isOwner = atLeast(role, "owner");
  const guidelines = useGuidelinesPanel(projectId, task.id, task.guidelines ?? "", me?.name);
  const commentsPanel = useCommentsPanel(projectId, me?.name);
  const comments = useRecordComments(projectId, recordId, { enabled: !deleted }).data?.data;
  const openComments = comments?.filter((c) => c.resolved_at === null).length ?? 0;
  const commentBox = useRef<HTMLTextAreaElement>(null);
  /** C asked for the comment box: the cursor goes there once the panel is shown */
  const [toComment, setToComment] = useState(false);
  useEffect(() => {
    if (!toComment) return;
    commentBox.current?.focus();
    setToComment(false);
  }, [toComment]);
  const commentKey = !keys.has("c");   // a label's own hotkey C wins
  const step = useCallback((from: number, by: 1 | -1) => stepOver(ids, gone, from, by), [ids, gone]);

  // The next records are fetched ahead (with their comments), so moving on shows them at once.
  useEffect(() => {
    for (const id of ids.slice(index + 1).filter((id) => !gone.has(id)).slice(0, 3)) {
      void client.prefetchQuery({ queryKey: detailKey(id), queryFn: () => fetchDetail(id), staleTime: 30_000 });
      void client.prefetchQuery({ queryKey: recordCommentsKey(projectId, id), staleTime: 30_000,
        queryFn: () => get<CommentsPage>(`/projects/${projectId}/records/${id}/comments`) });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [index, ids, gone, client, fetchDetail]);
  useEffect(() => { setPending(null); setSelectedSpan(null); }, [index]);

  const refresh = useCallback((id: number) =>
    client.invalidateQueries({ queryKey: detailKey(id) }), // eslint-disable-line react-hooks/exhaustive-deps
  [client, projectId]);

  /** Records of the session deleted meanwhile: passed over, their undo steps dropped (labels
   * on them went with them), done as far as the queue is concerned. */
  const markGone = useCallback((deletedIds: Iterable<number>) => {
    const session = new Set(ids);
    const now = [...deletedIds].filter((id) => session.has(id));
    if (!now.length) return;
    setGone((before) => new Set([...before, ...now]));
    setUndo((stack) => stack.filter((entry) => !now.includes(ids[entry.index])));
    for (const id of now) {
      client.removeQueries({ queryKey: detailKey(id) });
      queue?.onDone(id);
    }
  }, [ids, client, queue]); // eslint-disable-line react-hooks/exhaustive-deps
  // a record that is not there any more (a deletion whose event did not name it)
  useEffect(() => { if (isGone(detail.error)) markGone([recordId]); }, [detail.error, recordId, markGone]);

  // Labels and comments of other annotators appear as they are made; deleted records are
  // passed over; a task's guidelines and labels follow their owners' changes.
  useProjectEvents(projectId, (event) => {
    const commented = commentedRecord(event);
    if (commented) {
      refreshComments(client, projectId, commented.recordId);
      return;
    }
    if (event.type === "task.changed") {
      void client.invalidateQueries({ queryKey: ["projects", projectId, "tasks"] });
      return;
    }
    const deletion = deletionOf(event);
    if (deletion) {
      if (deletion.ids) markGone(deletion.ids);
      refreshAfterDeletion(client, projectId);
      return;
    }
    const edit = editOf(event);
    if (edit) {   // edited values: the records are read again (their text, spans moved or dropped)
      if (edit.ids?.has(recordId) ?? true) { setPending(null); setSelectedSpan(null); }
      for (const id of edit.ids ?? [null]) {
        void client.invalidateQueries({ queryKey: ["projects", projectId, "records", ...(id === null ? [] : [id])] });
      }
      return;
    }
    if (event.type !== "labels.changed" || event.data.task_id !== task.id) return;
    const changed = Number(event.data.record_id);
    if (changed === recordId) {
      const before = new Set(taskEntry(detail.data, task.id)?.manual_labels.map((l) => l.id));
      void refresh(changed).then(() => {
        const after = taskEntry(client.getQueryData<RecordDetail>(detailKey(changed)), task.id);
        setFresh(new Set(after?.manual_labels.filter((l) => !before.has(l.id) && l.annotator !== me?.name).map((l) => l.id)));
      });
    } else {
      void client.invalidateQueries({ queryKey: detailKey(changed) });
    }
  });

  const entry = taskEntry(detail.data, task.id);
  const mine = (entry?.manual_labels ?? []).filter((l) => l.annotator === me?.name && l.is_gold === gold);

  /** Run one labelling act; keep its inverse for undo; errors reach the user. */
  const act = useCallback(async (what: string, run: () => Promise<(() => Promise<unknown>) | null>,
    at: number, advance = false) => {
    setBusy((n) => n + 1);
    if (advance) setIndex((i) => step(i, 1));
    try {
      const revert = await run();
      if (revert) setUndo((stack) => [...stack.slice(-49), { what, index: at, revert }]);
    } catch (error) {
      toast(`${what}: ${(error as Error).message}`);
    } finally {
      setBusy((n) => n - 1);
      void refresh(ids[at]);
    }
  }, [ids, refresh, toast, step]);

  const base = `/projects/${projectId}`;
  const goldFields = gold ? { is_gold: true } : {};

  function chooseLabel(label: Label) {
    if (deleted) { toast("This record was deleted: → goes on to the next one.", "info"); return; }
    if (!detail.data || !entry) return;
    const rid = recordId;
    if (task.kind === "classification") {
      const previous = mine[0];
      if (previous?.label === label.name) return;
      void act(`Label ${label.name}`, async () => {
        const created = await post<ManualLabel>(`${base}/records/${rid}/labels`, { task_id: task.id, label: label.name, ...goldFields });
        queue?.onDone(rid);
        return previous
          ? () => post(`${base}/records/${rid}/labels`, { task_id: task.id, label: previous.label, ...goldFields })
          : () => del(`${base}/manual-labels/${created.id}`);
      }, index, true);
    } else if (task.kind === "multilabel") {
      const existing = mine.find((l) => l.label === label.name);
      void act(existing ? `Remove ${label.name}` : `Add ${label.name}`, async () => {
        if (existing) {
          await del(`${base}/manual-labels/${existing.id}`);
          return () => post(`${base}/records/${rid}/labels`, { task_id: task.id, label: label.name, ...goldFields });
        }
        const created = await post<ManualLabel>(`${base}/records/${rid}/labels`, { task_id: task.id, label: label.name, ...goldFields });
        return () => del(`${base}/manual-labels/${created.id}`);
      }, index);
    } else {
      labelSpan(label);
    }
  }

  function labelSpan(label: Label) {
    const rid = recordId;
    const spans = mine.map((l) => ({ id: l.id, label: l.label, tokenStart: l.token_start ?? 0, tokenEnd: l.token_end ?? 0 }));
    const selected = mine.find((l) => l.id === selectedSpan);
    if (!pending && selected) {
      if (selected.label === label.name) return;
      void act(`Relabel span as ${label.name}`, async () => {
        await patch(`${base}/manual-labels/${selected.id}`, { label: label.name });
        return () => patch(`${base}/manual-labels/${selected.id}`, { label: selected.label });
      }, index);
      return;
    }
    if (!pending) {
      toast("Select some text first, then press a label's key.", "info");
      return;
    }
    const clash = overlapping(spans, pending, selected?.id);
    if (clash) {
      toast(`The selection overlaps your span “${clash.label}”; spans cannot overlap. Delete or shrink that one first.`);
      return;
    }
    const range = pending;
    setPending(null);
    window.getSelection()?.removeAllRanges();
    if (selected) {
      void act(`Change span to ${label.name}`, async () => {
        await patch(`${base}/manual-labels/${selected.id}`, { label: label.name, token_start: range.tokenStart, token_end: range.tokenEnd });
        return () => patch(`${base}/manual-labels/${selected.id}`, { label: selected.label, token_start: selected.token_start, token_end: selected.token_end });
      }, index);
      return;
    }
    void act(`Span ${label.name}`, async () => {
      const created = await post<ManualLabel>(`${base}/records/${rid}/labels`,
        { task_id: task.id, label: label.name, token_start: range.tokenStart, token_end: range.tokenEnd, ...goldFields });
      return () => del(`${base}/manual-labels/${created.id}`);
    }, index);
  }

  function deleteSpan(span: ManualLabel) {
    setSelectedSpan(null);
    void act(`Delete span ${span.label}`, async () => {
      await del(`${base}/manual-labels/${span.id}`);
      return () => post(`${base}/records/${span.record_id}/labels`, { task_id: task.id, label: span.label,
        token_start: span.token_start, token_end: span.token_end, ...(span.is_gold ? { is_gold: true } : {}) });
    }, index);
  }

  function nothingToMark() {
    if (task.kind === "classification" || deleted) return;
    const rid = recordId;
    void act(mine.length ? "Done with this record" : "Nothing to mark", async () => {
      await post(`${base}/records/${rid}/reviews`, { task_id: task.id, ...goldFields });
      queue?.onDone(rid);
      return () => del(`${base}/records/${rid}/reviews/${task.id}`, gold ? { is_gold: true } : undefined);
    }, index, true);
  }

  function makeGold(label: ManualLabel) {
    void act(`Gold ${label.label}`, async () => {
      await patch(`${base}/manual-labels/${label.id}`, { is_gold: true });
      return () => patch(`${base}/manual-labels/${label.id}`, { is_gold: false });
    }, index);
  }

  async function undoLast() {
    const last = undo[undo.length - 1];
    if (!last) {
      toast("Nothing to undo.", "info");
      return;
    }
    setUndo((stack) => stack.slice(0, -1));
    setIndex(last.index);
    try {
      await last.revert();
      toast(`Undone: ${last.what}`, "info");
    } catch (error) {
      toast(`Undo failed: ${(error as Error).message}`);
    } finally {
      void refresh(ids[last.index]);
    }
  }

  // The keyboard; the handler is refreshed every render so it sees the current record.
  const onKey = useRef<(event: KeyboardEvent) => void>(() => {});
  onKey.current = (event: KeyboardEvent) => {
    if (typing(event.target)) return;   // a comment, the search: text, never a shortcut
    if (event.key === "Escape") { setPending(null); setSelectedSpan(null); return; }
    if ((event.key === "Delete" || event.key === "Backspace") && selectedSpan !== null) {
      const span = mine.find((l) => l.id === selectedSpan);
      if (span) { event.preventDefault(); deleteSpan(span); }
      return;
    }
    const action = keyAction(event, keys);
    if (!action) return;
    event.preventDefault();
    if (action.type === "next") setIndex((i) => step(i, 1));
    else if (action.type === "previous") setIndex((i) => step(i, -1));
    else if (action.type === "undo") void undoLast();
    else if (action.type === "gold") { if (isOwner) setGold((g) => !g); }
    else if (action.type === "nothing") nothingToMark();
    else if (action.type === "guidelines") { if (guidelines.shown) guidelines.toggle(); }
    else if (action.type === "comment") {
      if (deleted) return;
      commentsPanel.setOpen(true);
      setToComment(true);
    }
    else if (action.type === "label") chooseLabel(action.label);
  };
  useEffect(() => {
    const handler = (event: KeyboardEvent) => onKey.current(event);
    window.addEventListener("keydown", handler);
    return () => window.removeEventListener("keydown", handler);
  }, []);

  const record = deleted ? undefined : detail.data;
  const text = record && task.target_attribute ? String(record.data[task.target_attribute] ?? "") : "";
  const tokens = record?.tokens.find((t) => t.attribute === task.target_attribute);
  const mineNames = new Set(mine.map((l) => l.label));
  /** a short line of each label's description on its button, while the buttons have room */
  const roomy = task.labels.length <= 8;

  return (
    <div className="labeling">
      <div className="stack">
        <div className="panel">
          <div className="panel-head">
            <Button small variant="ghost" aria-label="Previous record" onClick={() => setIndex((i) => step(i, -1))} disabled={step(index, -1) === index}>←</Button>
            <span className="nowrap" aria-label="position"><b>{index + 1}</b> <span className="muted">of {ids.length.toLocaleString()}{total > ids.length ? ` (first ${ids.length.toLocaleString()} of ${total.toLocaleString()})` : ""}{gone.size > 0 && ` · ${gone.size.toLocaleString()} deleted meanwhile`}</span></span>
            <Button small variant="ghost" aria-label="Next record" onClick={() => setIndex((i) => step(i, 1))} disabled={step(index, 1) === index}>→</Button>
            {record && <span className="mono muted" aria-label="record id">{record.external_id}</span>}
            {queue?.items.get(recordId) && (
              <span className="queue-reason" aria-label="reason">
                {queue.items.get(recordId)!.reason}
                <span className="badge" title="The strategy's score: higher is asked first">score {scoreText(queue.items.get(recordId)!.score)}</span>
              </span>
            )}
            <span className="spacer" />
            {busy > 0 && <Spinner />}
            {isOwner && (
              <label className="check" title="Label as gold (owners); key G">
                <input type="checkbox" checked={gold} onChange={(e) => setGold(e.target.checked)} aria-label="Gold" /> Gold <Kbd>G</Kbd>
              </label>
            )}
            <Button small onClick={() => void undoLast()} disabled={undo.length === 0} title="Undo the last action (Ctrl+Z)">Undo</Button>
            {guidelines.shown && (
              <Button small variant={guidelines.open ? "secondary" : "ghost"} aria-expanded={guidelines.open}
                aria-controls={guidelines.open ? `guidelines-${task.id}` : undefined}
                title={`${guidelines.open ? "Hide" : "Show"} the task's guidelines (?)`} onClick={guidelines.toggle}>
                Guidelines <Kbd>?</Kbd>
              </Button>
            )}
            <Button small variant={commentsPanel.open ? "secondary" : "ghost"} aria-expanded={commentsPanel.open}
              aria-controls={commentsPanel.open ? "record-comments" : undefined}
              className={openComments > 0 ? "has-open-comments" : undefined}
              title={`${commentsPanel.open ? "Hide" : "Show"} the record's comments${openComments ? ` (${openComments} open)` : ""}${commentKey ? "; C writes one" : ""}`}
              onClick={() => commentsPanel.setOpen(!commentsPanel.open)}>
              Comments{comments?.length ? ` (${comments.length})` : ""}{commentKey && <Kbd>C</Kbd>}
            </Button>
          </div>
          <div className="panel-body" style={{ minHeight: 120 }}>
            {deleted ? <DeletedRecord next={step(index, 1) !== index ? () => setIndex(step(index, 1)) : null} />
              : detail.error ? <ErrorAlert error={detail.error} /> : !record ? <Spinner /> : task.kind === "extraction" && tokens ? (
              <SpanText text={text} tokens={tokens} labels={task.labels} pending={pending} selectedId={selectedSpan}
                spans={(entry?.manual_labels ?? []).filter((l) => l.token_start !== null).map((span) => ({ span, mine: span.annotator === me?.name && span.is_gold === gold }))}
                onSelect={(range) => { setPending(range); }}
                onSpanClick={(span) => { setPending(null); setSelectedSpan((s) => (s === span.id ? null : span.id)); }} />
            ) : isOwner ? (
              <AddToList key={record.id} projectId={projectId}><RecordAttributes record={record} main={task.target_attribute} /></AddToList>
            ) : (
              <RecordAttributes record={record} main={task.target_attribute} />
            )}
          </div>
          <div className="panel-body" style={{ borderTop: "1px solid var(--line)" }}>
            <div className="label-buttons" role="group" aria-label="labels">
              {task.labels.map((label) => {
                const line = roomy ? shortDescription(label.description) : "";
                return (
                  <button key={label.id} type="button" disabled={deleted} className={`label-btn ${mineNames.has(label.name) && task.kind !== "extraction" ? "on" : ""}`}
                    style={{ ["--c" as string]: label.color }} aria-pressed={task.kind !== "extraction" ? mineNames.has(label.name) : undefined}
                    title={label.description?.trim() || undefined} onClick={() => chooseLabel(label)}>
                    <Swatch color={label.color} />
                    {line ? <span className="label-btn-text">{label.name}<span className="label-btn-note" aria-hidden>{line}</span></span> : label.name}
                    {hotkeyOf(keys, label) && <Kbd>{hotkeyOf(keys, label)!.toUpperCase()}</Kbd>}
                  </button>
                );
              })}
              {task.kind !== "classification" && (
                <Button onClick={nothingToMark} disabled={deleted} title="Done with this record (Enter)">
                  {mine.length ? "Done" : "Nothing to mark"} <Kbd>↵</Kbd>
                </Button>
              )}
            </div>
            {task.kind === "extraction" && (
              <p className="muted small" style={{ marginTop: 8, marginBottom: 0 }}>
                {pending ? "Press a label's key or click a label to mark the selection." : selectedSpan !== null ? "Span selected: a label's key relabels it, Delete removes it, a new selection then a key moves it." : "Select text with the mouse; it snaps to whole tokens."}
              </p>
            )}
          </div>
        </div>
        <Keys kind={task.kind} guidelines={guidelines.shown} comment={commentKey} />
      </div>
      <div className="stack side-column">
        {guidelines.open && <GuidelinesPanel task={task} hotkeys={(label) => hotkeyOf(keys, label)} updated={guidelines.updated} onHide={guidelines.toggle} />}
        {!guidelines.shown && isOwner && <NoGuidelinesHint projectId={projectId} task={task} />}
        {commentsPanel.open && !deleted && (
          <CommentsPanel id="record-comments" projectId={projectId} recordId={recordId} boxRef={commentBox}
            onHide={() => commentsPanel.setOpen(false)} />
        )}
        <LabelsPanel projectId={projectId} task={task} detail={record} me={me?.name} fresh={fresh}
          canGold={isOwner} onGold={makeGold} onDelete={(l) => (task.kind === "extraction" ? deleteSpan(l) : void act(`Remove ${l.label}`, async () => {
            await del(`${base}/manual-labels/${l.id}`);
            return () => post(`${base}/records/${l.record_id}/labels`, { task_id: task.id, label: l.label, ...(l.is_gold ? { is_gold: true } : {}) });
          }, index))} />
      </div>
    </div>
  );
}

/** In place of a record deleted while the session ran. */
function DeletedRecord({ next }: { next: (() => void) | null }) {
  return (
    <div className="alert info" role="status">
      This record was deleted meanwhile (with its labels); the session passes over it.{" "}
      {next ? <Button small onClick={next}>Next record <Kbd>→</Kbd></Button> : "No record is left after it."}
    </div>
  );
}

function taskEntry(detail: RecordDetail | undefined, taskId: number) {
  return detail?.tasks.find((t) => t.task_id === taskId);
}

function RecordAttributes({ record, main }: { record: RecordDetail; main: string | null }) {
  const entries = Object.entries(record.data);
  const first = entries.find(([name]) => name === main) ?? entries.find(([, v]) => typeof v === "string" && v.length > 20);
  return (
    <div className="stack">
      {first && <div className="text-block">{String(first[1] ?? "")}</div>}
      <dl className="attr-list small">
        {entries.filter((e) => e !== first).map(([name, value]) => (
          <FragmentRow key={name} name={name} value={value} />
        ))}
      </dl>
    </div>
  );
}

function FragmentRow({ name, value }: { name: string; value: unknown }) {
  return <><dt>{name}</dt><dd>{value === null || value === undefined ? "—" : String(value)}</dd></>;
}

function Keys({ kind, guidelines, comment }: { kind: Task["kind"]; guidelines: boolean; comment: boolean }) {
  return (
    <div className="keys" aria-label="keyboard">
      <span><Kbd>1</Kbd>…<Kbd>9</Kbd></span><span>{kind === "classification" ? "label and go to the next record" : kind === "multilabel" ? "toggle a label" : "label the selection"}</span>
      <span><Kbd>←</Kbd> <Kbd>→</Kbd></span><span>previous / next record</span>
      {kind !== "classification" && <><span><Kbd>↵</Kbd></span><span>done (nothing to mark when nothing is marked), next record</span></>}
      <span><Kbd>Ctrl</Kbd>+<Kbd>Z</Kbd> or <Kbd>U</Kbd></span><span>undo the last action</span>
      <span><Kbd>G</Kbd></span><span>gold mode (owners)</span>
      {guidelines && <><span><Kbd>?</Kbd></span><span>show / hide the guidelines</span></>}
      {comment && <><span><Kbd>C</Kbd></span><span>comment on the record (<Kbd>Ctrl</Kbd>+<Kbd>↵</Kbd> sends, <Kbd>Esc</Kbd> back to labeling)</span></>}
    </div>
  );
}
