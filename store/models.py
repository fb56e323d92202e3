"""SQLAlchemy 2 models: the schema of Heurist. Migrations in ``store/migrations`` mirror it."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from formats.types import AttributeType

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONValue = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` with its time zone; SQLite hands back naive UTC datetimes."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TaskKind(enum.StrEnum):
    CLASSIFICATION = "classification"
    MULTILABEL = "multilabel"
    EXTRACTION = "extraction"


class Role(enum.StrEnum):
    OWNER = "owner"
    ANNOTATOR = "annotator"
    VIEWER = "viewer"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, values_callable=lambda members: [m.value for m in members],
                native_enum=False, length=32)


class User(Base):
    """A person or service using Heurist; annotators of manual labels are users."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiKey(Base):
    """A hashed API key; the clear key is shown once, when it is created."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # kept by ``store.records.records_added`` in the transaction that inserts them: the
    # unfiltered record list's count without counting 100k rows per page
    record_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # kept by ``store.record_deletion.delete_records``: with ``record_count``, the records imported
    # so far, deleted or not (what a run saw as it began: ``store.records_seen``)
    records_deleted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # kept by ``store.record_edits.count_edits``: edits of the project's records so far
    # (what a run saw as it began tells the edits made since)
    records_edited: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    attributes: Mapped[list[Attribute]] = relationship(
        back_populates="project", order_by="Attribute.position", cascade="all, delete-orphan",
        passive_deletes=True,
    )
    tasks: Mapped[list[LabelingTask]] = relationship(
        back_populates="project", order_by="LabelingTask.id", cascade="all, delete-orphan",
        passive_deletes=True,
    )


class ProjectMember(Base):
    """A user's role in one project."""

    __tablename__ = "project_members"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))

    user: Mapped[User] = relationship(lazy="joined")


class Attribute(Base):
    __tablename__ = "attributes"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"),
                                            index=True)
    name: Mapped[str] = mapped_column(String(200))
    data_type: Mapped[AttributeType] = mapped_column(_enum(AttributeType, "attribute_type"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str | None] = mapped_column(Text)
    """A computed attribute's code (``def ac(record): ...``); None: values come from imports."""
    run_id: Mapped[int | None] = mapped_column(Integer)
    """A computed attribute's latest run (the id of a run; no constraint: runs go with
    their project)."""
    values_run_id: Mapped[int | None] = mapped_column(Integer)
    """The run that wrote a computed attribute's values (the newest of those that did;
    None: none did, e.g. values that came in a snapshot)."""

    project: Mapped[Project] = relationship(back_populates="attributes")


class Record(Base):
    """One data point; attribute values live in ``data`` (JSON, JSONB on PostgreSQL)."""

    __tablename__ = "records"
    __table_args__ = (UniqueConstraint("project_id", "external_id"),
                      Index("ix_records_project_id_id", "project_id", "id"),
                      Index("ix_records_data", "data", postgresql_using="gin",
                            postgresql_ops={"data": "jsonb_path_ops"}
                            ).ddl_if(dialect="postgresql"))
    # and on PostgreSQL with pg_trgm, ix_records_search_text: trigrams of
    # record_search_text(external_id, data), both made by migration 0016

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Edits of its values so far (0: as imported); an edit names the revision it was made
    from (:mod:`services.record_edits`)."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ComputedValue(Base):
    """A computed attribute's value of one record, as a run computed it: held here until
    every chunk of the run succeeded, then written into the records at once (a run that
    fails leaves every record's value as it was)."""

    __tablename__ = "computed_values"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"),
                                        primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"),
                                           primary_key=True)
    value: Mapped[Any] = mapped_column(JSON(none_as_null=False))


