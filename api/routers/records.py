from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal

from fastapi import Depends, File, Form, Query, Request, UploadFile, status
from fastapi.encoders import jsonable_encoder

from api.deps import (
    CurrentUser,
    IdempotencyKey,
    OwnedProject,
    QueueDep,
    SessionDep,
    SettingsDep,
    ViewableProject,
    answered,
    reads_only,
)
from api.routing import Router
from api.schemas import Int32
from api.schemas.projects import ColumnPreview, ImportPreviewPublic, ImportPublic
from api.schemas.record_search import (
    SORT_DESCRIPTION,
    CountMode,
    RecordCount,
    RecordCountPublic,
    RecordsDelete,
    RecordsDeletedPublic,
    RecordSearch,
    RecordsEdit,
    legacy_conditions,
    parse_filter,
)
from api.schemas.records import (
    MAX_DROPPED_LISTED,
    DroppedSpanPublic,
    RecordDetail,
    RecordEdit,
    RecordEditedPublic,
    RecordRowPublic,
    RecordsEditedPublic,
    RecordsPublic,
    TaskLabelsPublic,
    TokensPublic,
    edited_record_public,
    manual_label_public,
    reference_public,
)
from api.uploads import check_size
from formats.readers import CsvOptions
from formats.types import AttributeType
from heuristics.errors import InvalidInputError
from services import computed_attributes, importing, out_of_date, record_deletion, record_edits
from services.importing import ImportOptions
from store.embeddings import refresh_embeddings
from store.idempotency import Answer, IdempotentRequest
from store.limits import NAME_MAX
from store.manual_labels import get_record
from store.record_detail import record_detail
from store.record_filters import (
    RecordFilter,
    RecordSort,
    count_records,
    search_records,
)

router = Router(prefix="/projects/{project_id}", tags=["records"])

ImportFormat = Literal["csv", "jsonl", "parquet"]
EXTENSIONS = {"csv": "csv", "tsv": "csv", "txt": "csv", "jsonl": "jsonl", "ndjson": "jsonl",
              "json": "jsonl", "parquet": "parquet", "pq": "parquet"}


def records_page(project, session, search: RecordSearch) -> RecordsPublic:
    page = search_records(
        session=session, project=project, record_filter=search.filter,
        sort=RecordSort.parse(search.sort, seed=search.seed), limit=search.limit,
        offset=search.offset, after=search.after, count=search.count)
    # rows of stored values, built without validation (they have the types stored)
    return RecordsPublic(
        data=[RecordRowPublic.model_construct(
            id=r.id, external_id=r.external_id, data=r.data,
            references=page.references.get(r.id, {}),
            open_comments=page.comments.get(r.id, (0, 0))[0],
            comments=page.comments.get(r.id, (0, 0))[1])
            for r in page.records],
        count=page.count, count_capped=page.count_capped, next_after=page.next_after)


async def listed_filter(
    task_id: Int32 | None = None,
    labelled: bool | None = Query(None, description="Has (or has no) manual label in task_id"),
    label: str | None = Query(None, description="Has a manual label of this name in task_id"),
    search: str | None = Query(None, max_length=1000,
                               description="Text contained (case-insensitive)"),
    search_attribute: str | None = Query(None, description="Search only this attribute"),
    filter: str | None = Query(None, max_length=20_000, description=(
        "More conditions: the JSON of a RecordFilter (as in POST .../records/search)")),
) -> RecordFilter:
    """The filter of the list's query parameters: the simple ones and ``filter`` (AND).
    On the event loop: it only parses (a thread trip would cost more than the work)."""
    record_filter = parse_filter(filter)
    record_filter.conditions[:0] = legacy_conditions(
        task_id=task_id, labelled=labelled, label=label, search=search,
        search_attribute=search_attribute)
    return record_filter


ListedFilter = Annotated[RecordFilter, Depends(listed_filter)]


