"""What the CLI prints, against stored snapshots (tests/client/snapshots): help texts and the
statistics table. After an intended change, regenerate them with
``HEURIST_UPDATE_SNAPSHOTS=1 pytest tests/client/test_cli_output.py`` and review the diff."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from rich.console import Console

from client.cli import curve_table, missed_bars, stats_table
from client.models import TaskStats

SNAPSHOTS = Path(__file__).parent / "snapshots"
HELP = {"help": [], "heuristics-push": ["heuristics", "push"], "stats": ["stats"],
        "run": ["run"], "import": ["import"], "ws": ["ws"],
        "tasks-guidelines": ["tasks", "guidelines"], "attributes-values": ["attributes", "values"],
        "comments": ["comments"], "comments-list": ["comments", "list"],
        "comments-add": ["comments", "add"], "tasks-agreement": ["tasks", "agreement"],
        "inbox": ["inbox"], "inbox-read": ["inbox", "read"]}


def matches_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("HEURIST_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"no snapshot {path.name}: run with HEURIST_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text()


@pytest.mark.parametrize("name", list(HELP))
def test_help_text(name: str, heurist, monkeypatch):
    monkeypatch.setenv("COLUMNS", "90")
    for variable in ("FORCE_COLOR", "TERMINAL_WIDTH"):
        monkeypatch.delenv(variable, raising=False)
    shown = heurist(*HELP[name], "--help")
    assert shown.code == 0, shown.err
    matches_snapshot(f"help-{name}", shown.out)


STATS = TaskStats.model_validate({"task_id": 3, "data": [
    {"heuristic_id": 1, "name": "check_out", "kind": "labeling_function", "revision": 2,
     "run_id": 7, "n_reference": 40, "coverage": 0.25, "hits": 50, "overlaps": 0.1,
     "conflicts": 0.02, "labels": [],
     "total": {"label": None, "tp": 9, "fp": 0, "fn": 31, "precision": 1.0, "recall": 0.225,
               "f1": 0.367, "precision_low": 0.7, "precision_high": 1.0,
               "recall_where_voting": 1.0}},
    {"heuristic_id": 2, "name": "links", "kind": "labeling_function", "revision": 1,
     "run_id": 8, "n_reference": 0, "coverage": 0.4, "hits": 80, "overlaps": 0.1,
     "conflicts": 0.0, "labels": [],
     "total": {"label": None, "tp": 0, "fp": 0, "fn": 0, "precision": None, "recall": None,
               "f1": None, "precision_low": None, "precision_high": None}}]})


def test_stats_table():
    console = Console(width=100, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(stats_table(STATS, "spam"))
    matches_snapshot("stats-table", console.export_text())


def test_stats_table_fits_a_terminal_of_80_columns():
    """A pipe or a plain terminal gets 80 columns: no header or figure is cut, a long name
    folds."""
    long = STATS.model_copy(deep=True)
    long.data[0].name = "check_out_with_a_long_descriptive_name"
    console = Console(width=80, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(stats_table(long, "spam"))
    lines = console.export_text().splitlines()
    header = next(line for line in lines if "heuristic" in line)
    assert header.split() == ["heuristic", "coverage", "hits", "overlaps", "conflicts",
                              "precision", "recall", "f1", "refs"]
    first = next(line for line in lines if "0.250" in line)
    assert first.split()[1:] == ["0.250", "50", "0.100", "0.020", "1.000", "0.225", "0.367",
                                 "40"]
    assert "".join(line.split()[0] for line in lines[lines.index(first):][:4]).startswith(
        long.data[0].name)


def test_curve_table_shows_the_scores_of_the_task_kind_in_80_columns():
    spans = {"strategy_name": "margin", "ranked_by": "least confident token sequence",
             "metrics": ["span_f1", "macro_f1"],
             "strategy": {"labels_used": [20, 40], "span_f1": [0.31, 0.52],
                          "macro_f1": [0.2, 0.41]},
             "random": {"labels_used": [20, 40], "span_f1": [0.31, 0.47],
                        "macro_f1": [0.2, 0.36]}}
    console = Console(width=80, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(curve_table(spans))
    lines = console.export_text().splitlines()
    assert lines[0].strip() == "least confident token sequence vs random"
    assert re.split(r"\s{2,}", lines[1].strip()) == [
        "labels", "strategy span F1", "random span F1", "strategy F1", "random F1"]
    assert lines[-1].split() == ["40", "0.520", "0.470", "0.410", "0.360"]


def test_fail_under_names_each_heuristic_below_the_bar():
    assert missed_bars(STATS, {"precision": 0.9}) == ["links: precision - < 0.9"]
    assert missed_bars(STATS, {"coverage": 0.3, "recall": 0.2}) == [
        "check_out: coverage 0.250 < 0.3", "links: recall - < 0.2"]
    assert missed_bars(STATS, {"coverage": 0.25}) == []
    assert missed_bars(STATS, {"recall": 0.5, "recall_where_voting": 0.9}) == [
        "check_out: recall 0.225 < 0.5", "links: recall - < 0.5",
        "links: recall_where_voting - < 0.9"]


def test_a_usage_error_is_a_message_and_exit_code_2(heurist):
    wrong = heurist("ws", "-p", "1", "-t", "spam", "--method", "best")
    assert wrong.code == 2
    assert "Invalid value for '--method'" in wrong.err and "Traceback" not in wrong.err
    assert "'auto', 'majority', 'weighted', 'label_model'" in wrong.err
