/** Labeling tasks with their labels (name, colour, hotkey, description), their guidelines
 * for annotators and their annotators' agreement (for classification, quality too); the
 * project's members, and its exports (records, Label Studio, a snapshot of everything). */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { ApiError, del, download, patch, post, put } from "../api";
import { useProjectEvents } from "../events";
import { useCodeDraft } from "../heuristics/useCodeDraft";
import { atLeast, useAttributes, useMembers, useRole, useTasks } from "../hooks";
import type { Label, Role, Task, TaskKind } from "../types";
import { AnnotatorsPanel } from "../labeling/AnnotatorsPanel";
import { GuidelinesText } from "../labeling/Guidelines";
import { useLocation } from "../router";
import { Badge, Button, ConfirmDialog, EditConflict, Empty, ErrorAlert, Field, Spinner, useToast } from "../ui";
import { GrowingTextarea } from "../ui/GrowingTextarea";

/** The longest guidelines and label description the server takes (store/limits.py). */
const GUIDELINES_MAX = 100_000;
const DESCRIPTION_MAX = 10_000;

export function SettingsPage({ projectId }: { projectId: number }) {
  const tasks = useTasks(projectId);
  const client = useQueryClient();
  // another owner's change of a task (guidelines, labels) shows at once
  useProjectEvents(projectId, (event) => {
    if (event.type === "task.changed") void client.invalidateQueries({ queryKey: ["projects", projectId, "tasks"] });
  });
  const role = useRole(projectId);
  const owner = atLeast(role, "owner");
  // ?task=3 (the labeling page's link): that task's guidelines, in view
  const focused = Number(useLocation().search.get("task")) || null;
  return (
    <div className="page">
      <div style={{ display: "grid", gridTemplateColumns: "minmax(0, 1fr) 340px", gap: 16, alignItems: "start" }}>
        <div className="stack">
          <div className="page-head" style={{ marginBottom: 0 }}><h1>Labeling tasks</h1></div>
          {tasks.isPending ? <Spinner /> : tasks.error ? <ErrorAlert error={tasks.error} />
            : tasks.data.length === 0 ? <div className="panel"><Empty>No tasks yet.{owner && " Create one on the right."}</Empty></div>
            : tasks.data.map((task) => <TaskCard key={task.id} projectId={projectId} task={task} owner={owner}
              focused={focused === task.id} />)}
        </div>
        <div className="stack">
          {owner && <NewTask projectId={projectId} />}
          <Members projectId={projectId} owner={owner} />
          <Exports projectId={projectId} owner={owner} />
        </div>
      </div>
    </div>
  );
}

function useInvalidate(projectId: number, what: string) {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: ["projects", projectId, what] });
}

/** A task: its labels, its guidelines. An owner's editors open once the role is known (they
 * read their drafts as they open); until then, and for other members, the text is shown. */
function TaskCard({ projectId, task, owner, focused }: { projectId: number; task: Task; owner: boolean; focused: boolean }) {
  const toast = useToast();
  const invalidate = useInvalidate(projectId, "tasks");
  const [confirming, setConfirming] = useState(false);
  const [annotators, setAnnotators] = useState(false);
  const [name, setName] = useState("");
  const base = `/projects/${projectId}/tasks/${task.id}`;
  const addLabel = useMutation({
    mutationFn: () => post<Label>(`${base}/labels`, { name: name.trim() }),
    onSuccess: () => { setName(""); void invalidate(); },
  });
  const remove = useMutation({
    mutationFn: () => del(base),
    onSuccess: () => { setConfirming(false); void invalidate(); },
    onError: (error) => { setConfirming(false); toast((error as Error).message); },
  });
  return (
    <div className="panel" aria-label={`task ${task.name}`}>
      <div className="panel-head">
        <h2>{task.name}</h2><Badge>{task.kind}</Badge>
        {task.target_attribute && <span className="muted small">on {task.target_attribute}</span>}
        <span className="spacer" />
        <Button small variant="ghost" aria-expanded={annotators}
          onClick={() => setAnnotators((shown) => !shown)}>{annotators ? "Hide annotators" : "Annotators…"}</Button>
        {owner && <Button small variant="ghost" onClick={() => setConfirming(true)}>Delete task</Button>}
      </div>
      {annotators && <AnnotatorsPanel projectId={projectId} task={task} />}
      <table className="table">
        <thead><tr><th style={{ width: 60 }}>Colour</th><th style={{ width: "22%" }}>Label</th><th>Description</th><th style={{ width: 90 }}>Hotkey</th><th style={{ width: 60 }} /></tr></thead>
        <tbody>
          {task.labels.map((label) => <LabelRow key={label.id} projectId={projectId} base={base} label={label} owner={owner}
            onChanged={() => void invalidate()} />)}
        </tbody>
      </table>
      {owner && (
        <form className="panel-body row" style={{ borderTop: "1px solid var(--line)" }} onSubmit={(e) => { e.preventDefault(); addLabel.mutate(); }}>
          <input className="input" placeholder="New label" aria-label={`New label of ${task.name}`} value={name} onChange={(e) => setName(e.target.value)} />
          <Button type="submit" small disabled={!name.trim()} busy={addLabel.isPending}>Add label</Button>
          <ErrorAlert error={addLabel.error} />
        </form>
      )}
      {owner ? <GuidelinesEditor projectId={projectId} task={task} focused={focused} />
        : <GuidelinesView task={task} focused={focused} />}
      <ConfirmDialog open={confirming} title={`Delete task “${task.name}”?`} confirm="Delete task" busy={remove.isPending}
        onCancel={() => setConfirming(false)} onConfirm={() => remove.mutate()}>
        <p className="muted">Its labels, manual labels and heuristics are deleted too.</p>
      </ConfirmDialog>
    </div>
  );
}