@router.get("/records", response_model=RecordsPublic)
@reads_only
def read_records(
    project: ViewableProject, session: SessionDep, record_filter: ListedFilter,
    offset: Annotated[Int32, Query(ge=0)] = 0, limit: int = Query(50, ge=1, le=1000),
    sort: str = Query("id", max_length=250, description=SORT_DESCRIPTION),
    seed: int = Query(0, ge=0, le=2**30, description="The shuffle of sort random"),
    after: str | None = Query(None, max_length=1000, description=(
        "The previous page's next_after: the page starts after it, at the same cost "
        "however deep")),
    count: Annotated[CountMode, Query(
        description="exact, capped (at most 10,000) or none")] = "exact",
) -> RecordsPublic:
    """One page of records; the simple parameters and ``filter`` all hold (AND)."""
    return records_page(project, session, RecordSearch(
        filter=record_filter, sort=sort, seed=seed, limit=limit, offset=offset, after=after,
        count=count))


@router.get("/records/count", response_model=RecordCountPublic)
@reads_only
def count_listed_records(
    project: ViewableProject, session: SessionDep, record_filter: ListedFilter,
    count: Annotated[Literal["exact", "capped"], Query(
        description="exact, or capped at 10,000")] = "exact",
) -> RecordCountPublic:
    """How many records the list's filter (the parameters of GET .../records) matches: a
    page can be asked for without its count and shown before it."""
    total, capped = count_records(session=session, project=project,
                                  record_filter=record_filter, count=count)
    return RecordCountPublic(count=total, count_capped=capped)


@router.post("/records/search", response_model=RecordsPublic)
@reads_only
def search_records_route(body: RecordSearch, project: ViewableProject,
                         session: SessionDep) -> RecordsPublic:
    """One page of records matching every condition of ``filter``: manual or reference
    label, a heuristic's vote, weak label and its confidence, disagreements, annotator,
    attribute values, gold, text; sorted; keyset-paged by ``after`` for every sort."""
    return records_page(project, session, body)


@router.post("/records/count", response_model=RecordCountPublic)
@reads_only
def count_searched_records(body: RecordCount, project: ViewableProject,
                           session: SessionDep) -> RecordCountPublic:
    """How many records match ``filter`` (as in POST .../records/search)."""
    total, capped = count_records(session=session, project=project,
                                  record_filter=body.filter, count=body.count)
    return RecordCountPublic(count=total, count_capped=capped)


@router.post("/records/delete", response_model=RecordsDeletedPublic)
def delete_records(body: RecordsDelete, project: OwnedProject,
                   session: SessionDep) -> RecordsDeletedPublic:
    """Delete records, by id or every one matching a filter, with their labels, reviews,
    votes, weak labels, tokens, vectors and computed values; the tasks' statistics follow.
    409 while a run of the project is under way, or when ``expected`` is not the number
    the selection holds. With ``dry_run``, what would go, after the same checks."""
    done = record_deletion.delete_records(session=session, project=project,
                                          record_ids=body.record_ids,
                                          record_filter=body.filter, expected=body.expected,
                                          dry_run=body.dry_run)
    return RecordsDeletedPublic(deleted=done.records, manual_labels=done.manual_labels,
                                record_count=done.record_count, dry_run=body.dry_run)


@router.post("/records/edit", response_model=RecordsEditedPublic)
def edit_records(body: RecordsEdit, project: OwnedProject, session: SessionDep,
                 queue: QueueDep) -> RecordsEditedPublic:
    """Give records, by id or every one matching a filter, the same values of imported
    attributes, each record edited as PATCH .../records/{record} edits one (one revision
    more for those that change; the others had the values). 409 while a run of the
    project is under way, or when ``expected`` is not the number the selection holds.
    With ``dry_run``, what the edit would do, after the same checks."""
    edited = record_edits.edit_records(session=session, project=project, values=body.data,
                                       record_ids=body.record_ids, record_filter=body.filter,
                                       expected=body.expected, dry_run=body.dry_run)
    if not body.dry_run:
        record_edits.follow_up(session=session, project=project, edited=edited, queue=queue)
    return RecordsEditedPublic(matched=edited.matched, edited=len(edited.record_ids),
                               **_outcome(edited, body.dry_run))


def _outcome(edited: record_edits.Edited, dry_run: bool) -> dict:
    """The fields every edit's answer has."""
    return {"changed": edited.changed, "spans_moved": edited.spans_moved,
            "spans_dropped": len(edited.dropped_spans),
            "dropped_spans": [DroppedSpanPublic(**vars(span))
                              for span in edited.dropped_spans[:MAX_DROPPED_LISTED]],
            "computed_again": edited.computed_again, "embedded_again": edited.embedded_again,
            "dry_run": dry_run}


