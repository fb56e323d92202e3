/** The form that edits a record's values (owners): an input per imported attribute, filled
 * with the record's values; computed ones shown as they are (their code computes them again).
 * Saving asks the server first (a dry run): an edit that drops manual spans is confirmed with
 * those spans listed. What was typed stays through errors (a refused value is marked on its
 * field), a reload (a draft for the tab's session) and an edit made elsewhere meanwhile
 * (kept until the user loads their version or keeps theirs with their own changes on top). */
import { useMutation } from "@tanstack/react-query";
import { useEffect, useState, type KeyboardEvent } from "react";
import { ApiError, patch } from "./api";
import { useLeaveWarning } from "./hooks";
import { format } from "./pages/DataBrowser";
import {
  changedNames, dropRecordDraft, editData, formValues, isImported, names, readRecordDraft, spans,
  writeRecordDraft, type RecordDraft, type RecordEdited, type Values,
} from "./recordEditing";
import { DroppedSpans, NOT_A_NUMBER, useTypedValues, ValueField } from "./RecordValues";
import type { Attribute, RecordDetail } from "./types";
import { Button, ConfirmDialog, EditConflict, ErrorAlert } from "./ui";

/** The values the form started from, and their revision (sent: the server refuses an edit of
 * a record edited since). */
interface Opened { values: Values; revision?: number }

/** One save: the data sent, from which revision, and the values typed when it was sent. */
interface Edit { data: Record<string, unknown>; revision?: number; typed: Values }

