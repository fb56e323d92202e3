"""The sandbox contains what user code does, reports it precisely, and keeps working."""

from __future__ import annotations

import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

from heuristics.sandbox import (
    Sandbox,
    SandboxError,
    SandboxFailure,
    SandboxLimits,
    SandboxUnavailable,
)
from tests.conftest import DATASETS

RECORDS = [{"id": i, "data": {"text": text}} for i, text in enumerate(
    ["free money now", "hello there", "win a FREE phone", "nice song"])]


def run(source: str, records=RECORDS, *, limits: SandboxLimits | None = None,
        task_kind: str = "classification"):
    sandbox = Sandbox(limits=limits or SandboxLimits(wall_seconds=30, record_seconds=2))
    return sandbox.run_labeling_function(textwrap.dedent(source), records, function="lf",
                                         task_kind=task_kind)


def healthy() -> None:
    """The sandbox still runs ordinary code after an abuse attempt."""
    result = run("def lf(record):\n    return 'spam' if 'free' in record['text'].lower() "
                 "else None\n")
    assert result.outputs == {0: "spam", 1: None, 2: "spam", 3: None}


def test_outputs_logs_and_per_record_errors():
    result = run("""
        import re

        def lf(record):
            print("saw", record.id)
            if record.id == 2:
                return 1 / 0
            return "spam" if re.search(r"free", record["text"]) else None
        """)
    assert result.outputs == {0: "spam", 1: None, 3: None}
    [error] = result.errors
    assert (error.index, error.line) == (2, 7)
    assert error.message == "ZeroDivisionError: division by zero"
    assert "line 7, in lf" in error.traceback
    assert result.logs.splitlines() == ["saw 0", "saw 1", "saw 2", "saw 3"]


def test_syntax_error_and_missing_function_are_reported_with_lines():
    with pytest.raises(SandboxError) as error:
        run("def lf(record):\n    return (\n")
    assert error.value.row == 2 and "SyntaxError" in error.value.message
    assert error.value.reason is SandboxFailure.LOAD
    with pytest.raises(SandboxError, match="no function 'lf'"):
        run("def other(record):\n    return None\n")


def test_wrong_return_type_is_a_record_error():
    result = run("def lf(record):\n    return 5\n")
    assert len(result.errors) == 4
    assert "returned 5 (int); expected a label name" in result.errors[0].message


def test_extraction_with_tokens_and_char_spans():
    records = [{"data": {"text": "Peter met Anna"},
                "tokens": {"text": [[0, 5], [6, 9], [10, 14]]}}]
    result = run("""
        def lf(record):
            for token in record.tokens("text"):
                if token.text[0].isupper():
                    yield "PER", 0 if token.start == 0 else 2, 1 if token.start == 0 else 3
            yield Span("PER", 10, 14)
        """, records, task_kind="extraction")
    assert result.outputs == {0: [["tok", "PER", 0, 1], ["tok", "PER", 2, 3],
                                  ["chr", "PER", 10, 14]]}


def test_cannot_reach_the_database_or_redis():
    result = run("""
        import socket

        def lf(record):
            for port in (5432, 6379):
                s = socket.socket()
                s.settimeout(1)
                s.connect(("127.0.0.1", port))
            return "spam"
        """, RECORDS[:1])
    [error] = result.errors
    assert "OSError" in error.message or "ConnectionRefusedError" in error.message
    healthy()


def test_sees_no_environment_no_data_dir_no_home():
    secret_dir = os.path.abspath("var")
    result = run(f"""
        import os

        def lf(record):
            seen = dict(os.environ)
            assert not any(k.startswith("HEURIST") for k in seen), seen
            assert "DATABASE" not in str(seen) and "postgresql" not in str(seen), seen
            for path in ({secret_dir!r}, "/root", "/home", "/work", {str(DATASETS)!r},
                         "/etc/passwd"):
                assert not os.path.exists(path), path
            return "ok"
        """, RECORDS[:1])
    assert result.errors == [] and result.outputs == {0: "ok"}


def test_cannot_write_outside_tmp():
    result = run("""
        def lf(record):
            open("/tmp/scratch", "w").write("fine")
            for path in ("/usr/evil", "/opt/heurist/heuristics/evil.py", "/evil"):
                try:
                    open(path, "w")
                except OSError:
                    continue
                return "wrote " + path
            return "blocked"
        """, RECORDS[:1])
    assert result.outputs == {0: "blocked"}, result.errors


