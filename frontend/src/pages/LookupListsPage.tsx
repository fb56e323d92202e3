/** Lookup lists of the project: named term lists that labeling functions import from
 * ``knowledge`` (``from knowledge import cities``). Every member reads them; owners create
 * them (typed, pasted or from a text file, one term per line), edit, rename and delete them,
 * and let one follow a label of an extraction task (its reference spans' texts join the
 * terms as annotations come). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ChangeEvent, useMemo, useState } from "react";
import { del, get, patch, post, saveBlob } from "../api";
import { useProjectEvents } from "../events";
import { atLeast, useLeaveWarning, useRole, useTasks } from "../hooks";
import { termsOf, useLookupLists } from "../lookupLists";
import { TermStats } from "../TermStats";
import type { Follows, LookupList, LookupListSummary, Task } from "../types";
import { Button, ConfirmDialog, Empty, ErrorAlert, Field, Spinner } from "../ui";
import { Readers } from "../heuristics/Readers";
import { navigate, useLocation } from "../router";

/** What saves ``edited`` over ``saved``: the terms added and removed (so terms that a
 * followed label added meanwhile are kept), or every term when only their order changed. */
export function termChanges(saved: string[], edited: string[]):
  { add: string[]; remove: string[] } | { terms: string[] } {
  const before = new Set(saved);
  const after = new Set(edited);
  const add = edited.filter((t) => !before.has(t));
  const remove = saved.filter((t) => !after.has(t));
  return add.length || remove.length ? { add, remove } : { terms: edited };
}

/** "1 term", "2 terms". */
const termCount = (n: number) => `${n.toLocaleString()} term${n === 1 ? "" : "s"}`;

const followsText = (f: Follows) => `${f.task_name} / ${f.label}`;

/** The labels a list can follow: every label of every extraction task, as "task:label". */
function spanLabels(tasks: Task[]) {
  return tasks.filter((t) => t.kind === "extraction")
    .flatMap((t) => t.labels.map((l) => ({ value: `${t.id}:${l.name}`, task: t, label: l.name })));
}

const followsOf = (value: string) => {
  const at = value.indexOf(":");
  return at < 0 ? null : { task_id: Number(value.slice(0, at)), label: value.slice(at + 1) };
};

/** A text file's content, read in the browser. */
function readFile(event: ChangeEvent<HTMLInputElement>, onText: (text: string) => void) {
  const file = event.target.files?.[0];
  if (file) void file.text().then(onText);
  event.target.value = "";
}

