"""The runner inside the sandbox: loads user code, applies it record by record.

Started by ``heuristics.sandbox.launcher`` (never imported by the worker). It talks over
stdin/stdout in frames (``protocol.py``); user prints are captured into capped logs; each
record gets its own time limit; an exception is reported with the user's line number and
the run goes on with the next record. A spare learner sandbox imports scikit-learn once and
forks a child per learner run (:func:`serve_learners`).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import resource
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NoReturn

from heuristics.errors import HeuristError
from heuristics.knowledge import MODULE, knowledge_module
from heuristics.labeling_functions import Span, shown
from heuristics.sandbox.protocol import (
    CLEARED,
    IDLE,
    STATUS,
    memory_to_hold,
    read_frame,
    write_frame,
)

SOURCE_NAME = "<heuristic>"
NOBODY = 65534


class RecordTimeout(BaseException):
    """Raised in user code when a record exceeds its time (not an ``Exception``, so a bare
    ``except Exception`` in user code does not swallow it)."""


class Token:
    __slots__ = ("end", "start", "text")

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text, self.start, self.end = text, start, end

    def __repr__(self) -> str:
        return f"Token({self.text!r}, {self.start}, {self.end})"


class Record(Mapping):
    """What a labeling function receives: attribute values by name, and stored tokens."""

    def __init__(self, record_id: Any, data: dict[str, Any],
                 tokens: dict[str, list[list[int]]]) -> None:
        self.id = record_id
        self._data = data
        self._tokens = tokens

    def __getitem__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise KeyError(f"no attribute {name!r}; attributes: {', '.join(self._data)}") \
                from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def tokens(self, attribute: str) -> list[Token]:
        """The stored tokens of a text attribute, with char offsets."""
        if attribute not in self._tokens:
            raise KeyError(f"no tokens for {attribute!r}; tokenised: {', '.join(self._tokens)}")
        text = str(self._data.get(attribute) or "")
        return [Token(text[start:end], start, end) for start, end in self._tokens[attribute]]

    def __repr__(self) -> str:
        return f"Record({self.id!r}, {self._data!r})"


class LogCapture:
    """Stands in for stdout/stderr: keeps at most ``limit`` characters in all."""

    def __init__(self, limit: int) -> None:
        self.limit, self.kept, self.truncated = limit, 0, False
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        if len(text) > room:
            self.truncated = True
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


def drop_privileges(max_processes: int, uid: int = NOBODY) -> None:
    """As root (bwrap started by root): cap processes and become ``uid`` (the sandbox's own,
    so that RLIMIT_NPROC counts only its processes)."""
    if os.getuid() != 0:
        return
    resource.setrlimit(resource.RLIMIT_NPROC, (max_processes, max_processes))
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def user_line(error: BaseException) -> int | None:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == SOURCE_NAME]
    return frames[-1].lineno if frames else None


def describe(error: BaseException) -> dict[str, Any]:
    frames = traceback.extract_tb(error.__traceback__)
    mine = [f for f in frames if f.filename == SOURCE_NAME]
    lines = [f"  line {f.lineno}, in {f.name}" for f in mine]
    line = error.lineno if isinstance(error, SyntaxError) else user_line(error)
    if isinstance(error, HeuristError):   # our own checks: their message says it all
        return {"error": error.message, "field": error.field, "line": line,
                "traceback": "\n".join(lines)}
    message = "".join(traceback.format_exception_only(type(error), error)).strip()
    return {"error": message, "line": line, "traceback": "\n".join(lines)}


def load(source: str, function: str, knowledge: Mapping[str, list[str]] | None = None
         ) -> Callable:
    """The function ``function`` of ``source``, run with the project's lookup lists
    importable as ``knowledge``."""
    sys.modules[MODULE] = knowledge_module(knowledge or {})
    namespace: dict[str, Any] = {"__name__": "heuristic", "Span": Span}
    exec(compile(source, SOURCE_NAME, "exec"), namespace)  # noqa: S102 - inside the sandbox
    fn = namespace.get(function)
    if not callable(fn):
        raise NameError(f"the source defines no function {function!r}")
    return fn


def classification_output(result: Any) -> Any:
    if result is None or isinstance(result, str):
        return result
    if isinstance(result, list | tuple | set) and all(isinstance(x, str) for x in result):
        return sorted(set(result)) if isinstance(result, set) else list(result)
    raise TypeError(f"returned {result!r} ({type(result).__name__}); expected a label name "
                    "(str) or None")


def extraction_output(result: Any) -> list[list[Any]]:
    if result is None:
        return []
    spans = []
    for item in result:
        if isinstance(item, Span) or all(hasattr(item, a) for a in ("label", "start", "end")):
            spans.append(["chr", item.label, int(item.start), int(item.end)])
        elif isinstance(item, list | tuple) and len(item) == 3 and isinstance(item[0], str) \
                and all(isinstance(x, int) for x in item[1:]):
            spans.append(["tok", item[0], item[1], item[2]])
        else:
            raise TypeError(f"yielded {item!r}; expected (label, start_token, end_token) or "
                            "Span(label, char_start, char_end)")
    return spans


def attribute_output(result: Any) -> Any:
    """A computed attribute's value: one JSON scalar (the worker converts it to the
    attribute's type)."""
    if result is None or isinstance(result, str | bool | int):
        return result
    if isinstance(result, float):
        return result if math.isfinite(result) else None
    raise TypeError(f"returned {shown(result)} ({type(result).__name__}); expected "
                    "a str, int, float, bool or None")