def test_infinite_loop_is_stopped_per_record():
    result = run("""
        def lf(record):
            if record.id == 1:
                while True:
                    pass
            return "spam"
        """)
    assert result.outputs == {0: "spam", 2: "spam", 3: "spam"}
    [error] = result.errors
    assert error.index == 1 and "took longer than 2 s" in error.message


def test_loop_that_swallows_timeouts_is_stopped_from_outside():
    limits = SandboxLimits(wall_seconds=30, record_seconds=1)
    with pytest.raises(SandboxError, match="stopped after the record time limit of 1 s at "
                                           "record #1 \\(1\\)") as error:
        run("""
            def lf(record):
                while record.id == 1:
                    try:
                        while True:
                            pass
                    except BaseException:
                        pass
                return None
            """, limits=limits)
    assert error.value.reason is SandboxFailure.TIME_LIMIT
    healthy()


def test_allocating_20_gb_fails_alone():
    result = run("""
        def lf(record):
            if record.id == 0:
                block = bytearray(20 * 1024 ** 3)
            return "ok"
        """)
    assert result.outputs == {1: "ok", 2: "ok", 3: "ok"}
    assert result.errors[0].index == 0 and "MemoryError" in result.errors[0].message
    healthy()


def test_fork_bomb_is_contained():
    limits = SandboxLimits(wall_seconds=10, record_seconds=5, max_processes=16)
    result = run("""
        import os

        def lf(record):
            children = 0
            try:
                while True:
                    if os.fork() == 0:
                        import time
                        time.sleep(30)
                        os._exit(0)
                    children += 1
            except OSError as error:
                return f"stopped after {children}"
        """, RECORDS[:1], limits=limits)
    assert result.outputs[0].startswith("stopped after ")
    assert int(result.outputs[0].split()[-1]) < 16
    healthy()


def test_printing_a_gigabyte_is_capped():
    limits = SandboxLimits(wall_seconds=60, record_seconds=50, max_log_chars=1_000)
    result = run("""
        def lf(record):
            line = "x" * 1023
            for _ in range(1024 * 1024):
                print(line)
            return "done"
        """, RECORDS[:1], limits=limits)
    assert result.outputs == {0: "done"}
    assert len(result.logs) == 1_000 and result.logs_truncated


def test_killing_the_parent_reaches_nothing_outside():
    result = run("""
        import os
        import signal

        def lf(record):
            outcomes = []
            for pid in (os.getppid(), 1, os.getpid() + 1):
                try:
                    os.kill(pid, signal.SIGKILL)
                    outcomes.append(f"{pid}: sent")
                except OSError as error:
                    outcomes.append(f"{pid}: {type(error).__name__}")
            return " ".join(outcomes)
        """, RECORDS[:1])
    assert "PermissionError" in result.outputs[0] or "ProcessLookupError" in result.outputs[0]
    assert str(os.getpid()) not in result.outputs[0]  # the worker's pid is not even visible
    healthy()


def test_killing_itself_is_reported():
    with pytest.raises(SandboxError, match="user code was killed") as error:
        run("""
            import os
            import signal

            def lf(record):
                os.kill(os.getpid(), signal.SIGKILL)
            """, RECORDS[:1])
    assert error.value.reason is SandboxFailure.KILLED
    healthy()


def test_the_cpu_limit_is_named():
    with pytest.raises(SandboxError, match="exceeded the CPU limit of 2 s"):
        run("""
            def lf(record):
                while True:
                    pass
            """, RECORDS[:1], limits=SandboxLimits(cpu_seconds=2, wall_seconds=30,
                                                   record_seconds=20))


def test_a_crash_names_the_record():
    with pytest.raises(SandboxError, match="at record #2 \\(2\\)"):
        run("""
            import os

            def lf(record):
                if record.id == 2:
                    os._exit(9)
                return None
            """)


