"""``heurist``: the command line over the SDK (``heurist --help``).

Exit codes: 0 done; 1 a run failed or a ``--fail-under`` bar was missed; 2 bad usage;
3 the API refused the request (its ``detail`` on stderr).
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from pydantic import BaseModel
from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.syntax import Syntax
from rich.table import Column, Table
from rich.text import Text

from client.errors import Conflict, HeuristAPIError, NotFound, ValidationFailed
from client.heuristic_files import Change, plan_pull, plan_push, write_pulled
from client.models import (
    Agreement,
    Attribute,
    AttributeSample,
    AttributeValues,
    Comment,
    CommentPage,
    DroppedSpan,
    EditOutcome,
    Label,
    Notification,
    NotificationPage,
    QueueSettings,
    RecordEdited,
    RecordsEdited,
    Run,
    Task,
    TaskStats,
)
from client.sdk import Heurist
from client.snorkel_import import convert

EXIT_FAILED, EXIT_API_ERROR = 1, 3
FAIL_UNDER_METRICS = ("coverage", "precision", "recall", "recall_where_voting", "f1")
MAX_BATCH = 200
"""The most records GET .../next gives at once."""

app = typer.Typer(help="Heurist: weak supervision with active learning, from the terminal.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
heuristics_app = typer.Typer(help="Heuristics as .py files in a folder (one per heuristic).",
                             no_args_is_help=True)
app.add_typer(heuristics_app, name="heuristics")
studio_app = typer.Typer(help="Label Studio: the labeling configuration, and import of its "
                         "exports (export with `export --format label-studio`).",
                         no_args_is_help=True)
app.add_typer(studio_app, name="studio")
lists_app = typer.Typer(help="Lookup lists: term lists labeling functions import from "
                        "`knowledge` (one term per line in files).", no_args_is_help=True)
app.add_typer(lists_app, name="lists")
attributes_app = typer.Typer(help="Record attributes: imported, or computed by code from a "
                             "record's others (`def ac(record): return ...` in a .py file).",
                             no_args_is_help=True)
app.add_typer(attributes_app, name="attributes")
records_app = typer.Typer(help="Records: edit one's values, or give many the same; delete "
                          "those chosen by id or filter.", no_args_is_help=True)
app.add_typer(records_app, name="records")
tasks_app = typer.Typer(help="Labeling tasks: their labels, guidelines for annotators, and "
                        "how far annotators agree.", no_args_is_help=True)
app.add_typer(tasks_app, name="tasks")
comments_app = typer.Typer(help="Comments on records: a record's thread, the project's open "
                           "comments; add, resolve, edit, delete.", no_args_is_help=True)
app.add_typer(comments_app, name="comments")
inbox_app = typer.Typer(invoke_without_command=True)   # its help: the callback's docstring
app.add_typer(inbox_app, name="inbox")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

Project = Annotated[int, typer.Option("--project", "-p", envvar="HEURIST_PROJECT",
                                      help="Project id.")]
TaskOption = Annotated[str, typer.Option("--task", "-t", envvar="HEURIST_TASK",
                                         help="Labeling task: name or id.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking.")]
ListName = Annotated[str, typer.Argument(help="The list.")]
SpanLabel = Annotated[str, typer.Option(help="The spans' label.")]
Wait = Annotated[bool, typer.Option("--wait", "-w", help="Wait for the end, showing "
                                    "progress; exit 1 unless it succeeded.")]
SearchOption = Annotated[str | None, typer.Option(
    help="Only records containing this text.")]
LabelOption = Annotated[str | None, typer.Option(
    help="Only records with this manual label: TASK=LABEL.")]
FilterOption = Annotated[str | None, typer.Option(
    "--filter", help="Only records matching this filter: the record list's as JSON (as in "
                     "POST .../records/search), e.g. '{\"conditions\": [...]}'; '{}': every "
                     "record.")]


class State:
    def __init__(self, url: str | None, key: str | None, as_json: bool) -> None:
        self.url, self.key, self.as_json = url, key, as_json
        self._client: Heurist | None = None

    @property
    def client(self) -> Heurist:
        if self._client is None:
            self._client = Heurist(self.url, self.key)
        return self._client


@app.callback()
def main(ctx: typer.Context,
         url: Annotated[str | None, typer.Option(help="Server URL (else HEURIST_URL or "
                                                 "~/.config/heurist/config.toml).")] = None,
         key: Annotated[str | None, typer.Option(help="API key (else HEURIST_API_KEY or the "
                                                 "config file).")] = None,
         as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
         = False) -> None:
    ctx.obj = State(url, key, as_json)


def _state(ctx: typer.Context) -> State:
    return ctx.find_root().obj


def _print_json(value: Any) -> None:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        value = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    out.print_json(json.dumps(value))


def run_cli(argv: list[str] | None = None) -> None:
    """The console script: API errors become exit code 3 with the API's message."""
    try:
        code = app(args=argv, prog_name="heurist", standalone_mode=False)
    except HeuristAPIError as error:   # the API's detail names the row and field already
        err.print(Text.assemble((f"error {error.status}:", "red"), f" {error.detail}"))
        raise SystemExit(EXIT_API_ERROR) from None
    except typer.Exit as done:
        raise SystemExit(done.exit_code) from None
    except typer.Abort:
        raise SystemExit(1) from None
    except typer.TyperException as error:   # bad usage: the message, exit code 2
        error.show()
        raise SystemExit(error.exit_code) from None
    if isinstance(code, int) and code:
        raise SystemExit(code)


# --- server ---------------------------------------------------------------------------

@app.command()
def up(no_demo: Annotated[bool, typer.Option("--no-demo", help="Do not load the demo "
                                             "projects.")] = False) -> None:
    """Run the API server with an embedded worker (what `make run` does)."""
    _become_server(*(["--no-demo"] if no_demo else []))


@app.command()
def worker(name: Annotated[str, typer.Option(help="Worker name.")] = "worker",
           concurrency: Annotated[int, typer.Option(help="Parallel runs.")] = 1) -> None:
    """Run one worker process (runs heuristics and weak supervision)."""
    _become_server("--worker", name, "--concurrency", str(concurrency))


def _become_server(*args: str) -> None:
    """Replace this process with ``api.server``: a service manager's signals (SIGTERM)
    reach the server itself, which stops its workers; no parent is left to outlive it."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "api.server", *args])


# --- projects, import, export ---------------------------------------------------------

@app.command()
def projects(ctx: typer.Context) -> None:
    """List the projects the key can see."""
    state = _state(ctx)
    found = state.client.projects.list()
    if state.as_json:
        return _print_json(found)
    table = Table("id", "name", "description")
    for project in found:
        table.add_row(str(project.id), project.name, project.description)
    out.print(table)


@app.command("import")
def import_(ctx: typer.Context,
            file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                                 help="CSV, JSONL or Parquet file.")],
            project: Annotated[int | None, typer.Option(
                "--project", "-p", envvar="HEURIST_PROJECT",
                help="Project id (else a new project named after the file).")] = None,
            format: Annotated[str | None, typer.Option(help="csv, jsonl or parquet "
                                                       "(else from the extension).")] = None,
            id_column: Annotated[str | None, typer.Option(help="Column of stable record "
                                                          "ids.")] = None,
            type_: Annotated[list[str] | None, typer.Option(
                "--type", help="COLUMN=TYPE, e.g. label=category (repeatable).")] = None,
            delimiter: Annotated[str | None, typer.Option(
                help="CSV delimiter: a character or tab, comma, semicolon, pipe "
                     "(else sniffed).")] = None,
            header: Annotated[str, typer.Option(help="auto, yes or no.")] = "auto",
            quoting: Annotated[str, typer.Option(help="auto, minimal or none.")] = "auto",
            encoding: Annotated[str, typer.Option(help="auto or a codec name.")] = "auto",
            constant: Annotated[list[str] | None, typer.Option(
                help="NAME=VALUE added to every record, e.g. split=test "
                     "(repeatable).")] = None,
            generate_ids: Annotated[bool, typer.Option(
                help="Make repeated ids unique (<id>-2, ...).")] = False,
            existing: Annotated[str, typer.Option(
                help="Rows whose --id-column names a record the project has: refuse, skip, "
                     "or update its values to the file's (and your --label-column labels, "
                     "where the row gives one).")] = "refuse",
            label_column: Annotated[str | None, typer.Option(
                help="Column whose values become manual labels of --label-task.")] = None,
            label_task: Annotated[str | None, typer.Option(
                help="Task of the labels: name or id; a name the project does not have "
                     "makes a new task of the column's values.")] = None,
            label_separator: Annotated[str | None, typer.Option(
                help="Multi-label: the separator between labels in a value (a new task "
                     "with it is multi-label).")] = None,
            gold: Annotated[bool, typer.Option(help="The labels are gold.")] = False,
            ) -> None:
    """Import records into a project, all or nothing (labels of a column too)."""
    state = _state(ctx)
    types = dict(_pair(given) for given in type_ or [])
    options = {"delimiter": delimiter, "header": header, "quoting": quoting,
               "encoding": encoding, "generate_ids": generate_ids or None,
               "existing": None if existing == "refuse" else existing,
               "constants": dict(_pair(given) for given in constant or []) or None,
               "label_column": label_column, "label_as_gold": gold or None,
               "label_separator": label_separator}
    created = project is None
    if project is None:
        project = state.client.projects.create(file.stem).id
    try:
        if label_task is not None:
            options.update(_label_task(state.client, project, label_task))
        result = state.client.projects.import_records(project, file, format=format,
                                                      id_column=id_column, types=types,
                                                      **options)
    except HeuristAPIError:
        if created:   # all or nothing: no empty project left behind
            state.client.projects.delete(project)
        raise
    if state.as_json:
        return _print_json({"project_id": project, **result.model_dump()})
    out.print(f"Imported {result.records} records into project {project}"
              + (f"; new attributes: {', '.join(result.attributes)}" if result.attributes
                 else "")
              + (f"; {result.manual_labels} manual labels" if result.manual_labels else "")
              + (f"; {result.updated} records updated" if result.updated else "")
              + (f"; {_many(result.relabelled, 'record')} relabelled" if result.relabelled
                 else ""))
    for note in result.notes:
        out.print(Text(f"Note: {note}"))


def _label_task(client: Heurist, project: int, task: str) -> dict[str, int | str]:
    """The import's form field for ``--label-task``: the id of the project's task of that
    id or name, else (a name) a new task's name."""
    try:
        return {"label_task_id": client.tasks.get(project, task).id}
    except NotFound:
        if task.isdigit():
            raise
        return {"label_task_name": task}


@app.command()
def export(ctx: typer.Context, project: Project,
           format: Annotated[str, typer.Option(help="csv, jsonl, parquet or label-studio; "
                                               "weak labels also conll.")] = "csv",
           task: Annotated[str | None, typer.Option(
               "--task", "-t", help="Export this task's weak labels instead.")] = None,
           record_id: Annotated[list[int] | None, typer.Option(
               help="Export only this record (repeatable).")] = None,
           search: SearchOption = None, label: LabelOption = None,
           filter_: FilterOption = None,
           predictions: Annotated[str, typer.Option(
               help="label-studio: weak, heuristics, all or none.")] = "weak",
           output: Annotated[Path | None, typer.Option("--output", "-o", help="File (else "
                                                       "stdout).")] = None) -> None:
    """Export the records with their labels, or a task's weak labels."""
    client = _state(ctx).client
    if task is None:
        chosen = _record_filter(client, project, search=search, label=label, given=filter_)
        filters = {} if chosen is None else {"filter": json.dumps(chosen)}
        content = client.projects.export(project, format=format, record_ids=record_id,
                                         predictions=predictions, **filters)
    else:
        task_id = client.tasks.get(project, task).id
        content = client.weak_supervision.export(project, task_id, format=format)
    _write(content, output)


def _record_filter(client: Heurist, project: int, *, search: str | None, label: str | None,
                   given: str | None) -> dict[str, Any] | None:
    """The record filter of ``--filter`` (JSON), ``--label`` and ``--search``, all holding;
    None when none is given."""
    if given is None and search is None and label is None:
        return None
    chosen: dict[str, Any] = {"conditions": []}
    if given is not None:
        try:
            chosen = json.loads(given)
        except json.JSONDecodeError as error:
            raise typer.BadParameter(f"not JSON: {error}", param_hint="--filter") from None
        if not isinstance(chosen, dict):
            raise typer.BadParameter('expected an object: {"conditions": [...]}',
                                     param_hint="--filter")
        chosen = {**chosen, "conditions": list(chosen.get("conditions") or [])}
    if label is not None:
        task_name, name = _pair(label)
        chosen["conditions"].append({"kind": "manual_label", "op": "is", "label": name,
                                     "task_id": client.tasks.get(project, task_name).id})
    if search is not None:
        chosen["conditions"].append({"kind": "search", "text": search})
    return chosen


def _write(content: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    else:
        output.write_bytes(content)
        err.print(f"Wrote {len(content)} bytes to {output}")


@studio_app.command("config")
def studio_config(ctx: typer.Context, project: Project) -> None:
    """Print Label Studio's labeling configuration (XML) for the project's tasks."""
    out.print(_state(ctx).client.projects.label_studio_config(project), markup=False)


@studio_app.command("import")
def studio_import(
        ctx: typer.Context, project: Project,
        file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                             help="A Label Studio JSON export.")],
        id_field: Annotated[str, typer.Option(
            help="Key of a task's meta or data holding the record's id.")] = "external_id",
) -> None:
    """Store a Label Studio export's annotations as manual labels."""
    state = _state(ctx)
    result = state.client.projects.import_label_studio(project, file, id_field=id_field)
    if state.as_json:
        return _print_json(result)
    out.print(f"Imported {result.annotations} annotations of {result.tasks} tasks: "
              f"{result.manual_labels} manual labels by {', '.join(result.annotators) or '-'}")