export function EditRecord({ projectId, record, attributes, reload, onClose, onSaved }: {
  projectId: number; record: RecordDetail; attributes: Attribute[];
  /** read the record again (for "Load their version") */
  reload: () => Promise<RecordDetail | undefined>;
  onClose: () => void;
  /** saved (a dry run's answer when it changes nothing; null: nothing was changed to send) */
  onSaved: (result: RecordEdited | null) => void;
}) {
  const imported = attributes.filter(isImported);
  const computed = attributes.filter((a) => !isImported(a));
  const current = (from: RecordDetail): Opened => ({ values: formValues(imported, from.data), revision: from.revision });
  const [restored, setRestored] = useState<RecordDraft | null>(() => readRecordDraft(projectId, record.id));
  const [opened, setOpened] = useState<Opened>(() => (restored
    ? { values: restored.opened, revision: restored.revision } : current(record)));
  const { values, setValues, notNumbers, setNotNumbers, set } = useTypedValues(() => ({ ...opened.values, ...restored?.values }));
  const [confirming, setConfirming] = useState<{ edit: Edit; preview: RecordEdited } | null>(null);

  const changed = changedNames(imported, opened.values, values);
  const dirty = changed.length > 0;
  // the record as it is now was edited since the form was opened
  const edited = record.revision !== undefined && opened.revision !== undefined && record.revision !== opened.revision;
  const path = `/projects/${projectId}/records/${record.id}`;

  const commit = useMutation({
    mutationFn: (edit: Edit) => patch<RecordEdited>(path, { data: edit.data, revision: edit.revision, dry_run: false }),
    onSuccess: (result) => {
      setConfirming(null);
      dropRecordDraft(projectId, record.id);
      onSaved(result);
    },
    onError: () => setConfirming(null),
  });
  const check = useMutation({
    mutationFn: (edit: Edit) => patch<RecordEdited>(path, { data: edit.data, revision: edit.revision, dry_run: true }),
    onSuccess: (preview, edit) => {
      if (!preview.changed.length) {
        dropRecordDraft(projectId, record.id);
        onSaved(preview);
      } else if (preview.spans_dropped > 0) setConfirming({ edit, preview });
      else commit.mutate(edit);
    },
  });
  const busy = check.isPending || commit.isPending;
  const error = commit.isIdle ? check.error : commit.error;
  const refusedRevision = error instanceof ApiError && error.status === 409 && error.field === "revision";
  const sent = (commit.isIdle ? check.variables : commit.variables)?.typed;
  // a refused value is marked on its field until it is changed
  const fieldOf = (e: unknown) => (e instanceof ApiError && e.status === 422 && e.field
    && imported.some((a) => a.name === e.field) ? e.field : null);
  const refusedField = fieldOf(error) !== null && sent?.[fieldOf(error)!] === values[fieldOf(error)!] ? fieldOf(error) : null;
  const conflict = (edited && dirty) || refusedRevision;

  // the server's answer to a refused revision: the record is read again, to say what changed
  useEffect(() => { if (refusedRevision) void reload(); }, [refusedRevision]); // eslint-disable-line react-hooks/exhaustive-deps
  // edited elsewhere while nothing was typed: the form shows the new values
  useEffect(() => {
    if (edited && !dirty && !busy) {
      const now = current(record);
      setOpened(now);
      setValues(now.values);
    }
  }, [edited, dirty, busy, record]); // eslint-disable-line react-hooks/exhaustive-deps
  // what is typed is kept until it is saved or discarded
  useEffect(() => {
    if (dirty) writeRecordDraft(projectId, record.id, { values, opened: opened.values, revision: opened.revision });
    else {
      dropRecordDraft(projectId, record.id);
      setRestored(null);
    }
  }, [dirty, values, opened, projectId, record.id]);
  useLeaveWarning(dirty);

  const reset = (to: RecordDetail) => {
    const now = current(to);
    setOpened(now);
    setValues(now.values);
    setNotNumbers(new Set());
    setRestored(null);
    check.reset();
    commit.reset();
    dropRecordDraft(projectId, record.id);
  };
  /** Their version, what was typed discarded. */
  const loadTheirs = async () => reset((await reload()) ?? record);
  /** Their version with one's own changes on it: what one changed stays, the rest is theirs. */
  const keepMine = () => {
    const theirs = current(record);
    setValues(Object.fromEntries(imported.map((a) => [a.name,
      changed.includes(a.name) ? values[a.name] : theirs.values[a.name]])));
    setOpened(theirs);
    check.reset();
    commit.reset();
  };
  const theyChanged = changedNames(imported, opened.values, current(record).values);
  const bothChanged = theyChanged.filter((name) => changed.includes(name));

  const save = () => {
    if (busy || conflict || notNumbers.size) return;
    check.reset();
    commit.reset();
    if (!dirty) {
      onSaved(null);
      return;
    }
    check.mutate({ data: editData(imported, opened.values, values), revision: opened.revision, typed: values });
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      save();
    }
  };

  const fieldMessage = (name: string) => (notNumbers.has(name) ? NOT_A_NUMBER
    : refusedField === name ? (error as Error).message : null);
  const generalError = error && fieldOf(error) === null && !refusedRevision ? error : null;

  return (
    <div className="panel" aria-label="edit values">
      <div className="panel-head">
        <h2>Edit values</h2>
        {record.revision !== undefined && <span className="small muted">revision {opened.revision ?? record.revision}</span>}
        <span className="spacer" />
        <span className="small faint">Ctrl+Enter saves</span>
      </div>
      <div className="panel-body stack" onKeyDown={onKeyDown}>
        {conflict ? (
          <EditConflict label="edited meanwhile" title="This record was edited meanwhile" theirs={edited}
            keepTitle="their values, with the values you changed on top"
            onLoadTheirs={() => void loadTheirs()} onKeepMine={keepMine}>
            {edited ? ` (revision ${record.revision} now${theyChanged.length ? `: ${names(theyChanged)} changed` : ""}). `
              : `: ${(error as Error).message}. `}
            Your unsaved values are kept here until you choose.
            {edited && bothChanged.length > 0 && ` You both changed ${names(bothChanged)}: keeping your changes replaces theirs.`}
          </EditConflict>
        ) : restored && dirty && (
          <div className="alert info row" role="status" aria-label="unsaved values">
            <span>Unsaved values from {new Date(restored.savedAt).toLocaleString()} restored.</span>
            <Button small onClick={() => reset(record)}>Discard</Button>
          </div>
        )}
        <div className="edit-grid">
          {imported.map((attribute) => (
            <ValueField key={attribute.id} attribute={attribute} value={values[attribute.name] ?? ""}
              changed={changed.includes(attribute.name)} error={fieldMessage(attribute.name)}
              focus={refusedField === attribute.name} disabled={busy} onChange={set} valuesOf={projectId} />
          ))}
        </div>
        {imported.length === 0 && <span className="faint">This project has no imported attributes to edit.</span>}
        {computed.length > 0 && (
          <div aria-label="computed attributes">
            <h3>Computed</h3>
            <dl className="attr-list">
              {computed.map((a) => (
                <div key={a.id} style={{ display: "contents" }}>
                  <dt>{a.name}</dt><dd className="muted">{format(record.data[a.name])}</dd>
                </div>
              ))}
            </dl>
            <p className="small muted" style={{ marginTop: 6 }}>
              Their code computes them: they are not edited here, and are computed again after the edit
              when their code reads a value that changed.
            </p>
          </div>
        )}
        <ErrorAlert error={generalError} />
        <div className="row">
          <Button variant="primary" busy={busy} disabled={conflict || notNumbers.size > 0} onClick={save}
            title={conflict ? "choose first: load their version, or keep your changes on it" : undefined}>
            {busy ? "Saving…" : "Save"}
          </Button>
          <Button disabled={busy} onClick={() => { dropRecordDraft(projectId, record.id); onClose(); }}
            title={dirty ? "close the form: the values typed are discarded" : undefined}>Cancel</Button>
          {dirty && <span className="small muted">{changed.length === 1 ? "1 value" : `${changed.length} values`} changed</span>}
          {busy && <span className="small muted" role="status">Saving…</span>}
        </div>
      </div>
      {confirming && (
        <DropSpans preview={confirming.preview} busy={commit.isPending}
          onCancel={() => { setConfirming(null); commit.reset(); }}
          onConfirm={() => commit.mutate(confirming.edit)} />
      )}
    </div>
  );
}

/** The confirmation of an edit that deletes manual spans, which it lists. */
function DropSpans({ preview, busy, onCancel, onConfirm }: {
  preview: RecordEdited; busy: boolean; onCancel: () => void; onConfirm: () => void;
}) {
  const dropped = preview.spans_dropped;
  return (
    <ConfirmDialog open title={`Save and drop ${spans(dropped)}?`} busy={busy}
      confirm={busy ? "Saving…" : `Save and drop ${spans(dropped)}`} onCancel={onCancel} onConfirm={onConfirm}>
      <p>The edit changes the text under {dropped === 1 ? "this manual span" : `these ${spans(dropped)}`}:
        {dropped === 1 ? " it is" : " they are"} deleted with the edit.</p>
      <DroppedSpans outcome={preview} />
      <p style={{ marginTop: 8 }}>Spans whose text is unchanged follow the edit
        {preview.spans_moved ? ` (${spans(preview.spans_moved)} move${preview.spans_moved === 1 ? "s" : ""})` : ""}.</p>
    </ConfirmDialog>
  );
}