def test_missing_bubblewrap_is_refused_with_a_hint(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
        run("def lf(record):\n    return None\n")


def test_scientific_libraries_import_inside():
    result = run("""
        import numpy as np
        from sklearn.feature_extraction.text import CountVectorizer

        def lf(record):
            counts = CountVectorizer().fit_transform([record["text"]])
            return "spam" if np.asarray(counts.sum()) > 2 else None
        """)
    assert result.errors == []
    assert result.outputs == {0: "spam", 1: None, 2: "spam", 3: None}


def test_runs_the_workers_python_and_its_threads():
    result = run("""
        import sys
        from concurrent.futures import ThreadPoolExecutor

        def lf(record):
            with ThreadPoolExecutor(2) as pool:   # joblib's threads, as GridSearchCV(n_jobs=-1)
                assert list(pool.map(len, ["ab", "c"])) == [2, 1]
            return sys.version
        """, RECORDS[:1])
    assert result.errors == [] and result.outputs == {0: sys.version}


def test_runs_stop_after_repeated_timeouts():
    records = [{"id": f"r{i}", "data": {"text": "x"}} for i in range(100)]
    with pytest.raises(SandboxError, match=r"stopped after 3 records took longer than 1 s each "
                                           r"at record #2 \('r2'\)") as error:
        run("def lf(record):\n    while True:\n        pass\n", records,
            limits=SandboxLimits(wall_seconds=60, record_seconds=1))
    assert error.value.reason is SandboxFailure.TIME_LIMIT


# ------------------------------------------------------------------ spare learner sandboxes

SPARE_LEARNER = """
import os
from sklearn.linear_model import LogisticRegression
from heuristics import LearningClassifier, params_fit

class Learner(LearningClassifier):
    def __init__(self):
        self.model = LogisticRegression()

    @params_fit(embedding_name="e", train_test_split=0.5)
    def fit(self, embeddings, labels):
        assert not os.path.exists({hidden!r}), "another run's folder is visible"
        self.fit_model(embeddings, labels)
"""


def _inputs(folder, seed: int = 0) -> None:
    import json

    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 3)).astype(np.float32)
    labels = ["a" if x[0] > 0 else "b" for x in X[:30]] + [None] * 10
    np.save(folder / "embeddings.npy", X)
    (folder / "labels.json").write_text(json.dumps(labels))
    for path in folder.iterdir():
        path.chmod(0o644)


def _probabilities(folder):
    import numpy as np

    return np.load(folder / "probabilities.npy")


def _fresh_run(folder, source: str, on_progress=None, threads: int = 1, seed: int = 0):
    """A learner run in a fresh sandbox on the inputs of :func:`_inputs`: its result and
    output folder."""
    inputs, outputs = folder / "in", folder / "out"
    inputs.mkdir(mode=0o755)
    outputs.mkdir()
    _inputs(inputs, seed=seed)
    result = Sandbox(limits=SandboxLimits(wall_seconds=60)).run_learner(
        source, task_kind="classification", input_dir=inputs, output_dir=outputs,
        on_progress=on_progress, threads=threads)
    return result, outputs


PRINTING_LEARNER = """
from sklearn.linear_model import LogisticRegression

class Chatty(LearningClassifier):
    def __init__(self):
        self.model = LogisticRegression()

    @params_fit(embedding_name="e", train_test_split=0.5)
    def fit(self, embeddings, labels):
        print("fitting on", len(embeddings))
        self.fit_model(embeddings, labels)
"""


def test_a_learner_reports_each_model_with_what_it_printed(tmp_path):
    reports = []
    result, _ = _fresh_run(tmp_path, PRINTING_LEARNER,
                           on_progress=lambda *report: reports.append(report))
    assert reports == [
        (1 / 3, "model 1 of 3 (fold 1 of 2 held out): fitted on 15 labelled records, "
                "predicted 15", "fitting on 15\n"),
        (2 / 3, "model 2 of 3 (fold 2 of 2 held out): fitted on 15 labelled records, "
                "predicted 15", "fitting on 15\n"),
        (1.0, "model 3 of 3: fitted on all 30 labelled records, predicted the 10 unlabelled",
         "fitting on 30\n")]
    assert result.logs == "", "what was reported is not repeated"
    # without a listener the printed lines stay in the result
    (tmp_path / "quiet").mkdir()
    quiet, _ = _fresh_run(tmp_path / "quiet", PRINTING_LEARNER)
    assert quiet.logs == "fitting on 15\nfitting on 15\nfitting on 30\n"


