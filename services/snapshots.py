"""Project snapshots: a whole project in one archive (:mod:`formats.snapshot`), and
the archive imported into a new project.

A snapshot holds the records (external ids, attribute values, stored tokens), the
attributes, the labeling tasks with their labels, the manual labels and reviews with their
annotators (by name), the heuristics with every revision and their current outputs (the
newest successful run of the current revision, with its metrics), the lookup lists the
heuristics read, the embeddings' definitions, and the comments on records (authors by
name). Other runs, weak labels and vectors are
not kept: after an import the embeddings are computed again and weak supervision runs when
asked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from formats.snapshot import Snapshot, read_snapshot, write_snapshot
from formats.types import AttributeType
from heuristics.errors import InvalidInputError
from heuristics.knowledge import check_list_name, clean_terms
from services.projects import check_name_free
from store import stats
from store.auth import get_or_create_user
from store.embeddings import list_embeddings
from store.lookup_lists import list_lookup_lists
from store.manual_labels import ResolvedSpan, slot_of
from store.models import (
    Attribute,
    Comment,
    ConsensusLabel,
    Embedding,
    EmbeddingLevel,
    Heuristic,
    HeuristicKind,
    HeuristicRevision,
    Label,
    LabelingTask,
    LookupList,
    ManualLabel,
    Output,
    Project,
    ProjectMember,
    Record,
    Review,
    Role,
    Run,
    RunStatus,
    TaskKind,
    Tokenization,
    User,
    as_utc,
    utcnow,
)
from store.projects import add_attributes
from store.record_subsets import record_batches
from store.records import records_added, tasks_of
from store.records_seen import RECORDS_SEEN, records_seen
from store.tasks import add_task, find_label

BATCH = 2_000


def _current_runs(session: Session, project: Project) -> dict[int, Run]:
    """The run holding each heuristic's current output, by heuristic id."""
    runs = {}
    for task in tasks_of(session=session, project=project):
        current = stats.current_outputs(session=session, task=task)
        runs |= {heuristic_id: session.get(Run, run_id)
                 for heuristic_id, run_id in zip(current.heuristic_ids, current.run_ids,
                                                 strict=True)}
    return runs


def _run_entry(run: Run | None) -> dict | None:
    if run is None:
        return None
    return {"kind": run.kind, "metrics": run.metrics, "total_items": run.total_items}


def _manifest(session: Session, project: Project) -> dict:
    tasks = tasks_of(session=session, project=project)
    heuristics = session.scalars(select(Heuristic).where(Heuristic.project_id == project.id)
                                 .order_by(Heuristic.id)).all()
    runs = _current_runs(session, project)
    return {
        "project": {"name": project.name, "description": project.description},
        "attributes": [{"name": a.name, "type": a.data_type.value,
                        **({"source": a.source} if a.source is not None else {})}
                       for a in project.attributes],
        "tasks": [{"name": t.name, "kind": t.kind.value,
                   "target_attribute": t.target_attribute.name if t.target_attribute else None,
                   "labels": [{"name": label.name, "color": label.color,
                               "hotkey": label.hotkey, "description": label.description}
                              for label in t.labels],
                   "auto_run": t.auto_run, "guidelines": t.guidelines}
                  for t in tasks],
        "heuristics": [{"task": h.task.name, "name": h.name, "kind": h.kind.value,
                        "description": h.description, "auto_refit_every": h.auto_refit_every,
                        "min_confidence": h.min_confidence,
                        "current_run": _run_entry(runs.get(h.id)),
                        "revisions": [{"number": r.number, "source": r.source,
                                       "function_name": r.function_name,
                                       "settings": r.settings} for r in h.revisions]}
                       for h in heuristics],
        "embeddings": [{"name": e.name, "attribute": e.attribute.name, "model": e.model,
                        "level": e.level.value, "pca_dims": e.pca_dims}
                       for e in list_embeddings(session=session, project=project)],
        "lookup_lists": [_lookup_list_entry(row) for row
                         in list_lookup_lists(session=session, project_id=project.id)],
    }


def _lookup_list_entry(row: LookupList) -> dict:
    entry = {"name": row.name, "description": row.description, "terms": row.terms}
    if (label := row.follows_label) is not None:
        entry["follows"] = {"task": label.task.name, "label": label.name,
                            "label_texts": row.label_texts, "from_labels": row.from_labels}
    return entry