@router.delete("/records/{record_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_record(record_id: Int32, project: OwnedProject, session: SessionDep) -> None:
    """Delete one record, as POST .../records/delete does."""
    record_deletion.delete_records(session=session, project=project, record_ids=[record_id])


@router.patch("/records/{record_id}", response_model=RecordEditedPublic)
def edit_record(record_id: Int32, body: RecordEdit, project: OwnedProject, session: SessionDep,
                queue: QueueDep) -> RecordEditedPublic:
    """Edit the values of a record's imported attributes. Manual spans on an edited text
    move with their text, or go when their own text changed; its tokens, vectors and the
    computed values read from it are made again, and the votes on it are out of date. 409
    while a run of the project is under way, or when ``revision`` is not the record's. With
    ``dry_run``, what the edit would do, after the same checks."""
    edited = record_edits.edit_record(session=session, project=project, record_id=record_id,
                                      values=body.data, revision=body.revision,
                                      dry_run=body.dry_run)
    if not body.dry_run:
        record_edits.follow_up(session=session, project=project, edited=edited, queue=queue)
    return RecordEditedPublic(record=edited_record_public(edited.record),
                              **_outcome(edited, body.dry_run))


@router.get("/records/{record_id}", response_model=RecordDetail)
@reads_only
def read_record(record_id: Int32, project: ViewableProject, session: SessionDep) -> RecordDetail:
    record = get_record(session=session, project=project, record_id=record_id)
    detail = record_detail(session=session, project=project, record=record)
    tokens = []
    for attribute, tokenization in detail.tokenizations:
        text = str(record.data.get(attribute.name) or "")
        tokens.append(TokensPublic(
            attribute=attribute.name, starts=tokenization.starts, ends=tokenization.ends,
            tokens=[text[s:e] for s, e in zip(tokenization.starts, tokenization.ends,
                                              strict=True)]))
    tasks = []
    for entry in detail.tasks:
        target = entry.task.target_attribute
        text = str(record.data.get(target.name) or "") if target else None
        tasks.append(TaskLabelsPublic(
            task_id=entry.task.id, task=entry.task.name,
            reference=reference_public(entry.reference),
            manual_labels=[manual_label_public(ml, text) for ml in entry.manual_labels],
            reviewed_by=[r.annotator.name + (" (gold)" if r.is_gold else "")
                         for r in entry.reviews]))
    return RecordDetail(**edited_record_public(record).model_dump(), tokens=tokens, tasks=tasks)


def _import_format(file: UploadFile, fmt: str | None) -> str:
    if fmt:
        return fmt
    extension = (file.filename or "").rsplit(".", 1)[-1].lower()
    if extension not in EXTENSIONS:
        raise InvalidInputError("cannot tell the format from the file name; pass format="
                                "csv, jsonl or parquet", field="format")
    return EXTENSIONS[extension]


def _parse_types(types: str | None) -> dict[str, AttributeType]:
    if not types:
        return {}
    try:
        given = json.loads(types)
        return {str(name): AttributeType(value) for name, value in given.items()}
    except (ValueError, AttributeError) as error:
        allowed = ", ".join(t.value for t in AttributeType)
        raise InvalidInputError(f'types must be a JSON object like {{"column": "text"}} with '
                                f"types among {allowed}: {error}", field="types") from error


DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def _delimiter(delimiter: str | None) -> str | None:
    if not delimiter:
        return None
    delimiter = DELIMITER_NAMES.get(delimiter.lower(), delimiter)
    if len(delimiter) != 1 or delimiter in "\r\n\"":
        raise InvalidInputError("the delimiter is one character (or tab, comma, semicolon, "
                                "pipe)", field="delimiter")
    return delimiter


def _constants(constants: str | None) -> dict[str, object]:
    if not constants:
        return {}
    try:
        given = json.loads(constants)
    except ValueError as error:
        raise InvalidInputError(f"constants must be a JSON object: {error}",
                                field="constants") from error
    if not isinstance(given, dict) or any(isinstance(v, dict | list) for v in given.values()):
        raise InvalidInputError('constants must be a JSON object of plain values like '
                                '{"split": "test"}', field="constants")
    return given


def import_options(
    project: OwnedProject, session: SessionDep, user: CurrentUser,
    delimiter: Annotated[str | None, Form(description=(
        "CSV field delimiter: one character, or tab, comma, semicolon, pipe; sniffed among "
        ", ; tab | if not given"))] = None,
    header: Annotated[Literal["auto", "yes", "no"], Form(description=(
        "Does the first CSV row name the columns? auto: yes unless it looks like data. "
        "Without a header columns are named column_1..column_n"))] = "auto",
    quoting: Annotated[Literal["auto", "minimal", "none"], Form(description=(
        "minimal: quoted fields as in RFC 4180; none: quotes are plain characters; auto: "
        "minimal unless the file only parses with none"))] = "auto",
    quotechar: Annotated[str, Form(min_length=1, max_length=1)] = '"',
    encoding: Annotated[str, Form(description=(
        "CSV text encoding (e.g. utf-8, utf-16, latin-1); auto: a byte order mark, else "
        "UTF-8 if the whole file is valid UTF-8, else latin-1"))] = "auto",
    constants: Annotated[str | None, Form(description=(
        'JSON object of attributes added to every record, e.g. {"split": "test", '
        '"source": "Youtube01-Psy.csv"}'))] = None,
    file_name_attribute: Annotated[str | None, Form(description=(
        "An attribute that gets the uploaded file's name on every record, e.g. source"
        ))] = None,
    generate_ids: Annotated[bool, Form(description=(
        "Make ids unique instead of refusing repeats: an id already used (earlier in the "
        "file or by a record of the project) becomes <id>-2, <id>-3, ..."))] = False,
    existing: Annotated[Literal["refuse", "skip", "update"], Form(description=(
        "Rows whose id (id_column) names a record of the project: refuse (409, nothing "
        "imported), skip them, or update those records' values to the file's (its columns; "
        "an edit as PATCH .../records/{record} makes, refused while a run is under way)"
        ))] = "refuse",
    label_column: Annotated[str | None, Form(description=(
        "Column whose values become manual labels of label_task_id or label_task_name (not "
        "an attribute); empty values give no label"))] = None,
    label_task_id: Annotated[Int32 | None, Form()] = None,
    label_task_name: Annotated[str | None, Form(max_length=NAME_MAX, description=(
        "Instead of label_task_id: a new task of this name, made in the same transaction, "
        "whose labels are the column's values in the order they first appear; "
        "multi-label when label_separator is given or a value holds several labels (a JSON "
        "list), else classification"))] = None,
    label_as_gold: Annotated[bool, Form()] = False,
    label_annotator: Annotated[str | None, Form(description=(
        "User the labels are by (created if new); default: the importing user"))] = None,
    label_separator: Annotated[str | None, Form(description=(
        'Multi-label: the separator between labels in a value (e.g. "|"); values written '
        "as JSON lists are read as lists"))] = None,
) -> ImportOptions:
    """The import's options from its form fields."""
    labels = None
    if label_column:
        labels = importing.label_column(
            session=session, project=project, column=label_column, task_id=label_task_id,
            new_task=label_task_name, annotator=label_annotator or user.name,
            is_gold=label_as_gold, separator=label_separator)
    csv_options = CsvOptions(
        delimiter=_delimiter(delimiter), header={"yes": True, "no": False}.get(header),
        quoting=None if quoting == "auto" else quoting, quotechar=quotechar,
        encoding=encoding or "auto")
    return ImportOptions(csv=csv_options, constants=_constants(constants),
                         generate_ids=generate_ids, existing=existing, labels=labels,
                         file_name_attribute=file_name_attribute or None)


OptionsDep = Annotated[ImportOptions, Depends(import_options)]


@router.post("/records/import", response_model=ImportPublic, status_code=status.HTTP_201_CREATED)
def import_records(
    project: OwnedProject, session: SessionDep, settings: SettingsDep, queue: QueueDep,
    options: OptionsDep, user: CurrentUser, request: Request,
    file: Annotated[UploadFile, File(description="CSV, JSONL or Parquet")],
    format: Annotated[ImportFormat | None, Form()] = None,
    id_column: Annotated[str | None, Form(description="Column of stable record ids")] = None,
    types: Annotated[str | None, Form(description='JSON: {"column": "category", ...}')] = None,
    idempotency_key: IdempotencyKey = None,
):
    """Import records, all or nothing; attribute types are inferred unless given. Labels
    of a column, constant attributes and generated ids come in the same transaction;
    ``notes`` say what was assumed about the file (delimiter, header, quoting, encoding).
    With an ``Idempotency-Key``, an import sent again (say, after a timeout) gets the first
    answer and stores nothing twice."""
    check_size(file, settings.max_upload_bytes)

    def open_stream():
        file.file.seek(0)
        return file.file

    def public(result: importing.ImportResult) -> ImportPublic:
        return ImportPublic(records=result.records, attributes=result.attributes,
                            manual_labels=result.manual_labels, task_id=result.task_id,
                            updated=result.updated, unchanged=result.unchanged,
                            relabelled=result.relabelled, notes=result.notes)

    options = options.for_file(file.filename)
    once = None if idempotency_key is None else IdempotentRequest(
        user_id=user.id, key=idempotency_key, answer_of=lambda result: Answer(
            status.HTTP_201_CREATED, public(result).model_dump(mode="json")),
        request=" ".join(["POST", request.url.path, _file_digest(file), str(file.filename),
                          str(format), str(id_column), str(types), options.fingerprint()]))
    result = importing.import_records(
        session=session, project=project, open_stream=open_stream,
        fmt=_import_format(file, format), id_column=id_column or None,
        types=_parse_types(types), batch_size=settings.import_batch_size,
        max_attributes=settings.max_attributes, options=options, once=once)
    if isinstance(result, Answer):
        return answered(result)
    _after_import(project, session, queue)
    return public(result)


def _file_digest(file: UploadFile) -> str:
    """SHA-256 of the uploaded file (read from its start; left at its start)."""
    digest = hashlib.sha256()
    file.file.seek(0)
    while block := file.file.read(1 << 20):
        digest.update(block)
    file.file.seek(0)
    return digest.hexdigest()


@router.post("/records/import/preview", response_model=ImportPreviewPublic)
def preview_import(
    project: OwnedProject, session: SessionDep, settings: SettingsDep, options: OptionsDep,
    file: Annotated[UploadFile, File(description="CSV, JSONL or Parquet")],
    format: Annotated[ImportFormat | None, Form()] = None,
    id_column: Annotated[str | None, Form()] = None,
    rows: Annotated[int, Form(ge=1, le=100)] = 20,
) -> ImportPreviewPublic:
    """What the import would do, storing nothing: columns with their types, the first rows,
    the number of records; the import's own errors (row and field) come back the same."""
    check_size(file, settings.max_upload_bytes)
    preview = importing.preview_import(
        session=session, project=project, stream=file.file, fmt=_import_format(file, format),
        id_column=id_column or None, limit=rows, options=options.for_file(file.filename))
    return ImportPreviewPublic(
        columns=[ColumnPreview(name=name, type=type_, existing=name in preview.existing)
                 for name, type_ in preview.types.items()],
        rows=jsonable_encoder(preview.rows), records=preview.records, notes=preview.notes)


def _after_import(project, session, queue) -> None:
    """New records get their computed attributes and embeddings; functions kept current
    run again."""
    computed_attributes.after_import(session=session, project=project, queue=queue)
    for run in refresh_embeddings(session=session, project=project):
        queue.enqueue_run(run.id, kind=run.kind)
    out_of_date.keep_current(session=session, project=project, queue=queue)


@router.post("/records/import-conll", response_model=ImportPublic,
             status_code=status.HTTP_201_CREATED)
def import_conll(
    project: OwnedProject, session: SessionDep, settings: SettingsDep, queue: QueueDep,
    file: Annotated[UploadFile, File(description="CoNLL/IOB: token ... tag per line")],
    text_attribute: Annotated[str, Form()] = "text",
    task: Annotated[str, Form(description="Extraction task (created if missing)")] = "ner",
    annotator: Annotated[str, Form(description="User the tags are labelled by")] = "conll",
    gold: Annotated[bool, Form()] = False,
) -> ImportPublic:
    """Import sentences as records; tokens become the stored tokenisation, tags manual spans."""
    check_size(file, settings.max_upload_bytes)
    result = importing.import_conll(session=session, project=project, stream=file.file,
                                    text_attribute=text_attribute, task_name=task,
                                    annotator=annotator, is_gold=gold)
    _after_import(project, session, queue)
    return ImportPublic(records=result.records, attributes=result.attributes,
                        manual_labels=result.manual_labels, task_id=result.task_id)
