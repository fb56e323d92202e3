"""Label Studio's JSON task format and labeling configuration: writers and a checked reader.

A Label Studio task is ``{"data": {...}, "meta": {...}, "annotations": [...],
"predictions": [...]}``; an annotation or prediction has a ``result`` list whose items say
which control (``from_name``) labelled which object (``to_name``): ``{"type": "choices",
"value": {"choices": [...]}}`` for classification, ``{"type": "labels", "value": {"start",
"end", "text", "labels": [...]}}`` for a span of text (offsets in characters, end
exclusive). Pure functions over values and streams; no database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, Literal
from xml.sax.saxutils import quoteattr

from heuristics.errors import InvalidInputError

__all__ = [
    "Control",
    "LabelStudioAnnotation",
    "LabelStudioRegion",
    "LabelStudioTask",
    "choices_result",
    "labeling_config",
    "read_tasks",
    "span_result",
    "write_tasks",
]

ControlKind = Literal["single", "multiple", "spans"]
ANNOTATOR_KEY = "heurist_annotator"
TASK_KEY = "heurist_task"
"""Annotation keys naming a Heurist annotator and labeling task; Label Studio ignores them."""
MAX_TASKS = 1_000_000


@dataclass(frozen=True)
class Control:
    """One labeling task as a Label Studio control tag on the text of ``attribute``."""

    name: str
    kind: ControlKind
    attribute: str
    labels: Sequence[str]
    colors: Sequence[str] = ()


def object_name(attribute: str) -> str:
    """The name of the ``<Text>`` object that shows an attribute (letters, digits, ``_``).

    >>> object_name("review text")
    'review_text'
    """
    return re.sub(r"\W", "_", attribute) or "_"


def labeling_config(controls: Sequence[Control]) -> str:
    """A labeling configuration (XML) with one ``<Text>`` per attribute and one control per
    task: ``<Choices>`` (``choice="single"`` or ``"multiple"``) or ``<Labels>`` for spans.

    >>> print(labeling_config([Control("spam", "single", "text", ["ham", "spam"])]))
    <View>
      <Text name="text" value="$text"/>
      <Choices name="spam" toName="text" choice="single" showInline="true">
        <Choice value="ham"/>
        <Choice value="spam"/>
      </Choices>
    </View>
    """
    lines = ["<View>"]
    objects = dict.fromkeys(control.attribute for control in controls)
    names = [object_name(attribute) for attribute in objects]
    taken = {control.name for control in controls}
    for attribute, name in zip(objects, names, strict=True):
        if name in taken:
            raise InvalidInputError(f"a task and the text it labels are both named {name!r}; "
                                    "rename the task", field="task")
        granularity = ' granularity="word"' if any(
            c.kind == "spans" and c.attribute == attribute for c in controls) else ""
        lines.append(f'  <Text name={quoteattr(name)} value={quoteattr("$" + attribute)}'
                     f"{granularity}/>")
    for control in controls:
        to_name = quoteattr(object_name(control.attribute))
        colors = list(control.colors) or [""] * len(control.labels)
        if control.kind == "spans":
            lines.append(f"  <Labels name={quoteattr(control.name)} toName={to_name}>")
            lines += [f"    <Label value={quoteattr(label)}"
                      + (f" background={quoteattr(color)}" if color else "") + "/>"
                      for label, color in zip(control.labels, colors, strict=True)]
            lines.append("  </Labels>")
        else:
            lines.append(f"  <Choices name={quoteattr(control.name)} toName={to_name} "
                         f'choice="{control.kind}" showInline="true">')
            lines += [f"    <Choice value={quoteattr(label)}/>" for label in control.labels]
            lines.append("  </Choices>")
    lines.append("</View>")
    return "\n".join(lines)


def choices_result(control: Control, labels: Sequence[str], *,
                   score: float | None = None) -> dict:
    """One ``choices`` result item: the chosen labels of a classification task."""
    item = {"from_name": control.name, "to_name": object_name(control.attribute),
            "type": "choices", "value": {"choices": list(labels)}}
    return item if score is None else item | {"score": score}


def span_result(control: Control, label: str, start: int, end: int, text: str, *,
                score: float | None = None) -> dict:
    """One ``labels`` result item: a span ``text[start:end]`` (character offsets)."""
    item = {"from_name": control.name, "to_name": object_name(control.attribute),
            "type": "labels", "value": {"start": start, "end": end,
                                        "text": text[start:end], "labels": [label]}}
    return item if score is None else item | {"score": score}


def write_tasks(tasks: Iterable[dict]) -> Iterator[bytes]:
    """Tasks as one JSON array (Label Studio's import file), streamed a task at a time."""
    yield b"["
    for number, task in enumerate(tasks):
        yield (b",\n" if number else b"\n") + json.dumps(task, ensure_ascii=False).encode()
    yield b"\n]\n"


@dataclass(frozen=True)
class LabelStudioRegion:
    """One result item: ``choices`` or one span (``start``/``end`` in characters)."""

    control: str
    labels: tuple[str, ...]
    start: int | None = None
    end: int | None = None
    text: str | None = None

    @property
    def is_span(self) -> bool:
        return self.start is not None


@dataclass(frozen=True)
class LabelStudioAnnotation:
    """One annotator's annotation of a task. ``annotator`` is a Heurist name, an email or
    ``label-studio-<id>``, or None when the file does not say (``completed_by`` absent)."""

    annotator: str | None
    ground_truth: bool
    regions: tuple[LabelStudioRegion, ...]
    task: str | None = None


@dataclass(frozen=True)
class LabelStudioTask:
    """A task of a Label Studio export; ``number`` counts tasks from 1 (for messages)."""

    number: int
    data: dict
    meta: dict
    annotations: tuple[LabelStudioAnnotation, ...] = field(default=())

def _fail(message: str, number: int, where: str) -> InvalidInputError:
    return InvalidInputError(f"task {number}: {message}", field=where)


def _annotator(annotation: dict, number: int, where: str) -> str | None:
    named = annotation.get(ANNOTATOR_KEY)
    if named is not None:
        if not isinstance(named, str) or not named.strip():
            raise _fail(f"{ANNOTATOR_KEY} must be a name", number, where)
        return named
    completed_by = annotation.get("completed_by")
    if completed_by is None:
        return None
    if isinstance(completed_by, bool):
        raise _fail("completed_by must be a user id or an object with an email", number,
                    where)
    if isinstance(completed_by, int):
        return f"label-studio-{completed_by}"
    if isinstance(completed_by, dict):
        if isinstance(completed_by.get("email"), str) and completed_by["email"]:
            return completed_by["email"]
        if isinstance(completed_by.get("id"), int):
            return f"label-studio-{completed_by['id']}"
    raise _fail("completed_by must be a user id or an object with an email", number, where)


def _offset(value: dict, key: str, number: int, where: str) -> int:
    offset = value.get(key)
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise _fail(f"a span needs a non-negative integer {key!r}", number, where)
    return offset


def _region(item: object, number: int, where: str) -> LabelStudioRegion | None:
    """A result item as a region; None for result types Heurist does not hold (e.g. a
    relation or a text area)."""
    if not isinstance(item, dict):
        raise _fail("a result item must be an object", number, where)
    kind, value = item.get("type"), item.get("value")
    if kind not in ("choices", "labels"):
        return None
    if not isinstance(item.get("from_name"), str) or not isinstance(value, dict):
        raise _fail("a result item needs 'from_name' and a 'value' object", number, where)
    labels = value.get(kind)
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise _fail(f"value.{kind} must be a list of label names", number, where)
    if kind == "choices":
        return LabelStudioRegion(item["from_name"], tuple(labels))
    start, end = _offset(value, "start", number, where), _offset(value, "end", number, where)
    if end <= start:
        raise _fail(f"a span must end after it starts (start {start}, end {end})", number,
                    where)
    text = value.get("text")
    return LabelStudioRegion(item["from_name"], tuple(labels), start, end,
                             text if isinstance(text, str) else None)


def _annotation(annotation: object, number: int, where: str) -> LabelStudioAnnotation | None:
    """An annotation, or None if it was cancelled (skipped in Label Studio)."""
    if not isinstance(annotation, dict):
        raise _fail("an annotation must be an object", number, where)
    if annotation.get("was_cancelled"):
        return None
    result = annotation.get("result")
    if not isinstance(result, list):
        raise _fail("an annotation needs a 'result' list", number, where)
    regions = [_region(item, number, f"{where}.result[{i}]") for i, item in enumerate(result)]
    task = annotation.get(TASK_KEY)
    return LabelStudioAnnotation(_annotator(annotation, number, where),
                                 annotation.get("ground_truth") is True,
                                 tuple(r for r in regions if r is not None),
                                 task if isinstance(task, str) else None)


def read_tasks(stream: BinaryIO) -> list[LabelStudioTask]:
    """Read a Label Studio JSON export (a list of tasks) and check its shape.

    Annotations are kept (cancelled ones dropped); predictions are not read. Errors name the
    task (counted from 1) and the place in it, e.g. ``annotations[0].result[2]``.

    >>> import io
    >>> tasks = read_tasks(io.BytesIO(b'[{"data": {"text": "hi"}, "annotations": [{"result":'
    ...     b' [{"from_name": "spam", "to_name": "text", "type": "choices",'
    ...     b' "value": {"choices": ["ham"]}}], "completed_by": 3}]}]'))
    >>> tasks[0].annotations[0].annotator, tasks[0].annotations[0].regions[0].labels
    ('label-studio-3', ('ham',))
    """
    try:
        document = json.load(stream)
    except UnicodeDecodeError as error:
        raise InvalidInputError(f"the file is not UTF-8 text: {error}") from error
    except json.JSONDecodeError as error:
        raise InvalidInputError(f"the file is not JSON: {error.msg} at line {error.lineno}, "
                                f"column {error.colno}", row=error.lineno) from error
    if isinstance(document, dict):
        document = [document]
    if not isinstance(document, list):
        raise InvalidInputError("a Label Studio export is a JSON list of tasks")
    if len(document) > MAX_TASKS:
        raise InvalidInputError(f"the file has {len(document)} tasks; at most {MAX_TASKS}")
    tasks = []
    for number, task in enumerate(document, start=1):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise _fail("a task must be an object with a 'data' object", number, "data")
        meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
        annotations = task.get("annotations", [])
        if not isinstance(annotations, list):
            raise _fail("'annotations' must be a list", number, "annotations")
        read = [_annotation(a, number, f"annotations[{i}]") for i, a in enumerate(annotations)]
        tasks.append(LabelStudioTask(number, task["data"], meta,
                                     tuple(a for a in read if a is not None)))
    return tasks


def utf16_to_code_points(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Offsets counted in UTF-16 code units (older Label Studio versions) as offsets in
    characters; None if they fall inside a character.

    >>> text = "\\N{PILE OF POO}hi there"
    >>> start, end = utf16_to_code_points(text, 5, 10)
    >>> start, end, text[start:end]
    (4, 9, 'there')
    """
    positions = {0: 0}
    units = 0
    for index, char in enumerate(text, start=1):
        units += 2 if ord(char) > 0xFFFF else 1
        positions[units] = index
    if start not in positions or end not in positions:
        return None
    return positions[start], positions[end]