@app.command()
def snapshot(ctx: typer.Context, project: Project,
             output: Annotated[Path, typer.Option("--output", "-o",
                                                  help="Archive to write.")]) -> None:
    """Save the whole project as one archive (restore it with `heurist restore`)."""
    _write(_state(ctx).client.projects.snapshot(project), output)


@app.command()
def restore(ctx: typer.Context,
            file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                                 help="A snapshot archive.")],
            name: Annotated[str | None, typer.Option(
                help="Name of the new project (else the snapshot's).")] = None) -> None:
    """Make a new project of a snapshot archive."""
    state = _state(ctx)
    result = state.client.projects.import_snapshot(file, name=name)
    if state.as_json:
        return _print_json(result)
    out.print(f"Created project {result.project.id} ({result.project.name}): "
              f"{result.records} records, {result.manual_labels} manual labels, "
              f"{result.heuristics} heuristics")


def _pair(given: str) -> tuple[str, str]:
    name, sep, value = given.partition("=")
    if not sep or not name or not value:
        raise typer.BadParameter(f"{given!r}: expected NAME=VALUE")
    return name.strip(), value.strip()


# --- tasks ----------------------------------------------------------------------------

TaskName = Annotated[str, typer.Argument(help="The task: name or id.", show_default=False)]


@tasks_app.command("list")
def tasks_list(ctx: typer.Context, project: Project) -> None:
    """List the project's tasks: kind, guidelines, labels with hotkeys and descriptions.

    Guidelines: how many lines they have, or none."""
    state = _state(ctx)
    found = state.client.tasks.list(project)
    if state.as_json:
        return _print_json(found)
    out.print(tasks_table(found) if found else "No tasks.")


def tasks_table(tasks: list[Task]) -> Table:
    """A row per label (one for a task without labels), the task's cells on its first."""
    table = Table("id", Column("task", overflow="fold"), Column("kind", no_wrap=True),
                  Column("guidelines", no_wrap=True), Column("label", overflow="fold"),
                  "hotkey", Column("description", overflow="fold", ratio=1))
    for task in tasks:
        kind = task.kind + (f" of {task.target_attribute}" if task.target_attribute else "")
        guidelines = (_many(len(task.guidelines.splitlines()), "line") if task.guidelines
                      else "none")
        labels: list[Label | None] = [*task.labels] or [None]
        for i, label in enumerate(labels):
            first = [str(task.id), Text(task.name), kind, guidelines] if i == 0 else [""] * 4
            table.add_row(*first, Text(label.name) if label else "-",
                          Text(label.hotkey or "") if label else "",
                          Text(label.description) if label else "",
                          end_section=i == len(labels) - 1)
    return table


@tasks_app.command("guidelines")
def tasks_guidelines(
        ctx: typer.Context, project: Project, task: TaskName,
        from_file: Annotated[Path | None, typer.Option(
            # not exists=True: Typer then refuses "-"; _read_text names a missing file
            "--from-file", dir_okay=False, allow_dash=True,
            help="Set them to this file's text (UTF-8, as it is; - reads standard input).")]
        = None,
        clear: Annotated[bool, typer.Option("--clear", help="Remove them.")] = False,
        revision: Annotated[int | None, typer.Option(
            "--revision", min=0, show_default=False,
            help="The guidelines' revision the file was written on (--json prints it; "
                 "default: the one read just before saving): refused if someone has saved "
                 "others since.")] = None) -> None:
    """Print a task's guidelines for its annotators, or set them (project owners only).

    Plain text, line breaks kept, shown to annotators as they label. Each change makes a
    new revision; a save made on an older one than the task's is refused (exit 3)."""
    if from_file is not None and clear:
        raise typer.BadParameter("--from-file or --clear, not both")
    if revision is not None and from_file is None and not clear:
        raise typer.BadParameter("goes with --from-file or --clear", param_hint="--revision")
    state = _state(ctx)
    found = state.client.tasks.get(project, task)
    if from_file is None and not clear:
        if state.as_json:
            return _print_json(found)
        if not found.guidelines:
            err.print(Text(f"Task {found.name} has no guidelines."))
        else:   # as written, a line break added where they end without one
            sys.stdout.write(found.guidelines if found.guidelines.endswith("\n")
                             else found.guidelines + "\n")
        return
    text = "" if clear else _read_text(from_file, "--from-file")
    written_on = found.guidelines_revision if revision is None else revision
    try:
        done = state.client.tasks.update(project, found.id, guidelines=text,
                                         guidelines_revision=written_on)
    except Conflict as refused:
        if refused.field != "guidelines_revision":
            raise
        now = state.client.tasks.get(project, found.id)
        err.print(Text.assemble((f"error {refused.status}: ", "red"),
                                guidelines_conflict(project, now, written_on)))
        raise typer.Exit(EXIT_API_ERROR) from None
    if state.as_json:
        return _print_json(done)
    out.print(Text(guidelines_saved(done, before=found.guidelines_revision)))


def guidelines_conflict(project: int, task: Task, written_on: int) -> str:
    """Why guidelines written on revision ``written_on`` were not saved, and what to do.

    >>> task = Task(id=4, name="spam mail", kind="classification", target_attribute=None,
    ...             labels=[], auto_run=False, guidelines="Be kind.", guidelines_revision=3)
    >>> print(guidelines_conflict(1, task, 2))  # doctest: +NORMALIZE_WHITESPACE
    the guidelines of task spam mail were changed since revision 2 (revision 3 now): nothing
    saved. Print them with `heurist tasks guidelines -p 1 'spam mail'`, then save again
    with --revision 3.
    """
    return (f"the guidelines of task {task.name} were changed since revision {written_on} "
            f"(revision {task.guidelines_revision} now): nothing saved. Print them with "
            f"`heurist tasks guidelines -p {project} {shlex.quote(task.name)}`, then save "
            f"again with --revision {task.guidelines_revision}.")


def guidelines_saved(task: Task, *, before: int) -> str:
    """What saving guidelines did: their size and new revision (the revision ``before``
    they were saved, when the text was the same).

    >>> task = Task(id=4, name="spam", kind="classification", target_attribute=None,
    ...             labels=[], auto_run=False, guidelines="One.\\nTwo.\\n", guidelines_revision=3)
    >>> guidelines_saved(task, before=2)
    'Guidelines of task spam set: 2 lines, 10 characters (revision 3).'
    >>> guidelines_saved(task, before=3)
    'Guidelines of task spam unchanged: the same text (revision 3).'
    >>> guidelines_saved(task.model_copy(update={"guidelines": ""}), before=2)
    'Guidelines of task spam cleared (revision 3).'
    """
    if task.guidelines_revision == before:
        return (f"Guidelines of task {task.name} unchanged: the same text "
                f"(revision {task.guidelines_revision}).")
    if not task.guidelines:
        return f"Guidelines of task {task.name} cleared (revision {task.guidelines_revision})."
    return (f"Guidelines of task {task.name} set: "
            f"{_many(len(task.guidelines.splitlines()), 'line')}, "
            f"{_many(len(task.guidelines), 'character')} (revision {task.guidelines_revision}).")


def _read_text(file: Path, option: str) -> str:
    """The text of a file (``-``: standard input) as it is: UTF-8, a byte order mark
    dropped."""
    try:
        raw = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
        return raw.decode("utf-8-sig")
    except OSError as error:   # "nowhere.txt: No such file or directory"
        raise typer.BadParameter(f"{file}: {error.strerror or error}",
                                 param_hint=option) from None
    except UnicodeDecodeError as error:
        raise typer.BadParameter(f"{file}: {error}", param_hint=option) from None


@tasks_app.command("describe")
def tasks_describe(
        ctx: typer.Context, project: Project, task: TaskName,
        label: Annotated[str, typer.Argument(help="The label: name or id.",
                                             show_default=False)],
        text: Annotated[str | None, typer.Argument(
            help="What the label means, when to give it.", show_default=False)] = None,
        clear: Annotated[bool, typer.Option("--clear", help="Remove the description.")]
        = False) -> None:
    """Set what a label means, shown beside it as annotators label (project owners only)."""
    if (text is None) != clear:
        raise typer.BadParameter("give the description (TEXT) or --clear" if text is None
                                 else "TEXT or --clear, not both")
    state = _state(ctx)
    found = state.client.tasks.get(project, task)
    chosen = _task_label(found, label)
    done = state.client.tasks.update_label(project, found.id, chosen.id,
                                           description=text or "")
    if state.as_json:
        return _print_json(done)
    out.print(Text(f"{found.name}/{done.name}: {done.description}" if done.description
                   else f"{found.name}/{done.name} has no description now."))


def _task_label(task: Task, key: str) -> Label:
    """The task's label named ``key``, else of that id."""
    found = (next((label for label in task.labels if label.name == key), None)
             or next((label for label in task.labels if str(label.id) == key), None))
    if found is None:
        raise typer.BadParameter(
            f"task {task.name!r} has no label {key!r} (its labels: "
            f"{', '.join(label.name for label in task.labels) or 'none'})", param_hint="LABEL")
    return found


@tasks_app.command("agreement")
def tasks_agreement(ctx: typer.Context, project: Project, task: TaskName) -> None:
    """How far the task's annotators agree with each other (gold labels left out).

    Krippendorff's alpha (classification, multilabel; 0.800 or more: reliable, 0.667 or
    more: tentative) or span F1 between annotators (extraction), over the records two
    annotators or more labelled; then each annotator against the others and the gold
    labels, each pair of annotators (with Cohen's kappa), each label, and the label pairs
    annotators split records over (classification)."""
    state = _state(ctx)
    chosen = state.client.tasks.get(project, task)
    found = state.client.tasks.agreement(project, chosen.id)
    if state.as_json:
        return _print_json(found)
    out.print(Text(agreement_summary(found)), soft_wrap=True)
    if found.note:
        out.print(Text(found.note), soft_wrap=True)
    for table in agreement_tables(found):
        out.print()
        out.print(table)


AGREEMENT_METRICS = {"krippendorff_alpha": "Krippendorff's alpha",
                     "span_f1": "Span F1 between annotators"}


def agreement_summary(found: Agreement) -> str:
    """The overall line: the metric, its value and reading, on how many records.

    >>> found = Agreement(task_id=1, kind="classification", metric="krippendorff_alpha",
    ...                   value=0.7123, reading="tentative", records=40, labelled_records=120,
    ...                   annotators=[], pairs=[], labels=[], confusions=[], note=None)
    >>> print(agreement_summary(found))  # doctest: +NORMALIZE_WHITESPACE
    Krippendorff's alpha 0.712 (tentative) on 40 records labelled by two annotators or
    more, of 120 labelled
    >>> print(agreement_summary(found.model_copy(update={
    ...     "kind": "extraction", "metric": "span_f1", "value": None, "reading": None,
    ...     "records": 0, "labelled_records": 1})))
    Span F1 between annotators - on 0 records labelled by two annotators or more, of 1 labelled
    """
    metric = AGREEMENT_METRICS.get(found.metric, found.metric)
    reading = f" ({found.reading})" if found.reading else ""
    return (f"{metric} {_cell(found.value)}{reading} on {_many(found.records, 'record')} "
            f"labelled by two annotators or more, of {found.labelled_records:,} labelled")


def agreement_tables(found: Agreement) -> list[Table]:
    """The annotators, the pairs of annotators, the labels and the confusions (the label
    pairs annotators split records over), those with rows: names folded when long, figures
    as :func:`figures_table` shows them."""
    measure = "span F1" if found.metric == "span_f1" else "agreement"
    tables = []
    if found.annotators:
        table = figures_table("annotators", Column("annotator", overflow="fold"),
                              ("records", "shared", measure, "gold", f"gold {measure}"))
        for one in found.annotators:
            table.add_row(Text(one.name), f"{one.records:,}", f"{one.shared:,}",
                          _cell(one.agreement), f"{one.gold_records:,}",
                          _cell(one.gold_agreement))
        tables.append(table)
    if found.pairs:
        table = figures_table("pairs of annotators", (Column("a", overflow="fold"),
                                                      Column("b", overflow="fold")),
                              ("records", measure, "kappa"))
        for pair in found.pairs:
            table.add_row(Text(pair.a), Text(pair.b), f"{pair.records:,}",
                          _cell(pair.agreement), _cell(pair.kappa))
        tables.append(table)
    if found.labels:
        alpha = found.kind == "multilabel"
        table = figures_table("labels", Column("label", overflow="fold"),
                              ("count", measure, *(("alpha",) if alpha else ())))
        for row in found.labels:
            table.add_row(Text(row.label), f"{row.count:,}", _cell(row.agreement),
                          *((_cell(row.alpha),) if alpha else ()))
        tables.append(table)
    if found.confusions:
        table = figures_table("confusions", (Column("label", overflow="fold"),
                                             Column("other label", overflow="fold")),
                              ("records",))
        for pair in found.confusions:
            table.add_row(Text(pair.a), Text(pair.b), f"{pair.count:,}")
        tables.append(table)
    return tables


# --- records --------------------------------------------------------------------------

RecordIds = Annotated[list[int] | None, typer.Argument(
    help="Ids of the records (else --search, --label or --filter choose them).",
    show_default=False)]
DryRun = Annotated[bool, typer.Option("--dry-run",
                                      help="Say what would change, changing nothing.")]
SetOption = Annotated[list[str] | None, typer.Option(
    "--set", help="NAME=VALUE: the attribute's new value, as text; the server converts it by "
                  "the attribute's type (repeatable).")]
SetJsonOption = Annotated[list[str] | None, typer.Option(
    "--set-json", help="NAME=JSON: a JSON value, e.g. n=3 or n=null to clear (repeatable).")]
FromFileOption = Annotated[list[str] | None, typer.Option(
    "--from-file", help="NAME=PATH: the text of a file (UTF-8, a final newline dropped), "
                        "e.g. text=fixed.txt (repeatable).")]


