/** Giving many records the same values (owners): the records the data browser's filter
 * matches (or all of them) get, for the imported attributes chosen, each the value typed or
 * none. A dry run says first what would happen (how many change, the manual spans dropped,
 * what is computed or embedded again); the server's refusal (a run under way, a selection
 * that changed since it was counted, a value it cannot take: marked on its field) is shown
 * in the dialog, what was typed kept. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { ApiError, post } from "./api";
import type { Filters, Names } from "./filters";
import {
  apiValue, changesSummary, followUps, isImported, names, refreshAfterEdit, setSummary, spans,
  type RecordsEdited,
} from "./recordEditing";
import {
  isRecounted, onSelection, records, selectionOf, SelectionWords, type Selection,
} from "./recordSelection";
import { DroppedSpans, useTypedValues, ValueField } from "./RecordValues";
import type { Attribute } from "./types";
import { Button, ConfirmDialog, ErrorAlert, Progress, useToast } from "./ui";

/** A value refused by the server: marked on its field until it is changed. */
interface Refused { field: string; message: string; value: string; cleared: boolean }

/** The values of one request: ``data`` as sent, from what was typed. */
interface Edit { data: Record<string, unknown>; expected: number }

/** Whether "Set values of N records…" is offered: some records are selected (``selectionOf``)
 * and the project has imported attributes. */
export const setValuesOffered = (attributes: Attribute[], filters: Filters, count: number | null) =>
  selectionOf(filters, count).offered && attributes.some(isImported);

/** The dialogs of "Set values of N records…" (``setValuesTitle``) for the records ``filters``
 * match, shown while ``open`` (``onClose``: they closed); ``count``: the number shown (null
 * until it is known exactly), sent as ``expected``. ``onChanged``: the list is to be read
 * again (values changed, or the selection changed since it was counted). */
