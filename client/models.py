"""What the API answers, as pydantic models. Each mirrors one schema of the served OpenAPI
document (named in ``OPENAPI_NAMES``); tests/client/test_models_match_openapi.py fails when
either side changes without the other. Unknown fields are kept, not rejected, so an older
client reads a newer server."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

RunStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
FINISHED: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})
HeuristicKind = Literal["labeling_function", "active_learner"]
AttributeType = Literal["text", "category", "integer", "float", "boolean"]
CommentState = Literal["open", "resolved", "all"]
NotificationState = Literal["unread", "all"]


class Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class Project(Model):
    id: int
    name: str
    description: str
    created_at: datetime


class Label(Model):
    id: int
    name: str
    color: str
    hotkey: str | None
    description: str


class Task(Model):
    id: int
    name: str
    kind: str
    target_attribute: str | None
    labels: list[Label]
    auto_run: bool
    guidelines: str
    guidelines_revision: int


class Record(Model):
    id: int
    external_id: str
    data: dict[str, Any]


class EditedRecord(Record):
    """A record with its ``revision``: edits of its values so far (0: as imported)."""

    revision: int


class RecordRow(Record):
    references: dict[str, Any] = {}
    comments: int = 0
    open_comments: int = 0


class RecordPage(Model):
    data: list[RecordRow]
    count: int | None
    count_capped: bool = False
    next_after: int | str | None = None


class Comment(Model):
    """A member's comment on a record: plain text, line breaks kept; ``edited_at`` once its
    author rewrote it, ``resolved_at`` and ``resolved_by`` once it was resolved."""

    id: int
    record_id: int
    record_external_id: str
    author: str
    text: str
    created_at: datetime
    edited_at: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None


class CommentPage(Model):
    """Comments: a record's thread, oldest first, or a page of a project's, newest first.
    ``count``: the record's comments (those in the state asked, through the SDK), or the
    project's in the state asked; ``open``: the project's open comments (its list only)."""

    data: list[Comment]
    count: int
    open: int | None = None


class Notification(Model):
    """A comment that concerns you: its author mentioned you (``reason`` "mention": the
    text holds ``@`` and your user name) or wrote on a record you had commented on
    ("reply"). ``excerpt``: the comment's text, at most 300 characters (cut with "…");
    ``resolved``: the comment is; ``read_at`` once you marked it read."""

    id: int
    reason: str
    created_at: datetime
    read_at: datetime | None
    project_id: int
    project_name: str
    record_id: int
    record_external_id: str | None
    comment_id: int
    author: str
    excerpt: str
    resolved: bool

    @property
    def read(self) -> bool:
        return self.read_at is not None


class NotificationPage(Model):
    """Your notifications, newest first: ``count`` of them in the state asked (all pages),
    ``unread`` of them unread whatever the state asked."""

    data: list[Notification]
    count: int
    unread: int


class NotificationsRead(Model):
    """What to mark read: the notifications of ``ids``, or ``all`` of them."""

    ids: list[int] | None = None
    all: bool = False


class Unread(Model):
    """How many of your notifications are unread."""

    unread: int


class ManualLabel(Model):
    id: int
    record_id: int
    task_id: int
    label: str
    annotator: str
    is_gold: bool
    token_start: int | None
    token_end: int | None
    char_start: int | None
    char_end: int | None
    text: str | None = None
    updated_at: datetime


class TaskLabels(Model):
    task_id: int
    task: str
    reference: Any
    manual_labels: list[ManualLabel]
    reviewed_by: list[str] = []


class Tokens(Model):
    attribute: str
    tokens: list[str]
    starts: list[int]
    ends: list[int]


class RecordDetail(EditedRecord):
    tokens: list[Tokens]
    tasks: list[TaskLabels]


class RecordsDeleted(Model):
    deleted: int
    manual_labels: int
    record_count: int
    dry_run: bool = False


class DroppedSpan(Model):
    """A manual span an edit deleted: the text it covered was changed."""

    task: str
    label: str
    text: str
    annotator: str
    is_gold: bool


class EditOutcome(Model):
    """What an edit of values did (or, a dry run, would do), of one record or of many."""

    changed: list[str]
    spans_moved: int
    spans_dropped: int
    dropped_spans: list[DroppedSpan]
    computed_again: list[str]
    embedded_again: list[str]
    dry_run: bool


class RecordEdited(EditOutcome):
    """What an edit of a record's values did: the record as it is now (as it was, a dry
    run)."""

    record: EditedRecord


class RecordsEdited(EditOutcome):
    """What giving many records the same values did: ``matched``, the records the selection
    holds; ``edited``, those whose values changed (the others had them)."""

    matched: int
    edited: int


class SavedFilter(Model):
    id: int
    name: str
    filter: dict[str, Any]
    sort: str
    seed: int
    created_by: str | None
    updated_at: datetime


class Follows(Model):
    """The label of an extraction task whose reference spans' texts a list follows."""

    task_id: int
    task_name: str
    label: str