def _selection(client: Heurist, project: int, record_ids: list[int] | None, *,
               search: str | None, label: str | None, given: str | None) -> dict[str, Any] | None:
    """The filter of ``--search``, ``--label`` and ``--filter`` (None: ``record_ids`` name
    the records); bad usage unless exactly one of the two names them."""
    chosen = _record_filter(client, project, search=search, label=label, given=given)
    if bool(record_ids) == (chosen is not None):
        raise typer.BadParameter("name the records by their ids or by --search, --label or "
                                 "--filter (one of the two)")
    return chosen


@records_app.command("delete")
def records_delete(
        ctx: typer.Context, project: Project, record_ids: RecordIds = None,
        search: SearchOption = None, label: LabelOption = None, filter_: FilterOption = None,
        yes: Yes = False) -> None:
    """Delete records with their labels, votes and weak labels (project owners only).

    Counts them and asks first (not with --yes); refused while a run is under way."""
    state = _state(ctx)
    client = state.client
    chosen = _selection(client, project, record_ids, search=search, label=label, given=filter_)
    expected = None
    if not yes:
        would = client.projects.delete_records(project, record_ids or None, filter=chosen,
                                               dry_run=True)
        expected = would.deleted
        if expected and not typer.confirm(
                deletion_question(project, expected, would.manual_labels), err=True):
            raise typer.Exit(1)
    done = client.projects.delete_records(project, record_ids or None, filter=chosen,
                                          expected=expected)
    if state.as_json:
        return _print_json(done)
    out.print(f"Deleted {_many(done.deleted, 'record')} and "
              f"{_many(done.manual_labels, 'manual label')} of project {project}; "
              f"{_many(done.record_count, 'record')} left.")


def deletion_question(project: int, records: int, manual_labels: int) -> str:
    """What deleting asks before it goes.

    >>> deletion_question(3, 12, 5)
    'Delete 12 records of project 3 and their 5 manual labels?'
    >>> deletion_question(3, 1, 0)
    'Delete 1 record of project 3?'
    """
    labels = (f" and {'its' if records == 1 else 'their'} {_many(manual_labels, 'manual label')}"
              if manual_labels else "")
    return f"Delete {_many(records, 'record')} of project {project}{labels}?"


@records_app.command("edit")
def records_edit(
        ctx: typer.Context, project: Project,
        record: Annotated[int, typer.Argument(help="The record's id.", show_default=False)],
        set_: SetOption = None, set_json: SetJsonOption = None, from_file: FromFileOption = None,
        revision: Annotated[int | None, typer.Option(
            help="The record's revision you edited from: refused (409) if it is another "
                 "by now (else the one read before asking).")] = None,
        dry_run: DryRun = False, yes: Yes = False) -> None:
    """Edit imported attributes of a record (project owners only).

    Says what would change first; asks when manual spans would be dropped (not with --yes).
    Refused while a run is under way."""
    state = _state(ctx)
    client = state.client
    values = edit_values(set_ or [], set_json or [], from_file or [])
    if dry_run:
        would = client.projects.edit_record(project, record, values, revision=revision,
                                            dry_run=True)
        return _show_edit(state, would, edit_summary(project, would))
    if not yes:
        if revision is None:   # what was asked about is what gets edited, or 409
            revision = client.projects.record(project, record).revision
        would = client.projects.edit_record(project, record, values, revision=revision,
                                            dry_run=True)
        if not would.changed:
            return _show_edit(state, would, edit_summary(project, would))
        if would.spans_dropped:
            err.print(dropped_spans_table(would))
            if not typer.confirm(edit_question(project, would), err=True):
                raise typer.Exit(1)
    done = client.projects.edit_record(project, record, values, revision=revision)
    _show_edit(state, done, edit_summary(project, done))


@records_app.command("set")
def records_set(
        ctx: typer.Context, project: Project, record_ids: RecordIds = None,
        search: SearchOption = None, label: LabelOption = None, filter_: FilterOption = None,
        set_: SetOption = None, set_json: SetJsonOption = None, from_file: FromFileOption = None,
        dry_run: DryRun = False, yes: Yes = False) -> None:
    """Give records the same values of imported attributes (project owners only).

    Says what would change and asks first (not with --yes); refused while a run is under way."""
    state = _state(ctx)
    client = state.client
    values = edit_values(set_ or [], set_json or [], from_file or [])
    chosen = _selection(client, project, record_ids, search=search, label=label, given=filter_)
    if dry_run:
        would = client.projects.edit_records(project, values, record_ids or None,
                                             filter=chosen, dry_run=True)
        return _show_edit(state, would, set_summary(project, would))
    expected = None
    if not yes:
        would = client.projects.edit_records(project, values, record_ids or None,
                                             filter=chosen, dry_run=True)
        if not would.edited:
            return _show_edit(state, would, set_summary(project, would))
        if would.spans_dropped:
            err.print(dropped_spans_table(would))
        if not typer.confirm(set_question(project, would), err=True):
            raise typer.Exit(1)
        expected = would.matched   # what was asked about is what gets edited, or 409
    done = client.projects.edit_records(project, values, record_ids or None, filter=chosen,
                                        expected=expected)
    _show_edit(state, done, set_summary(project, done))


def edit_values(sets: list[str], set_json: list[str], from_file: list[str]) -> dict[str, Any]:
    """The attributes' new values of ``--set`` (text as given, empty too), ``--set-json``
    and ``--from-file``.

    >>> edit_values(["text= hi = there"], ["n=3", "flag=null"], [])
    {'text': ' hi = there', 'n': 3, 'flag': None}
    """
    values: dict[str, Any] = {}

    def put(given: str, option: str, value: Callable[[str], Any]) -> None:
        name, sep, raw = given.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"{given!r}: expected NAME=VALUE", param_hint=option)
        if name.strip() in values:
            raise typer.BadParameter(f"{name.strip()!r} is given twice", param_hint=option)
        values[name.strip()] = value(raw)

    def parsed(raw: str) -> Any:
        try:
            return json.loads(raw)
        except json.JSONDecodeError as error:
            raise typer.BadParameter(f"{raw!r} is not JSON: {error}",
                                     param_hint="--set-json") from None

    def read(raw: str) -> str:
        try:
            text = Path(raw).read_bytes().decode("utf-8")   # as it is, \r\n kept
        except (OSError, UnicodeDecodeError) as error:
            raise typer.BadParameter(f"{raw}: {error}", param_hint="--from-file") from None
        return text[:-2] if text.endswith("\r\n") else text.removesuffix("\n")

    for given in sets:
        put(given, "--set", str)
    for given in set_json:
        put(given, "--set-json", parsed)
    for given in from_file:
        put(given, "--from-file", read)
    if not values:
        raise typer.BadParameter("name what to change: --set, --set-json or --from-file")
    return values


def _show_edit(state: State, done: EditOutcome, summary: list[str]) -> None:
    if state.as_json:
        return _print_json(done)
    for line in summary:
        out.print(line, markup=False)
    if done.dropped_spans:
        out.print(dropped_spans_table(done))


def edit_summary(project: int, done: RecordEdited) -> list[str]:
    """What an edit did (or, a dry run, would do), a line each.

    >>> from client.models import EditedRecord
    >>> done = RecordEdited(record=EditedRecord(id=5, external_id="c-5", data={}, revision=3),
    ...                     changed=["text"], spans_moved=1, spans_dropped=2, dropped_spans=[],
    ...                     computed_again=["n_links"], embedded_again=[], dry_run=False)
    >>> print("\\n".join(edit_summary(2, done)))
    Edited record 5 (c-5) of project 2: text; revision 3 now.
    Manual spans: 1 moved with their text, 2 dropped (their text changed).
    Computed again (queued): n_links.
    >>> edit_summary(2, done.model_copy(update={"changed": [], "dry_run": True}))
    ['Nothing changes.']
    """
    if not done.changed:
        return ["Nothing changes." if done.dry_run else
                f"Nothing changed: record {done.record.id} stays at revision "
                f"{done.record.revision}."]
    record, changed = done.record, ", ".join(done.changed)
    named = f"record {record.id} ({record.external_id}) of project {project}"
    if done.dry_run:
        return [f"Would edit {named}: {changed} (a dry run: nothing changed).",
                *_what_follows(done)]
    return [f"Edited {named}: {changed}; revision {record.revision} now.", *_what_follows(done)]


def set_summary(project: int, done: RecordsEdited) -> list[str]:
    """What giving records the same values did (or, a dry run, would do), a line each.

    >>> done = RecordsEdited(matched=3, edited=2, changed=["stars"], spans_moved=0,
    ...                      spans_dropped=0, dropped_spans=[], computed_again=[],
    ...                      embedded_again=["minilm"], dry_run=False)
    >>> print("\\n".join(set_summary(1, done)))
    Set stars on 2 of 3 records of project 1 (1 had these values already).
    Embedded again (queued): minilm.
    >>> set_summary(1, done.model_copy(update={"edited": 0, "changed": []}))
    ['Nothing changed: the 3 records of project 1 had these values already.']
    >>> set_summary(1, done.model_copy(update={"edited": 0, "changed": [], "dry_run": True}))
    ['Nothing changes.']
    """
    if not done.edited:
        if done.dry_run:
            return ["Nothing changes."]
        if not done.matched:
            return [f"Nothing changed: no record of project {project} matched."]
        return [f"Nothing changed: the {_many(done.matched, 'record')} of project {project} "
                f"had these values already."]
    changed, records = ", ".join(done.changed), _records_set(project, done)
    if done.dry_run:
        return [f"Would set {changed} on {records} (a dry run: nothing changed).",
                *_what_follows(done)]
    return [f"Set {changed} on {records}.", *_what_follows(done)]


def _records_set(project: int, done: RecordsEdited) -> str:
    """The records given the values, of those matched: '2 of 3 records of project 1 (1 has
    these values already)', or '3 records of project 1' when each one changes."""
    if done.edited == done.matched:
        return f"{_many(done.matched, 'record')} of project {project}"
    others = done.matched - done.edited
    has = ("has" if others == 1 else "have") if done.dry_run else "had"
    return (f"{done.edited:,} of {_many(done.matched, 'record')} of project {project} "
            f"({others:,} {has} these values already)")


def set_question(project: int, would: RecordsEdited) -> str:
    """What giving records the same values asks before it goes.

    >>> would = RecordsEdited(matched=3, edited=2, changed=["stars", "split"], spans_moved=0,
    ...                       spans_dropped=0, dropped_spans=[], computed_again=[],
    ...                       embedded_again=[], dry_run=True)
    >>> set_question(1, would)
    'Set stars, split on 2 of 3 records of project 1 (1 has these values already)?'
    >>> set_question(1, would.model_copy(update={"matched": 2, "spans_dropped": 4}))
    'Set stars, split on 2 records of project 1 and drop 4 manual spans?'
    """
    dropped = (f" and drop {_many(would.spans_dropped, 'manual span')}"
               if would.spans_dropped else "")
    return f"Set {', '.join(would.changed)} on {_records_set(project, would)}{dropped}?"


def _what_follows(done: EditOutcome) -> list[str]:
    """The lines an edit's summary ends with: manual spans moved or dropped, values
    computed and vectors made again."""
    lines: list[str] = []
    would = "would be " if done.dry_run else ""
    if done.spans_moved or done.spans_dropped:
        lines.append(f"Manual spans: {done.spans_moved} {would}moved with their text, "
                     f"{done.spans_dropped} {would}dropped (their text changed).")
    if done.computed_again:
        lines.append(f"{'Would be computed again' if done.dry_run else 'Computed again (queued)'}"
                     f": {', '.join(done.computed_again)}.")
    if done.embedded_again:
        lines.append(f"{'Would be embedded again' if done.dry_run else 'Embedded again (queued)'}"
                     f": {', '.join(done.embedded_again)}.")
    return lines


def dropped_spans_table(done: EditOutcome) -> Table:
    """The manual spans the edit drops: task, label, text, annotator ("(gold)" after a gold
    one's), and how many more the answer left out."""
    more = done.spans_dropped - len(done.dropped_spans)
    table = Table("task", "label", Column("text", overflow="fold"), "annotator",
                  box=box.SIMPLE_HEAD,
                  title=f"{_many(done.spans_dropped, 'manual span')} "
                        f"{'to drop' if done.dry_run else 'dropped'}",
                  caption=f"and {more:,} more" if more > 0 else None)
    for span in done.dropped_spans:
        table.add_row(Text(span.task), Text(span.label), Text(span.text), Text(_by(span)))
    return table


def _by(span: DroppedSpan) -> str:
    return span.annotator + (" (gold)" if span.is_gold else "")


def edit_question(project: int, would: RecordEdited) -> str:
    """What an edit that drops manual spans asks before it goes.

    >>> from client.models import EditedRecord
    >>> would = RecordEdited(record=EditedRecord(id=5, external_id="c-5", data={}, revision=1),
    ...                      changed=["text", "n"], spans_moved=0, spans_dropped=1,
    ...                      dropped_spans=[], computed_again=[], embedded_again=[],
    ...                      dry_run=True)
    >>> edit_question(3, would)
    'Edit text, n of record 5 of project 3 and drop 1 manual span?'
    """
    return (f"Edit {', '.join(would.changed)} of record {would.record.id} of project "
            f"{project} and drop {_many(would.spans_dropped, 'manual span')}?")


