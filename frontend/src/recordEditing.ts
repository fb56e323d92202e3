/** Editing records' values (owners): the imported attributes' values as a form types them
 * and back as the API takes them, the form's draft kept for the tab's session, the answers
 * of ``PATCH .../records/{id}`` (one record) and ``POST .../records/edit`` (many records
 * given the same values) in words, and the project's ``records.edited`` events. */
import { useQueryClient } from "@tanstack/react-query";
import { ATTRIBUTE_RUN } from "./attributes/live";
import { useProjectEvents, type ServerEvent } from "./events";
import { dropDraft, readDraft, writeDraft } from "./heuristics/drafts";
import { commentedRecord, refreshComments } from "./hooks";
import { deletionOf, refreshAfterDeletion, type Deletion } from "./recordDeletion";
import { records } from "./recordSelection";
import type { Attribute, AttributeType } from "./types";

/** A manual span that an edit deletes: the text it covered was changed. */
export interface DroppedSpan { task: string; label: string; text: string; annotator: string; is_gold: boolean }

/** What an edit of records' values does (a dry run's the same, nothing changed). */
export interface EditOutcome {
  /** the attributes whose value changed (none: the edit changes nothing) */
  changed: string[];
  spans_moved: number;
  spans_dropped: number;
  /** at most 100 of them */
  dropped_spans: DroppedSpan[];
  computed_again: string[];
  embedded_again: string[];
  dry_run: boolean;
}

/** What ``PATCH .../records/{id}`` answers. */
export interface RecordEdited extends EditOutcome {
  record: { id: number; external_id: string; data: Record<string, unknown>; revision: number };
}

/** What ``POST .../records/edit`` answers: of the ``matched`` records, ``edited`` changed
 * (or would: the others had the values already). */
export interface RecordsEdited extends EditOutcome { matched: number; edited: number }

/** The values of a form: the typed text of every attribute, by name ("" for none). */
export type Values = Record<string, string>;

/** Imported attributes are edited; computed ones come from their code. */
export const isImported = (attribute: Attribute) => attribute.source == null && !attribute.computed;

/** A stored value as its input shows it. */
export function formValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function formValues(attributes: Attribute[], data: Record<string, unknown>): Values {
  return Object.fromEntries(attributes.map((a) => [a.name, formValue(data[a.name])]));
}

/** A typed value as the API takes it: empty clears it; a number that is not one (or not an
 * integer, for an integer) goes as typed, for the server to say what is wrong with it. */
export function apiValue(type: AttributeType, typed: string): unknown {
  if (typed.trim() === "" && type !== "text" && type !== "category") return null;
  if (typed === "") return null;
  if (type === "integer") {
    const number = Number(typed);
    return Number.isSafeInteger(number) ? number : typed;
  }
  if (type === "float") {
    const number = Number(typed);
    return Number.isFinite(number) ? number : typed;
  }
  if (type === "boolean") return typed === "true";
  return typed;
}

/** The attributes whose typed value differs from ``from``'s. */
export function changedNames(attributes: Attribute[], from: Values, values: Values): string[] {
  return attributes.filter((a) => (values[a.name] ?? "") !== (from[a.name] ?? "")).map((a) => a.name);
}

/** The request's ``data``: the values typed for the attributes that changed. */
export function editData(attributes: Attribute[], from: Values, values: Values): Record<string, unknown> {
  const changed = new Set(changedNames(attributes, from, values));
  return Object.fromEntries(attributes.filter((a) => changed.has(a.name))
    .map((a) => [a.name, apiValue(a.data_type, values[a.name] ?? "")]));
}

/** "a", "a and b", "a, b and c". */
export function names(list: string[]): string {
  return list.length < 2 ? list.join("") : `${list.slice(0, -1).join(", ")} and ${list[list.length - 1]}`;
}

export const spans = (n: number) => `${n.toLocaleString()} span${n === 1 ? "" : "s"}`;

/** What follows an edit, in words: "n_links is computed again", "minilm embeds it again"
 * (``them``: of many records). */
export function followUps(result: EditOutcome, them = false): string[] {
  const { computed_again: computed, embedded_again: embedded } = result;
  const parts: string[] = [];
  if (computed.length) parts.push(`${names(computed)} ${computed.length === 1 ? "is" : "are"} computed again`);
  if (embedded.length) parts.push(`${names(embedded)} ${embedded.length === 1 ? "embeds" : "embed"} ${them ? "them" : "it"} again`);
  return parts;
}

/** What an edit did, in words: "Saved. text changed; n_links is computed again; minilm
 * embeds it again; 1 span moved; 1 span dropped." */
export function editSummary(result: RecordEdited): string {
  if (!result.changed.length) return "Nothing changed.";
  const parts = [`${names(result.changed)} changed`, ...followUps(result)];
  if (result.spans_moved) parts.push(`${spans(result.spans_moved)} moved`);
  if (result.spans_dropped) parts.push(`${spans(result.spans_dropped)} dropped`);
  return `Saved. ${parts.join("; ")}.`;
}

