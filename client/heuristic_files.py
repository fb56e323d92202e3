"""A folder of heuristics in git: one ``NAME.py`` per heuristic of a task, its source as the
file's text. ``plan_push`` says what pushing the folder would change (with a diff) and
``plan_pull`` what pulling would write; both are empty when folder and server agree.

A new file becomes a labeling function, or an active learner when a line of it reads
``# heurist: kind=active_learner``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from client.models import Heuristic

KIND_LINE = re.compile(r"^#\s*heurist:\s*kind\s*=\s*(\w+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Change:
    """One heuristic to create or update (push), or one file to write (pull)."""

    name: str
    action: Literal["create", "update"]
    source: str
    diff: str
    kind: str = "labeling_function"
    heuristic_id: int | None = None


def kind_of(source: str) -> str:
    """
    >>> kind_of("# heurist: kind=active_learner\\n"), kind_of("def lf(r): pass")
    ('active_learner', 'labeling_function')
    """
    found = KIND_LINE.search(source)
    return found.group(1) if found else "labeling_function"


def read_folder(folder: Path) -> dict[str, str]:
    """Heuristic name → source, for every ``*.py`` of the folder (``_``-prefixed skipped)."""
    return {path.stem: path.read_text(encoding="utf-8")
            for path in sorted(folder.glob("*.py")) if not path.name.startswith("_")}


def _diff(old: str, new: str, old_name: str, new_name: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(keepends=True),
                                        new.splitlines(keepends=True), old_name, new_name))


def plan_push(folder: Path, heuristics: list[Heuristic]) -> list[Change]:
    """What pushing ``folder`` would change among the task's ``heuristics``."""
    on_server = {h.name: h for h in heuristics}
    changes = []
    for name, source in read_folder(folder).items():
        current = on_server.get(name)
        if current is None:
            changes.append(Change(name, "create", source, _diff("", source, "/dev/null",
                                                                f"{name}.py"),
                                  kind=kind_of(source)))
        elif current.revision.source != source:
            changes.append(Change(name, "update", source, _diff(
                current.revision.source, source, f"server/{name}", f"{name}.py"),
                kind=current.kind, heuristic_id=current.id))
    return changes


SAFE_NAME = re.compile(r"^[A-Za-z0-9][\w.-]*$")


def plan_pull(folder: Path, heuristics: list[Heuristic]) -> list[Change]:
    """Which files pulling the task's ``heuristics`` into ``folder`` would write; ValueError
    for a name that is no plain file name (``/``, spaces, a leading dot or ``_``)."""
    unsafe = [h.name for h in heuristics if not SAFE_NAME.match(h.name)]
    if unsafe:
        raise ValueError(f"heuristic names that cannot be file names: {unsafe!r}; rename them "
                         "first")
    in_folder = read_folder(folder) if folder.is_dir() else {}
    changes = []
    for heuristic in sorted(heuristics, key=lambda h: h.name):
        source, old = heuristic.revision.source, in_folder.get(heuristic.name)
        if old != source:
            changes.append(Change(heuristic.name, "create" if old is None else "update",
                                  source, _diff(old or "", source, f"{heuristic.name}.py",
                                                f"server/{heuristic.name}"),
                                  kind=heuristic.kind, heuristic_id=heuristic.id))
    return changes


def write_pulled(folder: Path, changes: list[Change]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for change in changes:
        (folder / f"{change.name}.py").write_text(change.source, encoding="utf-8")