function LabelRow({ projectId, base, label, owner, onChanged }: { projectId: number; base: string; label: Label;
  owner: boolean; onChanged: () => void }) {
  const toast = useToast();
  const [hotkey, setHotkey] = useState(label.hotkey ?? "");
  const save = useMutation({
    mutationFn: (body: Partial<Label>) => patch<Label>(`${base}/labels/${label.id}`, body),
    onSuccess: onChanged,
    onError: (error) => toast((error as Error).message),
  });
  const remove = useMutation({ mutationFn: () => del(`${base}/labels/${label.id}`), onSuccess: onChanged,
    onError: (error) => toast((error as Error).message) });
  return (
    <tr>
      <td><input type="color" value={label.color.startsWith("#") && label.color.length === 7 ? label.color : "#868e96"} disabled={!owner}
        aria-label={`Colour of ${label.name}`} style={{ width: 32, height: 22, border: 0, padding: 0, background: "none" }}
        onChange={(e) => save.mutate({ color: e.target.value })} /></td>
      <td><b>{label.name}</b></td>
      <td className="label-description">{owner
        ? <DescriptionEditor projectId={projectId} base={base} label={label} onChanged={onChanged} />
        : label.description?.trim() ? <span className="label-description-text">{label.description}</span>
          : <span className="faint">—</span>}</td>
      <td><input className="input" style={{ width: 60, height: 24 }} maxLength={1} value={hotkey} disabled={!owner} placeholder="auto"
        aria-label={`Hotkey of ${label.name}`} onChange={(e) => setHotkey(e.target.value)}
        onBlur={() => hotkey !== (label.hotkey ?? "") && save.mutate({ hotkey: hotkey || null })} /></td>
      <td>{owner && <Button small variant="ghost" aria-label={`Delete label ${label.name}`} onClick={() => remove.mutate()}>×</Button>}</td>
    </tr>
  );
}

/** Ctrl+Enter (or Cmd+Enter) in a field: save. */
function savesOnCtrlEnter(save: () => void) {
  return (event: KeyboardEvent) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); save(); }
  };
}

/** A task's answer replaces it in the list at once (then the list is read again). */
function useTaskSaved(projectId: number) {
  const client = useQueryClient();
  return (saved: Task) => {
    client.setQueryData<Task[]>(["projects", projectId, "tasks"], (tasks) => tasks?.map((t) => (t.id === saved.id ? saved : t)));
    void client.invalidateQueries({ queryKey: ["projects", projectId, "tasks"] });
  };
}

/** An owner writes the task's guidelines: plain text that annotators read beside the record
 * as they label. What is typed is kept for the tab's session until it is saved or discarded
 * (leaving and reloading do not lose it). A save names the revision the text was written on:
 * another owner's save meanwhile (told as it happens, or by the server refusing the save) is
 * said, what was typed kept until the owner loads their version or keeps theirs with their
 * own text on it (the next save replaces it). */