/** How many of the records an edit of many changes (a dry run's answer): "2 of 3 records
 * change (1 has these values already)"; ``values``: how many attributes it sets. */
export function changesSummary({ matched, edited }: RecordsEdited, values: number): string {
  const these = values === 1 ? "this value" : "these values";
  if (edited === 0) {
    return matched === 1 ? `The record has ${these} already: nothing changes.`
      : `None of the ${records(matched)} changes: they have ${these} already.`;
  }
  if (edited === matched) return matched === 1 ? "The record changes." : `All ${records(matched)} change.`;
  const same = matched - edited;
  return `${edited.toLocaleString()} of ${records(matched)} change${edited === 1 ? "s" : ""} `
    + `(${same.toLocaleString()} ${same === 1 ? "has" : "have"} ${these} already).`;
}

/** What an edit of many records did, in words: "Set stars on 2 records; 1 had it already."
 * (``set``: the attributes given values). */
export function setSummary(result: RecordsEdited, set: string[]): string {
  const it = set.length === 1 ? "it" : "them";
  if (result.edited === 0) {
    return `Nothing changed: ${result.matched === 1 ? "the record" : `the ${records(result.matched)}`} had ${it} already.`;
  }
  const same = result.matched - result.edited;
  const follow = followUps(result, true);
  return `Set ${names(set)} on ${records(result.edited)}${same ? `; ${same.toLocaleString()} had ${it} already` : ""}.`
    + (follow.length ? ` ${follow.join("; ")}.` : "");
}

/** The unsaved values of a record's form, kept for the tab's session as the heuristic
 * editor's code is (drafts.ts, named ``record-{id}``): what was typed, the values the form was
 * opened from, and their revision. */
export interface RecordDraft { values: Values; opened: Values; revision?: number; savedAt: string }

const draftId = (recordId: number) => `record-${recordId}`;

export function readRecordDraft(projectId: number, recordId: number): RecordDraft | null {
  const draft = readDraft(projectId, draftId(recordId));
  if (!draft) return null;
  try {
    const { values, opened } = JSON.parse(draft.source) as Partial<RecordDraft>;
    if (!values || !opened || typeof values !== "object" || typeof opened !== "object") return null;
    return { values, opened, revision: draft.revision, savedAt: draft.savedAt };
  } catch {
    return null;
  }
}

export function writeRecordDraft(projectId: number, recordId: number,
  draft: { values: Values; opened: Values; revision?: number }): void {
  writeDraft(projectId, draftId(recordId), { source: JSON.stringify({ values: draft.values, opened: draft.opened }),
    revision: draft.revision, savedAt: new Date().toISOString() });
}

export const dropRecordDraft = (projectId: number, recordId: number) => dropDraft(projectId, draftId(recordId));

/** An edit as its event tells it: which records (null when it does not name them) and
 * which attributes. */
export interface Edit { ids: ReadonlySet<number> | null; attributes: string[] }

export function editOf(event: ServerEvent): Edit | null {
  if (event.type !== "records.edited") return null;
  const { record_ids: ids, attributes } = event.data;
  return { ids: Array.isArray(ids) ? new Set(ids.map(Number)) : null,
    attributes: Array.isArray(attributes) ? attributes.map(String) : [] };
}

/** After an edit, what may have changed is read again as after a deletion: the records and
 * their lists, votes and statistics (out of date now), computed values and vectors. */
export const refreshAfterEdit = refreshAfterDeletion;

/** Follow the project's records as they are deleted, edited and commented on elsewhere (one
 * event stream for all): the callback first, then the cache is read again. ``computed``: a
 * computed attribute's run ended (values computed again after an edit are there now);
 * ``commented``: a comment was written, changed or deleted (the comments are read again). */
export function useRecordEvents(projectId: number, { deleted, edited, computed, commented }: {
  deleted?: (deletion: Deletion) => void; edited?: (edit: Edit) => void; computed?: () => void;
  commented?: (recordId: number | null) => void;
}): void {
  const client = useQueryClient();
  useProjectEvents(projectId, (event) => {
    const comment = commentedRecord(event);
    if (comment) {
      refreshComments(client, projectId, comment.recordId);
      commented?.(comment.recordId);
      return;
    }
    if (event.type.startsWith("run.") && event.data.kind === ATTRIBUTE_RUN) {
      if (["run.succeeded", "run.failed", "run.cancelled"].includes(event.type)) computed?.();
      return;
    }
    const deletion = deletionOf(event);
    const edit = editOf(event);
    if (deletion) deleted?.(deletion);
    else if (edit) edited?.(edit);
    else return;
    refreshAfterEdit(client, projectId);
  });
}