def _many(n: int, noun: str) -> str:
    """``n`` and the noun, in the plural unless one: ``_many(2, "record")`` is '2 records'."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


# --- comments -------------------------------------------------------------------------

class CommentStateChoice(StrEnum):
    open = "open"
    resolved = "resolved"
    all = "all"


CommentId = Annotated[int, typer.Argument(help="The comment's id (`heurist comments list` "
                                          "shows it).", show_default=False)]
CommentFile = Annotated[Path | None, typer.Option(
    # not exists=True: Typer then refuses "-"; _read_text names a missing file
    "--from-file", dir_okay=False, allow_dash=True,
    help="The comment is this file's text (UTF-8, line breaks kept, final ones dropped; - "
         "reads standard input).")]


def short_time(moment: datetime, now: datetime | None = None) -> str:
    """A moment as the comment tables show it, in local time: 'today 10:14', else its date.

    >>> from datetime import UTC
    >>> moment = datetime(2024, 5, 1, 10, 14, tzinfo=UTC)
    >>> short_time(moment, now=moment.replace(minute=15)) == f"today {moment.astimezone():%H:%M}"
    True
    >>> short_time(moment, now=datetime(2024, 6, 1, tzinfo=UTC))
    '2024-05-01'
    """
    local, today = moment.astimezone(), (now or datetime.now()).astimezone().date()
    return f"today {local:%H:%M}" if local.date() == today else f"{local:%Y-%m-%d}"


def first_line(text: str) -> str:
    """A comment's first line that holds text, with ' …' after it when more follow.

    >>> first_line("\\nSpam, or a real complaint?\\nBoth?")
    'Spam, or a real complaint? …'
    >>> first_line("  Cut off  ")
    'Cut off'
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] + (" …" if len(lines) > 1 else "") if lines else ""


def comment_state(comment: Comment) -> str:
    """'open', or who resolved the comment."""
    if not comment.resolved:
        return "open"
    return f"resolved by {comment.resolved_by}" if comment.resolved_by else "resolved"


def _comment_text(comment: Comment, text: str) -> Text:
    shown = Text(text)
    if comment.edited_at is not None:
        shown.append(" (edited)", style="dim")
    return shown


def comments_table(page: CommentPage, *, thread: bool = False) -> Table:
    """A project's comments, a row each: id, record (id and external id), author, when, the
    first line of the text, state. ``thread``: a record's, each text in full and no record
    column."""
    record = [] if thread else [Column("record", overflow="fold")]
    table = Table("id", *record, Column("author", overflow="fold"),
                  Column("when", no_wrap=True), Column("text", overflow="fold", ratio=1),
                  Column("state", overflow="fold", min_width=8, max_width=11))
    for comment in page.data:
        where = [] if thread else [
            Text(f"{comment.record_id} ({comment.record_external_id})")]
        table.add_row(str(comment.id), *where, Text(comment.author),
                      short_time(comment.created_at),
                      _comment_text(comment, comment.text.strip("\n") if thread
                                    else first_line(comment.text)),
                      Text(comment_state(comment)), end_section=thread)
    return table


def _noun(state: str) -> str:
    return "comment" if state == "all" else f"{state} comment"



def _older_ones(shown: list, count: int, limit: int, before: int | None, what: str) -> str:
    """The end of a listing's footer, newest first: which part is shown, and how to see
    older ones (``--before`` the oldest id shown)."""
    said = ""
    if before is not None:
        said += f"; {len(shown):,} older than {what} {before} shown"
    elif shown and len(shown) < count:
        said += f"; the newest {len(shown):,} shown"
    if shown and len(shown) == limit and (before is not None or len(shown) < count):
        said += f" (older ones: --before {shown[-1].id})"
    return said

def comments_summary(page: CommentPage, *, project: int, state: str, limit: int,
                     before: int | None = None) -> str:
    """The line under a project's comments: how many are in the state asked (and how many
    open), how many the table shows, and how to see older ones.

    >>> comment = Comment(id=71, record_id=7, record_external_id="c-7", author="ann",
    ...     text="Spam?", created_at="2024-05-01T10:00Z", edited_at=None, resolved_at=None,
    ...     resolved_by=None)
    >>> page = CommentPage(data=[comment] * 3, count=3, open=3)
    >>> comments_summary(page, project=5, state="open", limit=50)
    '3 open comments in project 5'
    >>> comments_summary(CommentPage(data=[], count=0, open=3), project=5, state="resolved",
    ...                  limit=50)
    '0 resolved comments in project 5 (3 open)'
    >>> comments_summary(page.model_copy(update={"count": 120}), project=5, state="open",
    ...                  limit=3)
    '120 open comments in project 5; the newest 3 shown (older ones: --before 71)'
    """
    said = f"{_many(page.count, _noun(state))} in project {project}"
    if state != "open" and page.open is not None:
        said += f" ({page.open:,} open)"
    return said + _older_ones(page.data, page.count, limit, before, "comment")


def thread_summary(page: CommentPage, *, record_id: int, state: str) -> str:
    """The line under a record's thread: how many comments it holds (in the state asked),
    how many open.

    >>> comment = Comment(id=3, record_id=7, record_external_id="c-7", author="ann",
    ...     text="Spam?", created_at="2024-05-01T10:00Z", edited_at=None, resolved_at=None,
    ...     resolved_by=None)
    >>> thread_summary(CommentPage(data=[comment] * 2, count=2), record_id=7, state="all")
    '2 comments on record 7 (c-7), 2 open'
    >>> thread_summary(CommentPage(data=[], count=0), record_id=7, state="open")
    '0 open comments on record 7'
    """
    where = f"record {record_id}" + (f" ({page.data[0].record_external_id})" if page.data
                                     else "")
    said = f"{_many(page.count, _noun(state))} on {where}"
    if state == "all" and page.data:
        said += f", {sum(not comment.resolved for comment in page.data):,} open"
    return said


@comments_app.command("list")
def comments_list(
        ctx: typer.Context, project: Project,
        which: Annotated[CommentStateChoice | None, typer.Option(
            "--state", help="Which comments: open, resolved or all (default: open; a "
                            "record's thread: all).", show_default=False)] = None,
        record: Annotated[int | None, typer.Option(
            "--record", "-r", help="The record's id: its thread, oldest first, each comment "
                                   "in full.", show_default=False)] = None,
        limit: Annotated[int, typer.Option(
            min=1, max=500, help="The project's: the most comments to show, the newest "
                                 "first.")] = 50,
        before: Annotated[int | None, typer.Option(
            help="The project's: only comments older than this one (its id), the next page.",
            show_default=False)] = None) -> None:
    """List the project's open comments, the newest first, or a record's thread.

    A row per comment: its id, the record (id and external id), author, when, the first line
    of the text (a record's thread: all of it), open or who resolved it."""
    state = _state(ctx)
    if record is not None and before is not None:
        raise typer.BadParameter("a record's thread comes whole: --before goes with the "
                                 "project's comments", param_hint="--before")
    chosen = (which or (CommentStateChoice.all if record is not None
                        else CommentStateChoice.open)).value
    page = state.client.comments.list(project, record_id=record, state=chosen, limit=limit,
                                      before=before)
    if state.as_json:
        return _print_json(page)
    if page.data:
        out.print(comments_table(page, thread=record is not None))
    out.print(Text(thread_summary(page, record_id=record, state=chosen) if record is not None
                   else comments_summary(page, project=project, state=chosen, limit=limit,
                                         before=before)))


def comment_text(text: str | None, from_file: Path | None) -> str:
    """The text of TEXT or ``--from-file`` (final line breaks dropped); bad usage unless
    exactly one is given."""
    if (text is None) == (from_file is None):
        raise typer.BadParameter("give the comment (TEXT) or --from-file" if text is None
                                 else "TEXT or --from-file, not both")
    return text if from_file is None else _read_text(from_file, "--from-file").rstrip("\r\n")


CommentTextArgument = Annotated[str | None, typer.Argument(
    help="The comment: plain text (else --from-file).", show_default=False)]


@comments_app.command("add")
def comments_add(
        ctx: typer.Context, project: Project,
        record: Annotated[int, typer.Argument(help="The record's id.", show_default=False)],
        text: CommentTextArgument = None, from_file: CommentFile = None) -> None:
    """Comment on a record (annotators and project owners).

    @name in the text (a member's user name) notifies that member."""
    state = _state(ctx)
    made = state.client.comments.add(project, record, comment_text(text, from_file))
    if state.as_json:
        return _print_json(made)
    out.print(Text(f"Comment {made.id} added to record {made.record_id} "
                   f"({made.record_external_id}) of project {project}."))


@comments_app.command("edit")
def comments_edit(ctx: typer.Context, project: Project, comment: CommentId,
                  text: CommentTextArgument = None, from_file: CommentFile = None) -> None:
    """Rewrite your comment (only its author may)."""
    state = _state(ctx)
    done = state.client.comments.edit(project, comment, comment_text(text, from_file))
    if state.as_json:
        return _print_json(done)
    out.print(Text(f"Comment {done.id} on record {done.record_id} "
                   f"({done.record_external_id}) rewritten."))


@comments_app.command("resolve")
def comments_resolve(ctx: typer.Context, project: Project, comment: CommentId,
                     reopen: Annotated[bool, typer.Option(
                         "--reopen", help="Open it again instead.")] = False) -> None:
    """Mark a comment resolved, or open again (its author or a project owner)."""
    state = _state(ctx)
    done = state.client.comments.resolve(project, comment, resolved=not reopen)
    if state.as_json:
        return _print_json(done)
    out.print(Text(f"Comment {done.id} on record {done.record_id} "
                   f"({done.record_external_id}): {comment_state(done)}."))


@comments_app.command("delete")
def comments_delete(ctx: typer.Context, project: Project, comment: CommentId,
                    yes: Yes = False) -> None:
    """Delete a comment (its author or a project owner); asks first (not with --yes)."""
    state = _state(ctx)
    if not (yes or typer.confirm(f"Delete comment {comment} of project {project}?", err=True)):
        raise typer.Exit(1)
    state.client.comments.delete(project, comment)
    if not state.as_json:
        out.print(f"Deleted comment {comment} of project {project}.")


# --- inbox ----------------------------------------------------------------------------

REASONS = {"mention": "mentioned you", "reply": "replied"}


def reason_text(notification: Notification) -> str:
    """Why you were notified, as the inbox says it: 'mentioned you' or 'replied'."""
    return REASONS.get(notification.reason, notification.reason)


EXCERPT_SHOWN = 100
"""The most characters of a comment's first line the inbox table shows (--json: all)."""
EXCERPT_READABLE = 20
"""The excerpt column's width below which the inbox table shares the width by ratio."""


def inbox_table(page: NotificationPage, *, with_state: bool = False,
                width: int | None = None) -> Table:
    """Notifications, a row each: id, when, who, why, the project (id and name), the record
    (id and external id), the comment's first line (cut at ``EXCERPT_SHOWN`` characters);
    ``with_state``: read or unread too, read rows dim. No vertical rules. Where the other
    columns leave the excerpt less than ``EXCERPT_READABLE`` of ``width`` (a terminal's),
    the columns of names and text share what the rest leave by ratio, folding long words."""
    rows = []
    for notification in page.data:
        record = str(notification.record_id)
        if notification.record_external_id is not None:
            record += f" ({notification.record_external_id})"
        line = first_line(notification.excerpt)
        excerpt = Text(line if len(line) <= EXCERPT_SHOWN
                       else line[:EXCERPT_SHOWN - 1].rstrip() + "…")
        if notification.resolved:
            excerpt.append(" (resolved)", style="dim")
        read = [Text("read" if notification.read else "unread")] if with_state else []
        rows.append(([Text(str(notification.id)), Text(short_time(notification.created_at)),
                      Text(notification.author), Text(reason_text(notification)),
                      Text(f"{notification.project_id} ({notification.project_name})"),
                      Text(record), excerpt, *read],
                     "dim" if with_state and notification.read else None))
    headers = ["id", "when", "who", "reason", "project", "record", "excerpt",
               *(["state"] if with_state else [])]
    natural = [max([len(header), *(cells[i].cell_len for cells, _ in rows)])
               for i, header in enumerate(headers)]
    flexible = {"who", "project", "record"}   # and the excerpt, at least half of theirs
    others = sum(columns + 2 for header, columns in zip(headers, natural, strict=True)
                 if header != "excerpt")   # each with its padding and rule
    shared = width is not None and others + EXCERPT_READABLE > width
    ratios = dict(zip(headers, natural, strict=True)) if shared else {}
    if shared:
        ratios["excerpt"] = max(sum(ratios[header] for header in flexible), EXCERPT_READABLE)
    table = Table(*(Column(header, overflow="fold", ratio=ratios.get(header))
                    if header in flexible | {"excerpt"} else Column(header, no_wrap=True)
                    for header in headers),
                  box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, collapse_padding=True,
                  expand=shared)
    for cells, style in rows:
        table.add_row(*cells, style=style)
    return table


def inbox_summary(page: NotificationPage, *, every: bool, limit: int,
                  before: int | None = None) -> str:
    """The line under the inbox: how many notifications (unread, or all and how many of them
    unread), how many the table shows, and how to see older ones.

    >>> note = Notification(id=41, reason="mention", created_at="2024-05-01T10:00Z",
    ...     read_at=None, project_id=1, project_name="spam", record_id=7,
    ...     record_external_id="c-7", comment_id=9, author="ann", excerpt="@bob spam?",
    ...     resolved=False)
    >>> inbox_summary(NotificationPage(data=[note] * 2, count=2, unread=2), every=False,
    ...               limit=50)
    '2 unread notifications'
    >>> inbox_summary(NotificationPage(data=[], count=5, unread=0), every=True, limit=50,
    ...               before=3)
    '5 notifications, 0 unread; 0 older than notification 3 shown'
    >>> inbox_summary(NotificationPage(data=[note] * 2, count=9, unread=9), every=False,
    ...               limit=2)
    '9 unread notifications; the newest 2 shown (older ones: --before 41)'
    """
    said = (f"{_many(page.count, 'notification')}, {page.unread:,} unread" if every
            else _many(page.count, "unread notification"))
    return said + _older_ones(page.data, page.count, limit, before, "notification")