def _records(session: Session, project: Project) -> Iterator[dict]:
    names = {a.id: a.name for a in project.attributes}
    for rows in record_batches(session=session, project=project, record_ids=None):
        tokens: dict[int, dict[str, list]] = defaultdict(dict)
        for rid, attribute_id, starts, ends in session.execute(
                select(Tokenization.record_id, Tokenization.attribute_id, Tokenization.starts,
                       Tokenization.ends)
                .where(Tokenization.record_id.in_([row[0] for row in rows]))):
            tokens[rid][names[attribute_id]] = [starts, ends]
        for rid, external_id, data in rows:
            yield {"external_id": external_id, "data": data, "tokens": tokens.get(rid, {})}


def _labels(session: Session, project: Project) -> Iterator[dict]:
    for rows in record_batches(session=session, project=project, record_ids=None):
        ids = {rid: external_id for rid, external_id, _ in rows}
        for rid, task, label, annotator, is_gold, *span in session.execute(
                select(ManualLabel.record_id, LabelingTask.name, Label.name, User.name,
                       ManualLabel.is_gold, ManualLabel.token_start, ManualLabel.token_end,
                       ManualLabel.char_start, ManualLabel.char_end)
                .join(LabelingTask, LabelingTask.id == ManualLabel.task_id)
                .join(Label, Label.id == ManualLabel.label_id)
                .join(User, User.id == ManualLabel.annotator_id)
                .where(ManualLabel.record_id.in_(list(ids))).order_by(ManualLabel.id)):
            row = {"external_id": ids[rid], "task": task, "label": label,
                   "annotator": annotator, "gold": bool(is_gold)}
            if span[0] is not None:
                row |= dict(zip(("token_start", "token_end", "char_start", "char_end"), span,
                                strict=True))
            yield row


def _reviews(session: Session, project: Project) -> Iterator[dict]:
    for rows in record_batches(session=session, project=project, record_ids=None):
        ids = {rid: external_id for rid, external_id, _ in rows}
        for rid, task, annotator, is_gold in session.execute(
                select(Review.record_id, LabelingTask.name, User.name, Review.is_gold)
                .join(LabelingTask, LabelingTask.id == Review.task_id)
                .join(User, User.id == Review.annotator_id)
                .where(Review.record_id.in_(list(ids))).order_by(Review.id)):
            yield {"external_id": ids[rid], "task": task, "annotator": annotator,
                   "gold": bool(is_gold)}


def _outputs(session: Session, project: Project) -> Iterator[dict]:
    runs = {run.id: heuristic_id for heuristic_id, run in
            _current_runs(session, project).items()}
    if not runs:
        return
    names = dict(session.execute(select(Heuristic.id, Heuristic.name).where(
        Heuristic.project_id == project.id)).all())
    for rows in record_batches(session=session, project=project, record_ids=None):
        ids = {rid: external_id for rid, external_id, _ in rows}
        for run_id, rid, task, label, confidence, *span in session.execute(
                select(Output.run_id, Output.record_id, LabelingTask.name, Label.name,
                       Output.confidence, Output.token_start, Output.token_end,
                       Output.char_start, Output.char_end)
                .join(Label, Label.id == Output.label_id)
                .join(LabelingTask, LabelingTask.id == Label.task_id)
                .where(Output.run_id.in_(list(runs)), Output.record_id.in_(list(ids)))
                .order_by(Output.run_id, Output.record_id, Output.id)):
            row = {"task": task, "heuristic": names[runs[run_id]], "external_id": ids[rid],
                   "label": label, "confidence": confidence}
            if span[0] is not None:
                row |= dict(zip(("token_start", "token_end", "char_start", "char_end"), span,
                                strict=True))
            yield row


def _consensus(session: Session, project: Project) -> Iterator[dict]:
    for rows in record_batches(session=session, project=project, record_ids=None):
        ids = {rid: external_id for rid, external_id, _ in rows}
        for rid, task, label, quality in session.execute(
                select(ConsensusLabel.record_id, LabelingTask.name, Label.name,
                       ConsensusLabel.quality)
                .join(LabelingTask, LabelingTask.id == ConsensusLabel.task_id)
                .join(Label, Label.id == ConsensusLabel.label_id)
                .where(ConsensusLabel.record_id.in_(list(ids)))
                .order_by(ConsensusLabel.task_id, ConsensusLabel.record_id)):
            yield {"external_id": ids[rid], "task": task, "label": label, "quality": quality}