export function SetValues({ projectId, filters, count: known, names: filterNames, attributes, open, onClose, onChanged }: {
  projectId: number; filters: Filters; count: number | null; names: Names; attributes: Attribute[];
  open: boolean; onClose: () => void; onChanged: () => void;
}) {
  const client = useQueryClient();
  const toast = useToast();
  const id = useId();
  const selection = selectionOf(filters, known);
  const { count, conditions } = selection;
  const imported = attributes.filter(isImported);
  const [step, setStep] = useState<"form" | "confirm">("form");
  const stage = open ? step : null;
  const [chosen, setChosen] = useState<string[]>([]);
  const { values, setValues, notNumbers, setNotNumbers, set } = useTypedValues(() => ({}));
  const [cleared, setCleared] = useState<ReadonlySet<string>>(new Set());
  const [refused, setRefused] = useState<Refused | null>(null);

  const fields = chosen.map((name) => imported.find((a) => a.name === name)).filter((a) => a !== undefined);
  const empty = fields.filter((a) => !cleared.has(a.name) && (values[a.name] ?? "") === "").map((a) => a.name);
  const notNumber = fields.filter((a) => !cleared.has(a.name) && notNumbers.has(a.name)).map((a) => a.name);
  const ready = fields.length > 0 && empty.length === 0 && notNumber.length === 0;
  const data = Object.fromEntries(fields.map((a) => [a.name,
    cleared.has(a.name) ? null : apiValue(a.data_type, values[a.name] ?? "")]));
  const setNames = fields.map((a) => a.name);
  // a refused value stays marked while it is what was refused
  const refusedField = refused && (values[refused.field] ?? "") === refused.value
    && cleared.has(refused.field) === refused.cleared ? refused.field : null;
  const fieldOf = (error: unknown) => (error instanceof ApiError && error.status === 422 && error.field
    && setNames.includes(error.field) ? error.field : null);
  const refuse = (error: unknown) => {
    const field = fieldOf(error);
    if (!field) return false;
    setRefused({ field, message: (error as Error).message, value: values[field] ?? "", cleared: cleared.has(field) });
    setStep("form");
    return true;
  };
  const close = () => {
    setStep("form");
    commit.reset();
    onClose();
  };

  const path = `/projects/${projectId}/records/edit`;
  const edit: Edit = { data, expected: count };
  // what the edit would do, asked as the confirmation opens (and again as the count changes)
  const preview = useQuery({
    queryKey: ["projects", projectId, "records", "edit", conditions, edit],
    queryFn: () => post<RecordsEdited>(path, { filter: { conditions }, ...edit, dry_run: true }),
    enabled: stage === "confirm" && ready, retry: false, gcTime: 0,
  });
  const commit = useMutation({
    mutationFn: (sent: Edit) => post<RecordsEdited>(path, { filter: { conditions }, ...sent }),
    onSuccess: (result) => {
      close();
      toast(setSummary(result, setNames), "info");
      setChosen([]);
      setValues({});
      setCleared(new Set());
      setNotNumbers(new Set());
      setRefused(null);
      refreshAfterEdit(client, projectId);
      onChanged();
    },
    onError: (error) => {
      if (isRecounted(error)) onChanged();
      refuse(error);
    },
  });
  const busy = commit.isPending;
  // a dry run that refuses a value: back to the form, the value marked; one that counts
  // another number of records: the list is read again (once for the count shown)
  const recounted = useRef<number | null>(null);
  useEffect(() => {
    if (stage !== "confirm" || !preview.isError || preview.isFetching || refuse(preview.error)) return;
    if (isRecounted(preview.error) && recounted.current !== count) {
      recounted.current = count;
      onChanged();
    }
  }, [stage, preview.error, preview.isFetching]); // eslint-disable-line react-hooks/exhaustive-deps

  const add = (name: string) => {
    if (name && !chosen.includes(name)) setChosen([...chosen, name]);
  };
  const remove = (name: string) => setChosen(chosen.filter((n) => n !== name));
  const clear = (name: string, on: boolean) => setCleared((all) => {
    const next = new Set(all);
    if (on) next.add(name);
    else next.delete(name);
    return next;
  });
  const fieldMessage = (name: string) => (notNumber.includes(name) ? "Not a number: type one, or clear the value."
    : refusedField === name ? refused!.message : null);
  const available = imported.filter((a) => !chosen.includes(a.name));
  const computed = attributes.length - imported.length;
  const error = commit.error ?? (commit.isIdle ? preview.error : null);
  const title = setValuesTitle(selection);

  if (!selection.offered || imported.length === 0) return null;
  return (
    <>
      <ConfirmDialog open={stage === "form"} title={title} wide primary confirm="Continue" disabled={!ready}
        onCancel={close} onConfirm={() => { commit.reset(); setStep("confirm"); }}>
        <SelectionWords selection={selection} filters={filters} names={filterNames}
          everything={`Every record of the project (${records(count)}) gets the values set here.`}>
          get the values set here; the other records keep theirs.
        </SelectionWords>
        {fields.length > 0 && (
          <div className="edit-grid set-values">
            {fields.map((a) => (
              <ValueField key={a.id} attribute={a} value={cleared.has(a.name) ? "" : values[a.name] ?? ""}
                error={fieldMessage(a.name)} focus={refusedField === a.name} disabled={cleared.has(a.name)}
                onChange={set} valuesOf={projectId} empty="choose…"
                placeholder={cleared.has(a.name) ? "no value" : undefined}>
                {empty.includes(a.name) && <span className="small muted">Type a value, or clear the value.</span>}
                <div className="row set-value-actions">
                  <label className="small row clear-value">
                    <input type="checkbox" checked={cleared.has(a.name)} onChange={(e) => clear(a.name, e.target.checked)} />
                    clear the value
                  </label>
                  <Button small variant="ghost" aria-label={`remove ${a.name}`} title="do not set this attribute"
                    onClick={() => remove(a.name)}>Remove</Button>
                </div>
              </ValueField>
            ))}
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-attribute`}>{fields.length ? "Another attribute" : "Attribute"}</label>
          <select id={`${id}-attribute`} className="select" value="" disabled={!available.length}
            onChange={(e) => add(e.target.value)}>
            <option value="">{available.length ? "choose an attribute…" : "every attribute is chosen"}</option>
            {available.map((a) => <option key={a.id} value={a.name}>{a.name} ({a.data_type})</option>)}
          </select>
        </div>
        {computed > 0 && <p className="small faint">Computed attributes are not here: their code computes them.</p>}
      </ConfirmDialog>
      <ConfirmDialog open={stage === "confirm"} title={`${onSelection(`Set ${names(setNames)} on`, selection)}?`}
        busy={busy} disabled={!preview.data?.edited} confirm={busy ? "Setting…" : "Set values"} cancel="Back"
        onCancel={() => { commit.reset(); setStep("form"); }} onConfirm={() => commit.mutate(edit)}>
        <ul className="set-values-list" aria-label="values set">
          {fields.map((a) => (
            <li key={a.id}><b>{a.name}</b>{" "}
              {cleared.has(a.name) ? <span className="muted">cleared (no value)</span> : <Shown value={values[a.name] ?? ""} />}
            </li>
          ))}
        </ul>
        <SelectionWords selection={selection} filters={filters} names={filterNames}
          everything={`Every record of the project (${records(count)}) gets ${setNames.length === 1 ? "this value" : "these values"}.`}>
          get {setNames.length === 1 ? "this value" : "these values"}.
        </SelectionWords>
        {preview.isFetching && !preview.data && <p className="muted" role="status">Checking what the edit changes…</p>}
        {preview.data && <Outcome outcome={preview.data} values={setNames.length} heuristics={filterNames.heuristics.length > 0} />}
        {busy && (
          <div className="stack set-values-busy">
            <Progress value={null} label="setting values" />
            <p className="muted" role="status">Setting values of {records(count)}…</p>
          </div>
        )}
        <ErrorAlert error={fieldOf(error) ? null : error} />
      </ConfirmDialog>
    </>
  );
}

/** The action's name: "Set values of 3 records", "Set values of all 12 records". */
export const setValuesTitle = (selection: Selection) => onSelection("Set values of", selection);

/** A typed value as the confirmation shows it: quoted, long ones cut. */
function Shown({ value }: { value: string }) {
  const short = value.length > 120 ? `${value.slice(0, 120)}…` : value;
  return <span title={value}>= “{short}”</span>;
}

/** What the edit would do, from its dry run. */
function Outcome({ outcome, values, heuristics }: { outcome: RecordsEdited; values: number; heuristics: boolean }) {
  const dropped = outcome.spans_dropped;
  const follow = followUps(outcome, true);
  return (
    <div className="stack set-values-outcome" aria-label="what changes">
      <p><b>{changesSummary(outcome, values)}</b></p>
      {dropped > 0 && <>
        <p>The edit changes the text under {dropped === 1 ? "this manual span" : `these ${spans(dropped)}`}:
          {dropped === 1 ? " it is" : " they are"} deleted with the edit.</p>
        <DroppedSpans outcome={outcome} />
      </>}
      {outcome.spans_moved > 0 && (
        <p>{spans(outcome.spans_moved)} on unchanged text move{outcome.spans_moved === 1 ? "s" : ""} with {outcome.spans_moved === 1 ? "it" : "them"}.</p>
      )}
      {follow.length > 0 && <p>Then {follow.join("; ")}.</p>}
      {outcome.edited > 0 && heuristics && (
        <p className="small muted">The heuristics' votes on the records that change are out of date until they run again.</p>
      )}
    </div>
  );
}