class Reader(Model):
    """A labeling function whose current code reads a lookup list."""

    id: int
    name: str
    task_id: int


class LookupListSummary(Model):
    id: int
    name: str
    description: str
    n_terms: int
    version: int
    follows: Follows | None
    n_from_labels: int
    read_by: list[Reader]
    updated_at: datetime


class LookupList(LookupListSummary):
    terms: list[str]


class TermCount(Model):
    """Where one term of a list was found (records, or places in an extraction task), how
    many of those are labelled, the reference labels they carry, and the share of them that
    carry the followed (else the commonest) label."""

    term: str
    found: int
    labelled: int
    labels: dict[str, int]
    agreement: float | None
    noisy: bool


class Suggestion(Model):
    """A term a list lacks: the labelled records that hold it, the share of them that carry
    the label, the project's records that hold it."""

    term: str
    support: int
    precision: float
    found: int


class TermSuggestions(Model):
    task_id: int
    task_name: str
    label: str
    attribute: str
    labelled: int
    data: list[Suggestion]


class TermStatistics(Model):
    task_id: int
    task_name: str
    unit: str
    attribute: str
    labelled: int
    follows: str | None
    terms: list[TermCount]


class ImportResult(Model):
    records: int
    attributes: list[str]
    manual_labels: int = 0
    task_id: int | None = None
    updated: int = 0
    unchanged: int = 0
    relabelled: int = 0
    notes: list[str] = []


class Run(Model):
    id: int
    kind: str
    heuristic_id: int | None = None
    status: RunStatus
    progress: float
    done_items: int
    total_items: int
    params: dict[str, Any]
    error: str | None
    metrics: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class RunDetail(Run):
    logs: str
    waiting_for: str | None = None


class WeakSupervision(Run):
    stale: bool = False


class Attribute(Model):
    """An attribute of a project's records: imported, or ``computed`` by its ``source``
    (``def ac(record): return ...``), with its latest ``run`` (metrics ``records`` and
    ``records_with_value`` once it succeeded) and the labeling functions that read it."""

    id: int
    name: str
    data_type: AttributeType
    position: int
    computed: bool = False
    source: str | None = None
    run: Run | None = None
    read_by: list[Reader] = []


class AttributeValue(Model):
    """One record's outcome of trying computed-attribute code: its value, or the error and
    the line of the code that raised it."""

    record_id: int
    external_id: str
    value: str | bool | int | float | None = None
    error: str | None = None
    line: int | None = None


class ValueCount(Model):
    """One value of an attribute and the records holding it."""

    value: str | int | float | bool
    count: int


class AttributeValues(Model):
    """An attribute's values, the most frequent first: ``distinct`` values (matching the
    search) there are in all, held by ``records`` records; ``complete``: ``values`` lists
    every one."""

    attribute: str
    values: list[ValueCount]
    distinct: int
    records: int
    complete: bool


class AttributeSample(Model):
    results: list[AttributeValue]
    logs: str
    seconds: float


class Revision(Model):
    number: int
    source: str
    function_name: str
    settings: dict[str, Any]
    created_at: datetime


class SourceCheck(Model):
    """What the server's static check found in a heuristic's source: its entry point."""

    function_name: str