@inbox_app.callback()
def inbox(ctx: typer.Context,
          every: Annotated[bool, typer.Option(
              "--all", help="Read notifications too, not only unread ones.")] = False,
          limit: Annotated[int, typer.Option(
              min=1, max=200, help="The most notifications to show, the newest first.")] = 50,
          before: Annotated[int | None, typer.Option(
              help="Only notifications older than this one (its id), the next page.",
              show_default=False)] = None,
          read: Annotated[bool, typer.Option(
              "--read", help="Then mark the notifications shown read.")] = False) -> None:
    """Your unread notifications, newest first: comments that mention you or answer yours.

    A comment mentions you with @ and your user name. A row per notification: its id,
    when, who wrote the comment, why (mentioned you, replied), the project and record
    (id and external id), the comment's first line. `heurist inbox read ID...` (or
    --all) marks them read; --json prints the notifications as listed."""
    if ctx.invoked_subcommand is not None:
        return
    state = _state(ctx)
    page = state.client.notifications.list(state="all" if every else "unread", limit=limit,
                                           before=before)
    unread = [notification.id for notification in page.data if not notification.read]
    if state.as_json:
        _print_json(page)
    else:
        if page.data:
            out.print(inbox_table(page, with_state=every, width=out.width))
        out.print(Text(inbox_summary(page, every=every, limit=limit, before=before)))
    if read and unread:
        left = state.client.notifications.read(unread)
        if not state.as_json:
            out.print(Text(f"Marked {_many(len(unread), 'notification')} read; "
                           f"{left:,} unread left."))


@inbox_app.command("read")
def inbox_read(ctx: typer.Context,
               ids: Annotated[list[int] | None, typer.Argument(
                   help="The notifications' ids (`heurist inbox` shows them).",
                   show_default=False)] = None,
               every: Annotated[bool, typer.Option(
                   "--all", help="Every notification of yours.")] = False) -> None:
    """Mark notifications read: those of the ids given, or --all.

    Prints how many are unread now (--json: {"unread": N})."""
    state = _state(ctx)
    if bool(ids) == every:
        raise typer.BadParameter("notification ids or --all, not both" if every
                                 else "give notification ids (ID...) or --all")
    left = state.client.notifications.read(ids if ids else None, all=every)
    if state.as_json:
        return _print_json({"unread": left})
    marked = "every notification" if every else _many(len(ids or []), "notification")
    out.print(Text(f"Marked {marked} read; {left:,} unread left."))


# --- heuristics -----------------------------------------------------------------------

def _show(changes: list[Change], verb: str) -> None:
    for change in changes:
        err.print(f"[bold]{change.action} {change.name}[/bold] ({verb})")
        if change.diff:
            err.print(Syntax(change.diff, "diff", theme="ansi_dark", background_color="default"))


def _confirm(changes: list[Change], yes: bool, as_json: bool) -> bool:
    if not changes:
        if not as_json:
            err.print("Nothing to change.")
        return False
    return yes or typer.confirm(f"Apply {len(changes)} change(s)?")


def _apply_push(client: Heurist, project: int, task_id: int, changes: list[Change], *,
                as_json: bool) -> list[int]:
    """Check every source with the server first, changing nothing if it refuses one (each
    refusal named on stderr, exit 3); then create or update each heuristic; their ids."""
    refused = []
    for change in changes:
        try:
            client.heuristics.check(project, task_id=task_id, source=change.source,
                                    kind=change.kind)
        except ValidationFailed as error:
            refused.append(f"{change.name}: {error.detail}")
    if refused:
        for line in refused:
            err.print(f"[red]refused[/red] {line}", highlight=False)
        err.print("Nothing was changed.")
        raise typer.Exit(EXIT_API_ERROR)
    ids = []
    for change in changes:
        if change.action == "create":
            made = client.heuristics.create(project, task_id=task_id, name=change.name,
                                            source=change.source, kind=change.kind)
        else:
            made = client.heuristics.update(project, change.heuristic_id, source=change.source)
        ids.append(made.id)
        if not as_json:
            done = "created" if change.action == "create" else "updated"
            err.print(f"{done} {change.name} (heuristic {made.id}, revision "
                      f"{made.revision.number})", highlight=False)
    return ids


def _task_heuristics(client: Heurist, project: int, task_id: int):
    return [h for h in client.heuristics.list(project) if h.task_id == task_id]


def _ids_by_name(client: Heurist, project: int, task_id: int,
                 kind: str | None = None) -> dict[str, int]:
    """The task's heuristics (of ``kind``, where given): name -> id."""
    return {h.name: h.id for h in _task_heuristics(client, project, task_id)
            if kind in (None, h.kind)}


@heuristics_app.command("push")
def push(ctx: typer.Context,
         folder: Annotated[Path, typer.Argument(exists=True, file_okay=False)],
         project: Project, task: TaskOption, yes: Yes = False) -> None:
    """Create or update one heuristic per FOLDER/NAME.py (name from the file); a diff is
    shown first; nothing changes when the server already has these sources."""
    state = _state(ctx)
    task_id = state.client.tasks.get(project, task).id
    changes = plan_push(folder, _task_heuristics(state.client, project, task_id))
    if not state.as_json:
        _show(changes, "on the server")
    confirmed = _confirm(changes, yes, state.as_json)
    applied = _apply_push(state.client, project, task_id, changes,
                          as_json=state.as_json) if confirmed else []
    if state.as_json:
        _print_json([{"name": c.name, "action": c.action, "heuristic_id": i}
                     for c, i in zip(changes, applied, strict=False)])


@heuristics_app.command("pull")
def pull(ctx: typer.Context, folder: Annotated[Path, typer.Argument(file_okay=False)],
         project: Project, task: TaskOption, yes: Yes = False) -> None:
    """Write each heuristic of the task as FOLDER/NAME.py (a diff is shown first)."""
    state = _state(ctx)
    task_id = state.client.tasks.get(project, task).id
    try:
        changes = plan_pull(folder, _task_heuristics(state.client, project, task_id))
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--task") from None
    if not state.as_json:
        _show(changes, "in the folder")
    applied = _confirm(changes, yes, state.as_json)
    if applied:
        write_pulled(folder, changes)
        if not state.as_json:
            for change in changes:
                done = "wrote" if change.action == "create" else "updated"
                err.print(f"{done} {folder / change.name}.py", highlight=False, soft_wrap=True)
    if state.as_json:
        _print_json([{"name": c.name, "action": c.action} for c in changes if applied])


@heuristics_app.command("import-snorkel")
def import_snorkel(ctx: typer.Context,
                   file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
                   project: Project, task: TaskOption,
                   label: Annotated[list[str] | None, typer.Option(
                       "--label", "-l", help="INT=NAME, e.g. 1=spam (repeatable); default: "
                       "the file's int constants, lower-cased.")] = None,
                   yes: Yes = False) -> None:
    """Turn a file of Snorkel @labeling_function()s into labeling functions of the task."""
    state = _state(ctx)
    labels = {int(k): v for k, v in map(_pair, label)} if label else None
    try:
        converted = convert(file.read_text(encoding="utf-8"), labels=labels)
    except (ValueError, SyntaxError) as error:
        raise typer.BadParameter(str(error), param_hint="FILE") from None
    task_id = state.client.tasks.get(project, task).id
    on_server = {h.name: h for h in _task_heuristics(state.client, project, task_id)}
    changes = [Change(c.name, "update" if c.name in on_server else "create", c.source, "",
                      heuristic_id=on_server[c.name].id if c.name in on_server else None)
               for c in converted
               if c.name not in on_server or on_server[c.name].revision.source != c.source]
    if not state.as_json:
        _show(changes, "from Snorkel")
    confirmed = _confirm(changes, yes, state.as_json)
    applied = _apply_push(state.client, project, task_id, changes,
                          as_json=state.as_json) if confirmed else []
    if state.as_json:
        _print_json([{"name": c.name, "heuristic_id": i}
                     for c, i in zip(changes, applied, strict=False)])


# --- lookup lists ---------------------------------------------------------------------

def _lookup_list(client: Heurist, project: int, name: str):
    found = client.lookup_lists.find(project, name)
    if found is None:
        raise typer.BadParameter(f"project {project} has no lookup list {name!r}",
                                 param_hint="NAME")
    return found


@lists_app.command("show")
def lists_show(ctx: typer.Context, project: Project) -> None:
    """The project's lookup lists: name, number of terms, version, the label it follows,
    the labeling functions that read it, description."""
    state = _state(ctx)
    found = state.client.lookup_lists.list(project)
    if state.as_json:
        return _print_json(found)
    table = Table("name", Column("terms", justify="right"), Column("version", justify="right"),
                  "follows", "read by", "description")
    for row in found:
        follows = row.follows and f"{row.follows.task_name}/{row.follows.label}"
        table.add_row(row.name, f"{row.n_terms:,}", str(row.version), follows or "",
                      ", ".join(reader.name for reader in row.read_by), row.description)
    out.print(table if found else "No lookup lists.")


@lists_app.command("push")
def lists_push(ctx: typer.Context,
               file: Annotated[Path, typer.Argument(
                   # not exists=True: Typer then refuses "-"; _read_text names a missing file
                   dir_okay=False, allow_dash=True,
                   help="Terms, one per line (UTF-8; - reads standard input).")],
               project: Project,
               name: Annotated[str | None, typer.Option(
                   help="The list's name (else the file's name without its suffix).")] = None,
               description: Annotated[str | None, typer.Option(help="Its description.")]
               = None) -> None:
    """Create the list, or replace its terms with the file's."""
    name = name or (file.stem if str(file) != "-" else None)
    if not name:
        raise typer.BadParameter("give the list's name to read it from standard input",
                                 param_hint="--name")
    terms = _read_text(file, "FILE").splitlines()
    state = _state(ctx)
    existing = state.client.lookup_lists.find(project, name)
    if existing is None:
        result = state.client.lookup_lists.create(project, name, terms,
                                                  description=description or "")
        action = "created"
    else:
        result = state.client.lookup_lists.update(project, existing.id, terms=terms,
                                                  description=description)
        action = "unchanged" if result.version == existing.version else "updated"
    if state.as_json:
        return _print_json(result)
    out.print(Text(f"{action} {result.name}: {len(result.terms):,} terms "
                   f"(version {result.version})"))


@lists_app.command("add")
def lists_add(ctx: typer.Context, name: ListName,
              terms: Annotated[list[str], typer.Argument(help="Terms to add.")],
              project: Project) -> None:
    """Add terms to a list (those it holds already are not repeated)."""
    _change_terms(ctx, project, name, add=terms)


@lists_app.command("remove")
def lists_remove(ctx: typer.Context, name: ListName,
                 terms: Annotated[list[str], typer.Argument(help="Terms to remove.")],
                 project: Project) -> None:
    """Remove terms from a list."""
    _change_terms(ctx, project, name, remove=terms)


def _change_terms(ctx: typer.Context, project: int, name: str, **change: list[str]) -> None:
    state = _state(ctx)
    found = _lookup_list(state.client, project, name)
    _print_terms_change(state, found, state.client.lookup_lists.update(project, found.id,
                                                                       **change))


def _print_terms_change(state: State, before, after) -> None:
    """How many terms a change of a lookup list added or removed (or the list, as JSON)."""
    if state.as_json:
        return _print_json(after)
    delta = len(after.terms) - len(before.terms)
    out.print(f"{after.name}: {abs(delta):,} terms {'added' if delta >= 0 else 'removed'}, "
              f"{len(after.terms):,} in all (version {after.version})")


@lists_app.command("pull")
def lists_pull(ctx: typer.Context, name: ListName,
               project: Project,
               output: Annotated[Path | None, typer.Option(
                   "--output", "-o", help="File to write (else standard output).")] = None
               ) -> None:
    """Write a list's terms, one per line."""
    state = _state(ctx)
    found = _lookup_list(state.client, project, name)
    if state.as_json:
        return _print_json(found)
    text = "".join(f"{term}\n" for term in found.terms)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {len(found.terms):,} terms to {output}", soft_wrap=True)


@lists_app.command("from-labels")
def lists_from_labels(ctx: typer.Context, name: ListName, project: Project, task: TaskOption,
                      label: SpanLabel) -> None:
    """Add the texts of an extraction task's reference spans of LABEL to a list (made if
    there is none)."""
    state = _state(ctx)
    task_id = state.client.tasks.get(project, task).id
    found = (state.client.lookup_lists.find(project, name)
             or state.client.lookup_lists.create(project, name))
    _print_terms_change(state, found, state.client.lookup_lists.add_labelled_terms(
        project, found.id, task_id=task_id, label=label))


@lists_app.command("follow")
def lists_follow(ctx: typer.Context, name: ListName, project: Project, task: TaskOption,
                 label: SpanLabel) -> None:
    """Keep a list (made if there is none) in step with an extraction task's reference spans
    of LABEL: their texts join the terms as annotations come, and leave when no span holds
    them any more (terms typed stay)."""
    state = _state(ctx)
    task_id = state.client.tasks.get(project, task).id
    found = state.client.lookup_lists.find(project, name)
    result = (state.client.lookup_lists.create(project, name, follows=(task_id, label))
              if found is None else
              state.client.lookup_lists.follow(project, found.id, task_id=task_id, label=label))
    if state.as_json:
        return _print_json(result)
    out.print(f"{result.name} follows {result.follows.task_name}/{result.follows.label}: "
              f"{result.n_from_labels:,} terms from its spans, {len(result.terms):,} in all "
              f"(version {result.version})")


@lists_app.command("unfollow")
def lists_unfollow(ctx: typer.Context, name: ListName,
                   project: Project) -> None:
    """Stop following a label; the terms stay."""
    state = _state(ctx)
    result = state.client.lookup_lists.unfollow(
        project, _lookup_list(state.client, project, name).id)
    if state.as_json:
        return _print_json(result)
    out.print(f"{result.name} follows no label now: {len(result.terms):,} terms "
              f"(version {result.version})")