def _comments(session: Session, project: Project) -> Iterator[dict]:
    for rows in record_batches(session=session, project=project, record_ids=None):
        ids = {rid: external_id for rid, external_id, _ in rows}
        for comment in session.scalars(select(Comment).where(
                Comment.record_id.in_(list(ids))).order_by(Comment.id)):
            yield {"external_id": ids[comment.record_id], "author": comment.author.name,
                   "text": comment.text, "created_at": _moment(comment.created_at),
                   "edited_at": _moment(comment.edited_at),
                   "resolved_at": _moment(comment.resolved_at),
                   "resolved_by": comment.resolved_by.name if comment.resolved_by else None}


def _moment(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


def export_snapshot(*, session: Session, project: Project) -> Iterator[bytes]:
    """The project as a snapshot archive, in chunks of bytes."""
    return write_snapshot(_manifest(session, project), {
        "records": _records(session, project), "manual_labels": _labels(session, project),
        "reviews": _reviews(session, project), "outputs": _outputs(session, project),
        "consensus_labels": _consensus(session, project),
        "comments": _comments(session, project)})


@dataclass
class SnapshotImport:
    """The new project and what it got."""

    project: Project
    records: int = 0
    tasks: int = 0
    manual_labels: int = 0
    reviews: int = 0
    heuristics: int = 0
    embeddings: int = 0
    annotators: list[str] = field(default_factory=list)


def _field(entry: object, key: str, what: str, kind: type | tuple = str) -> object:
    if not isinstance(entry, dict) or not isinstance(entry.get(key), kind):
        raise InvalidInputError(f"manifest.json: {what} needs {key!r}", field="file")
    return entry[key]


def _enum(cls: type, value: object, what: str):
    try:
        return cls(value)
    except ValueError as error:
        raise InvalidInputError(f"manifest.json: {what}: {value!r} is not one of "
                                f"{', '.join(m.value for m in cls)}", field="file") from error


def _import_records(session: Session, snapshot: Snapshot, project: Project,
                    attributes: dict[str, Attribute], result: SnapshotImport) -> dict[str, int]:
    ids: dict[str, int] = {}
    batch: list[tuple[int, dict]] = []

    def flush() -> None:
        new_ids = session.scalars(insert(Record).returning(
            Record.id, sort_by_parameter_order=True),
            [{"project_id": project.id, "external_id": row["external_id"], "data": row["data"]}
             for _, row in batch]).all()
        records_added(session=session, project_id=project.id, n=len(new_ids))
        tokens = []
        for record_id, (number, row) in zip(new_ids, batch, strict=True):
            ids[row["external_id"]] = record_id
            for name, (starts, ends) in (row.get("tokens") or {}).items():
                if name not in attributes:
                    raise InvalidInputError(f"records.jsonl line {number}: tokens of an "
                                            f"unknown attribute {name!r}", field="file")
                tokens.append({"record_id": record_id, "attribute_id": attributes[name].id,
                               "starts": starts, "ends": ends})
        if tokens:
            session.execute(insert(Tokenization), tokens)
        result.records += len(batch)
        batch.clear()

    for number, row in snapshot.rows("records"):
        external_id = row.get("external_id")
        if not isinstance(external_id, str) or not isinstance(row.get("data"), dict):
            raise InvalidInputError(f"records.jsonl line {number}: needs 'external_id' and "
                                    "'data'", field="file")
        if external_id in ids or any(external_id == r["external_id"] for _, r in batch):
            raise InvalidInputError(f"records.jsonl line {number}: the id {external_id!r} "
                                    "repeats", field="file")
        unknown = set(row["data"]) - set(attributes)
        if unknown:
            raise InvalidInputError(f"records.jsonl line {number}: unknown attribute "
                                    f"{sorted(unknown)[0]!r}", field="file")
        batch.append((number, row))
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return ids


def _text(value: object) -> str:
    """A text of the manifest that may be missing (snapshots made before it existed)."""
    return value if isinstance(value, str) else ""


def _import_tasks(session: Session, snapshot: Snapshot, project: Project
                  ) -> dict[str, LabelingTask]:
    tasks = {}
    for entry in snapshot.manifest.get("tasks") or []:
        name = _field(entry, "name", "a task")
        labels = entry.get("labels") or []
        task = add_task(session=session, project=project, name=name,
                        kind=_enum(TaskKind, entry.get("kind"), f"task {name!r}"),
                        target_attribute=entry.get("target_attribute"),
                        labels=[_field(label, "name", f"a label of {name!r}")
                                for label in labels])
        for label, stored in zip(labels, task.labels, strict=True):
            stored.color = label.get("color") or stored.color
            stored.hotkey = label.get("hotkey")
            stored.description = _text(label.get("description"))
        task.auto_run = entry.get("auto_run") is True
        task.guidelines = _text(entry.get("guidelines"))
        tasks[name] = task
    session.flush()
    return tasks


def _import_votes(session: Session, snapshot: Snapshot, tasks: dict[str, LabelingTask],
                  ids: dict[str, int], result: SnapshotImport) -> None:
    users: dict[str, User] = {}
    labels = {(t.name, label.name): label for t in tasks.values() for label in t.labels}
    for member in ("manual_labels", "reviews"):
        rows = []
        for number, row in snapshot.rows(member):
            where = f"{member}.jsonl line {number}"
            task = tasks.get(row.get("task"))
            if task is None:
                raise InvalidInputError(f"{where}: no task {row.get('task')!r}", field="file")
            if row.get("external_id") not in ids:
                raise InvalidInputError(f"{where}: no record {row.get('external_id')!r}",
                                        field="file")
            name = row.get("annotator")
            if not isinstance(name, str) or not name:
                raise InvalidInputError(f"{where}: needs an 'annotator'", field="file")
            if name not in users:
                users[name] = get_or_create_user(session=session, name=name)
            entry = {"record_id": ids[row["external_id"]], "task_id": task.id,
                     "annotator_id": users[name].id, "is_gold": bool(row.get("gold"))}
            if member == "manual_labels":
                label = labels.get((task.name, row.get("label")))
                if label is None:
                    raise InvalidInputError(f"{where}: {row.get('label')!r} is not a label "
                                            f"of {task.name!r}", field="file")
                span = None
                if task.kind is TaskKind.EXTRACTION:
                    try:
                        span = ResolvedSpan(*(int(row[k]) for k in (
                            "token_start", "token_end", "char_start", "char_end")))
                    except (KeyError, TypeError, ValueError) as error:
                        raise InvalidInputError(f"{where}: a span needs token and char "
                                                "offsets", field="file") from error
                    entry |= vars(span)
                entry |= {"label_id": label.id, "slot": slot_of(task, label, span)}
            rows.append(entry)
        model = ManualLabel if member == "manual_labels" else Review
        for start in range(0, len(rows), 5_000):
            session.execute(insert(model), rows[start:start + 5_000])
        setattr(result, member, len(rows))
    result.annotators = sorted(users)


def _import_heuristics(session: Session, snapshot: Snapshot, project: Project,
                       tasks: dict[str, LabelingTask], result: SnapshotImport
                       ) -> dict[tuple[str, str], int]:
    """Heuristics and embeddings; the run holding each heuristic's current output, by
    (task, heuristic name)."""
    runs: dict[tuple[str, str], int] = {}
    for entry in snapshot.manifest.get("heuristics") or []:
        name = _field(entry, "name", "a heuristic")
        task = tasks.get(entry.get("task"))
        revisions = entry.get("revisions") or []
        if task is None or not revisions:
            raise InvalidInputError(f"manifest.json: heuristic {name!r} needs a task of the "
                                    "snapshot and at least one revision", field="file")
        heuristic = Heuristic(
            project_id=project.id, task=task, name=name,
            kind=_enum(HeuristicKind, entry.get("kind"), f"heuristic {name!r}"),
            description=entry.get("description") or "",
            auto_refit_every=entry.get("auto_refit_every"),
            min_confidence=entry.get("min_confidence"))
        for revision in revisions:
            heuristic.revisions.append(HeuristicRevision(
                number=_field(revision, "number", f"a revision of {name!r}", int),
                source=_field(revision, "source", f"a revision of {name!r}"),
                function_name=_field(revision, "function_name", f"a revision of {name!r}"),
                settings=revision.get("settings") or {}))
        session.add(heuristic)
        result.heuristics += 1
        current = entry.get("current_run")
        if isinstance(current, dict):
            session.flush()
            now = utcnow()
            run = Run(project_id=project.id, kind=_field(current, "kind", f"the run of {name!r}"),
                      status=RunStatus.SUCCEEDED, heuristic_id=heuristic.id,
                      revision_id=heuristic.revisions[-1].id,
                      params={"heuristic_id": heuristic.id,
                              "revision": heuristic.revisions[-1].number,
                              # its votes are on the records restored, no more
                              RECORDS_SEEN: records_seen(session=session,
                                                         project_id=project.id)},
                      metrics=current.get("metrics") or {},
                      total_items=current.get("total_items") or 0,
                      done_items=current.get("total_items") or 0, progress=1.0, logs="",
                      started_at=now, finished_at=now)
            session.add(run)
            session.flush()
            runs[task.name, name] = run.id
    for entry in snapshot.manifest.get("embeddings") or []:
        name = _field(entry, "name", "an embedding")
        attribute = next((a for a in project.attributes if a.name == entry.get("attribute")),
                         None)
        if attribute is None:
            raise InvalidInputError(f"manifest.json: embedding {name!r} needs an attribute "
                                    "of the snapshot", field="file")
        session.add(Embedding(project_id=project.id, attribute=attribute, name=name,
                              model=_field(entry, "model", f"embedding {name!r}"),
                              level=_enum(EmbeddingLevel, entry.get("level"),
                                          f"embedding {name!r}"),
                              pca_dims=entry.get("pca_dims"), state=RunStatus.QUEUED))
        result.embeddings += 1
    return runs


def _import_outputs(session: Session, snapshot: Snapshot, tasks: dict[str, LabelingTask],
                    runs: dict[tuple[str, str], int], ids: dict[str, int]) -> None:
    labels = {(t.name, label.name): label.id for t in tasks.values() for label in t.labels}
    rows = []
    for number, row in snapshot.rows("outputs"):
        where = f"outputs.jsonl line {number}"
        run_id = runs.get((row.get("task"), row.get("heuristic")))
        label_id = labels.get((row.get("task"), row.get("label")))
        if run_id is None or label_id is None or row.get("external_id") not in ids:
            raise InvalidInputError(f"{where}: names no current run, label or record of the "
                                    "snapshot", field="file")
        entry = {"run_id": run_id, "record_id": ids[row["external_id"]], "label_id": label_id,
                 "confidence": float(row.get("confidence", 1.0))}
        entry |= {key: row.get(key) for key in ("token_start", "token_end", "char_start",
                                                "char_end")}
        rows.append(entry)
        if len(rows) >= 5_000:
            session.execute(insert(Output), rows)
            rows.clear()
    if rows:
        session.execute(insert(Output), rows)


def _import_consensus(session: Session, snapshot: Snapshot, tasks: dict[str, LabelingTask],
                      ids: dict[str, int]) -> None:
    labels = {(t.name, label.name): label.id for t in tasks.values() for label in t.labels}
    rows = []
    for number, row in snapshot.rows("consensus_labels"):
        label_id = labels.get((row.get("task"), row.get("label")))
        quality = row.get("quality")
        if label_id is None or row.get("external_id") not in ids or not isinstance(
                quality, int | float):
            raise InvalidInputError(f"consensus_labels.jsonl line {number}: names no label or "
                                    "record of the snapshot, or has no quality", field="file")
        rows.append({"task_id": tasks[row["task"]].id, "record_id": ids[row["external_id"]],
                     "label_id": label_id, "quality": float(quality)})
    if rows:
        session.execute(insert(ConsensusLabel), rows)


def _import_comments(session: Session, snapshot: Snapshot, project: Project,
                     ids: dict[str, int]) -> None:
    users: dict[str, User] = {}

    def user(name: object, where: str) -> User:
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"{where}: needs an 'author'", field="file")
        if name not in users:
            users[name] = get_or_create_user(session=session, name=name)
        return users[name]

    def moment(value: object, where: str) -> datetime | None:
        try:
            return None if value is None else as_utc(datetime.fromisoformat(str(value)))
        except ValueError as error:
            raise InvalidInputError(f"{where}: {value!r} is no time", field="file") from error

    for number, row in snapshot.rows("comments"):
        where = f"comments.jsonl line {number}"
        if row.get("external_id") not in ids or not isinstance(row.get("text"), str):
            raise InvalidInputError(f"{where}: names no record of the snapshot, or has no "
                                    "text", field="file")
        resolver = row.get("resolved_by")
        session.add(Comment(
            project_id=project.id, record_id=ids[row["external_id"]],
            author=user(row.get("author"), where), text=row["text"],
            created_at=moment(row.get("created_at"), where) or utcnow(),
            edited_at=moment(row.get("edited_at"), where),
            resolved_at=moment(row.get("resolved_at"), where),
            resolved_by=None if resolver is None else user(resolver, where)))


