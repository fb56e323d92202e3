/** Labeling tasks with their labels (name, colour, hotkey) and, for classification, their
 * annotators' quality; the project's members, and its exports (records, Label Studio, a
 * snapshot of everything). */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { del, download, patch, post, put } from "../api";
import { atLeast, useAttributes, useMembers, useRole, useTasks } from "../hooks";
import type { Label, Role, Task, TaskKind } from "../types";
import { AnnotatorsPanel } from "../labeling/AnnotatorsPanel";
import { Badge, Button, ConfirmDialog, Empty, ErrorAlert, Field, Spinner, useToast } from "../ui";

export function SettingsPage({ projectId }: { projectId: number }) {
  const tasks = useTasks(projectId);
  const role = useRole(projectId);
  const owner = atLeast(role, "owner");
  return (
    <div className="page">
      <div style={{ display: "grid", gridTemplateColumns: "minmax(0, 1fr) 340px", gap: 16, alignItems: "start" }}>
        <div className="stack">
          <div className="page-head" style={{ marginBottom: 0 }}><h1>Labeling tasks</h1></div>
          {tasks.isPending ? <Spinner /> : tasks.error ? <ErrorAlert error={tasks.error} />
            : tasks.data.length === 0 ? <div className="panel"><Empty>No tasks yet.{owner && " Create one on the right."}</Empty></div>
            : tasks.data.map((task) => <TaskCard key={task.id} projectId={projectId} task={task} owner={owner} />)}
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

function TaskCard({ projectId, task, owner }: { projectId: number; task: Task; owner: boolean }) {
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
        {task.kind === "classification" && <Button small variant="ghost" aria-expanded={annotators}
          onClick={() => setAnnotators((shown) => !shown)}>{annotators ? "Hide annotators" : "Annotators…"}</Button>}
        {owner && <Button small variant="ghost" onClick={() => setConfirming(true)}>Delete task</Button>}
      </div>
      {annotators && <AnnotatorsPanel projectId={projectId} task={task} />}
      <table className="table">
        <thead><tr><th style={{ width: 60 }}>Colour</th><th>Label</th><th style={{ width: 90 }}>Hotkey</th><th style={{ width: 60 }} /></tr></thead>
        <tbody>
          {task.labels.map((label) => <LabelRow key={label.id} base={base} label={label} owner={owner} onChanged={() => void invalidate()} />)}
        </tbody>
      </table>
      {owner && (
        <form className="panel-body row" style={{ borderTop: "1px solid var(--line)" }} onSubmit={(e) => { e.preventDefault(); addLabel.mutate(); }}>
          <input className="input" placeholder="New label" aria-label={`New label of ${task.name}`} value={name} onChange={(e) => setName(e.target.value)} />
          <Button type="submit" small disabled={!name.trim()} busy={addLabel.isPending}>Add label</Button>
          <ErrorAlert error={addLabel.error} />
        </form>
      )}
      <ConfirmDialog open={confirming} title={`Delete task “${task.name}”?`} confirm="Delete task" busy={remove.isPending}
        onCancel={() => setConfirming(false)} onConfirm={() => remove.mutate()}>
        <p className="muted">Its labels, manual labels and heuristics are deleted too.</p>
      </ConfirmDialog>
    </div>
  );
}

function LabelRow({ base, label, owner, onChanged }: { base: string; label: Label; owner: boolean; onChanged: () => void }) {
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
      <td><input className="input" style={{ width: 60, height: 24 }} maxLength={1} value={hotkey} disabled={!owner} placeholder="auto"
        aria-label={`Hotkey of ${label.name}`} onChange={(e) => setHotkey(e.target.value)}
        onBlur={() => hotkey !== (label.hotkey ?? "") && save.mutate({ hotkey: hotkey || null })} /></td>
      <td>{owner && <Button small variant="ghost" aria-label={`Delete label ${label.name}`} onClick={() => remove.mutate()}>×</Button>}</td>
    </tr>
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
