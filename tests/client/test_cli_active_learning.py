"""``heurist label`` (the queue in the terminal) and ``heurist simulate`` against a live app."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import select
import subprocess
import sys
import termios
import time

from client.sdk import Heurist
from tests.workers.conftest import ROOT, Stack
from tests.workers.test_learners import LEARNER, YOUTUBE, embedded_youtube


def test_label_shows_each_record_with_its_reason_and_posts_the_key(served: Stack, sdk: Heurist,
                                                                   heurist, monkeypatch):
    project = served.project_with_texts(["buy now", "hello [bold]friend[/bold]", "win a prize"])
    task = sdk.tasks.create(project, "spam", labels=["ham", "spam"])
    monkeypatch.setattr("sys.stdin", io.StringIO("2\nx\n1\nq\n"))
    shown = heurist("label", "-p", str(project), "-t", "spam", "--n", "3")
    assert shown.code == 0, shown.err
    assert shown.out.count("random sample") == 3   # no embedding yet: random order
    assert "hello [bold]friend[/bold]" in shown.out, "a record's text is never read as markup"
    assert "'x': a label's number or hotkey" in shown.out and "2 labelled" in shown.out
    labelled = sdk.projects.records(project, task_id=task.id,
                                        labelled="true")
    assert len(labelled) == 2
    # the labelled records are not offered again; the third one is
    assert sdk.active_learning.next(project, task.id, n=3).count == 1


def test_label_shows_the_guidelines_first_and_again_on_question_mark(served: Stack,
                                                                      sdk: Heurist, heurist,
                                                                      monkeypatch):
    project = served.project_with_texts(["buy now", "hello friend"])
    task = sdk.tasks.create(project, "spam", labels=["ham", "spam"])
    sdk.tasks.update(project, task.id, guidelines="Spam sells something.\nGreetings: ham.")
    sdk.tasks.update_label(project, task.id, "spam", description="an offer, a link, a prize")
    monkeypatch.setattr("sys.stdin", io.StringIO("?\nq\n"))
    shown = heurist("label", "-p", str(project), "-t", "spam", "--n", "2")
    assert shown.code == 0, shown.err
    assert shown.out.count("Guidelines of task spam") == 2, shown.out   # first, then on ?
    assert "Spam sells something." in shown.out and "Greetings: ham." in shown.out
    assert re.search(r"2 spam +an offer, a link, a prize", shown.out)
    assert "? guidelines" in shown.out and "'?'" not in shown.out


def test_queue_shows_the_settings_and_changes_them(served: Stack, sdk: Heurist, heurist):
    project = served.project_with_texts(["buy now", "hello friend"])
    task = sdk.tasks.create(project, "spam", labels=["ham", "spam"])
    shown = heurist("queue", "-p", str(project), "-t", "spam")
    assert shown.code == 0, shown.err
    assert "cold start, then margin (margin_after_cold_start)" in shown.out
    assert "the task's default learner (not fitted yet)" in shown.out
    assert "margin_diverse: margin in diverse batches" in shown.out
    changed = heurist("queue", "-p", str(project), "-t", "spam", "--strategy", "entropy",
                      "--batch-size", "5")
    assert changed.code == 0, changed.err
    assert re.search(r"strategy +entropy *\n", changed.out), changed.out
    assert sdk.active_learning.settings(project, task.id).batch_size == 5
    learner = sdk.heuristics.create(project, task_id=task.id, name="my learner",
                                    source=LEARNER, kind="active_learner")
    chosen = heurist("--json", "queue", "-p", str(project), "-t", "spam",
                     "--learner", "my learner")
    assert chosen.code == 0, chosen.err
    assert json.loads(chosen.out)["heuristic_id"] == learner.id
    assert "active learner 'my learner'" in heurist("queue", "-p", str(project),
                                                    "-t", "spam").out
    unknown = heurist("queue", "-p", str(project), "-t", "spam", "--learner", "nope")
    assert unknown.code == 2 and "no active learner 'nope'" in unknown.err
    assert "'my learner'" in unknown.err
    refused = heurist("queue", "-p", str(project), "-t", "spam", "--strategy", "psychic")
    assert refused.code == 3 and "strategy" in refused.err


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
    assert "cold start, then margin vs random" in shown.out and "random acc" in shown.out
    assert (tmp_path / "curve" / "learning_curve.png").read_bytes().startswith(b"\x89PNG")
    curves = json.loads((tmp_path / "curve" / "learning_curve.json").read_text())
    assert curves["strategy"]["labels_used"] == [10, 20, 30, 40]


class Terminal:
    """A command in a pseudo-terminal: keys go in as typed, the screen's text comes out."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        self.process = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env,
                                        cwd=ROOT, start_new_session=True)
        os.close(slave)
        self.screen = ""

    def wait_for(self, text: str, timeout: float = 60) -> str:
        """Read until ``text`` appears after what was read before; the new part."""
        start = len(self.screen)
        deadline = time.monotonic() + timeout
        while text not in self.screen[start:]:
            assert time.monotonic() < deadline, f"no {text!r} in:\n{self.screen[start:]}"
            if select.select([self.master], [], [], 0.2)[0]:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:     # the command ended and closed the terminal
                    chunk = b""
                self.screen += ANSI.sub("", chunk.decode(errors="replace"))
        return self.screen[start:]

    def press(self, key: str, timeout: float = 30) -> None:
        """Type ``key`` once the command reads single keys (the terminal left line mode:
        a key typed before that would be discarded, as in any terminal)."""
        deadline = time.monotonic() + timeout
        while termios.tcgetattr(self.master)[3] & termios.ICANON:
            assert time.monotonic() < deadline, "the command does not read single keys"
            time.sleep(0.02)
        os.write(self.master, key.encode())

    def close(self) -> int:
        code = self.process.wait(timeout=30)
        os.close(self.master)
        return code


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_label_in_a_terminal_takes_single_keys(served: Stack, sdk: Heurist):
    project = served.project_with_texts(["buy now", "hello friend", "win a prize"])
    task = sdk.tasks.create(project, "spam", labels=["ham", "spam"])
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
    terminal = Terminal([sys.executable, "-m", "client", "label", "-p", str(project),
                         "-t", "spam", "--n", "3"], env)
    try:
        first = terminal.wait_for("> ")
        assert "random sample" in first and "1 ham  2 spam  s skip  q quit" in first
        terminal.press("2")                 # no Enter: the key is the answer
        assert "spam" in terminal.wait_for("> ")
        terminal.press("x")
        assert "'x': a label's number or hotkey, s or q" in terminal.wait_for("> ")
        terminal.press("1")
        terminal.wait_for("> ")
        terminal.press("q")
        assert "2 labelled" in terminal.wait_for("2 labelled")
    finally:
        code = terminal.close()
    assert code == 0, terminal.screen
    assert len(sdk.projects.records(project, task_id=task.id, labelled="true")) == 2


def test_label_does_not_ask_again_for_a_skipped_record(served: Stack, sdk: Heurist, heurist,
                                                        monkeypatch):
    project = served.project_with_texts(["buy now", "hello friend", "win a prize"])
    task = sdk.tasks.create(project, "spam", labels=["ham", "spam"])
    monkeypatch.setattr("sys.stdin", io.StringIO("s\n1\n2\n"))   # then the input ends
    shown = heurist("label", "-p", str(project), "-t", "spam", "--n", "3")
    assert shown.code == 0, shown.err
    assert shown.out.count("random sample") == 3   # each record once
    out = " ".join(shown.out.split())
    assert "nothing left to label (2 labelled, 1 skipped); --relabel asks for records " \
        "labelled before" in out
    assert len(sdk.projects.records(project, task_id=task.id, labelled="true")) == 2
