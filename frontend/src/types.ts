/** The API's resources as the UI reads them (see api/schemas). */

export type Role = "viewer" | "annotator" | "owner";
export type TaskKind = "classification" | "multilabel" | "extraction";

export interface User { id: number; name: string; is_admin: boolean; created_at: string }
export interface Project { id: number; name: string; description: string; created_at: string }
export interface Page<T> { data: T[]; count: number }
export interface Member { user: string; role: Role }
export type AttributeType = "text" | "category" | "integer" | "float" | "boolean";
export interface Attribute {
  id: number; name: string; data_type: AttributeType; position: number;
  /** Values computed by ``source`` (``def ac(record): ...``) rather than imported. The
   * server always says; these are left out where only the other fields matter. */
  computed?: boolean;
  source?: string | null;
  /** A computed attribute's latest run. */
  run?: AttributeRun | null;
  /** The labeling functions whose current code names it. */
  read_by?: Reader[];
}
export interface Label {
  id: number; name: string; color: string; hotkey: string | null;
  /** What the label means, when to give it ("" when none; the server always says). */
  description?: string;
}
export interface Task {
  id: number; name: string; kind: TaskKind; target_attribute: string | null; labels: Label[];
  /** Its out-of-date labeling functions run again by themselves (the server always says). */
  auto_run?: boolean;
  /** How to label it: plain text by the owners, shown to annotators ("" when none; the
   * server always says). */
  guidelines?: string;
  /** 0 as created, one more each time the guidelines change; sent back with new guidelines
   * (``guidelines_revision``) so that a save over someone else's meanwhile is refused (the
   * server always says). */
  guidelines_revision?: number;
}
export interface RecordRow {
  id: number; external_id: string; data: Record<string, unknown>;
  /** reference label (or labels) per task id, in record lists */
  references?: Record<string, unknown>;
  /** in record lists: the comments on the record, and of them those not resolved (0: none) */
  comments?: number; open_comments?: number;
}
export interface ManualLabel {
  id: number; record_id: number; task_id: number; label: string; annotator: string;
  is_gold: boolean; token_start: number | null; token_end: number | null;
  char_start: number | null; char_end: number | null; text: string | null; updated_at: string;
}
export interface Tokens { attribute: string; tokens: string[]; starts: number[]; ends: number[] }
export interface TaskLabels {
  task_id: number; task: string; reference: unknown; manual_labels: ManualLabel[];
  reviewed_by: string[];
}
export interface RecordDetail extends RecordRow {
  tokens: Tokens[]; tasks: TaskLabels[];
  /** 0 until its values are first edited, then one more per edit that changed something
   * (the server always says; record lists do not) */
  revision?: number;
}
export interface Run {
  id: number; kind: string; status: string; progress: number; done_items: number;
  total_items: number; error: string | null; created_at: string; params: Record<string, unknown>;
}
/** A run as its own page (``GET .../runs/{id}``) tells it. */
export interface RunDetail extends Run {
  logs: string;
  /** A queued run: what it waits for (runs ahead of it, or a free worker). */
  waiting_for: string | null;
}
export interface AttributeRun extends Run {
  /** Once succeeded: the records the run computed, and the project's records with a value. */
  metrics?: { records?: number; records_with_value?: number };
}
export interface AttributeValue {
  record_id: number; external_id: string; value: string | number | boolean | null;
  error: string | null; line: number | null;
}
/** A value of an attribute in the project's records, and how many records hold it. */
export interface ValueCount { value: string | number | boolean; count: number }
/** ``GET .../attributes/{id}/values``: the most frequent first, at most ``limit`` of them
 * (those containing ``search``, when given); ``distinct``: how many there are in all;
 * ``records``: how many records hold one; ``complete``: ``values`` lists every one. */
export interface AttributeValues {
  attribute: string; values: ValueCount[]; distinct: number; records: number; complete: boolean;
}
/** Computed-attribute code tried on a few records (nothing stored). */
export interface AttributeSample { results: AttributeValue[]; logs: string; seconds: number }
export interface Embedding {
  id: number; name: string; attribute: string; model: string; level: "record" | "token";
  dims: number | null; pca_dims: number | null; state: string; vectors: number;
}
export interface Similar { data: { record: RecordRow; score: number }[]; exact: boolean }
export interface ImportResult {
  records: number; attributes: string[]; manual_labels: number; task_id: number | null;
  /** Records the project had whose values the file changed; rows naming such records that
   * were skipped or changed nothing. */
  updated?: number; unchanged?: number;
  notes?: string[];
}

