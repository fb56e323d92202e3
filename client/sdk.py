"""``Heurist``: the REST API as Python calls, one attribute per resource::

    with Heurist("http://127.0.0.1:8000", "hk_...") as hc:
        project = hc.projects.create("spam")
        run = hc.heuristics.run(project.id, heuristic_id)
        hc.runs.wait(project.id, run.id, on_progress=print)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import httpx

from client.config import ClientConfig, load_config
from client.errors import NotFound
from client.models import (
    Agreement,
    Annotators,
    Attribute,
    AttributeSample,
    AttributeValues,
    Comment,
    CommentPage,
    CommentState,
    Embedding,
    EmbeddingCreated,
    Heuristic,
    ImportResult,
    Label,
    LabelStudioImport,
    LookupList,
    LookupListSummary,
    NextRecords,
    Notification,
    NotificationPage,
    NotificationsRead,
    NotificationState,
    Project,
    QueueSettings,
    Record,
    RecordDetail,
    RecordEdited,
    RecordPage,
    RecordRow,
    RecordsDeleted,
    RecordsEdited,
    Run,
    RunDetail,
    SavedFilter,
    Similar,
    SnapshotImport,
    SourceCheck,
    Task,
    TaskStats,
    TermStatistics,
    TermSuggestions,
    Unread,
    WeakSupervision,
)
from client.transport import ServerEvent, Transport


def _given(**fields: Any) -> dict[str, Any]:
    """The fields that were passed (not None): what a PATCH or an optional form sends."""
    return {name: value for name, value in fields.items() if value is not None}


def _form(options: dict[str, Any]) -> dict[str, str]:
    """Import options as form fields: dicts as JSON, booleans as true/false."""
    form = {}
    for name, value in _given(**options).items():
        if isinstance(value, dict | list):
            form[name] = json.dumps(value)
        elif isinstance(value, bool):
            form[name] = str(value).lower()
        else:
            form[name] = str(value)
    return form


class _Resource:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._t.request(method, path, **kwargs).json()


Named = TypeVar("Named", Attribute, Task)


def _by_id_or_name(key: int | str, *, by_id: Callable[[int], Named],
                   listed: Callable[[], list[Named]], noun: str, project_id: int) -> Named:
    """What ``by_id`` answers for an id (an int, or a string of digits), else the one of
    ``listed`` named ``key``; NotFound when none is."""
    if isinstance(key, int) or str(key).isdigit():
        return by_id(int(key))
    for candidate in listed():
        if candidate.name == key:
            return candidate
    raise NotFound(404, f"no {noun} {key!r} in project {project_id}")


class Projects(_Resource):
    def list(self) -> list[Project]:
        return [Project.model_validate(p) for p in self._json("GET", "/projects")["data"]]

    def get(self, project_id: int) -> Project:
        return Project.model_validate(self._json("GET", f"/projects/{project_id}"))

    def create(self, name: str, description: str = "") -> Project:
        return Project.model_validate(self._json("POST", "/projects", json={
            "name": name, "description": description}))

    def delete(self, project_id: int) -> None:
        self._t.request("DELETE", f"/projects/{project_id}")

    def import_records(self, project_id: int, file: Path | str | BinaryIO, *,
                       format: str | None = None, id_column: str | None = None,
                       types: dict[str, str] | None = None, **options: Any) -> ImportResult:
        """Import a CSV, JSONL or Parquet file (all or nothing); ``types`` pins attribute types
        (``{"column": "category"}``), else they are inferred. ``options`` are the import's
        other form fields (``delimiter``, ``header``, ``quoting``, ``encoding``,
        ``constants`` as a dict, ``generate_ids``, ``existing``: ``"skip"`` or ``"update"``
        for rows whose id names a record the project has (else refused), ``label_column``
        with ``label_task_id`` or ``label_task_name`` for a new task of its values, ...);
        the result's ``notes`` say what was assumed about the file (and the labels of a new
        task), ``updated`` and ``unchanged`` what became of the records it named."""
        name, content = _file(file)
        form = _given(format=format, id_column=id_column,
                      types=json.dumps(types) if types else None, **_form(options))
        return ImportResult.model_validate(self._json(
            "POST", f"/projects/{project_id}/records/import", files={"file": (name, content)},
            data=form, once=True))

    def preview_import(self, project_id: int, file: Path | str | BinaryIO, *,
                       format: str | None = None, id_column: str | None = None,
                       rows: int = 20, **options: Any) -> dict[str, Any]:
        """What importing the file would do, storing nothing: ``columns`` (name, type,
        existing), the first ``rows``, the number of ``records``, ``notes``; ``options``
        as for :meth:`import_records`."""
        name, content = _file(file)
        return self._json("POST", f"/projects/{project_id}/records/import/preview",
                          files={"file": (name, content)},
                          data={"rows": str(rows), **_given(format=format, id_column=id_column),
                                **_form(options)})

    def import_conll(self, project_id: int, file: Path | str | BinaryIO, *,
                     text_attribute: str = "text", task: str = "ner",
                     annotator: str = "conll", gold: bool = False) -> ImportResult:
        """Import CoNLL/IOB sentences as records, their tags as manual spans of ``task``."""
        name, content = _file(file)
        return ImportResult.model_validate(self._json(
            "POST", f"/projects/{project_id}/records/import-conll",
            files={"file": (name, content)}, data={
                "text_attribute": text_attribute, "task": task, "annotator": annotator,
                "gold": str(gold).lower()}))

    def export(self, project_id: int, *, format: str = "csv",
               record_ids: list[int] | None = None, predictions: str = "weak",
               **filters: Any) -> bytes:
        """The records with their reference and manual labels, as ``format`` bytes (csv,
        jsonl, parquet, or label-studio: tasks with annotations and as ``predictions`` the
        latest ``weak`` labels, the ``heuristics``' votes, ``all`` or ``none``); all, or
        those of ``record_ids`` and the record list's
        ``filters`` (``task_id``, ``labelled``, ``label``, ``search``, ...)."""
        params = {"format": format, **_given(**filters)}
        if record_ids is not None:
            params["record_ids"] = record_ids
        if format == "label-studio":
            params["predictions"] = predictions
        return self._t.request("GET", f"/projects/{project_id}/export", params=params).content

    def label_studio_config(self, project_id: int) -> str:
        """Label Studio's labeling configuration (XML) for the project's tasks."""
        return self._t.request(
            "GET", f"/projects/{project_id}/export/label-studio-config").text

    def import_label_studio(self, project_id: int, file: Path | str | BinaryIO, *,
                            id_field: str = "external_id") -> LabelStudioImport:
        """Store a Label Studio JSON export's annotations as manual labels; each task's
        record is found by ``id_field`` in its meta or data."""
        name, content = _file(file)
        return LabelStudioImport.model_validate(self._json(
            "POST", f"/projects/{project_id}/records/import-label-studio",
            files={"file": (name, content)}, data={"id_field": id_field}))

    def snapshot(self, project_id: int) -> bytes:
        """The whole project as one archive, for :meth:`import_snapshot`."""
        return self._t.request("GET", f"/projects/{project_id}/snapshot").content

    def import_snapshot(self, file: Path | str | BinaryIO, *,
                        name: str | None = None) -> SnapshotImport:
        """A new project from a snapshot archive (named ``name``, else as in it)."""
        filename, content = _file(file)
        return SnapshotImport.model_validate(self._json(
            "POST", "/projects/import-snapshot", files={"file": (filename, content)},
            data=_given(name=name)))

    def records(self, project_id: int, *, limit: int = 50, offset: int = 0,
                **filters: Any) -> list[Record]:
        body = self._json("GET", f"/projects/{project_id}/records",
                          params={"limit": limit, "offset": offset, **_given(**filters)})
        return [Record.model_validate(r) for r in body["data"]]


    def search(self, project_id: int, filter: dict[str, Any] | None = None, *,
               sort: str = "id", seed: int = 0, limit: int = 50,
               after: int | str | None = None, count: str = "exact") -> RecordPage:
        """One page of the records matching ``filter`` (``{"conditions": [...]}``, as the
        record list takes it: labels, votes, weak labels and confidence, disagreements,
        annotators, attributes, text), in ``sort`` order; pass the page's ``next_after``
        as ``after`` for the next one."""
        return RecordPage.model_validate(self._json(
            "POST", f"/projects/{project_id}/records/search", json={
                "filter": filter or {}, "sort": sort, "seed": seed, "limit": limit,
                "after": after, "count": count}))

    def iter_records(self, project_id: int, filter: dict[str, Any] | None = None, *,
                     sort: str = "id", seed: int = 0, page_size: int = 200
                     ) -> Iterator[RecordRow]:
        """Every record matching ``filter``, page by page (each record once, even while
        records are added)."""
        after: int | str | None = None
        count = "exact"
        while True:
            page = self.search(project_id, filter, sort=sort, seed=seed, limit=page_size,
                               after=after, count=count)
            yield from page.data
            if page.next_after is None:
                return
            after, count = page.next_after, "none"

    def count_records(self, project_id: int, filter: dict[str, Any] | None = None) -> int:
        """How many records match ``filter`` (as in :meth:`search`; none: every record)."""
        return self._json("POST", f"/projects/{project_id}/records/count",
                          json={"filter": filter or {}})["count"]

    def record(self, project_id: int, record_id: int) -> RecordDetail:
        """One record with its tokens and, per task, its reference and manual labels:
        ``sum(len(t.manual_labels) for t in record(project_id, 7).tasks)``."""
        return RecordDetail.model_validate(
            self._json("GET", f"/projects/{project_id}/records/{record_id}"))

    def delete_records(self, project_id: int, record_ids: list[int] | None = None, *,
                       filter: dict[str, Any] | None = None, expected: int | None = None,
                       dry_run: bool = False) -> RecordsDeleted:
        """Delete the records of ``record_ids``, or every one matching ``filter`` (as in
        :meth:`search`), with their labels, votes and weak labels (owners only; refused while
        a run of the project is under way). ``expected``: the number of records the user was
        shown; Conflict, and nothing deleted, when the selection holds another number now.
        NotFound names an id that is not the project's. ``dry_run``: what would go, after
        the same checks, deleting nothing::

            spam = {"conditions": [{"kind": "search", "text": "viagra"}]}
            would = hc.projects.delete_records(project_id, filter=spam, dry_run=True)
            done = hc.projects.delete_records(project_id, filter=spam, expected=would.deleted)
            done.deleted, done.manual_labels, done.record_count
        """
        return RecordsDeleted.model_validate(self._json(
            "POST", f"/projects/{project_id}/records/delete",
            json=_given(record_ids=record_ids, filter=filter, expected=expected,
                        dry_run=dry_run or None)))

    def delete_record(self, project_id: int, record_id: int) -> None:
        """Delete one record, as :meth:`delete_records` does: ``delete_record(project_id, 7)``."""
        self._t.request("DELETE", f"/projects/{project_id}/records/{record_id}")

    def edit_record(self, project_id: int, record_id: int, values: dict[str, Any], *,
                    revision: int | None = None, dry_run: bool = False) -> RecordEdited:
        """Change some imported attributes of a record (owners only; refused while a run of
        the project is under way): ``values`` maps names to new values, converted as imports
        convert them (``"3"`` for an integer works; ``None`` clears one); the others stay.
        Computed attributes and ``external_id`` cannot be edited: those computed from a
        changed attribute are computed again (``computed_again``), as are its embeddings'
        vectors (``embedded_again``). Manual spans on a changed text follow it where their
        own text is unchanged (``spans_moved``), else they are deleted (``dropped_spans``).
        ``revision``: the record's revision the user edited from; Conflict, and nothing
        changed, when it is another by now. ValidationFailed names the ``field`` of an
        unknown, computed or mistyped attribute. ``dry_run``: what would change, after the
        same checks, changing nothing::

            seen = hc.projects.record(project_id, 7)
            would = hc.projects.edit_record(project_id, 7, {"text": "Paris is big"},
                                            revision=seen.revision, dry_run=True)
            [(span.label, span.text) for span in would.dropped_spans]
            done = hc.projects.edit_record(project_id, 7, {"text": "Paris is big", "n": "3"},
                                           revision=seen.revision)
            done.changed, done.record.revision, done.computed_again
        """
        return RecordEdited.model_validate(self._json(
            "PATCH", f"/projects/{project_id}/records/{record_id}",
            json={"data": values, **_given(revision=revision, dry_run=dry_run or None)}))

    def edit_records(self, project_id: int, values: dict[str, Any],
                     record_ids: list[int] | None = None, *,
                     filter: dict[str, Any] | None = None, expected: int | None = None,
                     dry_run: bool = False) -> RecordsEdited:
        """Give the records of ``record_ids``, or every one matching ``filter`` (as in
        :meth:`search`), the same ``values`` of imported attributes, each record edited as
        :meth:`edit_record` edits one (a revision more, spans following their text or
        dropped, computed values and vectors made again); those that have the values
        already are left alone (``matched`` less ``edited``). ``expected``: the number of
        records the user was shown; Conflict, and nothing changed, when the selection holds
        another number now. NotFound names an id that is not the project's;
        ValidationFailed the ``field`` of an unknown, computed or mistyped attribute.
        ``dry_run``: what would change, after the same checks, changing nothing::

            english = {"conditions": [{"kind": "attribute", "name": "lang",
                                       "op": "equals", "value": "en"}]}
            would = hc.projects.edit_records(project_id, {"split": "test", "stars": "5"},
                                             filter=english, dry_run=True)
            done = hc.projects.edit_records(project_id, {"split": "test", "stars": "5"},
                                            filter=english, expected=would.matched)
            done.edited, done.matched, done.changed, done.spans_dropped
        """
        return RecordsEdited.model_validate(self._json(
            "POST", f"/projects/{project_id}/records/edit",
            json={"data": values, **_given(record_ids=record_ids, filter=filter,
                                           expected=expected, dry_run=dry_run or None)}))


class Comments(_Resource):
    """Comments on records: members ask and answer ("is this sarcasm?"); its author or a
    project owner resolves one. Annotators and owners comment; only its author rewrites a
    comment; its author or an owner resolves, reopens or deletes it (else Forbidden)::

        asked = hc.comments.add(project_id, record_id, "Sarcasm, or meant?")
        hc.comments.add(project_id, record_id, "Meant: see the second line.")
        [c.text for c in hc.comments.list(project_id, record_id=record_id).data]
        hc.comments.resolve(project_id, asked.id)
        page = hc.comments.list(project_id)          # the project's open ones, newest first
        page.count, page.open
        for comment in hc.comments.iter(project_id, state="all"):
            print(comment.record_external_id, comment.author, comment.text)
    """

    def list(self, project_id: int, *, record_id: int | None = None,
             state: CommentState = "open", limit: int = 50,
             before: int | None = None) -> CommentPage:
        """The project's comments in ``state`` (open, resolved or all), newest first: at
        most ``limit`` (1 to 500), those older than comment ``before`` where given;
        ``count`` says how many are in that state, ``open`` how many are open. With
        ``record_id``, that record's thread instead, oldest first and whole (``limit``
        does not apply; ``before`` is refused), keeping its comments in ``state``::

            hc.comments.list(project_id, state="resolved", limit=10).data
            hc.comments.list(project_id, record_id=7, state="all").count
        """
        if record_id is None:
            return CommentPage.model_validate(self._json(
                "GET", f"/projects/{project_id}/comments",
                params={"state": state, "limit": limit, **_given(before=before)}))
        if before is not None:
            raise ValueError("before pages the project's comments; a thread comes whole")
        thread = CommentPage.model_validate(self._json(
            "GET", f"/projects/{project_id}/records/{record_id}/comments"))
        kept = [comment for comment in thread.data
                if state == "all" or comment.resolved == (state == "resolved")]
        return thread.model_copy(update={"data": kept, "count": len(kept)})

    def iter(self, project_id: int, *, state: CommentState = "open",
             page_size: int = 200) -> Iterator[Comment]:
        """Every comment of the project in ``state``, newest first, page by page (each
        once, even while comments are added)::

            open_on = {c.record_id for c in hc.comments.iter(project_id)}
        """
        before: int | None = None
        while True:
            page = self.list(project_id, state=state, limit=page_size, before=before)
            yield from page.data
            if len(page.data) < page_size:
                return
            before = page.data[-1].id

    def add(self, project_id: int, record_id: int, text: str) -> Comment:
        """Comment on a record: plain text (1 to 10,000 characters, not only whitespace,
        line breaks kept): ``add(project_id, 7, "Is this sarcasm?").id``."""
        return Comment.model_validate(self._json(
            "POST", f"/projects/{project_id}/records/{record_id}/comments",
            json={"text": text}))

    def edit(self, project_id: int, comment_id: int, text: str) -> Comment:
        """Rewrite your comment (Forbidden for anyone else's):
        ``edit(project_id, 3, "Is this sarcasm? The emoji says so.").edited_at``."""
        return Comment.model_validate(self._json(
            "PATCH", f"/projects/{project_id}/comments/{comment_id}", json={"text": text}))

    def resolve(self, project_id: int, comment_id: int, resolved: bool = True) -> Comment:
        """Mark a comment resolved, or open again with ``resolved=False`` (its author or a
        project owner): ``resolve(project_id, 3).resolved_by``."""
        return Comment.model_validate(self._json(
            "PATCH", f"/projects/{project_id}/comments/{comment_id}",
            json={"resolved": resolved}))

    def delete(self, project_id: int, comment_id: int) -> None:
        """Delete a comment (its author or a project owner): ``delete(project_id, 3)``."""
        self._t.request("DELETE", f"/projects/{project_id}/comments/{comment_id}")


class Notifications(_Resource):
    """Your notifications, across projects: a comment that mentions you (``@`` and your
    user name, e.g. ``@ann`` or ``@Ann Lee``, when you are a member of its project), or a
    new comment on a record you commented on. The server sends no event for them: poll
    ``list``, e.g. every 30 s::

        page = hc.notifications.list()               # the unread ones, newest first
        for n in page.data:
            print(n.project_name, n.record_external_id, n.author, n.reason, n.excerpt)
        left = hc.notifications.read([n.id for n in page.data])   # the unread count left
        hc.notifications.read(all=True)              # every one read: 0
    """

    MAX_READ = 1000
    """The most ids one request marks read; ``read`` sends more in several."""

    def list(self, *, state: NotificationState = "unread", limit: int = 50,
             before: int | None = None) -> NotificationPage:
        """Your notifications in ``state`` (unread or all), newest first: at most ``limit``
        (1 to 200), those older than notification ``before`` where given; ``count`` says
        how many are in that state, ``unread`` how many are unread::

            hc.notifications.list().unread
            hc.notifications.list(state="all", limit=10).data
        """
        return NotificationPage.model_validate(self._json(
            "GET", "/me/notifications",
            params={"state": state, "limit": limit, **_given(before=before)}))

    def iter(self, *, state: NotificationState = "unread",
             page_size: int = 200) -> Iterator[Notification]:
        """Every notification of yours in ``state``, newest first, page by page (each once,
        even while new ones come)::

            mentions = [n for n in hc.notifications.iter(state="all") if n.reason == "mention"]
        """
        before: int | None = None
        while True:
            page = self.list(state=state, limit=page_size, before=before)
            yield from page.data
            if len(page.data) < page_size:
                return
            before = page.data[-1].id

    def read(self, ids: Iterable[int] | None = None, *, all: bool = False) -> int:
        """Mark the notifications of ``ids`` read, or ``all=True`` every one (those read
        already stay as they are); answers how many are unread now. NotFound names an id
        that is not one of your notifications; an empty ``ids`` marks none::

            hc.notifications.read([41, 42])
            hc.notifications.read(all=True)
        """
        if (ids is None) == (not all):
            raise ValueError("give ids or all=True, not both" if all
                             else "give ids or all=True")
        if all:
            return self._read(NotificationsRead(all=True))
        chosen = [int(i) for i in ids or ()]
        if not chosen:
            return self.list(limit=1).unread
        unread = 0
        for start in range(0, len(chosen), self.MAX_READ):
            unread = self._read(NotificationsRead(ids=chosen[start:start + self.MAX_READ]))
        return unread

    def _read(self, body: NotificationsRead) -> int:
        return Unread.model_validate(self._json(
            "POST", "/me/notifications/read",
            json=body.model_dump(exclude_defaults=True))).unread


class SavedFilters(_Resource):
    """Named record filters of a project, shared by its members."""

    def list(self, project_id: int) -> list[SavedFilter]:
        body = self._json("GET", f"/projects/{project_id}/filters")
        return [SavedFilter.model_validate(f) for f in body["data"]]

    def get(self, project_id: int, filter_id: int) -> SavedFilter:
        return SavedFilter.model_validate(
            self._json("GET", f"/projects/{project_id}/filters/{filter_id}"))

    def create(self, project_id: int, name: str, filter: dict[str, Any], *,
               sort: str = "id", seed: int = 0) -> SavedFilter:
        return SavedFilter.model_validate(self._json(
            "POST", f"/projects/{project_id}/filters",
            json={"name": name, "filter": filter, "sort": sort, "seed": seed}))

    def update(self, project_id: int, filter_id: int, *, name: str | None = None,
               filter: dict[str, Any] | None = None, sort: str | None = None,
               seed: int | None = None) -> SavedFilter:
        return SavedFilter.model_validate(self._json(
            "PATCH", f"/projects/{project_id}/filters/{filter_id}",
            json=_given(name=name, filter=filter, sort=sort, seed=seed)))

    def delete(self, project_id: int, filter_id: int) -> None:
        self._t.request("DELETE", f"/projects/{project_id}/filters/{filter_id}")


class LookupLists(_Resource):
    """Named term lists of a project, which its labeling functions import from
    ``knowledge`` (``from knowledge import cities``)."""

    def list(self, project_id: int) -> list[LookupListSummary]:
        body = self._json("GET", f"/projects/{project_id}/lookup-lists")
        return [LookupListSummary.model_validate(row) for row in body["data"]]

    def get(self, project_id: int, list_id: int) -> LookupList:
        return LookupList.model_validate(
            self._json("GET", f"/projects/{project_id}/lookup-lists/{list_id}"))

    def find(self, project_id: int, name: str) -> LookupList | None:
        """The list named ``name``, or None."""
        found = next((row for row in self.list(project_id) if row.name == name), None)
        return None if found is None else self.get(project_id, found.id)

    def create(self, project_id: int, name: str, terms: list[str] | None = None, *,
               description: str = "", follows: tuple[int, str] | None = None) -> LookupList:
        """A new list; ``follows``: (task id, label) of an extraction task whose reference
        spans' texts join the terms as annotations come (see :meth:`follow`)."""
        body = {"name": name, "description": description, "terms": terms or []}
        if follows is not None:
            body["follows"] = {"task_id": follows[0], "label": follows[1]}
        return LookupList.model_validate(self._json(
            "POST", f"/projects/{project_id}/lookup-lists", json=body))

    def update(self, project_id: int, list_id: int, *, name: str | None = None,
               description: str | None = None, terms: list[str] | None = None,
               add: list[str] | None = None, remove: list[str] | None = None) -> LookupList:
        """Rename, describe, replace every term (``terms``), or add and remove some."""
        return LookupList.model_validate(self._json(
            "PATCH", f"/projects/{project_id}/lookup-lists/{list_id}",
            json=_given(name=name, description=description, terms=terms, add=add,
                        remove=remove)))

    def add_labelled_terms(self, project_id: int, list_id: int, *, task_id: int,
                           label: str) -> LookupList:
        """Add the texts of an extraction task's reference spans of ``label``."""
        return LookupList.model_validate(self._json(
            "POST", f"/projects/{project_id}/lookup-lists/{list_id}/labelled-terms",
            json={"task_id": task_id, "label": label}))

    def follow(self, project_id: int, list_id: int, *, task_id: int,
               label: str) -> LookupList:
        """Keep the list in step with an extraction task's reference spans of ``label``:
        their texts join the terms as annotations come and leave when no span holds them
        any more (terms typed stay)."""
        return LookupList.model_validate(self._json(
            "PATCH", f"/projects/{project_id}/lookup-lists/{list_id}",
            json={"follows": {"task_id": task_id, "label": label}}))

    def unfollow(self, project_id: int, list_id: int) -> LookupList:
        """Stop following a label; the terms stay."""
        return LookupList.model_validate(self._json(
            "PATCH", f"/projects/{project_id}/lookup-lists/{list_id}", json={"follows": None}))

    def term_stats(self, project_id: int, list_id: int, *,
                   task_id: int | None = None) -> TermStatistics:
        """Where each term occurs in the records and which reference labels of the task
        (by default the followed label's, else the project's first) it meets there."""
        return TermStatistics.model_validate(self._json(
            "GET", f"/projects/{project_id}/lookup-lists/{list_id}/term-stats",
            params=_given(task_id=task_id)))

    def suggest(self, project_id: int, list_id: int, *, label: str,
                task_id: int | None = None, limit: int = 20) -> TermSuggestions:
        """Words and word pairs the list lacks that signal ``label`` among the labelled
        records of a classification or multi-label task (by default the first), the best
        first."""
        return TermSuggestions.model_validate(self._json(
            "GET", f"/projects/{project_id}/lookup-lists/{list_id}/suggestions",
            params=_given(label=label, task_id=task_id, limit=limit)))

    def delete(self, project_id: int, list_id: int) -> None:
        self._t.request("DELETE", f"/projects/{project_id}/lookup-lists/{list_id}")


class Tasks(_Resource):
    def list(self, project_id: int) -> list[Task]:
        body = self._json("GET", f"/projects/{project_id}/tasks")
        return [Task.model_validate(t) for t in body["data"]]

    def get(self, project_id: int, task: int | str) -> Task:
        """The task with this id, or of this name."""
        return _by_id_or_name(
            task, by_id=lambda task_id: Task.model_validate(
                self._json("GET", f"/projects/{project_id}/tasks/{task_id}")),
            listed=lambda: self.list(project_id), noun="task", project_id=project_id)

    def create(self, project_id: int, name: str, *, kind: str = "classification",
               labels: list[str] | None = None, target_attribute: str | None = None) -> Task:
        return Task.model_validate(self._json("POST", f"/projects/{project_id}/tasks", json={
            "name": name, "kind": kind, "labels": labels or [],
            **_given(target_attribute=target_attribute)}))

    def update(self, project_id: int, task_id: int, *, name: str | None = None,
               auto_run: bool | None = None, guidelines: str | None = None,
               guidelines_revision: int | None = None) -> Task:
        """Rename the task, give it ``guidelines`` (plain text shown to its annotators as
        they label, line breaks kept; "" clears them), or let its labeling functions run
        again by themselves when their votes are out of date (``auto_run``: those out of
        date now run at once). ``guidelines_revision``: the task's ``guidelines_revision``
        the new text was written on; Conflict, and nothing saved, when someone saved
        other guidelines meanwhile (without it the text replaces whatever is there; the
        same text as stored changes nothing)::

            task = hc.tasks.get(project.id, "spam")
            text = Path("spam.txt").read_text("utf-8")
            done = hc.tasks.update(project.id, task.id, guidelines=text,
                                   guidelines_revision=task.guidelines_revision)
            done.guidelines_revision
        """
        return Task.model_validate(self._json(
            "PATCH", f"/projects/{project_id}/tasks/{task_id}",
            json=_given(name=name, auto_run=auto_run, guidelines=guidelines,
                        guidelines_revision=guidelines_revision)))

    def delete(self, project_id: int, task_id: int) -> None:
        self._t.request("DELETE", f"/projects/{project_id}/tasks/{task_id}")

    def add_label(self, project_id: int, task_id: int, name: str, *,
                  color: str | None = None, hotkey: str | None = None,
                  description: str | None = None) -> Label:
        """A new label of the task; ``description``: what it means, when to give it (shown
        beside it as annotators label)::

            hc.tasks.add_label(project.id, task.id, "spam", hotkey="s",
                               description="Sells something or asks for a click.")
        """
        return Label.model_validate(self._json(
            "POST", f"/projects/{project_id}/tasks/{task_id}/labels",
            json={"name": name, **_given(color=color, hotkey=hotkey,
                                         description=description)}))

    def update_label(self, project_id: int, task_id: int, label: int | str, *,
                     name: str | None = None, color: str | None = None,
                     hotkey: str | None = None, description: str | None = None) -> Label:
        """Rename a label (its id, or its name), recolour it, give it a hotkey (""
        removes it) or a description ("" clears it); what is not given stays::

            hc.tasks.update_label(project.id, task.id, "spam", description="Sells something.")
        """
        label_id = label if isinstance(label, int) else self._label(project_id, task_id,
                                                                    label).id
        return Label.model_validate(self._json(
            "PATCH", f"/projects/{project_id}/tasks/{task_id}/labels/{label_id}",
            json=_given(name=name, color=color, hotkey=hotkey, description=description)))

    def agreement(self, project_id: int, task_id: int) -> Agreement:
        """How far the task's annotators agree, gold labels left out: Krippendorff's alpha
        (classification, multilabel) or span F1 between annotators (extraction) over the
        records two annotators or more labelled; each annotator against the others and the
        gold labels, each pair (with Cohen's kappa), each label, and the label pairs
        annotators split records over (classification)::

            agreement = hc.tasks.agreement(project.id, task.id)
            print(agreement.metric, agreement.value, agreement.reading or agreement.note)
            for pair in agreement.pairs:
                print(pair.a, pair.b, pair.records, pair.kappa)
        """
        return Agreement.model_validate(self._json(
            "GET", f"/projects/{project_id}/tasks/{task_id}/agreement"))

    def _label(self, project_id: int, task_id: int, name: str) -> Label:
        for found in self.get(project_id, task_id).labels:
            if found.name == name:
                return found
        raise NotFound(404, f"no label {name!r} in task {task_id}")

    def add_labels(self, project_id: int, task_id: int, names: list[str]) -> list[Label]:
        """Several labels of a task at once (those it has already are left alone)."""
        have = {label.name for label in self.get(project_id, task_id).labels}
        return [self.add_label(project_id, task_id, name) for name in names if name not in have]


class ManualLabels(_Resource):
    def create(self, project_id: int, record_id: int, *, task_id: int, label: str,
               **span: Any) -> dict[str, Any]:
        """Label one record (``token_start``/``token_end`` or ``char_*`` for a span)."""
        return self._json("POST", f"/projects/{project_id}/records/{record_id}/labels",
                          json={"task_id": task_id, "label": label, **_given(**span)},
                          once=True)

    def create_many(self, project_id: int, labels: list[tuple[int, str]], *,
                    task_id: int, is_gold: bool = False) -> int:
        """Label many records in one request, all or nothing: ``(record_id, label)`` pairs;
        the number stored."""
        body = {"labels": [{"record_id": record_id, "label": label, "is_gold": is_gold}
                           for record_id, label in labels]}
        return self._json("POST", f"/projects/{project_id}/tasks/{task_id}/labels/bulk",
                          json=body, once=True)["created"]

    def delete(self, project_id: int, manual_label_id: int) -> None:
        """Remove one label (the ``id`` that :meth:`create` answered)."""
        self._t.request("DELETE", f"/projects/{project_id}/manual-labels/{manual_label_id}")


class Heuristics(_Resource):
    def list(self, project_id: int) -> list[Heuristic]:
        body = self._json("GET", f"/projects/{project_id}/heuristics")
        return [Heuristic.model_validate(h) for h in body["data"]]

    def get(self, project_id: int, heuristic_id: int) -> Heuristic:
        return Heuristic.model_validate(
            self._json("GET", f"/projects/{project_id}/heuristics/{heuristic_id}"))

    def create(self, project_id: int, *, task_id: int, name: str, source: str,
               kind: str = "labeling_function", description: str = "") -> Heuristic:
        return Heuristic.model_validate(self._json(
            "POST", f"/projects/{project_id}/heuristics", json={
                "task_id": task_id, "name": name, "source": source, "kind": kind,
                "description": description}))

    def check(self, project_id: int, *, task_id: int, source: str,
              kind: str = "labeling_function") -> SourceCheck:
        """The static check saving does (syntax, the entry point), without saving or running
        anything; raises ValidationFailed with the line (``row``) of what it refuses."""
        return SourceCheck.model_validate(self._json(
            "POST", f"/projects/{project_id}/heuristics/check", json={
                "task_id": task_id, "source": source, "kind": kind}))

    def update(self, project_id: int, heuristic_id: int, **fields: Any) -> Heuristic:
        """Change ``name``, ``description``, ``source`` (a new revision), ``min_confidence``
        or ``auto_refit_every``."""
        return Heuristic.model_validate(self._json(
            "PATCH", f"/projects/{project_id}/heuristics/{heuristic_id}", json=fields))

    def delete(self, project_id: int, heuristic_id: int) -> None:
        self._t.request("DELETE", f"/projects/{project_id}/heuristics/{heuristic_id}")

    def run(self, project_id: int, heuristic_id: int) -> Run:
        """Start a run of the current revision on every record (in the workers)."""
        return Run.model_validate(
            self._json("POST", f"/projects/{project_id}/heuristics/{heuristic_id}/runs"))

    def run_many(self, project_id: int, task_id: int, *,
                 heuristic_ids: list[int] | None = None,
                 only_out_of_date: bool = True) -> list[Run]:
        """Start runs of the task's heuristics (of ``heuristic_ids``, where given) whose
        votes are out of date (each one's ``out_of_date`` says why), or of every one not
        running already; the runs started."""
        body = self._json("POST", f"/projects/{project_id}/heuristics/runs", json={
            "task_id": task_id, "only_out_of_date": only_out_of_date,
            **_given(heuristic_ids=heuristic_ids)})
        return [Run.model_validate(run) for run in body["data"]]


class Runs(_Resource):
    def list(self, project_id: int) -> list[Run]:
        body = self._json("GET", f"/projects/{project_id}/runs")
        return [Run.model_validate(r) for r in body["data"]]

    def get(self, project_id: int, run_id: int) -> RunDetail:
        return RunDetail.model_validate(self._json("GET", f"/projects/{project_id}/runs/{run_id}"))

    def cancel(self, project_id: int, run_id: int) -> Run:
        return Run.model_validate(
            self._json("POST", f"/projects/{project_id}/runs/{run_id}/cancel"))

    def wait(self, project_id: int, run_id: int, *, timeout_s: float = 600.0,
             poll_s: float = 0.5, on_progress: Callable[[Run], None] | None = None) -> RunDetail:
        """The run once it has finished (succeeded, failed or cancelled), calling
        ``on_progress`` with every state seen on the way; TimeoutError past ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while True:
            run = self.get(project_id, run_id)
            if on_progress is not None:
                on_progress(run)
            if run.finished:
                return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} still {run.status} after {timeout_s:g} s")
            time.sleep(poll_s)

    def events(self, project_id: int, *, after: int | None = None,
               read_timeout_s: float | None = None) -> Iterator[ServerEvent]:
        """The project's Server-Sent Events (``run.progress``, ``run.succeeded``, ...) as
        they happen, from after event ``after`` (default: from now); the stream sends a
        keep-alive every 15 s, so a ``read_timeout_s`` above that only trips on a dead
        server."""
        return self._t.events(f"/projects/{project_id}/events", read_timeout_s=read_timeout_s,
                              **_given(after=after))


class Attributes(_Resource):
    """The attributes of a project's records: those its imports made, and those computed
    by code from each record's other attributes (the workers run it over every record;
    records imported later get their values by themselves)::

        words = 'def ac(record):\\n    return len(record["text"].split())\\n'
        sample = hc.attributes.try_code(project_id, words, "integer", n=5)
        [(row.external_id, row.value, row.error) for row in sample.results]
        attribute = hc.attributes.compute(project_id, "n_words", words, "integer")
        attribute = hc.attributes.wait(project_id, attribute)
        attribute.run.status, attribute.run.metrics["records_with_value"]
    """

    def list(self, project_id: int) -> list[Attribute]:
        """The project's attributes in their order; a computed one with its ``source`` and
        latest ``run``."""
        return [Attribute.model_validate(a)
                for a in self._json("GET", f"/projects/{project_id}/attributes")]

    def get(self, project_id: int, attribute: int | str) -> Attribute:
        """The attribute with this id, or of this name: ``get(project_id, "n_words")``."""
        return _by_id_or_name(
            attribute, by_id=lambda attribute_id: Attribute.model_validate(
                self._json("GET", f"/projects/{project_id}/attributes/{attribute_id}")),
            listed=lambda: self.list(project_id), noun="attribute", project_id=project_id)

    def create(self, project_id: int, name: str, data_type: str) -> Attribute:
        """An attribute that imports fill (records have no value for it until then):
        ``create(project_id, "split", "category")``; ``data_type`` is text, category,
        integer, float or boolean."""
        return Attribute.model_validate(self._json(
            "POST", f"/projects/{project_id}/attributes",
            json={"name": name, "data_type": data_type}))

    def compute(self, project_id: int, name: str, source: str,
                data_type: str = "text") -> Attribute:
        """An attribute computed by ``source`` (one function of the record returning its
        value or None; ``ac`` where it defines several), its run over every record queued:
        ``compute(project_id, "n_words", source, "integer")``. ValidationFailed with the line
        (``row``) of a syntax error; Conflict for a name taken."""
        return Attribute.model_validate(self._json(
            "POST", f"/projects/{project_id}/attributes/computed",
            json={"name": name, "data_type": data_type, "source": source}))

    def update(self, project_id: int, attribute: int | str, *, source: str) -> Attribute:
        """New code for a computed attribute (id or name): a run under way is cancelled and
        the new code computes every record's value again:
        ``update(project_id, "n_words", source=new_source)``."""
        attribute_id = self._id(project_id, attribute)
        return Attribute.model_validate(self._json(
            "PATCH", f"/projects/{project_id}/attributes/{attribute_id}",
            json={"source": source}))

    def compute_again(self, project_id: int, attribute: int | str) -> Attribute:
        """Compute a computed attribute's values again with its code, e.g. after a failure:
        ``compute_again(project_id, "n_words")``; Conflict while a run is under way."""
        attribute_id = self._id(project_id, attribute)
        return Attribute.model_validate(self._json(
            "POST", f"/projects/{project_id}/attributes/{attribute_id}/runs"))

    def delete(self, project_id: int, attribute: int | str) -> None:
        """Delete an attribute (id or name), imported or computed, and its value in every
        record: ``delete(project_id, "n_words")``; Conflict while a task labels its spans or
        an embedding is made of it."""
        self._t.request("DELETE", f"/projects/{project_id}/attributes/"
                                  f"{self._id(project_id, attribute)}")

    def values(self, project_id: int, attribute: int | str, *, limit: int = 100,
               search: str | None = None) -> AttributeValues:
        """An attribute's (id or name) values in the project's records, as stored, the most
        frequent first (ties by value), at most ``limit`` (1 to 1,000) of them, each with
        the records holding it; ``search`` keeps those containing the text, ignoring case
        (``distinct`` and ``records`` then count those); ``complete``: all are listed::

            split = hc.attributes.values(project_id, "split")
            [(row.value, row.count) for row in split.values], split.distinct, split.complete
            hc.attributes.values(project_id, "city", search="york", limit=10).values
        """
        attribute_id = self._id(project_id, attribute)
        return AttributeValues.model_validate(self._json(
            "GET", f"/projects/{project_id}/attributes/{attribute_id}/values",
            params={"limit": limit, **_given(search=search)}))

    def try_code(self, project_id: int, source: str, data_type: str = "text", *,
                 n: int | None = None, record_ids: list[int] | None = None) -> AttributeSample:
        """Run computed-attribute code on the records of ``record_ids``, or ``n`` random ones
        (the server's sample size by default), storing nothing: each record's value (as
        ``data_type`` stores it) or error with its line, and what the code printed:
        ``try_code(project_id, source, "integer", n=10)``."""
        return AttributeSample.model_validate(self._json(
            "POST", f"/projects/{project_id}/attributes/sample",
            json={"source": source, "data_type": data_type,
                  **_given(n=n, record_ids=record_ids)}))

    def wait(self, project_id: int, attribute: Attribute | int | str, *,
             timeout_s: float = 600.0, poll_s: float = 0.5,
             on_progress: Callable[[Run], None] | None = None) -> Attribute:
        """The attribute once its latest run has ended (at once for an imported one; a run
        that new code replaced is followed by the new one), calling ``on_progress`` with
        every state of the run seen on the way, as :meth:`Runs.wait`; TimeoutError past
        ``timeout_s``: ``wait(project_id, "n_words").run.status``."""
        deadline = time.monotonic() + timeout_s
        current = self.get(project_id, self._id(project_id, attribute))
        while current.run is not None and not current.run.finished:
            Runs(self._t).wait(project_id, current.run.id,
                               timeout_s=max(deadline - time.monotonic(), 0.0), poll_s=poll_s,
                               on_progress=on_progress)
            current = self.get(project_id, current.id)
        return current

    def _id(self, project_id: int, attribute: Attribute | int | str) -> int:
        if isinstance(attribute, Attribute):
            return attribute.id
        return attribute if isinstance(attribute, int) else self.get(project_id, attribute).id


class Statistics(_Resource):
    def get(self, project_id: int, task_id: int) -> TaskStats:
        """Per heuristic: coverage, overlaps, conflicts and precision/recall against the
        reference labels."""
        return TaskStats.model_validate(
            self._json("GET", f"/projects/{project_id}/tasks/{task_id}/stats"))

    def recompute(self, project_id: int, task_id: int) -> TaskStats:
        return TaskStats.model_validate(
            self._json("POST", f"/projects/{project_id}/tasks/{task_id}/stats/recompute"))


class WeakSupervisionRuns(_Resource):
    def run(self, project_id: int, task_id: int, *, method: str = "auto",
            heuristic_ids: list[int] | None = None, min_confidence: float = 0.0,
            no_vote: str = "none", auto_rerun: bool = False) -> Run:
        """Start merging the task's heuristics' votes into one label per record.

        ``method``: ``auto`` (the one agreeing best with the reference labels), ``majority``,
        ``weighted``, ``label_model`` or, for classification and extraction,
        ``anchored_label_model`` (the label model fitted on the reference labels too)."""
        return Run.model_validate(self._json(
            "POST", f"/projects/{project_id}/tasks/{task_id}/weak-supervision", json={
                "method": method, "heuristic_ids": heuristic_ids,
                "min_confidence": min_confidence, "no_vote": no_vote,
                "auto_rerun": auto_rerun}))

    def latest(self, project_id: int, task_id: int) -> WeakSupervision:
        return WeakSupervision.model_validate(
            self._json("GET", f"/projects/{project_id}/tasks/{task_id}/weak-supervision"))

    def export(self, project_id: int, task_id: int, *, format: str = "csv") -> bytes:
        """Every record's weak label: csv, jsonl, parquet, label-studio or conll."""
        return self._t.request(
            "GET", f"/projects/{project_id}/tasks/{task_id}/weak-supervision/export",
            params={"format": format}).content

    def label_matrix(self, project_id: int, task_id: int) -> bytes:
        """The label matrix as ``.npz`` (``L``, ``heuristics``, ``labels``, ``record_ids``)."""
        return self._t.request(
            "GET", f"/projects/{project_id}/tasks/{task_id}/weak-supervision/label-matrix"
        ).content


class Embeddings(_Resource):
    def list(self, project_id: int) -> list[Embedding]:
        body = self._json("GET", f"/projects/{project_id}/embeddings")
        return [Embedding.model_validate(e) for e in body["data"]]

    def create(self, project_id: int, attribute: str, *, level: str = "record",
               model: str = "default", name: str | None = None) -> EmbeddingCreated:
        return EmbeddingCreated.model_validate(self._json(
            "POST", f"/projects/{project_id}/embeddings", json={
                "attribute": attribute, "level": level, "model": model, **_given(name=name)}))

    def similar(self, project_id: int, embedding_id: int, text: str, *, k: int = 10) -> Similar:
        """The ``k`` records nearest to ``text``."""
        return Similar.model_validate(self._json(
            "POST", f"/projects/{project_id}/similar",
            json={"embedding_id": embedding_id, "text": text, "k": k}))

    def similar_to_record(self, project_id: int, record_id: int, *, embedding_id: int,
                          k: int = 10) -> Similar:
        return Similar.model_validate(self._json(
            "GET", f"/projects/{project_id}/records/{record_id}/similar",
            params={"embedding_id": embedding_id, "k": k}))


class ActiveLearning(_Resource):
    def next(self, project_id: int, task_id: int, *, n: int | None = None,
             strategy: str | None = None, relabel: bool = False) -> NextRecords:
        """The records to label next, leased to you, each with its score and reason."""
        return NextRecords.model_validate(self._json(
            "GET", f"/projects/{project_id}/tasks/{task_id}/next",
            params={**_given(n=n, strategy=strategy), "relabel": str(relabel).lower()}))

    def settings(self, project_id: int, task_id: int) -> QueueSettings:
        return QueueSettings.model_validate(self._json(
            "GET", f"/projects/{project_id}/tasks/{task_id}/active-learning"))

    def annotators(self, project_id: int, task_id: int) -> Annotators:
        """Each annotator's quality score and the records where annotators disagree, with
        CROWDLAB's consensus (classification tasks)."""
        return Annotators.model_validate(self._json(
            "GET", f"/projects/{project_id}/tasks/{task_id}/annotators"))

    def update_settings(self, project_id: int, task_id: int, **fields: Any) -> QueueSettings:
        """``strategy``, ``batch_size``, ``heuristic_id`` or ``default_learner=True``."""
        return QueueSettings.model_validate(self._json(
            "PATCH", f"/projects/{project_id}/tasks/{task_id}/active-learning",
            json=_given(**fields)))

    def simulate(self, project_id: int, task_id: int, *, strategy: str = "margin_after_cold_start",
                 seed_size: int = 20, batch_size: int = 20, budget: int = 200,
                 test_size: float = 0.2, random_state: int = 0) -> Run:
        """Start a simulation run: the strategy against random sampling on the task's
        reference labels (wait for it with ``runs.wait``)."""
        return Run.model_validate(self._json(
            "POST", f"/projects/{project_id}/tasks/{task_id}/simulations", json={
                "strategy": strategy, "seed_size": seed_size, "batch_size": batch_size,
                "budget": budget, "test_size": test_size, "random_state": random_state}))

    def artifact(self, project_id: int, run_id: int, name: str) -> bytes:
        """A run's file: ``learning_curve.json`` or ``learning_curve.png`` of a simulation."""
        return self._t.request(
            "GET", f"/projects/{project_id}/runs/{run_id}/artifacts/{name}").content


class Heurist:
    """A client of one Heurist server. ``url`` and ``key`` default to the configuration
    (``HEURIST_URL``/``HEURIST_API_KEY`` or ``~/.config/heurist/config.toml``)."""

    def __init__(self, url: str | None = None, key: str | None = None, *,
                 timeout_s: float = 60.0, retries: int = 4, backoff_s: float = 0.5,
                 http: httpx.Client | None = None, config: ClientConfig | None = None) -> None:
        config = config or load_config()
        self.url = url or config.url
        self.transport = Transport(self.url, key or config.key, timeout_s=timeout_s,
                                   retries=retries, backoff_s=backoff_s, http=http)
        self.projects = Projects(self.transport)
        self.tasks = Tasks(self.transport)
        self.manual_labels = ManualLabels(self.transport)
        self.heuristics = Heuristics(self.transport)
        self.runs = Runs(self.transport)
        self.stats = Statistics(self.transport)
        self.weak_supervision = WeakSupervisionRuns(self.transport)
        self.embeddings = Embeddings(self.transport)
        self.active_learning = ActiveLearning(self.transport)
        self.saved_filters = SavedFilters(self.transport)
        self.lookup_lists = LookupLists(self.transport)
        self.attributes = Attributes(self.transport)
        self.comments = Comments(self.transport)
        self.notifications = Notifications(self.transport)

    def me(self) -> dict[str, Any]:
        return self.transport.request("GET", "/me").json()

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Heurist:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _file(file: Path | str | BinaryIO) -> tuple[str, bytes]:
    """A file's name and content, read once so that a retried request can send it again."""
    if isinstance(file, str | Path):
        path = Path(file)
        return path.name, path.read_bytes()
    return Path(getattr(file, "name", "upload")).name, file.read()
