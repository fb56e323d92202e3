"""``heurist heuristics push`` checks every file with the server before it changes anything and
says what it changed; ``heurist stats`` names the heuristics its table does not count yet."""

from __future__ import annotations

import pytest

from client.errors import ValidationFailed
from client.sdk import Heurist
from tests.workers.conftest import Stack

GOOD = 'def check_out(record):\n    if "check out" in record["text"]:\n        return "spam"\n'
SYNTAX_ERROR = 'def broken(record)\n    return "spam"\n'
NO_FUNCTION = 'SPAM = "spam"\n'


def test_push_refuses_every_bad_file_and_changes_nothing(served: Stack, sdk: Heurist,
                                                         heurist, tmp_path):
    project = served.project_with_texts(["check out my channel", "nice song"])
    sdk.tasks.create(project, "spam", labels=["ham", "spam"])
    folder = tmp_path / "heuristics"
    folder.mkdir()
    for name, source in {"a_good": GOOD, "broken": SYNTAX_ERROR, "constant": NO_FUNCTION}.items():
        (folder / f"{name}.py").write_text(source)
    where = ("-p", str(project), "-t", "spam")

    refused = heurist("heuristics", "push", str(folder), *where, "--yes")
    assert refused.code == 3, refused.err
    lines = [line for line in refused.err.splitlines() if line.startswith("refused")]
    assert len(lines) == 2, refused.err
    assert lines[0].startswith("refused broken: line 1") and "expected ':'" in lines[0]
    assert lines[1].startswith("refused constant: ")
    assert refused.err.rstrip().endswith("Nothing was changed.")
    assert sdk.heuristics.list(project) == []   # not even the good file went in

    (folder / "broken.py").unlink()
    (folder / "constant.py").unlink()
    pushed = heurist("heuristics", "push", str(folder), *where, "--yes")
    assert pushed.code == 0, pushed.err
    [made] = sdk.heuristics.list(project)
    assert f"created a_good (heuristic {made.id}, revision 1)" in pushed.err

    (folder / "a_good.py").write_text(GOOD.replace("check out", "subscribe"))
    updated = heurist("heuristics", "push", str(folder), *where, "--yes")
    assert updated.code == 0, updated.err
    assert f"updated a_good (heuristic {made.id}, revision 2)" in updated.err


def test_check_names_the_line_it_refuses(served: Stack, sdk: Heurist):
    project = served.project_with_texts(["hello"])
    task = sdk.tasks.create(project, "spam", labels=["ham", "spam"])
    assert sdk.heuristics.check(project, task_id=task.id, source=GOOD).function_name \
        == "check_out"
    with pytest.raises(ValidationFailed) as refused:
        sdk.heuristics.check(project, task_id=task.id, source="x = 1\n" + SYNTAX_ERROR)
    assert refused.value.row == 2 and "expected ':'" in refused.value.detail
    assert sdk.heuristics.list(project) == []


def test_stats_names_what_it_does_not_count_yet(served: Stack, sdk: Heurist, heurist):
    project = served.project_with_texts(["check out my channel", "nice song"])
    task = sdk.tasks.create(project, "spam", labels=["ham", "spam"])
    where = ("-p", str(project), "-t", "spam")
    empty = heurist("stats", *where)
    assert empty.code == 0, empty.err
    assert "Task spam has no heuristics yet" in empty.err and empty.out == ""

    sdk.heuristics.create(project, task_id=task.id, name="check_out", source=GOOD)
    sdk.heuristics.create(project, task_id=task.id, name="another", source=GOOD)
    waiting = heurist("stats", *where)
    assert waiting.code == 0, waiting.err
    assert " ".join(waiting.err.split()) == ("Not counted until a run of their current source "
                                             "succeeds: another, check_out (`heurist run "
                                             "NAME`).")
