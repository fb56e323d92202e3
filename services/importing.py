"""Import of records from CSV, JSONL, Parquet and CoNLL files: all or nothing.

A file is read twice from its (seekable) stream: once to check ids and infer attribute
types, once to convert values and insert in batches. Nothing is committed unless every
row is valid. Rows naming records the project has are refused, skipped or update those
records' values (``ImportOptions.existing``; an update is an edit, see
:mod:`services.record_edits`) and, with a label column, the column's annotator's labels.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import BinaryIO, Literal

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from formats.readers import (
    ConllSentence,
    CsvOptions,
    read_conll,
    read_rows,
    resolve_csv_options,
)
from formats.types import AttributeType, TypeInference, convert_value
from heuristics.errors import ConflictError, InvalidInputError
from heuristics.spans import iob_to_spans
from heuristics.tokens import join_tokens
from services import record_edits
from store import idempotency
from store.auth import get_or_create_user
from store.db import analyze
from store.events import publish_many
from store.idempotency import Answer, IdempotentRequest
from store.limits import LABELS_MAX
from store.locks import RECORD_LABELS, lock_keys
from store.manual_labels import replace_labels
from store.models import (
    Attribute,
    LabelingTask,
    ManualLabel,
    Project,
    Record,
    Review,
    TaskKind,
    Tokenization,
    User,
    utcnow,
)
from store.projects import add_attribute, add_attributes, check_attribute_count, find_attribute
from store.records import records_added
from store.stats import recompute
from store.tasks import (
    add_label,
    add_task,
    count_label_changes,
    find_label,
    find_task,
    get_task,
)
from store.tokenization import tokenize_attribute

Existing = Literal["refuse", "skip", "update"]
MAX_ID_LENGTH = 200
CHUNK = 5_000
CONLL_BATCH = 1_000


@dataclass
class ImportResult:
    """What an import added."""

    records: int = 0
    attributes: list[str] = field(default_factory=list)
    updated: int = 0
    """Records the project had whose values the file changed."""
    unchanged: int = 0
    """Rows naming records the project had, skipped or changing nothing."""
    relabelled: int = 0
    """Records the project had whose labels (the label column's annotator's) the file
    changed."""
    manual_labels: int = 0
    task_id: int | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LabelColumn:
    """A column of the file whose values become manual labels of ``task`` (by
    ``annotator``); multi-label values are split at ``separator`` or given as JSON lists.

    With ``new_task`` instead of a task, the import makes a task of that name whose labels
    are the column's values in the order they first appear: multi-label when a
    ``separator`` is given or a value holds several labels (a JSON list), else
    classification."""

    column: str
    task: LabelingTask | None
    annotator: User
    is_gold: bool = False
    separator: str | None = None
    label_ids: Mapping[str, int] = field(default_factory=dict)
    """The task's labels: name to id (read once, not per row)."""
    new_task: str | None = None

    @property
    def kind(self) -> TaskKind | None:
        """The task's kind; None for a new task whose values decide it."""
        if self.task is not None:
            return self.task.kind
        return TaskKind.MULTILABEL if self.separator else None


@dataclass
class ImportOptions:
    """What an import does besides reading the file's columns: CSV reading options,
    ``constants`` added to every record, ids made unique (``generate_ids``), labels."""

    csv: CsvOptions = field(default_factory=CsvOptions)
    constants: Mapping[str, object] = field(default_factory=dict)
    generate_ids: bool = False
    existing: Existing = "refuse"
    """Rows whose id names a record of the project: refused (the import fails), skipped,
    or update the record's values (the file's columns; the others stay)."""
    labels: LabelColumn | None = None
    file_name_attribute: str | None = None
    """An attribute that gets the uploaded file's name (see :meth:`for_file`)."""

    def fingerprint(self) -> str:
        """What these options ask for, as text: two imports with the same fingerprint and
        file do the same (an idempotency key compares requests by it)."""
        labels = self.labels
        return json.dumps({
            "csv": [self.csv.delimiter, self.csv.header, self.csv.quoting, self.csv.quotechar,
                    self.csv.encoding],
            "constants": self.constants, "generate_ids": self.generate_ids,
            "existing": self.existing,
            "file_name_attribute": self.file_name_attribute,
            "labels": labels and [labels.column, labels.task.id if labels.task else None,
                                  labels.new_task, labels.annotator.id, labels.is_gold,
                                  labels.separator]},
            sort_keys=True, default=str)

    def for_file(self, file_name: str | None) -> ImportOptions:
        """These options with the file's name among the constants, if asked for."""
        if not self.file_name_attribute:
            return self
        if self.file_name_attribute in self.constants:
            raise InvalidInputError(f"{self.file_name_attribute!r} is also a constant",
                                    field="file_name_attribute")
        return replace(self, constants={**self.constants,
                                        self.file_name_attribute: file_name or ""})