MEETING_LEARNER = """
import threading
from sklearn.linear_model import LogisticRegression

SECOND_FIT = threading.Event()
BEGUN = []

class Meeting(LearningClassifier):
    def __init__(self):
        self.model = LogisticRegression()

    @params_fit(embedding_name="e", train_test_split=0.5)
    def fit(self, embeddings, labels):
        BEGUN.append(len(embeddings))
        if len(BEGUN) == 1:
            print("met" if SECOND_FIT.wait(timeout={wait}) else "alone")
        else:
            SECOND_FIT.set()
        self.fit_model(embeddings, labels)
"""


def test_a_learner_run_fits_its_models_side_by_side_when_asked(tmp_path):
    import numpy as np

    (tmp_path / "two").mkdir()
    (tmp_path / "one").mkdir()
    both, both_out = _fresh_run(tmp_path / "two", MEETING_LEARNER.format(wait=20), threads=2)
    alone, alone_out = _fresh_run(tmp_path / "one", MEETING_LEARNER.format(wait=0.5))
    assert both.logs == "met\n", "the second model's fit began while the first one's ran"
    assert alone.logs == "alone\n", "one at a time unless asked"
    assert both.summary == alone.summary
    assert np.allclose(_probabilities(both_out), _probabilities(alone_out))


def test_a_spare_learner_sandbox_predicts_as_a_fresh_one_run_after_run(tmp_path):
    import numpy as np

    sandbox = Sandbox(limits=SandboxLimits(wall_seconds=4))
    first, second = sandbox.start_spare_learner(), sandbox.start_spare_learner()
    try:
        source = SPARE_LEARNER.format(hidden=str(second.input_dir))
        fresh, fresh_out = _fresh_run(tmp_path, source)
        time.sleep(5)  # idle longer than the wall-clock limit: it counts from the hand-over
        for seed in (0, 1):
            _inputs(first.input_dir, seed=seed)
            warm = sandbox.run_learner(source, task_kind="classification",
                                       input_dir=first.input_dir, output_dir=first.output_dir,
                                       spare=first)
            assert warm.summary["classes"] == ["a", "b"]
            assert first.alive() and first.runs == seed + 1, "it waits for the next run"
            assert list(first.input_dir.iterdir()) == [], "the run's inputs are removed"
            if seed == 0:
                assert warm.summary == fresh.summary
                assert np.allclose(_probabilities(first.output_dir), _probabilities(fresh_out))
        (tmp_path / "again").mkdir()
        _, again_out = _fresh_run(tmp_path / "again", source, seed=1)
        assert np.allclose(_probabilities(first.output_dir), _probabilities(again_out))
    finally:
        first.cleanup()
        second.cleanup()
    assert not first.input_dir.exists()


def test_a_spare_says_when_it_is_ready(tmp_path):
    import signal

    sandbox = Sandbox(limits=SandboxLimits(wall_seconds=30))
    spare, dead = sandbox.start_spare_learner(), sandbox.start_spare_learner()
    try:
        assert not spare.ready(), "scikit-learn takes a while to import"
        deadline = time.monotonic() + 30
        while not spare.ready() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert spare.ready()
        assert spare.ready(), "asking does not use the answer up"
        _inputs(spare.input_dir)
        result = sandbox.run_learner(SPARE_LEARNER.format(hidden="/nowhere"),
                                     task_kind="classification", input_dir=spare.input_dir,
                                     output_dir=spare.output_dir, spare=spare)
        assert result.summary["n_labelled"] == 30
        assert spare.ready(), "ready for the next run"
        os.killpg(dead.process.pid, signal.SIGKILL)
        dead.process.wait()
        assert not dead.ready()
    finally:
        spare.cleanup()
        dead.cleanup()


LEAVING_LEARNER = """
import os, time
from sklearn.linear_model import LogisticRegression

class Leaves(LearningClassifier):
    def __init__(self):
        self.model = LogisticRegression()

    @params_fit(embedding_name="e", train_test_split=0.5)
    def fit(self, embeddings, labels):
        if len(embeddings) == 15 and not os.path.exists("/tmp/made-by-this-run"):
            print("found", sorted(os.listdir("/tmp")), sorted(os.listdir("/dev/shm")),
                  os.path.getsize("/output/probabilities.npy"))
        if len(embeddings) == 30:  # the last model: leave things behind
            open("/tmp/made-by-this-run", "w").close()
            os.makedirs("/tmp/locked/inner")
            open("/tmp/locked/inner/file", "w").close()
            os.chmod("/tmp/locked/inner", 0o500)
            os.chmod("/tmp/locked", 0)
            open("/dev/shm/segment", "w").close()
            if os.fork() == 0:   # a process of its own session that keeps writing
                os.setsid()
                while True:
                    with open("/tmp/still-running", "w"):
                        time.sleep(0.01)
        self.fit_model(embeddings, labels)
"""