class Tokenization(Base):
    """Tokens of one text attribute of one record, as char offsets; stored once, shared."""

    __tablename__ = "tokenizations"
    __table_args__ = (UniqueConstraint("record_id", "attribute_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    attribute_id: Mapped[int] = mapped_column(
        ForeignKey("attributes.id", ondelete="CASCADE"), index=True
    )
    starts: Mapped[list[int]] = mapped_column(JSON)
    ends: Mapped[list[int]] = mapped_column(JSON)


class LabelingTask(Base):
    __tablename__ = "labeling_tasks"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"),
                                            index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TaskKind] = mapped_column(_enum(TaskKind, "task_kind"))
    target_attribute_id: Mapped[int | None] = mapped_column(
        ForeignKey("attributes.id", ondelete="CASCADE")
    )
    label_changes: Mapped[int] = mapped_column(default=0, server_default="0")
    """Labelling acts on the task so far (a label added, changed or removed, a review given
    or taken back): only ever grows; learners refit after every ``auto_refit_every``."""
    auto_run: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Its labeling functions whose votes are out of date run again by themselves after an
    import, a change of a lookup list or of their code (:mod:`services.out_of_date`)."""
    guidelines: Mapped[str] = mapped_column(Text, default="", server_default="")
    """How to label the task, in the owners' words: shown to its annotators as they label."""
    guidelines_revision: Mapped[int] = mapped_column(default=0, server_default="0")
    """+1 each time the guidelines change: a save made on an older text is refused."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    project: Mapped[Project] = relationship(back_populates="tasks")
    target_attribute: Mapped[Attribute | None] = relationship(lazy="joined")
    labels: Mapped[list[Label]] = relationship(
        back_populates="task", order_by="Label.id", cascade="all, delete-orphan",
        passive_deletes=True, lazy="selectin",
    )


class Label(Base):
    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("task_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("labeling_tasks.id", ondelete="CASCADE"),
                                         index=True)
    name: Mapped[str] = mapped_column(String(200))
    color: Mapped[str] = mapped_column(String(32), default="#4f46e5")
    hotkey: Mapped[str | None] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    """What the label means, when to give it: shown beside it as annotators label."""

    task: Mapped[LabelingTask] = relationship(back_populates="labels")


class ManualLabel(Base):
    """One annotator's label on one record for one task; spans carry token and char offsets.

    ``slot`` makes the natural key unique on every database: ``""`` for classification
    (one label per annotator), the label id for multi-label, ``label:start:end`` for spans.
    """

    __tablename__ = "manual_labels"
    __table_args__ = (
        UniqueConstraint("record_id", "task_id", "annotator_id", "is_gold", "slot"),
        Index("ix_manual_labels_task_record", "task_id", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("labeling_tasks.id", ondelete="CASCADE"))
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id", ondelete="CASCADE"),
                                          index=True)
    annotator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                              index=True)
    is_gold: Mapped[bool] = mapped_column(Boolean, default=False)
    slot: Mapped[str] = mapped_column(String(64), default="")
    token_start: Mapped[int | None] = mapped_column(Integer)
    token_end: Mapped[int | None] = mapped_column(Integer)
    char_start: Mapped[int | None] = mapped_column(Integer)
    char_end: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    label: Mapped[Label] = relationship(lazy="joined")
    annotator: Mapped[User] = relationship(lazy="joined")


class ReferenceLabel(Base):
    """A classification task's reference label of one record, as stored manual labels give
    it (:func:`store.reference.reference_labels`); rewritten with every label change, so
    filters read it instead of deriving it. Records without a reference have no row."""

    __tablename__ = "reference_labels"
    __table_args__ = (Index("ix_reference_labels_task_label_record", "task_id", "label_id",
                            "record_id"),)

    task_id: Mapped[int] = mapped_column(
        ForeignKey("labeling_tasks.id", ondelete="CASCADE"), primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"),
                                           primary_key=True, index=True)
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id", ondelete="CASCADE"))


class ConsensusLabel(Base):
    """CROWDLAB's consensus label of a classification record whose annotators disagree, as
    the task's latest queue refit settled it (:func:`services.annotators.settle_disagreements`):
    the reference rule takes it for such a record without gold
    (:func:`store.reference.reference_labels`). Rewritten after each refit."""

    __tablename__ = "consensus_labels"

    task_id: Mapped[int] = mapped_column(
        ForeignKey("labeling_tasks.id", ondelete="CASCADE"), primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"),
                                           primary_key=True, index=True)
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id", ondelete="CASCADE"))
    quality: Mapped[float] = mapped_column()


class IdempotencyKey(Base):
    """The first answer to a request a client sent with an ``Idempotency-Key`` header: a
    retry with the same key gets this answer again and changes nothing."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