export interface Revision {
  number: number; source: string; function_name: string; settings: Record<string, unknown>;
  created_at: string;
}
export interface HeuristicRun extends Run { heuristic_id?: number | null; metrics?: Record<string, unknown> }
export interface Heuristic {
  id: number; task_id: number; kind: "labeling_function" | "active_learner"; name: string;
  description: string; revision: Revision; min_confidence: number | null;
  vote_threshold: number | null; auto_refit_every: number | null; last_run: HeuristicRun | null;
  /** Why its votes are out of date (empty when current or while a run is under way). */
  out_of_date: string[];
}
export interface LabelStats {
  label: string | null; tp: number; fp: number; fn: number; precision: number | null;
  recall: number | null; f1: number | null; precision_low: number | null;
  precision_high: number | null;
  /** Recall over the records the heuristic votes on only (its abstains left out). */
  recall_where_voting: number | null;
}
export interface HeuristicStats {
  heuristic_id: number; name: string; kind: string; revision: number; run_id: number;
  n_reference: number; coverage: number | null; hits: number; overlaps: number | null;
  conflicts: number | null; total: LabelStats; labels: LabelStats[];
}
export interface Template { kind: string; name: string; source: string }
export interface SampleOutput {
  label: string; confidence: number; text: string | null; char_start: number | null;
  char_end: number | null;
}
export interface SampleOutcome {
  record_id: number; external_id: string; text: string | null; outputs: SampleOutput[];
  reference: unknown; error: string | null; line: number | null;
}
export interface SampleSummary {
  records: number; hits: number; compared: number; agreed: number; agreement: number | null;
}
export interface SampleResult {
  results: SampleOutcome[]; summary: SampleSummary; logs: string; seconds: number;
}

/** A lookup list as the list of lists shows it (no terms). */
/** The label of an extraction task whose reference spans' texts a lookup list follows. */
export interface Follows { task_id: number; task_name: string; label: string }
/** A labeling function whose current code reads a lookup list. */
export interface Reader { id: number; name: string; task_id: number }
export interface LookupListSummary {
  id: number; name: string; description: string; n_terms: number; version: number;
  follows: Follows | null; n_from_labels: number; read_by: Reader[]; updated_at: string;
}
export interface LookupList extends LookupListSummary { terms: string[] }
export interface TermCount {
  term: string; found: number; labelled: number; labels: Record<string, number>;
  agreement: number | null; noisy: boolean;
}
export interface TermSuggestions {
  task_id: number; task_name: string; label: string; attribute: string; labelled: number;
  data: { term: string; support: number; precision: number; found: number }[];
}
export interface TermStatistics {
  task_id: number; task_name: string; unit: "records" | "places"; attribute: string;
  labelled: number; follows: string | null; terms: TermCount[];
}

/** A member's comment on a record (plain text: line breaks kept). ``edited_at``: when its
 * author last rewrote it; ``resolved_at``/``resolved_by``: when and by whom it was marked
 * resolved (null while open). */
export interface RecordComment {
  id: number; record_id: number; record_external_id: string; author: string; text: string;
  created_at: string; edited_at: string | null; resolved_at: string | null; resolved_by: string | null;
}
/** ``GET .../records/{id}/comments`` (oldest first, ``count``: all of them) or
 * ``GET .../comments`` (newest first, ``count``: those in the state asked, ``open``: the
 * project's open comments). */
export interface CommentsPage extends Page<RecordComment> { open?: number | null }
export type CommentState = "open" | "resolved" | "all";

/** Something that happened to the signed-in user: someone mentioned them in a comment
 * (``mention``) or commented on a record they had commented on (``reply``). ``excerpt``: the
 * comment's text, cut at 300 characters; ``read_at``: when they read it (null: unread). */
export interface AppNotification {
  id: number; reason: "mention" | "reply"; created_at: string; read_at: string | null;
  project_id: number; project_name: string; record_id: number; record_external_id: string | null;
  comment_id: number; author: string; excerpt: string; resolved: boolean;
}
/** ``GET /me/notifications``: the newest first; ``count``: those in the state asked (all
 * pages), ``unread``: the unread ones, whatever the state asked. */
export interface NotificationsPage { count: number; unread: number; data: AppNotification[] }
export type NotificationState = "unread" | "all";