def test_a_spare_removes_what_a_run_left_before_the_next():
    sandbox = Sandbox(limits=SandboxLimits(wall_seconds=30))
    spare = sandbox.start_spare_learner()
    try:
        found = []
        for seed in (0, 1):
            _inputs(spare.input_dir, seed=seed)
            result = sandbox.run_learner(LEAVING_LEARNER, task_kind="classification",
                                         input_dir=spare.input_dir,
                                         output_dir=spare.output_dir, spare=spare)
            found.append(result.logs)
            time.sleep(0.3)  # the process left behind would write meanwhile
        # its processes ended, /tmp and /dev/shm empty, its outputs emptied (as each of
        # the two folds' models found them)
        assert found == ["found [] [] 0\n" * 2] * 2
        assert spare.runs == 2
    finally:
        spare.cleanup()


@pytest.mark.parametrize(("failing", "message"), [
    ("raise ValueError('boom')", "ValueError: boom"),
    ("os.kill(os.getpid(), 11)", "user code crashed (segmentation fault)"),
    ("os._exit(5)", "the sandbox ended unexpectedly (exit code 5)"),
])
def test_a_run_that_fails_ends_its_spare_saying_how(failing, message):
    sandbox = Sandbox(limits=SandboxLimits(wall_seconds=30))
    spare = sandbox.start_spare_learner()
    try:
        _inputs(spare.input_dir)
        with pytest.raises(SandboxError) as error:
            sandbox.run_learner(SPARE_LEARNER.format(hidden="/nowhere").replace(
                "self.fit_model(embeddings, labels)", failing),
                task_kind="classification", input_dir=spare.input_dir,
                output_dir=spare.output_dir, spare=spare)
        assert error.value.message == message
        assert not spare.alive() and spare.process.poll() is not None
    finally:
        spare.cleanup()


def test_a_served_run_past_its_time_limit_ends_its_spare():
    sandbox = Sandbox(limits=SandboxLimits(wall_seconds=3))
    spare = sandbox.start_spare_learner()
    try:
        _inputs(spare.input_dir)
        with pytest.raises(SandboxError, match="user code stopped after the time limit of 3 s"):
            sandbox.run_learner(SPARE_LEARNER.format(hidden="/nowhere").replace(
                "self.fit_model(embeddings, labels)", "import time; time.sleep(60)"),
                task_kind="classification", input_dir=spare.input_dir,
                output_dir=spare.output_dir, spare=spare)
        assert not spare.alive() and spare.process.poll() is not None
    finally:
        spare.cleanup()


def test_a_spare_serves_one_run_at_a_time():
    spare = Sandbox(limits=SandboxLimits(wall_seconds=30)).start_spare_learner()
    try:
        assert spare.take() is not None
        with pytest.raises(ValueError, match="one run at a time"):
            spare.take()
        spare.returned(kept=False)
        assert not spare.alive() and spare.process.poll() is not None
    finally:
        spare.cleanup()


def test_a_spare_that_died_is_replaced_by_a_fresh_sandbox():
    import signal

    sandbox = Sandbox(limits=SandboxLimits(wall_seconds=30))
    spare = sandbox.start_spare_learner()
    try:
        os.killpg(spare.process.pid, signal.SIGKILL)
        spare.process.wait()
        _inputs(spare.input_dir)
        result = sandbox.run_learner(SPARE_LEARNER.format(hidden="/nowhere"),
                                     task_kind="classification", input_dir=spare.input_dir,
                                     output_dir=spare.output_dir, spare=spare)
        assert result.summary["n_labelled"] == 30
        assert _probabilities(spare.output_dir).shape == (40, 2)
    finally:
        spare.cleanup()