@dataclass
class _Scan:
    columns: dict[str, TypeInference] = field(default_factory=dict)
    external_ids: list[str] = field(default_factory=list)
    labels: list[list[str]] = field(default_factory=list)
    rows: int = 0
    known: set[int] = field(default_factory=set)
    """Rows (numbered from 1) whose id names a record the project has."""


def _existing_ids(session: Session, project: Project) -> set[str]:
    return set(session.scalars(select(Record.external_id)
                               .where(Record.project_id == project.id)))


def _external_id(row: Mapping, id_column: str | None, number: int, offset: int) -> str:
    if id_column is None:
        return str(offset + number)
    value = row.get(id_column)
    if value is None or str(value).strip() == "":
        raise InvalidInputError("the id column is empty", row=number, field=id_column)
    text = str(value)
    if len(text) > MAX_ID_LENGTH:
        raise InvalidInputError(f"ids are at most {MAX_ID_LENGTH} characters", row=number,
                                field=id_column)
    return text


def _unique_id(external_id: str, *taken: set[str]) -> str:
    """``external_id``, or ``external_id-2``, ``-3``... if taken.

    >>> _unique_id("a", {"a"}, {"a-2"})
    'a-3'
    """
    candidate, n = external_id, 1
    while any(candidate in ids for ids in taken):
        n += 1
        candidate = f"{external_id}-{n}"
    return candidate


def _label_names(row: Mapping, labels: LabelColumn, number: int) -> list[str]:
    """The label names of a row's label value (none for an empty value)."""
    value = row.get(labels.column)
    if value is None or str(value).strip() == "":
        return []
    if labels.kind is TaskKind.CLASSIFICATION:
        names = [str(value).strip()]
    elif isinstance(value, list):
        names = [str(item) for item in value]
    elif str(value).lstrip().startswith("["):
        try:
            names = [str(item) for item in json.loads(str(value))]
        except (ValueError, TypeError) as error:
            raise InvalidInputError(f"not a JSON list of labels: {error}", row=number,
                                    field=labels.column) from None
    else:
        parts = str(value).split(labels.separator) if labels.separator else [str(value)]
        names = [part.strip() for part in parts if part.strip()]
    for name in names:
        if labels.task is not None and name not in labels.label_ids:
            find_label(labels.task, name, field=labels.column, row=number)
    return list(dict.fromkeys(names))


def _with_constants(rows: Iterator[Mapping], constants: Mapping[str, object]
                    ) -> Iterator[Mapping]:
    if not constants:
        yield from rows
        return
    for number, row in enumerate(rows, start=1):
        clash = next((name for name in constants if name in row), None)
        if clash is not None:
            raise InvalidInputError(f"constant {clash!r} is also a column of the file",
                                    row=number, field="constants")
        yield {**row, **constants}


def _scan(rows: Iterator[Mapping], *, id_column: str | None, existing: set[str],
          offset: int, max_attributes: int | None = None, generate_ids: bool = False,
          labels: LabelColumn | None = None, on_existing: Existing = "refuse") -> _Scan:
    scan = _Scan()
    taken: set[str] = set()
    skipped = {id_column, labels.column if labels else None}
    for number, row in enumerate(rows, start=1):
        check_attribute_count(len(row) - len(skipped & set(row)),
                              max_attributes=max_attributes)
        scan.rows = number
        if number == 1:
            for name, option in ((id_column, "id_column"),
                                 (labels.column if labels else None, "label_column")):
                if name is not None and name not in row:
                    raise InvalidInputError(f"the file has no column {name!r}", field=option)
        external_id = _external_id(row, id_column, number, offset)
        if generate_ids:
            external_id = _unique_id(external_id, taken, existing)
        elif external_id in taken:
            raise ConflictError(f"duplicate id {external_id!r} in the file (generate_ids "
                                "makes repeated ids unique)", row=number, field=id_column)
        if external_id in existing:
            if on_existing == "refuse":
                raise ConflictError(f"a record with id {external_id!r} exists already "
                                    "(existing: skip or update takes such rows)",
                                    row=number, field=id_column)
            scan.known.add(number)
        taken.add(external_id)
        scan.external_ids.append(external_id)
        if labels is not None:
            scan.labels.append(_label_names(row, labels, number))
        for name, value in row.items():
            if name not in skipped:
                scan.columns.setdefault(name, TypeInference()).add(value)
        check_attribute_count(len(scan.columns), max_attributes=max_attributes)
    if scan.rows == 0:
        raise InvalidInputError("the file has no records")
    return scan