@lists_app.command("terms")
def lists_terms(ctx: typer.Context, name: ListName, project: Project,
                task: Annotated[str | None, typer.Option(
                    "--task", "-t", help="Task id or name whose reference labels to count "
                    "(else the followed label's task, else the first).")] = None,
                noisy: Annotated[bool, typer.Option(
                    "--noisy", help="Only terms whose labelled places carry mixed labels, "
                    "and those found nowhere.")] = False,
                limit: Annotated[int, typer.Option(help="Rows to print at most.")] = 50,
                ) -> None:
    """Where each term of a list occurs and which reference labels it meets there, the
    worst first: the noisy terms (the least agreement first), then the unlabelled, then the
    rest."""
    state = _state(ctx)
    found = _lookup_list(state.client, project, name)
    task_id = None if task is None else state.client.tasks.get(project, task).id
    stats = state.client.lookup_lists.term_stats(project, found.id, task_id=task_id)
    if state.as_json:
        return _print_json(stats)
    rows = [t for t in stats.terms if not noisy or t.noisy or t.found == 0]
    agreement = f"as {stats.follows}" if stats.follows else "agreement"
    table = Table("term", Column(stats.unit, justify="right"),
                  Column("labelled", justify="right"), "reference labels",
                  Column(agreement, justify="right"))
    for t in rows[:limit]:
        labels = [f"{label} {n}" for label, n in sorted(t.labels.items(),
                                                          key=lambda item: -item[1])]
        if stats.unit == "places" and (bare := t.labelled - sum(t.labels.values())):
            labels.append(f"no span {bare}")
        table.add_row(t.term, f"{t.found:,}", f"{t.labelled:,}", " · ".join(labels),
                      "–" if t.agreement is None else f"{t.agreement:.0%}")
    mixed = sum(1 for t in stats.terms if t.noisy)
    dead = sum(1 for t in stats.terms if t.found == 0)
    out.print(f"{name} against {stats.task_name} ({stats.labelled:,} records with a "
              f"reference label): {len(stats.terms):,} terms, {mixed:,} noisy, {dead:,} "
              "found nowhere", soft_wrap=True)
    out.print(table if rows else "No term to show.")
    if len(rows) > limit:
        out.print(f"({len(rows) - limit:,} more; --limit shows more)")


@lists_app.command("suggest")
def lists_suggest(ctx: typer.Context, name: ListName, project: Project,
                  label: Annotated[str, typer.Option(help="The label the terms should signal.")],
                  task: Annotated[str | None, typer.Option(
                      "--task", "-t", help="A classification or multi-label task, id or name "
                      "(else the first).")] = None,
                  limit: Annotated[int, typer.Option(help="Terms at most.")] = 20) -> None:
    """Words and word pairs the list lacks that signal LABEL among the task's labelled
    records, the best first (add one with `heurist lists add`)."""
    state = _state(ctx)
    found = _lookup_list(state.client, project, name)
    task_id = None if task is None else state.client.tasks.get(project, task).id
    suggested = state.client.lookup_lists.suggest(project, found.id, label=label,
                                                  task_id=task_id, limit=limit)
    if state.as_json:
        return _print_json(suggested)
    table = Table("term", Column("labelled records", justify="right"),
                  Column(f"as {label}", justify="right"), Column("records", justify="right"))
    for row in suggested.data:
        table.add_row(row.term, f"{row.support:,}", f"{row.precision:.0%}", f"{row.found:,}")
    out.print(f"Terms {name} lacks that signal {label} in {suggested.task_name} "
              f"({suggested.labelled:,} labelled records):", soft_wrap=True)
    out.print(table if suggested.data else "None held by three labelled records or more.")


@lists_app.command("delete")
def lists_delete(ctx: typer.Context, name: ListName,
                 project: Project, yes: Yes = False) -> None:
    """Delete a list (labeling functions that import it then fail until it is back)."""
    state = _state(ctx)
    found = _lookup_list(state.client, project, name)
    if not (yes or typer.confirm(f"Delete the lookup list {name!r} "
                                 f"({len(found.terms):,} terms)?")):
        raise typer.Exit(1)
    state.client.lookup_lists.delete(project, found.id)
    if not state.as_json:
        out.print(f"deleted {name}")


# --- runs -----------------------------------------------------------------------------

@contextmanager
def _progress(state: State, run: Run) -> Iterator[Callable[[Run], None] | None]:
    """A progress bar on stderr for waiting on ``run`` (none with --json): the
    ``on_progress`` to wait with."""
    if state.as_json:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
               TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=False) as progress:
        bar = progress.add_task(f"run {run.id} ({run.kind})", total=None)

        def show(current: Run) -> None:
            progress.update(bar, total=current.total_items or None,
                            completed=current.done_items,
                            description=f"run {current.id} {current.status}")

        yield show


def _wait(state: State, project: int, run: Run) -> Run:
    with _progress(state, run) as show:
        return state.client.runs.wait(project, run.id, on_progress=show)


def _ended_badly(run: Run | None) -> bool:
    """A run that has finished without succeeding: the command exits 1."""
    return run is not None and run.finished and run.status != "succeeded"


def _report(state: State, run: Run) -> None:
    if state.as_json:
        _print_json(run)
    else:
        out.print(f"run {run.id}: {run.status}" + (f" - {run.error}" if run.error else ""))
    if _ended_badly(run):
        raise typer.Exit(EXIT_FAILED)


@app.command()
def run(ctx: typer.Context, project: Project,
        name: Annotated[str | None, typer.Argument(
            help="Heuristic name (leave out with --out-of-date or --all).")] = None,
        task: Annotated[str | None, typer.Option(
            "--task", "-t", envvar="HEURIST_TASK",
            help="Its task, where names repeat; the task, with --out-of-date or --all.")]
        = None,
        out_of_date: Annotated[bool, typer.Option(
            "--out-of-date", help="Run every heuristic of the task whose votes are out of "
            "date (not run, failed, records added or a lookup list changed since).")] = False,
        every: Annotated[bool, typer.Option(
            "--all", help="Run every heuristic of the task not running already.")] = False,
        wait: Wait = False) -> None:
    """Run a heuristic on every record, or those of a task that are out of date."""
    state = _state(ctx)
    task_id = state.client.tasks.get(project, task).id if task is not None else None
    if out_of_date or every:
        if name is not None or task_id is None:
            raise typer.BadParameter("give a task (-t), and no heuristic name, to run those "
                                     "of a task", param_hint="--out-of-date/--all")
        return _run_many(state, project, task_id, task, only_out_of_date=not every, wait=wait)
    if name is None:
        raise typer.BadParameter("name a heuristic, or give --out-of-date or --all",
                                 param_hint="NAME")
    match = [h for h in state.client.heuristics.list(project)
             if h.name == name and task_id in (None, h.task_id)]
    if not match:
        raise typer.BadParameter(f"no heuristic {name!r} in project {project}", param_hint="NAME")
    started = state.client.heuristics.run(project, match[0].id)
    _report(state, _wait(state, project, started) if wait else started)


def _run_many(state: State, project: int, task_id: int, task: str, *,
              only_out_of_date: bool, wait: bool) -> None:
    """Start the task's heuristics' runs; with ``wait``, follow each to its end (exit 1
    unless all succeeded)."""
    names = {h.id: h.name for h in _task_heuristics(state.client, project, task_id)}
    started = state.client.heuristics.run_many(project, task_id,
                                               only_out_of_date=only_out_of_date)
    if not started and not state.as_json:
        out.print(f"Every heuristic of {task} is up to date." if only_out_of_date
                  else f"Every heuristic of {task} is running already.")
    runs = [_wait(state, project, run) if wait else run for run in started]
    if state.as_json:
        return _print_json(runs)
    for run in runs:
        out.print(f"{names.get(run.heuristic_id, '?')}: run {run.id} {run.status}"
                  + (f" - {run.error}" if run.error else ""))
    if any(_ended_badly(run) for run in runs):
        raise typer.Exit(EXIT_FAILED)


# --- attributes -----------------------------------------------------------------------

class DataType(StrEnum):
    text = "text"
    category = "category"
    integer = "integer"
    float = "float"
    boolean = "boolean"


AttributeName = Annotated[str, typer.Argument(help="The attribute: name or id.")]
CodeFile = Annotated[Path, typer.Option(
    "--file", "-f", exists=True, dir_okay=False,
    help="Python file of the code: a function of the record returning its value or None "
         "(the one named `ac` where it defines several).")]
TypeOption = Annotated[DataType, typer.Option("--type", help="The values' type.")]


def _attribute(client: Heurist, project: int, name: str) -> Attribute:
    try:
        return client.attributes.get(project, name)
    except NotFound:
        raise typer.BadParameter(f"project {project} has no attribute {name!r}",
                                 param_hint="NAME") from None


def run_state(run: Run | None) -> str:
    """Where a computed attribute's latest run is: its state, then the records with a
    value or the error.

    >>> run = Run(id=5, kind="attribute_calculation", status="succeeded", progress=1.0,
    ...     done_items=3, total_items=3, params={}, error=None, created_at="2024-01-01T00:00",
    ...     metrics={"records": 3, "records_with_value": 2}, started_at=None,
    ...     finished_at=None)
    >>> run_state(run)
    'run 5: succeeded, 2 records with a value'
    >>> run_state(run.model_copy(update={"status": "failed", "error": "1 record(s) failed"}))
    'run 5: failed - 1 record(s) failed'
    """
    if run is None:
        return "no run"
    said = f"run {run.id}: {run.status}"
    if run.status == "succeeded":
        said += f", {run.metrics.get('records_with_value', 0):,} records with a value"
    return said + (f" - {run.error}" if run.error else "")


def _follow(state: State, project: int, attribute: Attribute, action: str, *,
            wait: bool) -> None:
    """Print ``action`` and the attribute's run; with ``wait``, once the run has ended
    (exit 1 unless it succeeded). With --json, the attribute."""
    if not state.as_json:
        out.print(Text(action))
    if wait and attribute.run is not None:
        with _progress(state, attribute.run) as show:
            attribute = state.client.attributes.wait(project, attribute, on_progress=show)
    if state.as_json:
        _print_json(attribute)
    else:
        out.print(Text(run_state(attribute.run)))
    if _ended_badly(attribute.run):
        raise typer.Exit(EXIT_FAILED)


def _code(file: Path) -> str:
    return file.read_text(encoding="utf-8")


@attributes_app.command("list")
def attributes_list(ctx: typer.Context, project: Project) -> None:
    """List the project's attributes: type, origin, latest run and readers.

    In their order; a computed one with its latest run's state, the records with a value
    and the error; each with the labeling functions whose code reads it."""
    state = _state(ctx)
    found = state.client.attributes.list(project)
    if state.as_json:
        return _print_json(found)
    table = Table("name", "type", "origin", "run", Column("with a value", justify="right"),
                  Column("error", overflow="fold"), Column("read by", overflow="fold"))
    for attribute in found:
        run = attribute.run
        with_value = run.metrics.get("records_with_value") if run is not None else None
        table.add_row(Text(attribute.name), attribute.data_type,
                      "computed" if attribute.computed else "imported",
                      "-" if run is None else run.status,
                      "-" if with_value is None else f"{with_value:,}",
                      Text("" if run is None else run.error or ""),
                      Text(", ".join(reader.name for reader in attribute.read_by)))
    out.print(table if found else "No attributes.")


@attributes_app.command("compute")
def attributes_compute(ctx: typer.Context, name: Annotated[str, typer.Argument(
                           help="The new attribute's name.")],
                       project: Project, file: CodeFile, type_: TypeOption = DataType.text,
                       wait: Wait = False) -> None:
    """Add an attribute computed by the file's code over every record.

    The code is checked first: a syntax error is refused with its line. Records imported
    later get their values by themselves."""
    state = _state(ctx)
    made = state.client.attributes.compute(project, name, _code(file), type_.value)
    _follow(state, project, made, f"created {made.name} ({made.data_type})", wait=wait)


@attributes_app.command("update")
def attributes_update(ctx: typer.Context, name: AttributeName, project: Project,
                      file: CodeFile, wait: Wait = False) -> None:
    """Give a computed attribute the file's code and compute every value again.

    A run under way is cancelled."""
    state = _state(ctx)
    found = _attribute(state.client, project, name)
    changed = state.client.attributes.update(project, found.id, source=_code(file))
    _follow(state, project, changed, f"updated {changed.name} ({changed.data_type})",
            wait=wait)


@attributes_app.command("again")
def attributes_again(ctx: typer.Context, name: AttributeName, project: Project,
                     wait: Wait = False) -> None:
    """Compute a computed attribute's values again with its code.

    Refused while a run of it is under way."""
    state = _state(ctx)
    found = _attribute(state.client, project, name)
    started = state.client.attributes.compute_again(project, found.id)
    _follow(state, project, started, f"computing {started.name} ({started.data_type}) again",
            wait=wait)


@attributes_app.command("delete")
def attributes_delete(ctx: typer.Context, name: AttributeName, project: Project,
                      yes: Yes = False) -> None:
    """Delete an attribute, imported or computed, and its value in every record.

    Refused while a task labels its spans or an embedding is made of it."""
    state = _state(ctx)
    found = _attribute(state.client, project, name)
    origin = "computed" if found.computed else "imported"
    if not (yes or typer.confirm(f"Delete the {origin} attribute {name!r} and its value in "
                                 "every record?")):
        raise typer.Exit(1)
    state.client.attributes.delete(project, found.id)
    if not state.as_json:
        out.print(f"deleted {name}")