class RunFailure(enum.StrEnum):
    """Why a run failed, where a policy depends on it (the error text is for people)."""

    NOT_ENOUGH_LABELS = "not_enough_labels"
    """Too few manual labels to fit a learner: more labelling, not other code, fixes it."""


class EmbeddingLevel(enum.StrEnum):
    RECORD = "record"
    TOKEN = "token"


class Run(Base):
    """One execution of a job (embedding, heuristic, weak supervision, ...), in chunks."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_project_created", "project_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus, "run_status"),
                                              default=RunStatus.QUEUED)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    total_items: Mapped[int] = mapped_column(Integer, default=0)
    done_items: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[float] = mapped_column(default=0.0)
    logs: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)
    failure: Mapped[RunFailure | None] = mapped_column(_enum(RunFailure, "run_failure"))
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heuristic_id: Mapped[int | None] = mapped_column(
        ForeignKey("heuristics.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("heuristic_revisions.id", ondelete="CASCADE"))


class RunChunk(Base):
    """A slice of a run's items, processed by one worker at a time, retried alone."""

    __tablename__ = "run_chunks"
    __table_args__ = (UniqueConstraint("run_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item_ids: Mapped[list[int]] = mapped_column(JSON)
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus, "run_status"),
                                              default=RunStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WorkerCounter(Base):
    """How often something happened in the workers (a chunk retried, a sandbox failed), by
    reason: kept in the database so that every worker process, on any machine, adds to the
    one count ``/metrics`` reports (:mod:`store.counters`)."""

    __tablename__ = "worker_counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class Review(Base):
    """An annotator looked at a record for a multi-label or extraction task and is done with it,
    whatever labels or spans they marked (none at all included): the reference then counts
    them as an annotator with no choices (see ``heuristics.reference``)."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("record_id", "task_id", "annotator_id", "is_gold"),
        Index("ix_reviews_task_record", "task_id", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("labeling_tasks.id", ondelete="CASCADE"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                              index=True)
    is_gold: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    annotator: Mapped[User] = relationship(lazy="joined")


class Embedding(Base):
    """Vectors of one text attribute by one model, per record or per stored token."""

    __tablename__ = "embeddings"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"),
                                            index=True)
    attribute_id: Mapped[int] = mapped_column(ForeignKey("attributes.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(500))
    level: Mapped[EmbeddingLevel] = mapped_column(_enum(EmbeddingLevel, "embedding_level"))
    dims: Mapped[int | None] = mapped_column(Integer)
    pca_dims: Mapped[int | None] = mapped_column(Integer)
    pca: Mapped[bytes | None] = mapped_column(LargeBinary)
    state: Mapped[RunStatus] = mapped_column(_enum(RunStatus, "run_status"),
                                             default=RunStatus.QUEUED)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    instance: Mapped[str] = mapped_column(String(32), default=lambda: uuid.uuid4().hex,
                                          server_default="")
    """Tells this embedding from an earlier one that had its id (SQLite reuses the id of the
    newest deleted row): caches of its vectors are keyed by it. Empty for embeddings made
    before it existed."""

    attribute: Mapped[Attribute] = relationship(lazy="joined")


class EmbeddingVector(Base):
    """float32 bytes: (dims,) for a record, (n_tokens, dims) for its tokens."""

    __tablename__ = "embedding_vectors"

    embedding_id: Mapped[int] = mapped_column(
        ForeignKey("embeddings.id", ondelete="CASCADE"), primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"),
                                           primary_key=True, index=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    n_tokens: Mapped[int | None] = mapped_column(Integer)


class Event(Base):
    """A change announced to a project's clients (run progress, state changes, ...)."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_project_id_id", "project_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HeuristicKind(enum.StrEnum):
    LABELING_FUNCTION = "labeling_function"
    ACTIVE_LEARNER = "active_learner"


class Heuristic(Base):
    """A labeling function or active learner of one labeling task; edits make revisions."""

    __tablename__ = "heuristics"
    __table_args__ = (UniqueConstraint("task_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"),
                                            index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("labeling_tasks.id", ondelete="CASCADE"),
                                         index=True)
    kind: Mapped[HeuristicKind] = mapped_column(_enum(HeuristicKind, "heuristic_kind"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    auto_refit_every: Mapped[int | None] = mapped_column(Integer)
    min_confidence: Mapped[float | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    task: Mapped[LabelingTask] = relationship(lazy="joined")
    revisions: Mapped[list[HeuristicRevision]] = relationship(
        back_populates="heuristic", order_by="HeuristicRevision.number",
        cascade="all, delete-orphan", passive_deletes=True)


class HeuristicRevision(Base):
    """The source code of a heuristic at one point; outputs and stats name their revision."""

    __tablename__ = "heuristic_revisions"
    __table_args__ = (UniqueConstraint("heuristic_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    heuristic_id: Mapped[int] = mapped_column(ForeignKey("heuristics.id", ondelete="CASCADE"),
                                              index=True)
    number: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    function_name: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    heuristic: Mapped[Heuristic] = relationship(back_populates="revisions")


WEAK_OUTPUT = {"postgresql_where": text("weak"), "sqlite_where": text("weak = 1")}
"""Where the index of weak labels' confidences holds rows: outputs of weak supervision runs
(the only ones the record list sorts by confidence). Each database's spelling of the test a
query states as ``Output.weak``, so that the index serves it."""


class Output(Base):
    """One vote of a run on one record: a label, or a span with its label; abstains are absent.
    ``weak``: a weak supervision run's (its weak label), not a heuristic's vote.

    ``record_id`` names a record of the run's project without a foreign key: records go only
    with their project, and its runs take their outputs with them (migration 0019 says why:
    the key and its index cost a quarter of every run's writing of its outputs)."""

    __tablename__ = "outputs"
    __table_args__ = (Index("ix_outputs_run_record", "run_id", "record_id"),
                      Index("ix_outputs_run_label_record", "run_id", "label_id", "record_id"),
                      Index("ix_outputs_run_confidence_record", "run_id", "confidence",
                            "record_id", **WEAK_OUTPUT))

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(Integer)
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id", ondelete="CASCADE"))
    confidence: Mapped[float] = mapped_column(default=1.0)
    token_start: Mapped[int | None] = mapped_column(Integer)
    token_end: Mapped[int | None] = mapped_column(Integer)
    char_start: Mapped[int | None] = mapped_column(Integer)
    char_end: Mapped[int | None] = mapped_column(Integer)
    weak: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class HeuristicStat(Base):
    """Statistics of a heuristic's current output against the reference labels.

    One row per label of the task (``label_index`` = position in the task's labels) and a
    total row (``label_index`` = -1) that also holds coverage, overlaps, conflicts, hits
    and the number of records with a reference. Kept up to date by delta on label edits.

    ``fn`` counts the records with the reference label that the heuristic did not vote it on,
    abstains included; ``fn_voted`` those of them it voted on (the misses of the "recall where
    it votes"). ``fn_voted`` is NULL on rows counted before abstains were misses: their ``fn``
    is the old count, and the task's statistics are recomputed when next read.
    """

    __tablename__ = "heuristic_stats"
    __table_args__ = (UniqueConstraint("heuristic_id", "label_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    heuristic_id: Mapped[int] = mapped_column(ForeignKey("heuristics.id", ondelete="CASCADE"),
                                              index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    label_index: Mapped[int] = mapped_column(Integer)
    tp: Mapped[int] = mapped_column(Integer, default=0)
    fp: Mapped[int] = mapped_column(Integer, default=0)
    fn: Mapped[int] = mapped_column(Integer, default=0)
    fn_voted: Mapped[int | None] = mapped_column(Integer, nullable=True)
    span_tp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    span_fp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    span_fn: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    hits: Mapped[int] = mapped_column(Integer, default=0)
    coverage: Mapped[float] = mapped_column(default=0.0)
    overlaps: Mapped[float] = mapped_column(default=0.0)
    conflicts: Mapped[float] = mapped_column(default=0.0)
    n_reference: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)


class RunArtifact(Base):
    """A named array a run produced (e.g. a learner's probabilities), as .npy bytes."""

    __tablename__ = "run_artifacts"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"),
                                        primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Comment(Base):
    """A member's comment on a record ("is this sarcasm?"), until an owner or its author
    marks it resolved."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_project_resolved", "project_id", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"),
                                           index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                  ondelete="SET NULL"))

    author: Mapped[User] = relationship(lazy="joined", foreign_keys=[author_id])
    resolved_by: Mapped[User | None] = relationship(lazy="joined",
                                                    foreign_keys=[resolved_by_id])
    record: Mapped[Record] = relationship(lazy="joined")


class Notification(Base):
    """A member mentioned in a comment (``mention``), or answered on a record they
    commented on (``reply``); unread until they read it."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "comment_id"),
                      Index("ix_notifications_user_read", "user_id", "read_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"),
                                            index=True)
    reason: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    comment: Mapped[Comment] = relationship(lazy="joined")


class SavedFilter(Base):
    """A named record filter and sort of a project, for the data browser and exports;
    ``record_filter`` holds :class:`store.record_filters.RecordFilter` as JSON."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    record_filter: Mapped[dict[str, Any]] = mapped_column(JSON)
    sort: Mapped[str] = mapped_column(String(250), default="id")
    seed: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    created_by: Mapped[User | None] = relationship(lazy="joined")


class LookupList(Base):
    """A named list of terms of a project (a gazetteer, keywords) that its labeling
    functions read as ``knowledge.<name>``; ``version`` counts its changes.

    A list may follow a label of an extraction task (``follows_label_id``): the texts of the
    label's reference spans join its terms as annotations come, and leave when no span holds
    them any more (:func:`store.lookup_lists.refresh`). ``label_texts`` are those texts when
    it last caught up, at the task's ``label_changes`` count ``synced_changes``;
    ``from_labels`` the terms it holds because of them (terms typed are never removed).
    """

    __tablename__ = "lookup_lists"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    terms: Mapped[list[str]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    follows_label_id: Mapped[int | None] = mapped_column(
        ForeignKey("labels.id", ondelete="SET NULL"))
    label_texts: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    from_labels: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    synced_changes: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    follows_label: Mapped[Label | None] = relationship(lazy="joined")


class ActiveLearningSettings(Base):
    """How a task's queue of records to label next is built; defaults until changed.

    ``heuristic_id`` names the active learner whose probabilities rank the queue; without one
    the task's default learner (refitted on the workers after labels) does.
    ``active_run_id`` is the default learner's refit queued or in progress (one at a time);
    ``latest_run_id`` its latest successful one.
    """

    __tablename__ = "active_learning_settings"

    task_id: Mapped[int] = mapped_column(
        ForeignKey("labeling_tasks.id", ondelete="CASCADE"), primary_key=True)
    strategy: Mapped[str] = mapped_column(String(32), default="margin_after_cold_start")
    batch_size: Mapped[int] = mapped_column(Integer, default=20)
    heuristic_id: Mapped[int | None] = mapped_column(
        ForeignKey("heuristics.id", ondelete="SET NULL"))
    active_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    latest_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))


class QueueLease(Base):
    """A record of a task's queue held by one annotator until ``expires_at``: nobody else is
    offered it meanwhile. Released when the annotator labels it or asks for a new batch."""

    __tablename__ = "queue_leases"
    __table_args__ = (Index("ix_queue_leases_task_annotator", "task_id", "annotator_id"),)

    task_id: Mapped[int] = mapped_column(
        ForeignKey("labeling_tasks.id", ondelete="CASCADE"), primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    annotator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