def _followed(entry: dict, tasks: dict[str, LabelingTask], held: set[str]) -> dict:
    """The columns of a lookup list that follows a label (``label_texts``, and of its terms
    ``held`` those the label added); empty ones if it follows none."""
    follows = entry.get("follows")
    if follows is None:
        return {"label_texts": [], "from_labels": []}
    what = f"lookup list {entry['name']!r} follows"
    task = tasks.get(_field(follows, "task", what))
    if task is None:
        raise InvalidInputError(f"manifest.json: {what} task {follows['task']!r}, which the "
                                "snapshot does not hold", field="file")
    label = find_label(task, _field(follows, "label", what), field="file")
    texts, terms = (_field(follows, key, what, list) for key in ("label_texts", "from_labels"))
    return {"follows_label_id": label.id, "label_texts": [str(text) for text in texts],
            "from_labels": [str(term) for term in terms if str(term) in held]}


def _import_lookup_lists(session: Session, snapshot: Snapshot, project: Project,
                         tasks: dict[str, LabelingTask]) -> None:
    seen = set()
    for entry in snapshot.manifest.get("lookup_lists") or []:
        name = _field(entry, "name", "a lookup list")
        terms = _field(entry, "terms", f"lookup list {name!r}", list)
        if name in seen:
            raise InvalidInputError(f"manifest.json: two lookup lists named {name!r}",
                                    field="file")
        seen.add(name)
        cleaned = clean_terms(str(term) for term in terms)
        session.add(LookupList(project_id=project.id, name=check_list_name(name),
                               description=str(entry.get("description") or ""),
                               terms=cleaned, version=1,
                               **_followed(entry, tasks, set(cleaned))))