class Heuristic(Model):
    id: int
    task_id: int
    kind: HeuristicKind
    name: str
    description: str
    revision: Revision
    min_confidence: float | None
    vote_threshold: float | None = None
    auto_refit_every: int | None
    last_run: Run | None
    out_of_date: list[str]


class LabelStats(Model):
    label: str | None
    tp: int
    fp: int
    fn: int
    precision: float | None
    recall: float | None
    f1: float | None
    precision_low: float | None
    precision_high: float | None
    recall_where_voting: float | None = None
    span_tp: int = 0
    span_fp: int = 0
    span_fn: int = 0


class HeuristicStats(Model):
    heuristic_id: int
    name: str
    kind: str
    revision: int
    run_id: int
    n_reference: int
    coverage: float | None
    hits: int
    overlaps: float | None
    conflicts: float | None
    total: LabelStats
    labels: list[LabelStats]


class TaskStats(Model):
    task_id: int
    data: list[HeuristicStats]
    records: int | None = None


class Embedding(Model):
    id: int
    name: str
    attribute: str
    model: str
    level: str
    dims: int | None
    pca_dims: int | None
    state: RunStatus
    vectors: int


class EmbeddingCreated(Model):
    embedding: Embedding
    run: Run


class SimilarRecord(Model):
    record: Record
    score: float


class Similar(Model):
    data: list[SimilarRecord]
    exact: bool


class LabelStudioImport(Model):
    tasks: int
    annotations: int
    manual_labels: int
    reviews: int
    annotators: list[str]


class SnapshotImport(Model):
    project: Project
    records: int
    tasks: int
    manual_labels: int
    reviews: int
    heuristics: int
    embeddings: int
    annotators: list[str]


class StopHint(Model):
    stop: bool
    kappas: list[float]
    mean_kappa: float | None
    uncertainty: float
    message: str


class QueueRecord(Model):
    record: Record
    score: float
    reason: str


class NextRecords(Model):
    task_id: int
    strategy: str
    model: str
    data: list[QueueRecord]
    count: int
    lease_expires_at: datetime
    refit_pending: bool
    stop: StopHint | None = None
    notes: list[str] = []


class StrategyChoice(Model):
    name: str
    ranks_by: str


class QueueSettings(Model):
    task_id: int
    strategy: str
    ranks_by: str
    strategies: list[StrategyChoice]
    batch_size: int
    heuristic_id: int | None
    refit_run_id: int | None
    model_run_id: int | None
    stop: StopHint | None = None


class AnnotatorScore(Model):
    name: str
    labels: int
    quality: float | None
    agreement: float | None


class Disagreement(Model):
    record_id: int
    external_id: str | None
    annotations: dict[str, str]
    reference: str | None
    consensus: str | None
    consensus_quality: float | None


class Annotators(Model):
    """Each annotator's CROWDLAB quality score and where annotators disagree."""

    task_id: int
    model: str | None
    annotators: list[AnnotatorScore]
    disagreements: list[Disagreement]
    n_disagreements: int
    note: str | None


class AnnotatorAgreement(Model):
    """One annotator: the records they labelled, those of them another annotator labelled
    too (``shared``), their ``agreement`` with the others there (pooled over their pairs;
    None without shared records), and with the gold labels of ``gold_records`` records."""

    name: str
    records: int
    shared: int
    agreement: float | None
    gold_records: int
    gold_agreement: float | None


class PairAgreement(Model):
    """Two annotators (``a`` < ``b`` by name) on the ``records`` both labelled: the share
    they agree on (extraction: exact-span F1 between them) and Cohen's ``kappa`` (None when
    undefined, and for extraction)."""

    a: str
    b: str
    records: int
    agreement: float | None
    kappa: float | None


class LabelAgreement(Model):
    """One label on records with two annotators or more: times given (extraction: its
    spans), how often the others give it too (extraction: exact-span F1), and the binary
    Krippendorff's ``alpha`` of its yes/no decisions (multilabel only)."""

    label: str
    count: int
    agreement: float | None
    alpha: float | None