OUTPUTS: dict[str, Callable[[Any], Any]] = {"extraction": extraction_output,
                                            "attribute": attribute_output}
"""How the result of each record is checked, by the setup's ``task_kind`` (the output
kind); any other kind: :func:`classification_output`."""


def apply(fn: Callable, record: Record, *, output: Callable[[Any], Any], timeout: float
          ) -> Any:
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return output(fn(record))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _on_alarm(_signum, _frame) -> None:
    raise RecordTimeout


def label_records(fn: Callable, channel_in, channel_out, logs: LogCapture, *,
                  output: Callable[[Any], Any], args: argparse.Namespace) -> int:
    """Apply ``fn`` to every record streamed in; results go out batch by batch."""
    status, timeouts = args.status_fd, 0
    while (frame := read_frame(channel_in)) is not None and frame["type"] == "records":
        results = []
        for item in frame["records"]:
            if status >= 0:
                os.write(status, STATUS.pack(item["i"]))
            record = Record(item.get("id"), item["data"], item.get("tokens") or {})
            try:
                out = apply(fn, record, output=output, timeout=args.record_timeout)
                results.append({"i": item["i"], "out": out})
            except RecordTimeout:
                results.append({"i": item["i"], "error": f"took longer than "
                                f"{args.record_timeout:g} s", "line": None, "traceback": ""})
                timeouts += 1
                if timeouts >= args.max_timeouts:
                    break
            except BaseException as error:  # noqa: BLE001 - reported per record
                results.append({"i": item["i"], **describe(error)})
        if status >= 0:   # the records are done: time spent writing is not theirs
            os.write(status, STATUS.pack(IDLE))
        write_frame(channel_out, {"type": "results", "results": results, "logs": logs.take(),
                                  "logs_truncated": logs.truncated})
        if timeouts >= args.max_timeouts:
            write_frame(channel_out, {"type": "stopped", "index": item["i"], "error": (
                f"stopped after {timeouts} records took longer than "
                f"{args.record_timeout:g} s each")})
            return 3
    write_frame(channel_out, {"type": "done"})
    return 0