def value_text(value: str | int | float | bool) -> Text:
    """A value as the table of values shows it: text as it is, booleans as true/false.

    >>> [str(value_text(v)) for v in ("train", 3, 2.5, True, "")]
    ['train', '3', '2.5', 'true', '(empty)']
    """
    if isinstance(value, bool):
        return Text(str(value).lower())
    return Text(str(value)) if value != "" else Text("(empty)", style="dim")


def values_table(found: AttributeValues) -> Table:
    """Each value, the records holding it and their share of those holding one."""
    numbers = all(isinstance(row.value, int | float) and not isinstance(row.value, bool)
                  for row in found.values)
    table = Table(Column("value", overflow="fold", justify="right" if numbers else "left"),
                  Column("records", justify="right"),
                  Column("share", justify="right"))
    for row in found.values:
        table.add_row(value_text(row.value), f"{row.count:,}",
                      _percent(row.count / found.records if found.records else None))
    return table


def values_summary(found: AttributeValues, search: str | None = None) -> str:
    """How many values the table shows of those there are, and the records holding one.

    >>> found = AttributeValues(attribute="split", distinct=2, records=1836, complete=True,
    ...     values=[{"value": "train", "count": 1586}, {"value": "test", "count": 250}])
    >>> values_summary(found)
    '2 of 2 values; 1,836 records hold one'
    >>> values_summary(found.model_copy(update={"distinct": 3412, "complete": False}), "t")
    "first 2 of 3,412 values containing 't' (more: --limit, --search); 1,836 records hold one"
    >>> values_summary(AttributeValues(attribute="split", distinct=0, records=0,
    ...                                complete=True, values=[]), "x")
    "no value of split contains 'x'"
    """
    if not found.distinct:
        return (f"no value of {found.attribute} contains {search!r}" if search else
                f"no record has a value of {found.attribute}")
    shown = f"{len(found.values):,} of" if found.complete else f"first {len(found.values):,} of"
    containing = f" containing {search!r}" if search else ""
    more = "" if found.complete else " (more: --limit, --search)"
    holds = "holds" if found.records == 1 else "hold"
    return (f"{shown} {_many(found.distinct, 'value')}{containing}{more}; "
            f"{_many(found.records, 'record')} {holds} one")


@attributes_app.command("values")
def attributes_values(ctx: typer.Context, name: AttributeName, project: Project,
                      search: Annotated[str | None, typer.Option(
                          help="Only values containing this text (ignoring case).")] = None,
                      limit: Annotated[int, typer.Option(
                          min=1, max=1000, help="The most values to show.")] = 100) -> None:
    """List an attribute's values, the most frequent first, with the records holding each.

    A value's share is of the records holding a value (one matching --search, if given)."""
    state = _state(ctx)
    found = _attribute(state.client, project, name)
    values = state.client.attributes.values(project, found.id, limit=limit, search=search)
    if state.as_json:
        return _print_json(values)
    if values.values:
        out.print(values_table(values))
    out.print(Text(values_summary(values, search)))


def sample_table(sample: AttributeSample) -> Table:
    """Each record tried: its value (as Python writes it), or its error and the line."""
    table = Table("record", Column("value", overflow="fold"), Column("error", overflow="fold"))
    for row in sample.results:
        error = "" if row.error is None else (
            f"line {row.line}: {row.error}" if row.line else row.error)
        table.add_row(Text(row.external_id), Text("" if row.error else repr(row.value)),
                      Text(error, style="red"))
    return table


@attributes_app.command("try")
def attributes_try(ctx: typer.Context, project: Project, file: CodeFile,
                   type_: TypeOption = DataType.text,
                   n: Annotated[int | None, typer.Option(
                       "--n", "-n", min=1, max=1000,
                       help="Random records to try (else the server's sample size).")] = None,
                   record_id: Annotated[list[int] | None, typer.Option(
                       help="Try this record instead (repeatable).")] = None) -> None:
    """Try computed-attribute code on a few records, storing nothing.

    Prints each record's value, or its error and the line; then what the code printed."""
    state = _state(ctx)
    sample = state.client.attributes.try_code(project, _code(file), type_.value, n=n,
                                              record_ids=record_id)
    if state.as_json:
        return _print_json(sample)
    failed = sum(row.error is not None for row in sample.results)
    out.print(sample_table(sample))
    out.print(f"{len(sample.results):,} records in {sample.seconds:.2f} s: "
              f"{len(sample.results) - failed:,} values, {failed:,} errors")
    if sample.logs:
        out.rule("printed")
        out.print(Text(sample.logs.rstrip("\n")))


class Level(StrEnum):
    record = "record"
    token = "token"


@app.command()
def embed(ctx: typer.Context,
          attribute: Annotated[str, typer.Argument(help="A text attribute of the records.")],
          project: Project,
          level: Annotated[Level, typer.Option(
              help="record (classification, the queue, learners) or token "
                   "(extraction).")] = Level.record,
          model: Annotated[str, typer.Option(
              help="'default' (the bundled all-MiniLM-L6-v2) or an installed model's "
                   "name.")] = "default",
          name: Annotated[str | None, typer.Option(
              help="The embedding's name (default: ATTRIBUTE-MODEL).")] = None,
          wait: Wait = False) -> None:
    """Embed a text attribute of every record (new records are embedded as they come)."""
    state = _state(ctx)
    created = state.client.embeddings.create(project, attribute, level=level.value,
                                             model=model, name=name)
    if not state.as_json:
        out.print(f"embedding {created.embedding.id}: {created.embedding.name!r}")
    _report(state, _wait(state, project, created.run) if wait else created.run)


class WeakMethod(StrEnum):
    auto = "auto"
    majority = "majority"
    weighted = "weighted"
    label_model = "label_model"
    anchored_label_model = "anchored_label_model"


class NoVote(StrEnum):
    none = "none"
    prior = "prior"


@app.command()
def ws(ctx: typer.Context, project: Project, task: TaskOption,
       method: Annotated[WeakMethod, typer.Option(
           help="auto chooses by agreement with the reference labels; "
                "anchored_label_model also learns from them.")] = WeakMethod.auto,
       heuristic: Annotated[list[str] | None, typer.Option(
           "--heuristic", "-H", help="A heuristic to merge, by name (repeat the option); "
           "default: every heuristic of the task with an output.")] = None,
       min_confidence: Annotated[float, typer.Option(
           min=0.0, max=1.0, help="Leave out weak labels less confident than this.")] = 0.0,
       no_vote: Annotated[NoVote, typer.Option(
           help="What records no heuristic voted on get: none, or (classification) the "
                "class prior's label, less confident than any voted one.")] = NoVote.none,
       auto_rerun: Annotated[bool, typer.Option(
           "--auto-rerun", help="Run again whenever a heuristic's output changes.")] = False,
       wait: Annotated[bool, typer.Option("--wait/--no-wait", "-w")] = True) -> None:
    """Run weak supervision: merge the task's heuristics into one label per record.

    With --wait (the default) it prints what the result scored against the reference labels.
    """
    state = _state(ctx)
    task_id = state.client.tasks.get(project, task).id
    chosen = None
    if heuristic:
        chosen = _named(_ids_by_name(state.client, project, task_id), heuristic,
                        noun="heuristic", task=task, hint="--heuristic")
    started = state.client.weak_supervision.run(
        project, task_id, method=method.value, heuristic_ids=chosen,
        min_confidence=min_confidence, no_vote=no_vote.value, auto_rerun=auto_rerun)
    finished = _wait(state, project, started) if wait else started
    _report(state, finished)
    if finished.status == "succeeded" and not state.as_json:
        out.print(summary_table(weak_summary(finished.metrics,
                                             asked=str(finished.params.get("method")))))


def _named(ids: dict[str, int], names: list[str], *, noun: str, task: str,
           hint: str) -> list[int]:
    """The ids of ``names`` in ``ids``; a usage error listing the task's names where one is
    missing."""
    unknown = [name for name in names if name not in ids]
    if unknown:
        raise typer.BadParameter(
            f"no {noun} {', '.join(map(repr, unknown))} in task {task!r} "
            f"(it has: {', '.join(map(repr, sorted(ids))) or 'none'})", param_hint=hint)
    return [ids[name] for name in names]


def _percent(value: Any) -> str:
    return "-" if not isinstance(value, int | float) else f"{100 * value:.1f} %"


def weak_summary(metrics: dict[str, Any], *, asked: str = "auto") -> list[tuple[str, str]]:
    """What a weak supervision run scored, as the web UI shows it: the method (with auto's
    reason where ``asked`` was auto, or that its accuracy is cross-fitted), coverage,
    accuracy on the covered records and on all records with a reference (and how many
    each; micro F1 and exact label sets of a multi-label result, exact-span F1 of spans),
    the labels given, and whether the label model counted the heuristics'
    abstentions.

    >>> for row in weak_summary({"method": "label_model", "coverage": 0.5, "accuracy": 0.9,
    ...         "compared": 10, "accuracy_all": 0.6, "compared_all": 20, "guessed": 4,
    ...         "weakly_labelled": 40, "distribution": {"ham": 30, "spam": 10},
    ...         "no_vote": "prior", "from_prior": 20, "agreement_by_method": {},
    ...         "abstentions": "abstentions ignored: 80 records (fewer than 3,000)"}):
    ...     print(*row, sep=": ")  # doctest: +NORMALIZE_WHITESPACE
    method: label_model (auto: too few reference labels to compare the methods)
    coverage: 50.0 %
    accuracy: 90.0 % on the 10 covered records with a reference; 60.0 % on all 20
        (4 with no weak label count 1/2 each)
    weakly labelled: 40 (20 from the class prior)
    label model: abstentions ignored: 80 records (fewer than 3,000)
    >>> weak_summary({"method": "weighted", "cross_fitted": ["weighted", "weighted"]},
    ...              asked="weighted")[0]  # doctest: +NORMALIZE_WHITESPACE
    ('method', "weighted (learns from the reference labels: accuracy cross-fitted, each half
    of them scored with the method fitted on the other half's)")
    >>> weak_summary({"method": "label_model", "coverage": 0.3, "micro_f1": 0.42,
    ...               "compared": 12, "spans": 20}, asked="label_model")[2]
    ('exact-span F1', '42.0 % on the 12 records with a reference')
    >>> weak_summary({"method": "weighted", "spans": 3, "micro_f1": 0.5, "compared": 4,
    ...               "agreement_by_method": {"majority": 0.4, "weighted": 0.5}})[0][1]
    'weighted (auto: agreement with the reference labels (exact-span F1) majority 0.400, weighted 0.500)'
    >>> weak_summary({"method": "majority", "micro_f1": 0.8, "accuracy": 0.6, "compared": 40},
    ...              asked="majority")[2:]  # doctest: +NORMALIZE_WHITESPACE
    [('micro F1', '80.0 % on the 40 records with a reference'),
     ('exact label sets', '60.0 % on the 40 records with a reference')]
    """  # noqa: E501
    method = str(metrics.get("method", "-"))
    agreement = metrics.get("agreement_by_method")
    score = ("accuracy" if "micro_f1" not in metrics
             else "exact-span F1" if "spans" in metrics else "micro F1")
    if asked == "auto" and isinstance(agreement, dict):
        reason = ("too few reference labels to compare the methods" if not agreement else
                  f"agreement with the reference labels ({score}) " + ", ".join(
                      f"{name} {_cell(value)}" for name, value in agreement.items()))
        method += f" (auto: {reason})"
    elif metrics.get("cross_fitted"):
        method += (" (learns from the reference labels: accuracy cross-fitted, each half of "
                   "them scored with the method fitted on the other half's)")
    rows = [("method", method), ("coverage", _percent(metrics.get("coverage")))]
    on_referenced = f" on the {metrics.get('compared', '?')} records with a reference"
    if "micro_f1" in metrics:   # a multi-label or span result
        rows.append((score, _percent(metrics["micro_f1"]) + on_referenced))
        if "spans" not in metrics:
            rows.append(("exact label sets", _percent(metrics.get("accuracy")) + on_referenced))
    elif "accuracy" in metrics:
        rows.append(("accuracy", f"{_percent(metrics['accuracy'])} on the "
                     f"{metrics.get('compared', '?')} covered records with a reference; "
                     f"{_percent(metrics.get('accuracy_all'))} on all "
                     f"{metrics.get('compared_all', '?')}{_guessed(metrics)}"))
    if "weakly_labelled" in metrics:
        given = str(metrics["weakly_labelled"])
        if metrics.get("no_vote") == "prior":
            given += f" ({metrics.get('from_prior', 0)} from the class prior)"
        rows.append(("weakly labelled", given))
    if "abstentions" in metrics:
        rows.append(("label model", str(metrics["abstentions"])))
    return rows


def _guessed(metrics: dict[str, Any]) -> str:
    """How the records without a weak label count in the accuracy on all (the scoring rule's
    share of a tie among every label)."""
    guessed, labels = metrics.get("guessed"), len(metrics.get("distribution") or {})
    if not guessed or labels < 2:
        return ""
    return f" ({guessed} with no weak label count 1/{labels} each)"


def summary_table(rows: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 3))
    table.add_column(style="bold")
    table.add_column()
    for row in rows:
        table.add_row(*row)
    return table


# --- active learning ------------------------------------------------------------------

CURVE_SCORES = {"accuracy": "acc", "subset_accuracy": "exact", "span_f1": "span F1",
                "macro_f1": "F1"}
"""Short column names of a simulation's held-out scores."""


def curve_table(curves: dict[str, Any]) -> Table:
    """Held-out scores per labels used (accuracy and macro-F1, or what the task's kind
    reports), the strategy beside random."""
    name = curves.get("ranked_by", curves.get("strategy_name", "strategy"))
    metrics = curves.get("metrics", ["accuracy", "macro_f1"])
    ours, random = curves["strategy"], curves["random"]
    headers = [f"{side} {CURVE_SCORES.get(metric, metric)}"
               for metric in metrics for side in ("strategy", "random")]
    table = figures_table(f"{name} vs random", Column("labels", justify="right"),
                          tuple(headers))
    for i, used in enumerate(ours["labels_used"]):
        table.add_row(str(used), *(_cell(curve[metric][i]) for metric in metrics
                                   for curve in (ours, random)))
    return table