def _resolve_attributes(*, session: Session, project: Project, scan: _Scan,
                        types: Mapping[str, AttributeType], max_attributes: int | None
                        ) -> tuple[list[Attribute], list[str]]:
    unknown = set(types) - set(scan.columns)
    if unknown:
        raise InvalidInputError(f"types given for columns the file lacks: {sorted(unknown)}",
                                field="types")
    existing = {attribute.name: attribute for attribute in project.attributes}
    for name, attribute in existing.items():
        if name in types and types[name] is not attribute.data_type:
            raise InvalidInputError(
                f"attribute {name!r} is {attribute.data_type.value}; cannot import it as "
                f"{types[name].value}", field="types")
    new = {name: types.get(name) or inference.result()
           for name, inference in scan.columns.items() if name not in existing}
    added = iter(add_attributes(session=session, project=project, data_types=new,
                                max_attributes=max_attributes))
    attributes = [existing[name] if name in existing else next(added) for name in scan.columns]
    return attributes, list(new)


@dataclass
class ImportPreview:
    """What importing a file would do: every column's type (the existing attribute's, else
    the inferred one), the first rows as read, the number of records."""

    types: dict[str, AttributeType]
    existing: list[str]
    rows: list[dict]
    records: int
    notes: list[str] = field(default_factory=list)


def label_column(*, session: Session, project: Project, column: str, task_id: int | None,
                 annotator: str, is_gold: bool = False, separator: str | None = None,
                 new_task: str | None = None) -> LabelColumn:
    """The label column of an import, checked: a classification or multi-label task of the
    project, or the name of a new one (see :class:`LabelColumn`); the annotator is created
    if new."""
    if (task_id is None) == (not new_task):
        raise InvalidInputError("label_column needs label_task_id (a task of the project) or "
                                "label_task_name (a new task of the column's values), not "
                                "both", field="label_task_id")
    if new_task:
        new_task = new_task.strip()
        if not new_task:
            raise InvalidInputError("label_task_name must not be blank", field="label_task_name")
        return LabelColumn(column=column, task=None, new_task=new_task, is_gold=is_gold,
                           separator=separator or None,
                           annotator=get_or_create_user(session=session, name=annotator))
    task = get_task(session=session, project=project, task_id=task_id)
    if task.kind is TaskKind.EXTRACTION:
        raise InvalidInputError("labels can be imported for classification and multi-label "
                                "tasks; spans come with import-conll", field="label_task_id")
    if separator and task.kind is TaskKind.CLASSIFICATION:
        raise InvalidInputError(f"label_separator splits a value into several labels, but "
                                f"task {task.name!r} is a classification task (one label "
                                f"per record)", field="label_separator")
    return LabelColumn(column=column, task=task, is_gold=is_gold, separator=separator or None,
                       annotator=get_or_create_user(session=session, name=annotator),
                       label_ids={label.name: label.id for label in task.labels})


def _open_rows(stream: BinaryIO, fmt: str, options: ImportOptions) -> Iterator[Mapping]:
    return _with_constants(read_rows(stream, fmt, options.csv), options.constants)


def _resolve_options(stream: BinaryIO, fmt: str,
                     options: ImportOptions | None) -> tuple[ImportOptions, list[str]]:
    """``options`` with the CSV ones settled from the file, and notes on what was assumed."""
    options = options or ImportOptions()
    if fmt != "csv":
        return options, []
    csv_options, notes = resolve_csv_options(stream, options.csv)
    return replace(options, csv=csv_options), notes


