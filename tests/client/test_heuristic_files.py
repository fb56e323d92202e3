"""Folder plans without a server: what push and pull would change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from client.heuristic_files import plan_pull, plan_push, write_pulled
from client.models import Heuristic


def heuristic(name: str, source: str, kind: str = "labeling_function") -> Heuristic:
    return Heuristic(id=1, task_id=1, kind=kind, name=name, description="",
                     revision={"number": 1, "source": source, "function_name": "lf",
                               "settings": {}, "created_at": datetime.now(UTC)},
                     min_confidence=None, auto_refit_every=None, last_run=None,
                     out_of_date=[])


def test_pull_then_push_plans_nothing(tmp_path):
    on_server = [heuristic("a", "def lf(r):\n    return 'x'\n"),
                 heuristic("b", "# heurist: kind=active_learner\n", kind="active_learner")]
    write_pulled(tmp_path, plan_pull(tmp_path, on_server))
    assert plan_push(tmp_path, on_server) == [] and plan_pull(tmp_path, on_server) == []


def test_new_and_changed_files_are_planned_with_a_diff(tmp_path):
    (tmp_path / "a.py").write_text("def lf(r):\n    return 'y'\n")
    (tmp_path / "c.py").write_text("# heurist: kind=active_learner\n")
    (tmp_path / "_shared.py").write_text("X = 1\n")
    plans = {c.name: c for c in plan_push(tmp_path, [heuristic("a", "def lf(r):\n"
                                                                    "    return 'x'\n")])}
    assert set(plans) == {"a", "c"}
    assert plans["a"].action == "update" and "-    return 'x'\n+    return 'y'" in plans["a"].diff
    assert (plans["c"].action, plans["c"].kind) == ("create", "active_learner")


def test_names_that_are_no_file_names_are_refused(tmp_path):
    with pytest.raises(ValueError, match="cannot be file names"):
        plan_pull(tmp_path, [heuristic("../evil", "")])