def queue_summary(settings: QueueSettings, learner: str | None = None
                  ) -> list[tuple[str, str]]:
    """A task's queue settings as the Labeling page shows them: the strategy by what it
    ranks by, the batch size, the learner ranking the queue (``learner``: the chosen active
    learner's name), the other strategies and the stopping hint.

    >>> settings = QueueSettings(task_id=1, strategy="margin", ranks_by="margin",
    ...     strategies=[{"name": "margin", "ranks_by": "margin"},
    ...                 {"name": "random", "ranks_by": "random"}], batch_size=20,
    ...     heuristic_id=None, refit_run_id=None, model_run_id=4)
    >>> for row in queue_summary(settings):
    ...     print(*row, sep=": ")
    strategy: margin
    batch size: 20
    learner: the task's default learner (latest refit: run 4)
    strategies: margin: margin; random: random
    """
    if settings.heuristic_id is not None:
        model = f"active learner {learner or settings.heuristic_id!r}"
    else:
        refit = (f"latest refit: run {settings.model_run_id}" if settings.model_run_id
                 else "not fitted yet")
        if settings.refit_run_id is not None:
            refit += f"; run {settings.refit_run_id} refitting"
        model = f"the task's default learner ({refit})"
    named = "" if settings.strategy == settings.ranks_by else f" ({settings.strategy})"
    rows = [("strategy", settings.ranks_by + named),
            ("batch size", str(settings.batch_size)), ("learner", model),
            ("strategies", "; ".join(f"{choice.name}: {choice.ranks_by}"
                                     for choice in settings.strategies))]
    if settings.stop is not None:
        rows.append(("stop hint", settings.stop.message))
    return rows


@app.command()
def queue(ctx: typer.Context, project: Project, task: TaskOption,
          strategy: Annotated[str | None, typer.Option(
              help="Make this the task's strategy (one of those listed).")] = None,
          batch_size: Annotated[int | None, typer.Option(
              min=1, max=MAX_BATCH, help="Records per batch.")] = None,
          learner: Annotated[str | None, typer.Option(
              help="Rank with this active learner of the task (by name); 'default' for the "
                   "task's default learner.")] = None) -> None:
    """Show the active-learning queue settings of a task; with options, change them."""
    state = _state(ctx)
    task_id = state.client.tasks.get(project, task).id
    learners = _ids_by_name(state.client, project, task_id, kind="active_learner")
    changes: dict[str, Any] = {"strategy": strategy, "batch_size": batch_size}
    if learner == "default":
        changes["default_learner"] = True
    elif learner is not None:
        [changes["heuristic_id"]] = _named(learners, [learner], noun="active learner",
                                           task=task, hint="--learner")
    changes = {key: value for key, value in changes.items() if value is not None}
    settings = (state.client.active_learning.update_settings(project, task_id, **changes)
                if changes else state.client.active_learning.settings(project, task_id))
    if state.as_json:
        _print_json(settings)
        return
    names = {hid: name for name, hid in learners.items()}
    out.print(summary_table(queue_summary(settings, names.get(settings.heuristic_id or 0))))


@app.command()
def simulate(ctx: typer.Context, project: Project, task: TaskOption,
             strategy: Annotated[str, typer.Option(
                 help="A strategy by name: one of those `heurist queue` lists for the task "
                      "(they rank by what the task's kind allows); by default cold start, then "
                      "the least sure records."
             )] = "margin_after_cold_start",
             seed_size: Annotated[int, typer.Option(help="Random labels first.")] = 20,
             batch_size: Annotated[int, typer.Option(help="Labels per round.")] = 20,
             budget: Annotated[int, typer.Option(help="Labels in all.")] = 200,
             seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
             out_dir: Annotated[Path | None, typer.Option(
                 "--out", file_okay=False,
                 help="Save learning_curve.json and learning_curve.png here.")] = None) -> None:
    """Simulate labelling: a strategy against random sampling, as learning curves.

    Replays the task's reference labels from one random seed set; prints the curves.

    With --out it saves them as JSON and a PNG plot."""
    state = _state(ctx)
    task_id = state.client.tasks.get(project, task).id
    started = state.client.active_learning.simulate(
        project, task_id, strategy=strategy, seed_size=seed_size, batch_size=batch_size,
        budget=budget, random_state=seed)
    finished = _wait(state, project, started)
    if finished.status != "succeeded":
        _report(state, finished)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in ("learning_curve.json", "learning_curve.png"):
            (out_dir / name).write_bytes(
                state.client.active_learning.artifact(project, finished.id, name))
    if state.as_json:
        _print_json(finished.metrics["curves"])
        return
    out.print(curve_table(finished.metrics["curves"]))
    if out_dir is not None:
        out.print(f"saved {out_dir / 'learning_curve.png'} and learning_curve.json")


def guidelines_shown(task: Task) -> bool:
    """Whether the task has guidelines or a label with a description to show."""
    return bool(task.guidelines.strip()) or any(lbl.description for lbl in task.labels)


def guidelines_panel(task: Task) -> Panel:
    """The task's guidelines and what each label means, as the terminal labeler shows them."""
    parts: list[Text | Table] = [Text(task.guidelines.strip())] if task.guidelines.strip() else []
    if any(lbl.description for lbl in task.labels):
        labels = Table.grid(padding=(0, 2))
        for i, lbl in enumerate(task.labels, start=1):
            labels.add_row(Text(f"{i} {lbl.name}", style="bold"), Text(lbl.description))
        parts.append(labels)
    return Panel(Group(*parts), title=f"Guidelines of task {task.name}", title_align="left")


@app.command()
def label(ctx: typer.Context, project: Project, task: TaskOption,
          n: Annotated[int, typer.Option(help="Records per batch.")] = 10,
          strategy: Annotated[str | None, typer.Option(
              help="The task's strategy unless given.")] = None,
          relabel: Annotated[bool, typer.Option(help="Also records you labelled.")] = False
          ) -> None:
    """Label what active learning asks for next, with the reason for each record.

    Press a label's number (or hotkey), s to skip, c to comment on the record (one line;
    Enter alone cancels), ? for the task's guidelines, q to quit. A record's open comments
    are shown under it.

    In a terminal one key answers; from a pipe, one line."""
    state = _state(ctx)
    found = state.client.tasks.get(project, task)
    if found.kind != "classification":
        raise typer.BadParameter("the terminal labels classification tasks only",
                                 param_hint="--task")
    keys = {str(i): lbl.name for i, lbl in enumerate(found.labels, start=1)}
    keys |= {lbl.hotkey: lbl.name for lbl in found.labels if lbl.hotkey}
    legend = "  ".join(f"[bold]{i}[/bold] {escape(lbl.name)}"
                       for i, lbl in enumerate(found.labels, start=1))
    help_key = "  [bold]?[/bold] guidelines" if guidelines_shown(found) else ""
    comment_key = "" if "c" in keys else "  [bold]c[/bold] comment"   # a hotkey wins
    if help_key:
        out.print(guidelines_panel(found))
    done = 0
    skipped: set[int] = set()   # not asked again in this session
    while True:
        batch = state.client.active_learning.next(
            project, found.id, n=min(n + len(skipped), MAX_BATCH), strategy=strategy,
            relabel=relabel)
        if batch.stop is not None:
            out.print(Text(batch.stop.message, style="dim"))
        items = [item for item in batch.data if item.record.id not in skipped][:n]
        if not items:
            out.print(f"nothing left to label ({done} labelled"
                      + (f", {len(skipped)} skipped" if skipped else "") + ")"
                      + ("" if relabel else "; --relabel asks for records labelled before"))
            return
        for item in items:
            out.rule(Text(f"record {item.record.external_id} - {item.reason}"))
            for name, value in item.record.data.items():
                out.print(Text.assemble((name, "bold"), f": {value}"))
            thread = state.client.comments.list(project, record_id=item.record.id)
            if thread.data:
                out.print(open_comments_panel(thread))
            out.print(legend + "  [bold]s[/bold] skip  [bold]q[/bold] quit" + comment_key
                      + help_key)
            while (answer := _answer("> ")) not in (*keys, "s", "q"):
                if answer == "?" and help_key:
                    out.print(guidelines_panel(found))
                    continue
                if answer == "c" and comment_key:
                    _comment_on(state.client, project, item.record.id)
                    continue
                out.print(Text.assemble((repr(answer), "red"),
                                        ": a label's number or hotkey, s or q"))
            if answer == "q":
                out.print(f"{done} labelled")
                return
            if answer == "s":
                skipped.add(item.record.id)
                continue
            state.client.manual_labels.create(project, item.record.id, task_id=found.id,
                                              label=keys[answer])
            done += 1
            out.print(Text(keys[answer], style="green"))


def open_comments_panel(thread: CommentPage) -> Panel:
    """A record's open comments as the terminal labeler shows them under it: author, when,
    the comment's id, its text."""
    parts = [Text.assemble((comment.author, "bold"),
                           (f"  {short_time(comment.created_at)}  comment {comment.id}", "dim"),
                           "\n", comment.text.strip("\n"))
             for comment in thread.data]
    return Panel(Group(*parts), title=_many(len(parts), "open comment"), title_align="left")


def _comment_on(client: Heurist, project: int, record_id: int) -> None:
    """Ask for one line and add it as a comment on the record (nothing typed: none)."""
    text = out.input("comment (Enter alone cancels): ")
    if not text.strip():
        out.print("[dim]no comment[/dim]")
        return
    made = client.comments.add(project, record_id, text)
    out.print(Text(f"comment {made.id} added", style="green"))


def _answer(prompt: str) -> str:
    """One answer: a single key press in a terminal (no Enter), else a line of input."""
    if not sys.stdin.isatty():
        return out.input(prompt).strip()
    out.print(prompt, end="")
    key = click.getchar()
    out.print(key)
    return key


# --- statistics -----------------------------------------------------------------------

def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def figures_table(title: str, first: Column | tuple[Column, ...],
                  headers: tuple[str, ...]) -> Table:
    """A table of ``first`` (names: they fold when long; one column or several) and a
    right-aligned column of figures per header, tight enough for a terminal of 80 columns: no
    figure or header is cut."""
    table = Table(*(first if isinstance(first, tuple) else (first,)), box=box.SIMPLE_HEAD,
                  pad_edge=False, collapse_padding=True, show_edge=False, title=title)
    for header in headers:
        table.add_column(header, justify="right", no_wrap=True, min_width=len(header))
    return table


def stats_table(stats: TaskStats, task_name: str | None = None) -> Table:
    """The task's statistics, one heuristic per row (see :func:`figures_table`)."""
    table = figures_table(f"task {task_name or stats.task_id}",
                          Column("heuristic", overflow="fold"),
                          ("coverage", "hits", "overlaps", "conflicts", "precision", "recall",
                           "f1", "refs"))
    for row in stats.data:
        table.add_row(row.name, _cell(row.coverage), str(row.hits), _cell(row.overlaps),
                      _cell(row.conflicts), _cell(row.total.precision),
                      _cell(row.total.recall), _cell(row.total.f1), str(row.n_reference))
    return table


def missed_bars(stats: TaskStats, bars: dict[str, float]) -> list[str]:
    """Each heuristic metric below its bar (no value, e.g. no reference labels, misses it)."""
    missed = []
    for row in stats.data:
        for metric, bar in bars.items():
            value = row.coverage if metric == "coverage" else getattr(row.total, metric)
            if value is None or value < bar:
                missed.append(f"{row.name}: {metric} {_cell(value)} < {bar:g}")
    return missed


@app.command()
def stats(ctx: typer.Context, project: Project, task: TaskOption,
          fail_under: Annotated[list[str] | None, typer.Option(
              help="METRIC=VALUE (coverage, precision, recall, recall_where_voting, f1): exit 1 "
                   "when a heuristic is below (repeatable). Recall is over every record with "
                   "the reference label, abstains included.")] = None) -> None:
    """Each heuristic's coverage, overlaps, conflicts, precision, recall and F1."""
    state = _state(ctx)
    bars = {}
    for given in fail_under or []:
        metric, value = _pair(given)
        if metric not in FAIL_UNDER_METRICS:
            raise typer.BadParameter(f"{metric!r}: one of {', '.join(FAIL_UNDER_METRICS)}",
                                     param_hint="--fail-under")
        bars[metric] = float(value)
    chosen = state.client.tasks.get(project, task)
    found = state.client.stats.get(project, chosen.id)
    if state.as_json:
        _print_json(found)
    else:
        if found.data:
            out.print(stats_table(found, chosen.name))
        counted = {row.heuristic_id for row in found.data}
        heuristics = _task_heuristics(state.client, project, chosen.id)
        waiting = [h.name for h in heuristics if h.id not in counted]
        stale = [f"{h.name} ({'; '.join(h.out_of_date)})" for h in heuristics
                 if h.id in counted and h.out_of_date]
        if stale:
            err.print(f"Out of date: {', '.join(stale)} (`heurist run --out-of-date -t "
                      f"{chosen.name}`).", highlight=False, soft_wrap=True)
        if waiting:
            err.print(f"Not counted until a run of their current source succeeds: "
                      f"{', '.join(sorted(waiting))} (`heurist run NAME`).", highlight=False)
        elif not found.data:
            err.print(f"Task {chosen.name} has no heuristics yet: add some with `heurist "
                      "heuristics push FOLDER`.", highlight=False)
    missed = missed_bars(found, bars)
    for line in missed:
        err.print(f"[red]below the bar[/red] {line}")
    if missed:
        raise typer.Exit(EXIT_FAILED)


if __name__ == "__main__":
    run_cli()