function GuidelinesEditor({ projectId, task, focused }: { projectId: number; task: Task; focused: boolean }) {
  const saved = task.guidelines ?? "";
  const stored = task.guidelines_revision;
  const draft = useCodeDraft(projectId, `guidelines-${task.id}`, saved, true, stored);
  const { source: text, dirty, restored, newer, base } = draft;
  const [preview, setPreview] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const client = useQueryClient();
  const onSaved = useTaskSaved(projectId);
  const save = useMutation({
    mutationFn: ({ guidelines, revision }: { guidelines: string; revision?: number }) => {
      draft.saving(guidelines);
      return patch<Task>(`/projects/${projectId}/tasks/${task.id}`, { guidelines, guidelines_revision: revision });
    },
    onSuccess: onSaved,
  });
  const refused = isRevisionRefused(save.error);
  // the server's refusal: the guidelines are read again, to show their version
  useEffect(() => {
    if (refused) void client.invalidateQueries({ queryKey: ["projects", projectId, "tasks"] });
  }, [refused, client, projectId]);
  // a draft restored from a revision that is not the one stored (saved since by someone else)
  const staleDraft = save.isIdle && restored !== null && restored.revision !== undefined && stored !== undefined
    && base === restored.revision && restored.revision !== stored;
  const conflict = dirty && (newer !== null || refused || staleDraft);
  // their version is here: the revision stored is not the one the text was written on
  const theirs = stored !== undefined && base !== stored;

  const submit = () => { if (dirty && !conflict && !save.isPending) save.mutate({ guidelines: text, revision: base }); };
  const loadTheirs = () => { draft.discard(); save.reset(); };
  const keepMine = () => { draft.rebase(); save.reset(); };
  useEffect(() => {
    if (!focused || !area.current) return;
    area.current.scrollIntoView?.({ block: "center" });
    area.current.focus();
  }, [focused]);
  const over = text.length > GUIDELINES_MAX;
  return (
    <div className="panel-body stack task-guidelines" aria-label={`guidelines of ${task.name}`}>
      <div className="row">
        <h3>Guidelines for annotators</h3>
        <span className="spacer" />
        {text.length > GUIDELINES_MAX * 0.9 && (
          <span className="small" style={{ color: over ? "var(--danger)" : "var(--warn)" }} aria-label="length">
            {text.length.toLocaleString()} / {GUIDELINES_MAX.toLocaleString()} characters</span>
        )}
      </div>
      {conflict ? (
        <EditConflict label="saved meanwhile" title="Another owner saved these guidelines meanwhile" theirs={theirs}
          keepTitle="your text stays as it is, and Save replaces theirs" onLoadTheirs={loadTheirs} onKeepMine={keepMine}>
          {theirs ? ` (revision ${stored} now). `
            : refused ? `: ${(save.error as Error).message}. ` : ". "}
          Your unsaved text is kept here until you choose: load their version (yours is discarded), or keep
          your changes on it (Save then replaces theirs).
        </EditConflict>
      ) : restored && dirty && (
        <div className="alert info row" role="status" aria-label="unsaved guidelines">
          <span style={{ flex: 1 }}>Unsaved guidelines from {new Date(restored.savedAt).toLocaleString()} restored.</span>
          <Button small onClick={draft.discard}>Discard</Button>
        </div>
      )}
      <GrowingTextarea ref={area} rows={3} value={text} aria-label={`Guidelines of ${task.name}`}
        aria-invalid={(save.isError && !refused) || over || undefined}
        placeholder="How to label this task: what each label means, the borderline cases, examples. Plain text: line breaks are kept and http(s) links can be followed."
        onChange={(value) => { draft.setSource(value); if (save.isError && !refused) save.reset(); }}
        onKeyDown={savesOnCtrlEnter(submit)} />
      <ErrorAlert error={refused ? null : save.error} />
      <div className="row">
        <Button small variant="primary" busy={save.isPending} disabled={!dirty || conflict} onClick={submit}
          title={conflict ? "choose first: load their version, or keep your changes on it" : undefined}>
          {save.isPending ? "Saving…" : dirty || !saved ? "Save guidelines" : "Saved"}</Button>
        {dirty && !restored && !conflict && !save.isPending && <Button small variant="ghost" onClick={draft.discard}>Discard changes</Button>}
        {text.trim() && <Button small variant="ghost" aria-pressed={preview} onClick={() => setPreview((p) => !p)}>
          {preview ? "Hide preview" : "Preview"}</Button>}
        <span className="spacer" />
        <span className="small faint">Ctrl+Enter saves · annotators see them as they label</span>
      </div>
      {preview && text.trim() && <div aria-label="preview"><GuidelinesText text={text} /></div>}
    </div>
  );
}

/** Whether the server refused a save of guidelines written on a revision that is not the
 * latest (another owner saved meanwhile). */
const isRevisionRefused = (error: unknown) => error instanceof ApiError && error.status === 409
  && error.field === "guidelines_revision";