def preview_import(*, session: Session, project: Project, stream: BinaryIO, fmt: str,
                   id_column: str | None = None, limit: int = 20,
                   options: ImportOptions | None = None) -> ImportPreview:
    """Read the whole file as the import would, with the same checks (its errors say row
    and field), and store nothing."""
    first: list[dict] = []

    def keep(rows: Iterator[Mapping]) -> Iterator[Mapping]:
        for row in rows:
            if len(first) < limit:
                first.append(dict(row))
            yield row

    options, notes = _resolve_options(stream, fmt, options)
    stream.seek(0)
    existing = _existing_ids(session, project)
    scan = _scan(keep(_open_rows(stream, fmt, options)), id_column=id_column,
                 existing=existing, offset=len(existing), generate_ids=options.generate_ids,
                 labels=options.labels, on_existing=_on_existing(options, id_column))
    notes += _known_notes(scan, options)
    types, known = {}, []
    for name, inference in scan.columns.items():
        attribute = find_attribute(project, name)
        types[name] = attribute.data_type if attribute else inference.result()
        if attribute:
            known.append(name)
    return ImportPreview(types=types, existing=known, rows=first, records=scan.rows,
                         notes=notes)


def import_records(*, session: Session, project: Project, open_stream: Callable[[], BinaryIO],
                   fmt: str, id_column: str | None = None,
                   types: Mapping[str, AttributeType] | None = None,
                   batch_size: int = 5_000, max_attributes: int | None = None,
                   options: ImportOptions | None = None,
                   once: IdempotentRequest[ImportResult] | None = None
                   ) -> ImportResult | Answer:
    """Import a CSV, JSONL or Parquet file into ``project``; commits once, or not at all.
    Under an idempotency key (``once``), the answer: the first one, storing nothing, if
    the key was used before.

    ``open_stream`` returns the file from its start; it is called two or three times.
    Without ``id_column`` records get sequential ids. ``types`` overrides inferred
    attribute types. A file with more columns than the project may have attributes
    (``max_attributes``) is refused while its first rows are read. ``options`` (see
    :class:`ImportOptions`) may add constant attributes, make repeated ids unique and turn
    a column into manual labels; the result's notes say what was assumed about the file.
    """
    if once is not None:
        idempotency.lock(session=session, request=once)
        if first := idempotency.first_answer(session=session, request=once):
            session.commit()
            return first
    options, notes = _resolve_options(open_stream(), fmt, options)
    existing = _existing_ids(session, project)
    offset = len(existing)
    scan = _scan(_open_rows(open_stream(), fmt, options), id_column=id_column,
                 existing=existing, offset=offset, max_attributes=max_attributes,
                 generate_ids=options.generate_ids, labels=options.labels,
                 on_existing=_on_existing(options, id_column))
    attributes, created = _resolve_attributes(session=session, project=project, scan=scan,
                                              types=types or {},
                                              max_attributes=max_attributes)
    batch: list[dict] = []
    updates: dict[str, dict] = {}
    inserted = 0
    rows = _open_rows(open_stream(), fmt, options)
    for number, (row, external_id) in enumerate(zip(rows, scan.external_ids, strict=True),
                                                start=1):
        if number in scan.known and options.existing == "skip":
            continue
        data = {a.name: convert_value(row.get(a.name), a.data_type, row=number, field=a.name)
                for a in attributes}
        if number in scan.known:
            updates[external_id] = {a.name: data[a.name] for a in attributes
                                    if a.source is None}
            continue
        batch.append({"project_id": project.id, "data": data, "external_id": external_id})
        if len(batch) >= batch_size:
            inserted += _insert_records(session, batch)
    inserted += _insert_records(session, batch)
    result = ImportResult(records=inserted, attributes=created, notes=notes)
    known = _records_named(session, project, [
        scan.external_ids[number - 1] for number in sorted(scan.known)]
        ) if options.existing == "update" else {}
    if scan.known:
        result.updated = _update_known(session, project, known, updates)
        result.unchanged = len(scan.known) - result.updated
    if options.labels is not None:
        labels = options.labels
        if labels.task is None:
            labels = _new_task(session, project, scan, labels)
            result.notes.append(f"new {labels.kind.value} task {labels.task.name!r} with "
                                f"the labels {', '.join(map(repr, labels.label_ids))}")
        result.manual_labels = _insert_labels(session, project, scan, labels)
        result.task_id = labels.task.id
        if options.existing == "update":
            result.relabelled, relabels = _relabel_known(session, project, known, scan,
                                                         labels)
            result.manual_labels += relabels
    result.notes += _known_notes(scan, options, result)
    _after_new_records(session, project)
    answer = None if once is None else idempotency.remember(session=session, request=once,
                                                            result=result)
    session.commit()
    analyze(session, [Record.__table__, ManualLabel.__table__])
    return result if answer is None else answer


