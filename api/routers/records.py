from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse

from api.deps import (
    CurrentUser,
    IdempotencyKey,
    OwnedProject,
    QueueDep,
    SessionDep,
    SettingsDep,
    ViewableProject,
    answered,
)
from api.schemas import Int32
from api.schemas.projects import ColumnPreview, ImportPreviewPublic, ImportPublic
from api.schemas.records import (
    ManualLabelPublic,
    RecordDetail,
    RecordPublic,
    RecordsPublic,
    TaskLabelsPublic,
    TokensPublic,
)
from heuristics.errors import InvalidInputError
from store import exporting, importing
from store.embeddings import refresh_embeddings
from store.formats import writers
from store.formats.readers import CsvOptions
from store.formats.types import AttributeType
from store.idempotency import Answer, IdempotentRequest
from store.importing import ImportOptions
from store.manual_labels import get_record
from store.models import ManualLabel, Record
from store.record_detail import record_detail
from store.records import RecordFilter, list_records

router = APIRouter(prefix="/projects/{project_id}", tags=["records"])

ImportFormat = Literal["csv", "jsonl", "parquet"]
EXTENSIONS = {"csv": "csv", "tsv": "csv", "txt": "csv", "jsonl": "jsonl", "ndjson": "jsonl",
              "json": "jsonl", "parquet": "parquet", "pq": "parquet"}
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson",
               "parquet": "application/vnd.apache.parquet"}


def attachment(filename: str) -> str:
    r"""A Content-Disposition value that offers ``filename`` for download (RFC 6266): the
    exact name in UTF-8, and a printable ASCII fallback ("_" for anything else and quotes).

    >>> attachment('Caf\u00e9 "5".csv')
    'attachment; filename="Caf_ _5_.csv"; filename*=UTF-8\'\'Caf%C3%A9%20%225%22.csv'
    """
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def record_public(record: Record) -> RecordPublic:
    return RecordPublic(id=record.id, external_id=record.external_id, data=record.data)


def manual_label_public(manual_label: ManualLabel, text: str | None = None) -> ManualLabelPublic:
    span_text = None
    if text is not None and manual_label.char_start is not None:
        span_text = text[manual_label.char_start:manual_label.char_end]
    return ManualLabelPublic(
        id=manual_label.id, record_id=manual_label.record_id, task_id=manual_label.task_id,
        label=manual_label.label.name, annotator=manual_label.annotator.name,
        is_gold=manual_label.is_gold, token_start=manual_label.token_start,
        token_end=manual_label.token_end, char_start=manual_label.char_start,
        char_end=manual_label.char_end, text=span_text, updated_at=manual_label.updated_at)


def reference_public(reference: object) -> object:
    if isinstance(reference, frozenset):
        return sorted(reference)
    return reference


@router.get("/records", response_model=RecordsPublic)
def read_records(
    project: ViewableProject, session: SessionDep,
    offset: Annotated[Int32, Query(ge=0)] = 0, limit: int = Query(50, ge=1, le=1000),
    sort: str = Query("id", description="id, external_id or an attribute; '-' for descending"),
    task_id: Int32 | None = None,
    labelled: bool | None = Query(None, description="Has (or has no) manual label in task_id"),
    label: str | None = Query(None, description="Has a manual label of this name in task_id"),
    search: str | None = Query(None, description="Text contained (case-insensitive)"),
    search_attribute: str | None = Query(None, description="Search only this attribute"),
    after: int | None = Query(None, description=(
        "Records after this record id (sort id or -id): pass the previous page's next_after "
        "to page through many records at constant cost")),
) -> RecordsPublic:
    record_filter = RecordFilter(task_id=task_id, labelled=labelled, label=label, search=search,
                                 search_attribute=search_attribute)
    rows, count = list_records(session=session, project=project, record_filter=record_filter,
                               sort=sort, offset=offset, limit=limit, after=after)
    next_after = rows[-1].id if len(rows) == limit and sort in ("id", "-id") else None
    return RecordsPublic(data=[record_public(r) for r in rows], count=count,
                         next_after=next_after)


@router.get("/records/{record_id}", response_model=RecordDetail)
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
    return RecordDetail(**record_public(record).model_dump(), tokens=tokens, tasks=tasks)


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


def _check_size(file: UploadFile, settings: SettingsDep) -> None:
    if file.size is not None and file.size > settings.max_upload_bytes:
        raise InvalidInputError(f"the file has {file.size} bytes; the limit is "
                                f"{settings.max_upload_bytes}", field="file")


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
    label_column: Annotated[str | None, Form(description=(
        "Column whose values become manual labels of label_task_id (not an attribute); "
        "empty values give no label"))] = None,
    label_task_id: Annotated[Int32 | None, Form()] = None,
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
            annotator=label_annotator or user.name, is_gold=label_as_gold,
            separator=label_separator)
    csv_options = CsvOptions(
        delimiter=_delimiter(delimiter), header={"yes": True, "no": False}.get(header),
        quoting=None if quoting == "auto" else quoting, quotechar=quotechar,
        encoding=encoding or "auto")
    return ImportOptions(csv=csv_options, constants=_constants(constants),
                         generate_ids=generate_ids, labels=labels,
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
    _check_size(file, settings)

    def open_stream():
        file.file.seek(0)
        return file.file

    def public(result: importing.ImportResult) -> ImportPublic:
        return ImportPublic(records=result.records, attributes=result.attributes,
                            manual_labels=result.manual_labels, task_id=result.task_id,
                            notes=result.notes)

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
    _embed_new_records(project, session, queue)
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
    _check_size(file, settings)
    preview = importing.preview_import(
        session=session, project=project, stream=file.file, fmt=_import_format(file, format),
        id_column=id_column or None, limit=rows, options=options.for_file(file.filename))
    return ImportPreviewPublic(
        columns=[ColumnPreview(name=name, type=type_, existing=name in preview.existing)
                 for name, type_ in preview.types.items()],
        rows=jsonable_encoder(preview.rows), records=preview.records, notes=preview.notes)


def _embed_new_records(project, session, queue) -> None:
    for run in refresh_embeddings(session=session, project=project):
        queue.enqueue_run(run.id)


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
    _check_size(file, settings)
    result = importing.import_conll(session=session, project=project, stream=file.file,
                                    text_attribute=text_attribute, task_name=task,
                                    annotator=annotator, is_gold=gold)
    _embed_new_records(project, session, queue)
    return ImportPublic(records=result.records, attributes=result.attributes,
                        manual_labels=result.manual_labels, task_id=result.task_id)


@router.get("/export", response_class=StreamingResponse)
def export_records(project: ViewableProject, request: Request,
                   format: ImportFormat = "csv") -> StreamingResponse:
    """All records with their reference and manual labels per task, streamed."""
    sessions, project_id = request.app.state.sessions, project.id

    def body() -> Iterator[bytes]:
        with sessions() as session:
            own = session.get(type(project), project_id)
            columns = exporting.export_columns(session=session, project=own)
            rows = exporting.export_rows(session=session, project=own)
            yield from writers.write_rows(format, columns, rows, types={
                a.name: a.data_type for a in own.attributes})

    return StreamingResponse(body(), media_type=MEDIA_TYPES[format], headers={
        "Content-Disposition": attachment(f"{project.name}.{format}")})
