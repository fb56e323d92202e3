"""Attacks on the sandbox from user code: forged frames, hangs, host paths.

User code runs in the runner's process, so it can write frames of its own on the runner's
output pipe, ignore the runner's alarm, fork, and read whatever the sandbox shows it. Each
test runs the real sandbox under bubblewrap and asserts what the worker gets back.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import textwrap
import time
from pathlib import Path

import pytest

from heuristics.sandbox import Sandbox, SandboxError, SandboxLimits
from tests.heuristics.test_sandbox import RECORDS, _inputs, healthy, run

FORGE = """
import json
import os
import stat
import struct
import sys


def frame_pipe():
    # the runner's own output: the pipe that is neither stdin nor the status pipe
    status = int(sys.argv[sys.argv.index("--status-fd") + 1]) if "--status-fd" in sys.argv \\
        else -1
    for fd in range(3, 32):
        try:
            if fd != status and stat.S_ISFIFO(os.fstat(fd).st_mode):
                return fd
        except OSError:
            pass


def forge(body):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    os.write(frame_pipe(), struct.pack(">I", len(data)) + data)
"""

DEEP = b'{"type": "results", "results": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
FORGED_RESULTS = {
    "deeply nested JSON": DEEP,
    "a result without its record": {"type": "results", "results": [{"out": "spam"}],
                                    "logs": "", "logs_truncated": False},
    "a record never sent": {"type": "results", "results": [{"i": 999, "out": "spam"}],
                            "logs": "", "logs_truncated": False},
    "results of the wrong type": {"type": "results", "results": "spam", "logs": "",
                                  "logs_truncated": False},
    "an index of the wrong type": {"type": "results", "results": [{"i": "0", "out": "spam"}],
                                   "logs": "", "logs_truncated": False},
    "an output of the wrong type": {"type": "results", "results": [{"i": 0, "out": {"a": 1}}],
                                    "logs": "", "logs_truncated": False},
    "a record answered twice": {"type": "results", "results": [{"i": 0, "out": "spam"}],
                                "logs": "", "logs_truncated": False},
    "an unknown frame": {"type": "surprise"},
    "an early end": {"type": "done"},
}


@pytest.mark.parametrize("forged", FORGED_RESULTS.values(), ids=FORGED_RESULTS.keys())
def test_frames_forged_by_a_labeling_function_stop_the_sandbox(forged):
    source = FORGE + textwrap.dedent(f"""
        def lf(record):
            if record.id == 1:
                forge({forged!r})
            return "spam"
        """)
    with pytest.raises(SandboxError, match="user code sent malformed output"):
        run(source, RECORDS[:3])
    healthy()


LEARNER = """
from sklearn.linear_model import LogisticRegression

class Learner(LearningClassifier):
    def __init__(self):
        self.model = LogisticRegression()

    @params_fit(embedding_name="e", train_test_split=0.5)
    def fit(self, embeddings, labels):
        {attack}
        self.fit_model(embeddings, labels)