def _new_task(session: Session, project: Project, scan: _Scan, labels: LabelColumn
              ) -> LabelColumn:
    """The task a label column asks for, made with the labels the file gave (in the order
    they first appear); refused when the column has no value, or more distinct values than
    a task may have labels (``LABELS_MAX``: then it is no label column)."""
    if find_task(session=session, project=project, name=labels.new_task) is not None:
        raise ConflictError(f"a labeling task named {labels.new_task!r} exists already",
                            field="label_task_name")
    names = list(dict.fromkeys(name for row in scan.labels for name in row))
    if not names:
        raise InvalidInputError(f"column {labels.column!r} has no values to make labels of",
                                field="label_column")
    if len(names) > LABELS_MAX:
        raise InvalidInputError(
            f"column {labels.column!r} has {len(names):,} distinct values; a task has at most "
            f"{LABELS_MAX:,} labels", field="label_column")
    several = labels.kind is TaskKind.MULTILABEL or any(len(row) > 1 for row in scan.labels)
    task = add_task(session=session, project=project, name=labels.new_task,
                    kind=TaskKind.MULTILABEL if several else TaskKind.CLASSIFICATION,
                    labels=names)
    session.flush()
    return replace(labels, task=task, label_ids={label.name: label.id for label in task.labels})


def _on_existing(options: ImportOptions, id_column: str | None) -> Existing:
    """What to do with rows naming records the project has; InvalidInputError for options
    that cannot go together."""
    if options.existing != "refuse" and options.generate_ids:
        raise InvalidInputError("generate_ids makes every id new: rows cannot also name "
                                "existing records (existing: refuse)", field="existing")
    if options.existing != "refuse" and id_column is None:
        raise InvalidInputError("rows name existing records by the id column: give "
                                "id_column", field="existing")
    return options.existing


def _known_notes(scan: _Scan, options: ImportOptions, done: ImportResult | None = None
                 ) -> list[str]:
    """What became of the rows naming records the project has (before the import, with no
    result ``done``: what will)."""
    if not scan.known:
        return []
    rows = f"{len(scan.known):,} row{'' if len(scan.known) == 1 else 's'} name records " \
           "the project has"
    labels = options.labels
    if options.existing == "skip":
        return [f"{rows}: skipped" + (" (their labels too)" if labels else "")]
    whose = labels and (f"{labels.annotator.name}'s{' gold' if labels.is_gold else ''} labels")
    if done is None:
        note = f"{rows}: their values will be updated where the file's differ"
        if labels:
            note += f", and {whose} replaced by the file's where it gives some"
    else:
        note = f"{rows}: values of {done.updated:,} updated, {done.unchanged:,} unchanged"
        if labels:
            note += f"; {whose} of {done.relabelled:,} replaced by the file's"
    return [note]


def _records_named(session: Session, project: Project, external_ids: list[str]
                   ) -> dict[str, Record]:
    """The project's records of these external ids, by external id."""
    records: dict[str, Record] = {}
    for start in range(0, len(external_ids), CHUNK):   # SQLite binds at most 32,766
        records.update((record.external_id, record) for record in session.scalars(
            select(Record).where(Record.project_id == project.id,
                                 Record.external_id.in_(external_ids[start:start + CHUNK]))))
    return records


def _update_known(session: Session, project: Project, known: Mapping[str, Record],
                  updates: Mapping[str, dict]) -> int:
    """Edit the records named by external id (``known``: the project's records the file
    names) to the file's values; how many changed."""
    if not updates:
        return 0
    records = [known[external_id] for external_id in updates]
    edited = record_edits.edit_values(
        session=session, project=project, records=records,
        values={record.id: updates[record.external_id] for record in records},
        action="import")
    return len(edited.record_ids)