def fit_learner(setup: dict[str, Any], channel_out, logs: LogCapture) -> int:
    """Fit the user's learner class on the input arrays and write its predictions."""
    from heuristics import learners
    from heuristics.sandbox.learner_mode import run_learner

    # As in refinery, the base classes and decorators need no import.
    namespace: dict[str, Any] = {"__name__": "heuristic", **{
        name: getattr(learners, name) for name in ("LearningClassifier", "LearningExtractor",
                                                   "params_fit", "params_inference")}}
    exec(compile(setup["source"], SOURCE_NAME, "exec"), namespace)  # noqa: S102

    def report(step) -> None:
        write_frame(channel_out, {"type": "progress", "done": step.done, "total": step.total,
                                  "stage": step.describe(), "logs": logs.take()})

    try:
        summary = run_learner(namespace, task_kind=setup["task_kind"],
                              input_dir=setup["input_dir"], output_dir=setup["output_dir"],
                              on_step=report, threads=int(setup.get("threads", 1)))
    except BaseException as error:  # noqa: BLE001 - reported, never raised
        write_frame(channel_out, {"type": "fatal", "stage": "run", **describe(error),
                                  "logs": logs.take()})
        return 2
    write_frame(channel_out, {"type": "learner", **summary, "logs": logs.take(),
                              "logs_truncated": logs.truncated})
    write_frame(channel_out, {"type": "done"})
    return 0


def preload_learners() -> None:
    """Import what learner runs need before the first run arrives (a spare sandbox)."""
    with contextlib.suppress(Exception):
        import numpy  # noqa: F401
        import sklearn.linear_model  # noqa: F401
        import sklearn.model_selection  # noqa: F401

        import heuristics.learners.classification  # noqa: F401
        import heuristics.learners.extraction  # noqa: F401
        import heuristics.sandbox.learner_mode  # noqa: F401
    with contextlib.suppress(Exception):   # span learners' usual model, where installed
        import sklearn_crfsuite  # noqa: F401


def hold_memory(mb: int) -> object | None:
    """``mb`` of memory, written, to keep while the sandbox waits and free just before the
    next run is forked (see :meth:`heuristics.sandbox.Sandbox.start_spare_learner`)."""
    if mb <= 0:
        return None
    try:
        import numpy as np

        return np.ones(mb * 2**20 // 8)
    except Exception:   # noqa: BLE001 - only a speed-up: the run allocates as it would
        return None


def _remove_contents(folder: str) -> None:
    """Empty ``folder``, whatever modes the run left on what it made there."""
    for entry in os.scandir(folder):
        if entry.is_dir(follow_symlinks=False):
            os.chmod(entry.path, 0o700)
            _remove_contents(entry.path)
            os.rmdir(entry.path)
        else:
            os.unlink(entry.path)


def clear_after_run(child: int, *, isolated: bool) -> None:
    """Remove what a run left behind: every other process of the sandbox's PID namespace
    (``kill(-1)`` spares only this process and the namespace's init), then every file in
    /tmp and /dev/shm. Not isolated (a plain child process, development only), only the
    child's process group: nothing outside the run is touched. Raises OSError if something
    could not be removed (the server then ends rather than serve another run)."""
    if not isolated:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child, signal.SIGKILL)
        return
    deadline = time.monotonic() + 2
    while True:   # until no process is left to signal (dying ones are reaped by the init)
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            break
        if time.monotonic() > deadline:
            raise OSError("processes of the last run outlived it")
        time.sleep(0.002)
    for folder in ("/tmp", "/dev/shm"):
        with contextlib.suppress(PermissionError):  # not the sandbox's own: bwrap's
            os.chmod(folder, 0o1777)
        _remove_contents(folder)