@pytest.mark.parametrize("threads", [1, 2])
def test_a_learner_that_raises_in_fit_keeps_its_output_and_line(tmp_path, threads):
    source = """
from sklearn.linear_model import LogisticRegression
from heuristics import LearningClassifier, params_fit

class Broken(LearningClassifier):
    def __init__(self):
        self.model = LogisticRegression()

    @params_fit(embedding_name="e", train_test_split=0.5)
    def fit(self, embeddings, labels):
        print("fitting on", len(embeddings))
        raise ValueError("boom in fit")
"""
    with pytest.raises(SandboxError) as error:
        _fresh_run(tmp_path, source, threads=threads)
    assert error.value.message == "ValueError: boom in fit"
    assert error.value.row == 12
    assert error.value.logs.startswith("fitting on 15")  # side by side: both folds print
    assert "line 12, in fit" in error.value.traceback


def test_refinery_learner_code_needs_no_heuristics_import(tmp_path):
    source = """
from sklearn.model_selection import GridSearchCV
from sklearn.tree import DecisionTreeClassifier

class MyDT(LearningClassifier):
    def __init__(self):
        self.model = GridSearchCV(DecisionTreeClassifier(), {"max_depth": [2, 4]}, cv=2,
                                  n_jobs=-1)

    @params_fit(embedding_name="e", train_test_split=0.5)
    def fit(self, embeddings, labels):
        self.fit_model(embeddings, labels)

    @params_inference(min_confidence=0.8, label_names=None)
    def predict_proba(self, embeddings):
        return self.predict_proba_model(embeddings)
"""
    result, outputs = _fresh_run(tmp_path, source)
    assert result.summary["classes"] == ["a", "b"]
    assert _probabilities(outputs).shape == (40, 2)


def _memory_mb(pid: int, field: str = "VmRSS") -> float:
    """The most resident memory (``VmRSS``: now; ``VmHWM``: at its peak) among ``pid`` and
    its descendants."""
    most, pids = 0.0, [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except FileNotFoundError:
            continue
        for line in status.splitlines():
            if line.startswith(f"{field}:"):
                most = max(most, int(line.split()[1]) / 1024)
        pids += [int(child) for child in children]
    return most


def test_a_spare_keeps_memory_ready_for_its_run_and_sizes_it_by_the_last(tmp_path):
    """A spare given ``warm_mb`` keeps that much memory written while it waits and frees
    it for the run (the run's allocations then find memory the host has ready); after a
    run it keeps twice that run's vectors instead (a few bytes here), at most
    ``warm_max_mb``."""
    sandbox = Sandbox(limits=SandboxLimits(wall_seconds=30))
    cold, warm = sandbox.start_spare_learner(), sandbox.start_spare_learner(warm_mb=256)
    try:
        deadline = time.monotonic() + 60
        while not (warm.ready() and cold.ready()) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        assert _memory_mb(warm.process.pid) > _memory_mb(cold.process.pid) + 200, \
            "it holds the memory while it waits"
        _inputs(warm.input_dir)
        sandbox.run_learner(SPARE_LEARNER.format(hidden="/nowhere"),
                            task_kind="classification", input_dir=warm.input_dir,
                            output_dir=warm.output_dir, spare=warm)
        assert warm.alive()
        assert _memory_mb(warm.process.pid) < _memory_mb(cold.process.pid) + 50, \
            "sized by the last run's vectors"
    finally:
        cold.cleanup()
        warm.cleanup()


def test_a_spare_told_to_hold_more_than_its_limits_allow_holds_nothing_and_serves(tmp_path):
    """What a spare holds counts against the sandbox's own memory limit, which refuses the
    allocation (the spare goes on without it) before anything is killed."""
    sandbox = Sandbox(limits=SandboxLimits(memory_mb=1024, wall_seconds=30))
    spare = sandbox.start_spare_learner(warm_mb=2000)
    try:
        deadline = time.monotonic() + 60
        while not spare.ready():
            assert time.monotonic() < deadline, "the spare never said it was ready"
            time.sleep(0.1)
        assert _memory_mb(spare.process.pid) < 400, "it holds nothing"
        _inputs(spare.input_dir)
        result = sandbox.run_learner(SPARE_LEARNER.format(hidden="/nowhere"),
                                     task_kind="classification", input_dir=spare.input_dir,
                                     output_dir=spare.output_dir, spare=spare)
        assert result.summary["n_labelled"] == 30 and spare.alive()
    finally:
        spare.cleanup()