def _relabel_known(session: Session, project: Project, known: Mapping[str, Record],
                   scan: _Scan, labels: LabelColumn) -> tuple[int, int]:
    """Replace the label column's annotator's labels of the records the project had by the
    file's, where the file gives some and they differ (a row with no label value leaves a
    record's labels alone): how many records changed, and the labels stored."""
    given = {external_id: set(names) for number, (external_id, names) in enumerate(
        zip(scan.external_ids, scan.labels, strict=True), start=1)
        if number in scan.known and names}
    if not given:
        return 0, 0
    records = [known[external_id] for external_id in given]
    lock_keys(session=session, space=RECORD_LABELS, keys=[record.id for record in records])
    changed = replace_labels(session=session, task=labels.task, annotator=labels.annotator,
                             is_gold=labels.is_gold,
                             given={record: given[record.external_id] for record in records})
    if changed:
        count_label_changes(session=session, task=labels.task, n=len(changed))
        publish_many(session=session, project_id=project.id, type="labels.changed",
                     payloads=[{"task_id": labels.task.id, "record_id": record.id}
                               for record in changed])
    return len(changed), sum(len(given[record.external_id]) for record in changed)


def _insert_labels(session: Session, project: Project, scan: _Scan,
                   labels: LabelColumn) -> int:
    """Store the labels read from the file on the records just inserted; their count."""
    new = {external_id for number, external_id in enumerate(scan.external_ids, start=1)
           if number not in scan.known}
    record_ids = {external_id: record_id for record_id, external_id in session.execute(
        select(Record.id, Record.external_id).where(Record.project_id == project.id))
        if external_id in new}
    task_id, annotator_id, label_ids = labels.task.id, labels.annotator.id, labels.label_ids
    single = labels.task.kind is TaskKind.CLASSIFICATION
    rows = [{"record_id": record_ids[external_id], "task_id": task_id,
             "label_id": label_ids[name], "annotator_id": annotator_id,
             "is_gold": labels.is_gold, "slot": "" if single else str(label_ids[name])}
            for external_id, names in zip(scan.external_ids, scan.labels, strict=True)
            if external_id in new for name in names]
    connection = session.connection()
    if rows and connection.dialect.name == "postgresql":
        now = utcnow()
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy("COPY manual_labels (record_id, task_id, label_id, annotator_id, "
                         "is_gold, slot, created_at, updated_at) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row.values(), now, now))
    else:
        for start in range(0, len(rows), 5_000):
            session.execute(insert(ManualLabel), rows[start:start + 5_000])
    if rows:
        count_label_changes(session=session, task=labels.task, n=len(rows))
    return len(rows)


def _insert_records(session: Session, batch: list[dict]) -> int:
    """Insert a batch of records: COPY on PostgreSQL, executemany elsewhere."""
    if not batch:
        return 0
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        now = utcnow()
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy("COPY records (project_id, external_id, data, created_at) "
                         "FROM STDIN") as copy:
            for row in batch:
                copy.write_row((row["project_id"], row["external_id"],
                                json.dumps(row["data"], ensure_ascii=False), now))
    else:
        session.execute(insert(Record), batch)
    count = len(batch)
    records_added(session=session, project_id=batch[0]["project_id"], n=count)
    batch.clear()
    return count


def _after_new_records(session: Session, project: Project) -> None:
    """Tokenise for extraction tasks; refresh statistics (coverage counts every record)."""
    for task in project.tasks:
        if task.kind is TaskKind.EXTRACTION:
            tokenize_attribute(session=session, attribute=task.target_attribute)
        recompute(session=session, task=task)


def import_conll(*, session: Session, project: Project, stream: BinaryIO,
                 text_attribute: str = "text", task_name: str = "ner",
                 annotator: str = "conll-import", is_gold: bool = False,
                 tag_column: int = -1) -> ImportResult:
    """Import a CoNLL/IOB file: one record per sentence, tags as manual spans; commits.

    The file's tokens become the stored tokenisation of ``text_attribute`` (joined by
    spaces); tag types become labels of the extraction task ``task_name`` (created if
    missing); spans are labelled by the user ``annotator``, who also reviews every sentence,
    so sentences without entities have an empty reference (nothing to mark).
    """
    result = ImportResult()
    attribute = _conll_attribute(session, project, text_attribute, result)
    if find_attribute(project, "document") is None:
        add_attribute(session=session, project=project, name="document",
                      data_type=AttributeType.INTEGER)
        result.attributes.append("document")
    task = find_task(session=session, project=project, name=task_name)
    if task is None:
        task = add_task(session=session, project=project, name=task_name,
                        kind=TaskKind.EXTRACTION, target_attribute=text_attribute)
    elif task.kind is not TaskKind.EXTRACTION or task.target_attribute_id != attribute.id:
        raise InvalidInputError(f"task {task_name!r} is not an extraction task on "
                                f"{text_attribute!r}", field="task_name")
    result.task_id = task.id
    user = get_or_create_user(session=session, name=annotator)
    existing = _existing_ids(session, project)
    first = session.scalar(select(func.count()).select_from(Record)
                           .where(Record.project_id == project.id)) or 0
    batch: list[tuple[str, ConllSentence]] = []
    for number, sentence in enumerate(read_conll(stream, tag_column=tag_column), start=1):
        external_id = f"s{first + number}"
        if external_id in existing:
            raise ConflictError(f"a record with id {external_id!r} exists already", row=number)
        batch.append((external_id, sentence))
        if len(batch) >= CONLL_BATCH:
            _insert_sentences(session, batch, attribute=attribute, task=task, user=user,
                              is_gold=is_gold, result=result)
    _insert_sentences(session, batch, attribute=attribute, task=task, user=user,
                      is_gold=is_gold, result=result)
    if result.records == 0:
        raise InvalidInputError("the file has no sentences")
    session.flush()
    for other in project.tasks:
        recompute(session=session, task=other)
    session.commit()
    analyze(session, [Record.__table__, Tokenization.__table__, ManualLabel.__table__])
    return result


def _insert_sentences(session: Session, batch: list[tuple[str, ConllSentence]], *,
                      attribute: Attribute, task: LabelingTask, user: User, is_gold: bool,
                      result: ImportResult) -> None:
    if not batch:
        return
    joined = [join_tokens(sentence.tokens) for _, sentence in batch]
    record_ids = session.scalars(
        insert(Record).returning(Record.id, sort_by_parameter_order=True),
        [{"project_id": task.project_id, "external_id": external_id,
          "data": {attribute.name: text, "document": sentence.document}}
         for (external_id, sentence), (text, _) in zip(batch, joined, strict=True)]).all()
    records_added(session=session, project_id=task.project_id, n=len(record_ids))
    session.execute(insert(Tokenization), [
        {"record_id": record_id, "attribute_id": attribute.id,
         "starts": [t.start for t in tokens], "ends": [t.end for t in tokens]}
        for record_id, (_, tokens) in zip(record_ids, joined, strict=True)])
    labels = {label.name: label for label in task.labels}
    spans = []
    for record_id, (_, sentence), (_, tokens) in zip(record_ids, batch, joined, strict=True):
        for span in iob_to_spans(sentence.tags):
            if span.label not in labels:
                labels[span.label] = add_label(session=session, task=task, name=span.label)
            label_id = labels[span.label].id
            spans.append({
                "record_id": record_id, "task_id": task.id, "label_id": label_id,
                "annotator_id": user.id, "is_gold": is_gold,
                "slot": f"{label_id}:{span.start}:{span.end}",
                "token_start": span.start, "token_end": span.end,
                "char_start": tokens[span.start].start, "char_end": tokens[span.end - 1].end})
    if spans:
        session.execute(insert(ManualLabel), spans)
    session.execute(insert(Review), [
        {"record_id": record_id, "task_id": task.id, "annotator_id": user.id,
         "is_gold": is_gold, "created_at": utcnow()} for record_id in record_ids])
    count_label_changes(session=session, task=task, n=len(spans) + len(record_ids))
    result.records += len(batch)
    result.manual_labels += len(spans)
    batch.clear()


def _conll_attribute(session: Session, project: Project, name: str,
                     result: ImportResult) -> Attribute:
    attribute = find_attribute(project, name)
    if attribute is None:
        attribute = add_attribute(session=session, project=project, name=name,
                                  data_type=AttributeType.TEXT)
        result.attributes.append(name)
    elif attribute.data_type is not AttributeType.TEXT:
        raise InvalidInputError(f"attribute {name!r} is {attribute.data_type.value}, not text",
                                field="text_attribute")
    return attribute