class Confusion(Model):
    """Two labels (``a`` < ``b`` in label order) annotators split records over."""

    a: str
    b: str
    count: int


class Agreement(Model):
    """Inter-annotator agreement of a task, gold labels left out: Krippendorff's alpha
    (``metric`` "krippendorff_alpha": nominal for classification, binary per record and label
    for multilabel) or exact-span F1 between annotators ("span_f1", extraction), over the
    ``records`` labelled by two annotators or more (of ``labelled_records``). ``value`` is
    None, and ``note`` says why, when no record has two annotators or nothing varies;
    ``reading`` (alpha only): "reliable" (>= 0.800), "tentative" (>= 0.667) or
    "unreliable"."""

    task_id: int
    kind: str
    metric: str
    value: float | None
    reading: str | None
    records: int
    labelled_records: int
    annotators: list[AnnotatorAgreement]
    pairs: list[PairAgreement]
    labels: list[LabelAgreement]
    confusions: list[Confusion]
    note: str | None


OPENAPI_NAMES: dict[type[Model], str] = {
    Project: "ProjectPublic", Label: "LabelPublic", Task: "TaskPublic",
    Record: "RecordPublic", EditedRecord: "EditedRecordPublic", RecordRow: "RecordRowPublic",
    RecordPage: "RecordsPublic",
    ManualLabel: "ManualLabelPublic", TaskLabels: "TaskLabelsPublic", Tokens: "TokensPublic",
    RecordDetail: "RecordDetail", RecordsDeleted: "RecordsDeletedPublic",
    DroppedSpan: "DroppedSpanPublic", RecordEdited: "RecordEditedPublic",
    RecordsEdited: "RecordsEditedPublic",
    Comment: "CommentPublic", CommentPage: "CommentsPublic",
    Notification: "NotificationPublic", NotificationPage: "NotificationPagePublic",
    NotificationsRead: "NotificationsRead", Unread: "UnreadPublic",
    SavedFilter: "SavedFilterPublic", LookupList: "LookupListPublic",
    TermCount: "TermCountPublic", TermStatistics: "TermStatisticsPublic",
    Suggestion: "SuggestionPublic", TermSuggestions: "SuggestionsPublic",
    LookupListSummary: "LookupListSummary", Follows: "Follows", Reader: "Reader",
    ImportResult: "ImportPublic",
    Run: "RunPublic",
    RunDetail: "RunDetail", WeakSupervision: "WeakSupervisionPublic",
    Attribute: "AttributePublic", AttributeValue: "AttributeValuePublic",
    AttributeSample: "AttributeSamplePublic", ValueCount: "ValueCountPublic",
    AttributeValues: "AttributeValuesPublic",
    Revision: "RevisionPublic", Heuristic: "HeuristicPublic", SourceCheck: "CheckPublic",
    LabelStats: "LabelStats",
    HeuristicStats: "HeuristicStatsPublic", TaskStats: "TaskStatsPublic",
    Embedding: "EmbeddingPublic", EmbeddingCreated: "EmbeddingCreated",
    SimilarRecord: "SimilarRecord", Similar: "SimilarPublic",
    LabelStudioImport: "LabelStudioImportPublic", SnapshotImport: "SnapshotImportPublic",
    StopHint: "StopHintPublic", QueueRecord: "QueueRecordPublic",
    NextRecords: "NextRecordsPublic", StrategyChoice: "StrategyChoicePublic",
    QueueSettings: "QueueSettingsPublic",
    AnnotatorScore: "AnnotatorScorePublic", Disagreement: "DisagreementPublic",
    Annotators: "AnnotatorsPublic",
    AnnotatorAgreement: "AnnotatorAgreementPublic", PairAgreement: "PairAgreementPublic",
    LabelAgreement: "LabelAgreementPublic", Confusion: "ConfusionPublic",
    Agreement: "AgreementPublic",
}
"""The OpenAPI schema each model mirrors."""

BASES: tuple[type[Model], ...] = (EditOutcome,)
"""Fields several schemas share, as the server's bases do (the OpenAPI document has no
schema of theirs): checked through the models built on them."""
