"""``heurist label`` (the queue in the terminal) and ``heurist simulate`` against a live app."""

from __future__ import annotations

import csv
import io
import json

from client.sdk import Heurist
from tests.workers.conftest import Stack
from tests.workers.test_learners import YOUTUBE, embedded_youtube


def test_label_shows_each_record_with_its_reason_and_posts_the_key(served: Stack, sdk: Heurist,
                                                                   heurist, monkeypatch):
    project = served.project_with_texts(["buy now", "hello friend", "win a prize"])
    task = sdk.tasks.create(project, "spam", labels=["ham", "spam"])
    monkeypatch.setattr("sys.stdin", io.StringIO("2\nx\n1\nq\n"))
    shown = heurist("label", "-p", str(project), "-t", "spam", "--n", "3")
    assert shown.code == 0, shown.err
    assert shown.out.count("random sample") == 3   # no embedding yet: random order
    assert "'x': a label's number or hotkey" in shown.out and "2 labelled" in shown.out
    labelled = sdk.projects.records(project, task_id=task.id,
                                        labelled="true")
    assert len(labelled) == 2
    # the labelled records are not offered again; the third one is
    assert sdk.active_learning.next(project, task.id, n=3).count == 1


def test_simulate_prints_the_curves_and_saves_the_plot(live: Stack, sdk: Heurist, heurist,
                                                       tmp_path):
    project, task = embedded_youtube(live)
    with YOUTUBE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    ids = {r.external_id: r.id for r in sdk.projects.records(project, limit=1000)}
    sdk.manual_labels.create_many(project, [
        (ids[row["COMMENT_ID"]], "spam" if row["CLASS"] == "1" else "ham") for row in rows],
        task_id=task)
    shown = heurist("simulate", "-p", str(project), "-t", "spam", "--seed-size", "10",
                    "--batch-size", "10", "--budget", "40", "--out", str(tmp_path / "curve"))
    assert shown.code == 0, shown.err
    assert "margin vs random" in shown.out and "random acc" in shown.out
    assert (tmp_path / "curve" / "learning_curve.png").read_bytes().startswith(b"\x89PNG")
    curves = json.loads((tmp_path / "curve" / "learning_curve.json").read_text())
    assert curves["strategy"]["labels_used"] == [10, 20, 30, 40]