def end_as(status: int) -> NoReturn:
    """End this process as a run's child ended (``status`` from ``waitpid``): killed by
    the same signal, or exiting with the same code, so the worker reads the run's fate
    (out of memory, CPU limit, crash) from the sandbox's end as it does for any sandbox."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        with contextlib.suppress(OSError, ValueError):  # SIGKILL's cannot be changed
            signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 70)


def serve_learners(channel_in, channel_out, logs: LogCapture,
                   args: argparse.Namespace) -> int:
    """A spare sandbox: import scikit-learn once, then fit each learner run that arrives in
    a child process forked for it, which starts with the imports done.

    The child gets the run's setup, the output pipe and nothing else of the server (no
    input pipe, no status pipe; ptrace and reading other processes' memory are refused by
    the seccomp filter). Once it has ended, :func:`clear_after_run` removes every process
    and file the run left, and only then does the server say :data:`CLEARED` on the status
    pipe, which no run can write to: whatever the run wrote on the output pipe after its
    ``done`` is there before, so the worker sees it and ends the sandbox. A run that does
    not end well ends the server as it ended (:func:`end_as`), and a setup that is not a
    learner run's ends it too.
    """
    preload_learners()
    warm_mb = args.warm_mb
    held = [hold_memory(warm_mb)]   # kept until the next run is forked
    os.write(args.status_fd, STATUS.pack(IDLE))  # nothing left to import
    while (setup := read_frame(channel_in)) is not None:
        if setup.get("mode") != "learner":
            return 2
        if setup.get("task_kind") != "extraction":
            with contextlib.suppress(OSError, TypeError):
                warm_mb = memory_to_hold(os.path.getsize(
                    os.path.join(setup["input_dir"], "embeddings.npy")), args.warm_max_mb)
        held.clear()   # freed for the run to take
        child = os.fork()
        if child == 0:
            code = 70
            try:
                os.close(0)
                os.close(args.status_fd)
                if not args.isolated:
                    os.setpgid(0, 0)
                code = fit_learner(setup, channel_out, logs)
                channel_out.flush()
            finally:
                os._exit(code)
        _, status = os.waitpid(child, 0)
        if status != 0:
            end_as(status)
        logs.take()
        try:
            clear_after_run(child, isolated=args.isolated)
        except (OSError, RecursionError):  # the next run gets a fresh sandbox
            return 3
        os.write(args.status_fd, STATUS.pack(CLEARED))
        held.append(hold_memory(warm_mb))  # for the next run, sized by this one
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uid", type=int, default=NOBODY)
    parser.add_argument("--max-processes", type=int, default=32)
    parser.add_argument("--record-timeout", type=float, default=10.0)
    parser.add_argument("--max-log-chars", type=int, default=100_000)
    parser.add_argument("--status-fd", type=int, default=-1)
    parser.add_argument("--max-timeouts", type=int, default=3)
    parser.add_argument("--serve-learners", action="store_true")
    parser.add_argument("--isolated", action="store_true",
                        help="in a PID namespace and private /tmp of its own (bubblewrap)")
    parser.add_argument("--warm-mb", type=int, default=0)
    parser.add_argument("--warm-max-mb", type=int, default=0)
    args = parser.parse_args(argv)

    channel_in = sys.stdin.buffer
    channel_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    logs = LogCapture(args.max_log_chars)
    sys.stdout = sys.stderr = logs
    signal.signal(signal.SIGALRM, _on_alarm)
    drop_privileges(args.max_processes, args.uid)
    if args.serve_learners:
        return serve_learners(channel_in, channel_out, logs, args)

    setup = read_frame(channel_in)
    try:
        if setup.get("mode") == "learner":
            return fit_learner(setup, channel_out, logs)
        fn = load(setup["source"], setup["function"], setup.get("knowledge"))
    except BaseException as error:  # noqa: BLE001 - reported, never raised
        write_frame(channel_out, {"type": "fatal", **describe(error), "logs": logs.take()})
        return 2
    finally:
        channel_out.flush()
    return label_records(fn, channel_in, channel_out, logs,
                         output=OUTPUTS.get(setup["task_kind"], classification_output),
                         args=args)


if __name__ == "__main__":
    # Every frame is flushed when written and outputs are closed files, so skip interpreter
    # teardown (freeing large arrays and modules such as scikit-learn's costs ~0.2 s).
    os._exit(main())