/** The guidelines as members other than owners see them here. */
function GuidelinesView({ task, focused }: { task: Task; focused: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => { if (focused) box.current?.scrollIntoView?.({ block: "center" }); }, [focused]);
  return (
    <div ref={box} className="panel-body stack task-guidelines" aria-label={`guidelines of ${task.name}`}>
      <h3>Guidelines for annotators</h3>
      {task.guidelines?.trim() ? <GuidelinesText text={task.guidelines} />
        : <span className="faint">No guidelines for this task yet.</span>}
    </div>
  );
}

/** An owner describes a label (what it means, when to give it): saved on leaving the field,
 * with Save, or Ctrl+Enter; Escape puts the saved text back. Kept as a draft until saved. */
function DescriptionEditor({ projectId, base, label, onChanged }: { projectId: number; base: string; label: Label;
  onChanged: () => void }) {
  const saved = label.description ?? "";
  const draft = useCodeDraft(projectId, `label-${label.id}-description`, saved, true);
  const { source: text, dirty, restored } = draft;
  const sent = useRef<string | null>(null);
  const client = useQueryClient();
  const save = useMutation({
    mutationFn: (description: string) => { draft.saving(description); return patch<Label>(`${base}/labels/${label.id}`, { description }); },
    onSuccess: (saved) => {   // shown saved at once, then the tasks are read again
      client.setQueryData<Task[]>(["projects", projectId, "tasks"], (tasks) => tasks?.map((t) =>
        ({ ...t, labels: t.labels.map((l) => (l.id === saved.id ? saved : l)) })));
      onChanged();
    },
    onSettled: () => { sent.current = null; },
  });
  // a blur and a click on Save come one after the other: the text goes once
  const submit = () => { if (dirty && sent.current !== text) { sent.current = text; save.mutate(text); } };
  const id = `label-${label.id}-description-error`;
  return (
    <div>
      <GrowingTextarea rows={1} value={text} aria-label={`Description of ${label.name}`}
        placeholder="What it means, when to give it" aria-invalid={save.isError || text.length > DESCRIPTION_MAX || undefined}
        aria-describedby={save.isError ? id : undefined}
        onChange={(value) => { draft.setSource(value); if (save.isError) save.reset(); }}
        onBlur={submit}
        onKeyDown={(event) => {
          if (event.key === "Escape" && dirty) { event.preventDefault(); draft.discard(); save.reset(); return; }
          savesOnCtrlEnter(submit)(event);
        }} />
      {save.isError && <div id={id} className="field-error" role="alert">{(save.error as Error).message}</div>}
      {(dirty || save.isPending) && (
        <div className="note" role="status" aria-label={`description of ${label.name} unsaved`}>
          {restored && <span className="muted">Unsaved text restored.</span>}
          <Button small busy={save.isPending} onMouseDown={(e) => e.preventDefault()} onClick={submit}>
            {save.isPending ? "Saving…" : "Save"}</Button>
          {!save.isPending && <Button small variant="ghost" onMouseDown={(e) => e.preventDefault()}
            onClick={() => { draft.discard(); save.reset(); }}>Discard</Button>}
        </div>
      )}
    </div>
  );
}

function NewTask({ projectId }: { projectId: number }) {
  const invalidate = useInvalidate(projectId, "tasks");
  const attributes = useAttributes(projectId).data ?? [];
  const [name, setName] = useState("");
  const [kind, setKind] = useState<TaskKind>("classification");
  const [target, setTarget] = useState("");
  const [labels, setLabels] = useState("");
  const create = useMutation({
    mutationFn: () => post<Task>(`/projects/${projectId}/tasks`, {
      name: name.trim(), kind, target_attribute: target || null,
      labels: labels.split(",").map((l) => l.trim()).filter(Boolean),
    }),
    onSuccess: () => { setName(""); setLabels(""); void invalidate(); },
  });
  const texts = attributes.filter((a) => a.data_type === "text");
  return (
    <form className="panel" onSubmit={(e) => { e.preventDefault(); create.mutate(); }}>
      <div className="panel-head"><h2>New task</h2></div>
      <div className="panel-body stack">
        <Field label="Name"><input className="input" value={name} onChange={(e) => setName(e.target.value)} aria-label="Task name" /></Field>
        <Field label="Kind">
          <select className="select" value={kind} onChange={(e) => setKind(e.target.value as TaskKind)} aria-label="Task kind">
            <option value="classification">classification (one label)</option>
            <option value="multilabel">multi-label (a set of labels)</option>
            <option value="extraction">extraction (spans of a text)</option>
          </select>
        </Field>
        {kind === "extraction" && (
          <Field label="Text attribute">
            <select className="select" value={target} onChange={(e) => setTarget(e.target.value)} aria-label="Text attribute">
              <option value="">choose…</option>
              {texts.map((a) => <option key={a.id} value={a.name}>{a.name}</option>)}
            </select>
          </Field>
        )}
        <Field label="Labels" hint="Comma-separated; colours and hotkeys 1–9 are given in order.">
          <input className="input" value={labels} onChange={(e) => setLabels(e.target.value)} aria-label="Labels" placeholder="ham, spam" />
        </Field>
        <ErrorAlert error={create.error} />
        <Button type="submit" variant="primary" disabled={!name.trim()} busy={create.isPending}>Create task</Button>
      </div>
    </form>
  );
}