def import_snapshot(*, session: Session, stream: BinaryIO, owner: User,
                    name: str | None = None,
                    max_attributes: int | None = None) -> SnapshotImport:
    """A new project (named ``name``, else as in the snapshot) with everything the snapshot
    holds, owned by ``owner``; all or nothing, commits. The caller queues the embeddings'
    runs (:func:`store.embeddings.refresh_embeddings`)."""
    snapshot = read_snapshot(stream)
    described = snapshot.manifest.get("project")
    name = name or _field(described, "name", "the project")
    check_name_free(session=session, name=name)
    project = Project(name=name, description=(described or {}).get("description") or "")
    session.add(project)
    session.flush()
    session.add(ProjectMember(project_id=project.id, user_id=owner.id, role=Role.OWNER))
    types = {}
    for entry in snapshot.manifest.get("attributes") or []:
        attribute = _field(entry, "name", "an attribute")
        types[attribute] = _enum(AttributeType, entry.get("type"), f"attribute {attribute!r}")
    attributes = {a.name: a for a in add_attributes(session=session, project=project,
                                                    data_types=types,
                                                    max_attributes=max_attributes)}
    for entry in snapshot.manifest.get("attributes") or []:
        if entry.get("source") is not None:   # computed: its values come along
            attributes[entry["name"]].source = _field(entry, "source",
                                                      f"attribute {entry['name']!r}")
    result = SnapshotImport(project=project)
    ids = _import_records(session, snapshot, project, attributes, result)
    tasks = _import_tasks(session, snapshot, project)
    result.tasks = len(tasks)
    _import_votes(session, snapshot, tasks, ids, result)
    runs = _import_heuristics(session, snapshot, project, tasks, result)
    _import_outputs(session, snapshot, tasks, runs, ids)
    _import_consensus(session, snapshot, tasks, ids)
    _import_comments(session, snapshot, project, ids)
    _import_lookup_lists(session, snapshot, project, tasks)
    session.flush()
    for task in tasks.values():
        stats.recompute(session=session, task=task)
    session.commit()
    return result