"""


def learn(tmp_path: Path, attack: str, *, on_progress=None, limits: SandboxLimits | None = None):
    """Run a learner whose ``fit`` starts with ``attack`` on the inputs of the sandbox
    tests; returns the sandbox and the output folder."""
    inputs, outputs = tmp_path / "in", tmp_path / "out"
    inputs.mkdir(mode=0o755)
    outputs.mkdir()
    _inputs(inputs)
    sandbox = Sandbox(limits=limits or SandboxLimits(wall_seconds=60))
    source = FORGE + LEARNER.format(attack=attack)
    sandbox.run_learner(source, task_kind="classification", input_dir=inputs,
                        output_dir=outputs, on_progress=on_progress)
    return sandbox, outputs


@pytest.mark.parametrize("forged", [
    {"type": "progress", "done": 1, "total": 0, "stage": "", "logs": ""},
    {"type": "progress", "done": "1", "total": 2, "stage": "", "logs": ""},
    {"type": "learner", "classes": ["a"], "metrics": {"x": [[[[[[[[1]]]]]]]]},
     "n_labelled": 1, "n_folds": 1, "logs": "", "logs_truncated": False},
    {"type": "done"},
], ids=["total of zero", "done as text", "deeply nested metrics", "an early end"])
def test_frames_forged_by_a_learner_stop_the_sandbox(tmp_path, forged):
    reports = []
    with pytest.raises(SandboxError, match="user code sent malformed output"):
        learn(tmp_path, f"forge({forged!r})", on_progress=lambda *report: reports.append(report))
    assert reports == []


def test_logs_in_forged_frames_keep_to_the_log_limit():
    source = FORGE + textwrap.dedent("""
        def lf(record):
            forge({"type": "results", "results": [], "logs": "x" * 1_000_000,
                   "logs_truncated": False})
            return "spam"
        """)
    result = run(source, RECORDS[:2], limits=SandboxLimits(wall_seconds=30, record_seconds=5,
                                                           max_log_chars=1_000))
    assert result.outputs == {0: "spam", 1: "spam"}
    assert len(result.logs) == 1_000 and result.logs_truncated


def test_a_record_answered_by_forked_runners_is_malformed_not_counted_twice():
    records = [{"id": i, "data": {"text": "x"}} for i in range(60)]
    source = textwrap.dedent("""
        import os
        import time

        def lf(record):
            if record.id == 0:
                os.fork()   # the child goes on as a second runner on the same pipes
                time.sleep(0.5)  # both answer record 0 before either takes the next
            raise ValueError("boom")
        """)
    started = time.monotonic()
    with pytest.raises(SandboxError, match=r"sent malformed output \(results: record #0 was "
                                           r"answered twice\)"):
        Sandbox(limits=SandboxLimits(wall_seconds=60, record_seconds=2)).run_labeling_function(
            source, records, function="lf", task_kind="classification", batch_size=1)
    assert time.monotonic() - started < 15
    healthy()


def test_ignoring_the_alarm_is_stopped_from_outside():
    started = time.monotonic()
    with pytest.raises(SandboxError, match=r"user code stopped after the record time limit "
                                           r"of 1 s at record #1 \(1\)"):
        run("""
            import signal
            import time

            def lf(record):
                signal.signal(signal.SIGALRM, signal.SIG_IGN)
                if record.id == 1:
                    time.sleep(1000)
                return None
            """, limits=SandboxLimits(wall_seconds=120, record_seconds=1))
    assert time.monotonic() - started < 10, "stopped from outside, not at the wall clock"
    healthy()


def _host_processes_naming(marker: str) -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in command:
            found.append(pid)
    return found


def test_nothing_of_a_stopped_sandbox_survives():
    marker = f"{os.getpid() % 1000}.{time.monotonic_ns() % 1_000_000}"
    with pytest.raises(SandboxError, match="record time limit of 1 s"):
        run(f"""
            import os
            import signal
            import time

            def lf(record):
                signal.signal(signal.SIGALRM, signal.SIG_IGN)
                for _ in range(4):
                    if os.fork() == 0:     # a daemon in its own session, holding every pipe
                        os.setsid()
                        if os.fork() == 0:
                            os.execv("/usr/bin/sleep", ["sleep", "{marker}"])
                        os._exit(0)
                time.sleep(1000)
            """, RECORDS[:1], limits=SandboxLimits(wall_seconds=60, record_seconds=1))
    assert _host_processes_naming(marker) == []


def _host_paths() -> set[str]:
    repo = Path(__file__).resolve().parents[2]
    paths = {sys.prefix, sys.base_prefix, sysconfig.get_paths()["purelib"], str(repo)}
    return paths | {os.path.realpath(path) for path in paths}


def test_user_code_sees_and_reports_no_host_paths():
    source = """
        import sys

        def lf(record):
            for path in ("/proc/1/cmdline", "/proc/self/mountinfo", "/proc/self/environ"):
                try:
                    with open(path, "rb") as file:
                        print(path, file.read().replace(b"\\0", b" ").decode())
                except OSError as error:
                    print(path, error)
            import numpy
            print(numpy.__file__, sys.path, sys.executable, sys.prefix)
            raise RuntimeError(f"seen: {numpy.__file__} {sys.path}")
        """
    result = run(source, RECORDS[:1])
    [error] = result.errors
    seen = "\n".join([result.logs, error.message, error.traceback])
    assert "/opt/site-packages/numpy" in seen
    leaked = [path for path in _host_paths() if path in seen]
    assert leaked == [], seen



@pytest.mark.parametrize("attack", [
    "open('/input/embeddings.npy', 'r+b').write(b'overwritten')",
    "os.truncate('/input/embeddings.npy', 0)",
    "os.chmod('/input/embeddings.npy', 0o666)",
], ids=["write", "truncate", "chmod"])
def test_a_learner_cannot_change_its_inputs_nor_the_file_they_link_to(tmp_path, attack):
    # The worker links a host file of the embedding's vectors (store.vector_cache) into the
    # input folder: the sandbox must not reach it through the link.
    inputs = tmp_path / "in"
    inputs.mkdir(mode=0o755)
    _inputs(inputs)
    kept = tmp_path / "kept.npy"
    (inputs / "embeddings.npy").rename(kept)
    os.link(kept, inputs / "embeddings.npy")
    before = kept.read_bytes(), kept.stat().st_mode
    outputs = tmp_path / "out"
    outputs.mkdir()
    with pytest.raises(SandboxError, match="Read-only file system|Permission denied"):
        Sandbox(limits=SandboxLimits(wall_seconds=60)).run_learner(
            FORGE + LEARNER.format(attack=f"import os; {attack}"),
            task_kind="classification", input_dir=inputs, output_dir=outputs)
    assert (kept.read_bytes(), kept.stat().st_mode) == before


def test_a_served_learner_run_that_forges_its_end_and_goes_on_ends_its_sandbox():
    """A run in a spare sandbox that says ``done`` itself and keeps running is not cleared
    away, so the sandbox is ended rather than handed the project's next run."""
    from heuristics.sandbox.execution import READY_S

    sandbox = Sandbox(limits=SandboxLimits(wall_seconds=60))
    spare = sandbox.start_spare_learner()
    attack = ('forge({"type": "learner", "classes": ["a", "b"], "metrics": {}, '
              '"n_labelled": 30, "n_folds": 2, "logs": "", "logs_truncated": False}); '
              'forge({"type": "done"}); import time; time.sleep(60)')
    try:
        _inputs(spare.input_dir)
        started = time.monotonic()
        result = sandbox.run_learner(FORGE + LEARNER.format(attack=attack),
                                     task_kind="classification", input_dir=spare.input_dir,
                                     output_dir=spare.output_dir, spare=spare)
        assert result.summary["n_folds"] == 2  # forged: the worker checks the outputs
        assert not spare.alive() and spare.process.poll() is not None
        assert READY_S <= time.monotonic() - started < READY_S + 5
    finally:
        spare.cleanup()