function Members({ projectId, owner }: { projectId: number; owner: boolean }) {
  const members = useMembers(projectId);
  const invalidate = useInvalidate(projectId, "members");
  const toast = useToast();
  const [user, setUser] = useState("");
  const [role, setRole] = useState<Role>("annotator");
  const set = useMutation({
    mutationFn: (body: { user: string; role: Role }) => put(`/projects/${projectId}/members`, body),
    onSuccess: () => { setUser(""); void invalidate(); },
  });
  const remove = useMutation({
    mutationFn: (name: string) => del(`/projects/${projectId}/members/${encodeURIComponent(name)}`),
    onSuccess: () => void invalidate(), onError: (error) => toast((error as Error).message),
  });
  return (
    <div className="panel">
      <div className="panel-head"><h2>Members</h2></div>
      {members.error ? <div className="panel-body"><ErrorAlert error={members.error} /></div> : (
        <table className="table">
          <tbody>
            {members.data?.map((m) => (
              <tr key={m.user}>
                <td><b>{m.user}</b></td>
                <td>{owner ? (
                  <select className="select" style={{ height: 24 }} value={m.role} aria-label={`Role of ${m.user}`}
                    onChange={(e) => set.mutate({ user: m.user, role: e.target.value as Role })}>
                    <option value="viewer">viewer</option><option value="annotator">annotator</option><option value="owner">owner</option>
                  </select>) : <Badge>{m.role}</Badge>}</td>
                <td style={{ textAlign: "right" }}>{owner && <Button small variant="ghost" aria-label={`Remove ${m.user}`} onClick={() => remove.mutate(m.user)}>×</Button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {owner && (
        <form className="panel-body row" style={{ borderTop: "1px solid var(--line)" }} onSubmit={(e) => { e.preventDefault(); set.mutate({ user: user.trim(), role }); }}>
          <input className="input" style={{ flex: 1 }} placeholder="User name" aria-label="Member name" value={user} onChange={(e) => setUser(e.target.value)} />
          <select className="select" value={role} onChange={(e) => setRole(e.target.value as Role)} aria-label="Member role">
            <option value="viewer">viewer</option><option value="annotator">annotator</option><option value="owner">owner</option>
          </select>
          <Button type="submit" small disabled={!user.trim()} busy={set.isPending}>Add</Button>
          <div style={{ width: "100%" }}><ErrorAlert error={set.error} /></div>
        </form>
      )}
    </div>
  );
}

function Exports({ projectId, owner }: { projectId: number; owner: boolean }) {
  const toast = useToast();
  const base = `/projects/${projectId}`;
  const files: [string, string, string][] = [
    ["CSV", `${base}/export?format=csv`, "records.csv"],
    ["JSONL", `${base}/export?format=jsonl`, "records.jsonl"],
    ["Parquet", `${base}/export?format=parquet`, "records.parquet"],
    ["Label Studio tasks", `${base}/export?format=label-studio`, "label-studio-tasks.json"],
    ["Label Studio config", `${base}/export/label-studio-config`, "label-studio-config.xml"],
    ...(owner ? [["Snapshot", `${base}/snapshot`, "project.heurist.zip"] as [string, string, string]] : []),
  ];
  return (
    <div className="panel" aria-label="exports">
      <div className="panel-head"><h2>Export</h2></div>
      <div className="panel-body stack">
        <span className="small muted">Every record with its manual and reference labels; Label Studio tasks carry the
          latest weak labels as predictions; a snapshot restores the whole project elsewhere.</span>
        <div className="row" style={{ flexWrap: "wrap" }}>
          {files.map(([name, path, filename]) => (
            <Button key={name} small onClick={() => download(path, filename).catch((e) => toast((e as Error).message))}>{name}</Button>
          ))}
        </div>
      </div>
    </div>
  );
}