export function LookupListsPage({ projectId }: { projectId: number }) {
  const role = useRole(projectId);
  const canEdit = atLeast(role, "owner");
  // the list shown is in the address (``?list=5``), so a link can open it
  const { path, search } = useLocation();
  const selected = search.get("list") === null ? null : Number(search.get("list"));
  const setSelected = (id: number | null) => navigate(id === null ? path : `${path}?list=${id}`, { replace: true });
  const lists = useLookupLists(projectId);
  const client = useQueryClient();
  const followed = new Set((lists.data ?? []).flatMap((l) => l.follows ? [l.follows.task_id] : []));
  useProjectEvents(projectId, (event) => {
    if (event.type === "labels.changed" && followed.has(event.data.task_id as number)) {
      void client.invalidateQueries({ queryKey: ["projects", projectId, "lookup-lists"] });
    }
  });
  const shown = lists.data?.find((l) => l.id === selected) ?? null;
  return (
    <div className="page">
      <div style={{ display: "grid", gridTemplateColumns: "minmax(0, 1fr) 340px", gap: 16, alignItems: "start" }}>
        <div className="stack">
          <div className="panel">
            <div className="panel-head"><h2>Lookup lists</h2>
              <span className="small muted">a labeling function reads one as <code>from knowledge import name</code></span></div>
            {lists.isPending ? <Empty><Spinner /></Empty> : lists.error ? <div className="panel-body"><ErrorAlert error={lists.error} /></div>
              : lists.data.length === 0 ? <Empty>No lookup lists yet: keep gazetteers and keywords here instead of in the code.</Empty> : (
                <table className="table" aria-label="lookup lists">
                  <thead><tr><th>Name</th><th style={{ textAlign: "right" }}>Terms</th><th style={{ textAlign: "right" }}>Version</th><th>Follows</th><th>Read by</th><th>Description</th><th>Changed</th></tr></thead>
                  <tbody>
                    {lists.data.map((l) => (
                      <tr key={l.id} data-list={l.name} className={l.id === selected ? "selected" : undefined}>
                        <td><Button small variant="ghost" onClick={() => setSelected(l.id)}><b>{l.name}</b></Button></td>
                        <td style={{ textAlign: "right" }}>{l.n_terms.toLocaleString()}</td>
                        <td style={{ textAlign: "right" }}>{l.version}</td>
                        <td className="small nowrap">{l.follows ? followsText(l.follows) : ""}</td>
                        <td className="small"><Readers projectId={projectId} readers={l.read_by} /></td>
                        <td className="muted">{l.description}</td>
                        <td className="small muted nowrap">{new Date(l.updated_at).toLocaleString()}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
          </div>
          {shown && <ListEditor key={shown.id} projectId={projectId} summary={shown} canEdit={canEdit} onDeleted={() => setSelected(null)} />}
        </div>
        {canEdit && <NewList projectId={projectId} onCreated={setSelected} />}
      </div>
    </div>
  );
}

function NewList({ projectId, onCreated }: { projectId: number; onCreated: (id: number) => void }) {
  const client = useQueryClient();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [text, setText] = useState("");
  const [follow, setFollow] = useState("");
  const labels = spanLabels(useTasks(projectId).data ?? []);
  const terms = useMemo(() => termsOf(text), [text]);
  const create = useMutation({
    mutationFn: () => post<LookupList>(`/projects/${projectId}/lookup-lists`,
      { name: name.trim(), description, terms, follows: followsOf(follow) }),
    onSuccess: (made) => {
      void client.invalidateQueries({ queryKey: ["projects", projectId, "lookup-lists"] });
      setName(""); setDescription(""); setText(""); setFollow("");
      onCreated(made.id);
    },
  });
  return (
    <form className="panel" aria-label="new lookup list" onSubmit={(e) => { e.preventDefault(); create.mutate(); }}>
      <div className="panel-head"><h2>New lookup list</h2></div>
      <div className="panel-body stack">
        <Field label="Name" hint="A Python name: letters, digits and _, e.g. cities.">
          <input className="input" value={name} onChange={(e) => setName(e.target.value)} aria-label="List name" required />
        </Field>
        <Field label="Description (optional)">
          <input className="input" value={description} onChange={(e) => setDescription(e.target.value)} aria-label="List description" />
        </Field>
        <Field label={`Terms, one per line (${terms.length.toLocaleString()})`}>
          <textarea className="input mono" rows={8} value={text} onChange={(e) => setText(e.target.value)} aria-label="New list terms" />
        </Field>
        <label className="small">or a text file: <input type="file" accept=".txt,.csv,text/plain" aria-label="Terms file"
          onChange={(e) => {
            const stem = e.target.files?.[0]?.name.replace(/\.[^.]*$/, "").replace(/\W/g, "_");
            if (!name && stem) setName(stem);
            readFile(e, setText);
          }} /></label>
        {labels.length > 0 && <Field label="Follow the reference spans of (optional)"
          hint="Their texts join the terms as annotations come, and leave when no span holds them any more.">
          <select className="select" aria-label="Follow a label" value={follow} onChange={(e) => setFollow(e.target.value)}>
            <option value="">no label</option>
            {labels.map((l) => <option key={l.value} value={l.value}>{l.task.name} / {l.label}</option>)}
          </select>
        </Field>}
        <ErrorAlert error={create.error} />
        <Button type="submit" variant="primary" busy={create.isPending} disabled={!name.trim()}>Create list</Button>
      </div>
    </form>
  );
}

function ListEditor({ projectId, summary, canEdit, onDeleted }: {
  projectId: number; summary: LookupListSummary; canEdit: boolean; onDeleted: () => void;
}) {
  const client = useQueryClient();
  const queryKey = ["projects", projectId, "lookup-lists", summary.id];
  const list = useQuery({ queryKey, queryFn: () => get<LookupList>(`/projects/${projectId}/lookup-lists/${summary.id}`),
    staleTime: 0 });
  // the text typed, and the terms it was typed over (a followed label may add some meanwhile)
  const [text, setTyped] = useState<string | null>(null);
  const [base, setBase] = useState<string[]>([]);
  const setText = (typed: string | null) => {
    if (typed !== null && text === null) setBase(list.data?.terms ?? []);
    setTyped(typed);
  };
  const [search, setSearch] = useState("");
  const [confirming, setConfirming] = useState(false);
  const saved = list.data ? list.data.terms.join("\n") : "";
  const current = text ?? saved;
  const terms = useMemo(() => termsOf(current), [current]);
  const dirty = text !== null && termsOf(text).join("\n") !== list.data?.terms.join("\n");
  const found = search.trim() ? terms.filter((t) => t.toLowerCase().includes(search.trim().toLowerCase())) : null;

  useLeaveWarning(dirty);

  const refresh = (changed: LookupList) => {
    client.setQueryData(queryKey, changed);
    void client.invalidateQueries({ queryKey: ["projects", projectId, "lookup-lists"], exact: true });
  };
  const save = useMutation({
    mutationFn: () => patch<LookupList>(`/projects/${projectId}/lookup-lists/${summary.id}`,
      termChanges(base, terms)),
    onSuccess: (changed) => { refresh(changed); setText(null); },
  });
  const remove = useMutation({
    mutationFn: () => del(`/projects/${projectId}/lookup-lists/${summary.id}`),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["projects", projectId, "lookup-lists"], exact: true });
      onDeleted();
    },
  });
  return (
    <div className="panel" aria-label={`lookup list ${summary.name}`}>
      <div className="panel-head">
        <h2>{summary.name}</h2>
        <code className="small">from knowledge import {summary.name}</code>
        <span className="spacer" />
        {canEdit && <Button small variant="danger" onClick={() => setConfirming(true)}>Delete</Button>}
      </div>
      <div className="panel-body stack">
        {list.isPending ? <Spinner /> : <ErrorAlert error={list.error} />}
        {list.data && <>
          <div className="row">
            <span className="small" aria-label="term count">{termCount(terms.length)}{dirty ? " (unsaved)"
              : `${list.data.follows ? `, ${list.data.n_from_labels.toLocaleString()} from spans` : ""} · version ${list.data.version}`}</span>
            <span className="spacer" />
            <input className="input" placeholder="Find a term" value={search} onChange={(e) => setSearch(e.target.value)} aria-label="Find a term" />
          </div>
          {found && <div className="small" aria-label="found terms">
            {found.length === 0 ? "No term contains it." : `${found.length.toLocaleString()} found: ${found.slice(0, 20).join(", ")}${found.length > 20 ? ", …" : ""}`}
          </div>}
          <textarea className="input mono" rows={14} value={current} readOnly={!canEdit}
            onChange={(e) => setText(e.target.value)} aria-label="Terms" />
          {canEdit && <div className="row">
            <Button variant="primary" busy={save.isPending} disabled={!dirty} onClick={() => save.mutate()}>{dirty ? "Save terms" : "Saved"}</Button>
            {dirty && <Button onClick={() => setText(null)}>Discard changes</Button>}
            <label className="small">replace with a text file: <input type="file" accept=".txt,.csv,text/plain" aria-label="Replace from file"
              onChange={(e) => readFile(e, setText)} /></label>
          </div>}
          <div className="row">
            <Button small onClick={() => saveBlob(new Blob(terms.map((t) => `${t}\n`), { type: "text/plain" }), `${summary.name}.txt`)}>
              Download as .txt</Button>
            <span className="small muted">one term per line{dirty ? ", as shown (unsaved)" : ""}</span>
          </div>
          <ErrorAlert error={save.error} />
          {list.data.follows ? <Following projectId={projectId} list={list.data} canEdit={canEdit} onChanged={refresh} />
            : canEdit && !dirty && <SpansToTerms projectId={projectId} listId={summary.id} count={list.data.terms.length} onAdded={refresh} />}
          <span className="faint small">Runs that start after a change read the new terms; the heuristics that read an older version are out of date (the Heuristics page runs them again).</span>
          <TermStats projectId={projectId} list={list.data} canEdit={canEdit} onChanged={refresh} />
        </>}
      </div>
      <ConfirmDialog open={confirming} title={`Delete the lookup list ${summary.name}?`} confirm="Delete list"
        busy={remove.isPending} onCancel={() => setConfirming(false)} onConfirm={() => remove.mutate()}>
        <p>Its {summary.n_terms.toLocaleString()} terms go with it; labeling functions that import it fail until a list of that name is back.</p>
        {summary.read_by.length > 0 && <p role="note">Read by {summary.read_by.length === 1 ? "the labeling function" : `${summary.read_by.length} labeling functions`}:{" "}
          <Readers projectId={projectId} readers={summary.read_by} />.</p>}
        <ErrorAlert error={remove.error} />
      </ConfirmDialog>
    </div>
  );
}

/** Adds the texts of an extraction task's reference spans of one label to the list. */
function SpansToTerms({ projectId, listId, count, onAdded }: {
  projectId: number; listId: number; count: number; onAdded: (changed: LookupList) => void;
}) {
  const tasks = (useTasks(projectId).data ?? []).filter((t) => t.kind === "extraction");
  const [taskId, setTaskId] = useState<number | null>(null);
  const [label, setLabel] = useState("");
  const [added, setAdded] = useState<number | null>(null);
  const task = tasks.find((t) => t.id === taskId) ?? tasks[0];
  const chosenLabel = label || task?.labels[0]?.name || "";
  const add = useMutation({
    mutationFn: () => post<LookupList>(`/projects/${projectId}/lookup-lists/${listId}/labelled-terms`,
      { task_id: task!.id, label: chosenLabel }),
    onSuccess: (changed) => { setAdded(changed.n_terms - count); onAdded(changed); },
  });
  const follow = useMutation({
    mutationFn: () => patch<LookupList>(`/projects/${projectId}/lookup-lists/${listId}`,
      { follows: { task_id: task!.id, label: chosenLabel } }),
    onSuccess: onAdded,
  });
  if (!task) return null;
  return (
    <div className="stack" aria-label="terms from labelled spans">
      <div className="row">
        <span className="small">Add the reference spans of</span>
        <select className="select" aria-label="Span task" value={task.id}
          onChange={(e) => { setTaskId(Number(e.target.value)); setLabel(""); }}>
          {tasks.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
        </select>
        <select className="select" aria-label="Span label" value={chosenLabel} onChange={(e) => setLabel(e.target.value)}>
          {task.labels.map((l) => <option key={l.id} value={l.name}>{l.name}</option>)}
        </select>
        <Button busy={add.isPending} onClick={() => { setAdded(null); add.mutate(); }}>Add spans</Button>
        <Button busy={follow.isPending} onClick={() => follow.mutate()}
          title="Keep adding the texts of new spans of this label, and remove those no span holds any more">Follow the label</Button>
        {added !== null && <span className="small muted" role="status">
          {added === 0 ? "no new term" : `${termCount(added).replace(" ", " new ")} added`}
        </span>}
      </div>
      <ErrorAlert error={add.error ?? follow.error} />
    </div>
  );
}

/** The labeling functions that read a list, each a link to its editor. */
/** What a list that follows a label says of it, and the way to stop. */
function Following({ projectId, list, canEdit, onChanged }: {
  projectId: number; list: LookupList; canEdit: boolean; onChanged: (changed: LookupList) => void;
}) {
  const stop = useMutation({
    mutationFn: () => patch<LookupList>(`/projects/${projectId}/lookup-lists/${list.id}`, { follows: null }),
    onSuccess: onChanged,
  });
  const follows = list.follows!;
  return (
    <div className="stack" aria-label="follows a label">
      <div className="row">
        <span className="small">
          Follows the reference spans of <b>{follows.label}</b> in <b>{follows.task_name}</b>:{" "}
          {termCount(list.n_from_labels)} {list.n_from_labels === 1 ? "comes" : "come"} from them.
          New annotations add their text; a text no span holds any more leaves (terms typed here stay,
          and a term removed here is not added back by the spans that hold it now).
        </span>
        <span className="spacer" />
        {canEdit && <Button small busy={stop.isPending} onClick={() => stop.mutate()}>Stop following</Button>}
      </div>
      <ErrorAlert error={stop.error} />
    </div>
  );
}
