"""Watching one sandboxed execution from outside: feed it records, check every frame it sends,
enforce the wall clock, each record's time and the output size, and kill its whole PID
namespace when a limit is passed."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from heuristics.sandbox.frames import check_frame
from heuristics.sandbox.hostpaths import hide_host_paths
from heuristics.sandbox.protocol import (
    CLEARED,
    IDLE,
    STATUS,
    ProtocolError,
    encode_frame,
    read_frame,
)
from heuristics.sandbox.results import (
    ProgressCallback,
    RecordError,
    ResultsCallback,
    SandboxError,
    SandboxFailure,
    SandboxLimits,
    SandboxResult,
)

__all__ = ["GIVE_UP_S", "RECORD_GRACE_S", "Execution", "kill_sandbox"]


RECORD_GRACE_S = 2.0
"""How long past its time limit a record may run before the sandbox is stopped from outside
(the runner's own alarm normally stops it first; user code can ignore that alarm)."""
GIVE_UP_S = 1.0
"""How long after stopping a sandbox its output pipe is still read."""
READY_S = 5.0
"""How long a spare learner sandbox may take, after a run's ``done``, to end the run's
processes, empty its /tmp and say :data:`CLEARED` for the next run."""


def _children(pid: int) -> list[int]:
    """The direct children of process ``pid`` (none if it is gone)."""
    try:
        return [int(child) for child in
                Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def kill_sandbox(process: subprocess.Popen) -> None:
    """Kill everything of a sandbox: the init of its PID namespace (whose death takes every
    process inside with it) first, so that bubblewrap reaps it (killed together, the init
    would be left to the machine's PID 1 as a zombie), then bubblewrap's process group (the
    runner's, unsandboxed)."""
    children = _children(process.pid)
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
    if children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


class _Pipe:
    """The runner's output pipe, read without blocking past a stopped sandbox: once the
    sandbox was stopped and its process is gone, reading ends within :data:`GIVE_UP_S`
    even if something still holds the pipe open."""

    def __init__(self, execution: Execution) -> None:
        self.execution = execution
        self.fd = execution.process.stdout.fileno()
        self.count = 0
        self.poll = select.poll()
        self.poll.register(self.fd, select.POLLIN)

    def read(self, size: int) -> bytes:
        while True:
            if self.poll.poll(200):   # readable, or closed at the other end
                data = os.read(self.fd, min(size, 1 << 20))
                self.count += len(data)
                return data
            if self.execution.gave_up():
                return b""

    def pending(self) -> bool:
        """Whether anything is waiting to be read (or the other end closed)."""
        return bool(self.poll.poll(0))


class Execution:
    """One running sandbox: feeds records, reads and checks frames, and watches from outside
    its time (in all and per record), its output size and cancellation.

    ``cleared_fd``: the status pipe of a spare sandbox that serves run after run
    (``runner.serve_learners``); this is one of its runs. It is sent its setup only; after
    its ``done`` the sandbox must say :data:`CLEARED` there within :data:`READY_S`, with
    nothing left on the output pipe, and is then left running (:attr:`kept`); otherwise,
    as any sandbox, it is ended when the run ends.
    """

    def __init__(self, process: subprocess.Popen, status_fd: int | None,
                 limits: SandboxLimits, stop: threading.Event | None = None, *,
                 task_kind: str = "classification", cleared_fd: int | None = None) -> None:
        self.process = process
        self.limits = limits
        self.status_fd = status_fd
        self.task_kind = task_kind
        self.cleared_fd = cleared_fd
        self.served = cleared_fd is not None
        self.ready_for_next = False
        self.current: int | None = None
        self.current_since = time.monotonic()
        self.ids: dict[int, Any] = {}
        self.answered: set[int] = set()
        self.log_chars = 0
        self.fed_all = False
        self.stopped_because: str | None = None
        self.stopped_kind = SandboxFailure.STOPPED
        self.stopped_at: float | None = None
        self.stderr = b""
        self.writer_error: BaseException | None = None
        self._finished = threading.Event()
        self._wake_read, self._wake = os.pipe()  # ends the wait on stderr when closed
        self._threads = [
            *([threading.Thread(target=self._watch_status, daemon=True)]
              if status_fd is not None else []),
            threading.Thread(target=self._drain_stderr, daemon=True),
            threading.Thread(target=self._watch_clock, args=(stop,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _stop(self, reason: str, kind: SandboxFailure = SandboxFailure.STOPPED) -> None:
        """Say why, then kill everything of the sandbox (:func:`kill_sandbox`)."""
        if self.stopped_because is None:
            self.stopped_because, self.stopped_kind = reason, kind
        if self.stopped_at is None:
            self.stopped_at = time.monotonic()
        kill_sandbox(self.process)

    def gave_up(self) -> bool:
        """Whether the sandbox was stopped, is gone, and its pipes need no more reading."""
        return (self.stopped_at is not None and self.process.poll() is not None
                and time.monotonic() - self.stopped_at > GIVE_UP_S)

    def _watch_clock(self, stop: threading.Event | None) -> None:
        """Enforce, from outside, the wall clock, each record's time and cancellation."""
        limits = self.limits
        deadline = time.monotonic() + limits.wall_seconds
        while not self._finished.wait(0.1):
            now = time.monotonic()
            if stop is not None and stop.is_set():
                self._stop("was cancelled", SandboxFailure.CANCELLED)
            elif now > deadline:
                self._stop(f"stopped after the {limits.wall_clock_name} of "
                           f"{limits.wall_seconds:g} s", SandboxFailure.TIME_LIMIT)
            elif (self.current is not None
                  and now - self.current_since > limits.record_seconds + RECORD_GRACE_S):
                self._stop(f"stopped after the record time limit of {limits.record_seconds:g} s",
                           SandboxFailure.TIME_LIMIT)
            else:
                continue
            return

    def _watch_status(self) -> None:
        pending = b""
        while chunk := os.read(self.status_fd, 4096):
            pending += chunk
            whole = len(pending) // STATUS.size * STATUS.size
            if whole:
                (index,) = STATUS.unpack(pending[whole - STATUS.size:whole])
                pending = pending[whole:]
                # Positions never sent (user code can write here too) change nothing.
                if (index == IDLE or index in self.ids) and self.stopped_because is None:
                    self.current = None if index == IDLE else index
                    self.current_since = time.monotonic()

    def _drain_stderr(self) -> None:
        """Keep the first 64 KiB of what bubblewrap (or a runner that could not start)
        printed, until the pipe closes or the execution is closed (a served sandbox's pipe
        stays open)."""
        fd = self.process.stderr.fileno()
        readable = select.poll()
        readable.register(fd, select.POLLIN)
        readable.register(self._wake_read, select.POLLIN)
        while not self._finished.is_set():
            if not any(ready == fd for ready, _ in readable.poll()):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            if len(self.stderr) < 65536:
                self.stderr += chunk

    def _feed(self, setup: dict[str, Any], records: Iterable[Mapping[str, Any]],
              batch_size: int) -> None:
        stdin = self.process.stdin
        try:
            stdin.write(encode_frame(setup))
            if self.served:   # the pipe stays open for the sandbox's next run
                stdin.flush()
                self.fed_all = True
                return
            batch: list[dict[str, Any]] = []
            for index, record in enumerate(records):
                self.ids[index] = record.get("id")
                batch.append({"i": index, "id": record.get("id"), "data": record["data"],
                              "tokens": record.get("tokens")})
                if len(batch) >= batch_size:
                    stdin.write(encode_frame({"type": "records", "records": batch}))
                    batch = []
            if batch:
                stdin.write(encode_frame({"type": "records", "records": batch}))
            self.fed_all = True
            stdin.write(encode_frame({"type": "end"}))
            stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass  # the runner stopped; the reader reports why
        except BaseException as error:  # noqa: BLE001 - e.g. a database error while reading
            self.writer_error = error
            self._stop("the records could not be read")
        finally:
            if not self.served:
                with contextlib.suppress(OSError):
                    stdin.close()

    def _check(self, frame: dict[str, Any], result: SandboxResult, *, learner: bool
               ) -> dict[str, Any]:
        check_frame(frame, task_kind=self.task_kind, sent=self.ids, answered=self.answered)
        if frame["type"] == "done" and self.ids and (
                not self.fed_all or len(self.answered) < len(self.ids)):
            raise ProtocolError(f"done after answering {len(self.answered)} of "
                                f"{len(self.ids)} records")
        if frame["type"] == "done" and learner and not result.summary:
            raise ProtocolError("done before saying what the learner wrote")
        return frame

    def _within_log_limit(self, text: str, result: SandboxResult) -> str:
        """What fits of ``text`` in the logs' limit (the runner keeps to it; frames forged by
        user code need not)."""
        room = max(0, self.limits.max_log_chars - self.log_chars)
        if len(text) > room:
            text, result.logs_truncated = text[:room], True
        self.log_chars += len(text)
        return text

    def run(self, setup: dict[str, Any], records: Iterable[Mapping[str, Any]], *,
            batch_size: int, on_results: ResultsCallback | None,
            on_progress: ProgressCallback | None = None) -> SandboxResult:
        feeder = threading.Thread(target=self._feed, args=(setup, records, batch_size),
                                  daemon=True)
        feeder.start()
        result = SandboxResult()
        done = False
        stdout = _Pipe(self)
        limit = self.limits.max_output_mb * 1024 * 1024
        logs: list[str] = []
        try:
            while (frame := read_frame(stdout, max_size=limit)) is not None:
                if stdout.count > limit:
                    self._stop(f"produced more than {self.limits.max_output_mb} MB of output",
                               SandboxFailure.OUTPUT)
                    break
                frame = self._check(frame, result, learner=setup.get("mode") == "learner")
                if frame.get("logs"):
                    frame["logs"] = self._within_log_limit(frame["logs"], result)
                if frame["type"] == "fatal":
                    loading = frame.get("stage", "load") == "load"
                    raise SandboxError(
                        ("the code did not load: " if loading else "") + frame["error"],
                        row=frame.get("line"), field=frame.get("field") or "source",
                        logs="".join(logs) + (frame.get("logs") or ""),
                        traceback=frame.get("traceback") or "",
                        reason=SandboxFailure.LOAD if loading else SandboxFailure.ERROR)
                if frame["type"] == "done":
                    done = True
                    break
                if frame["type"] == "learner":
                    result.summary = {k: v for k, v in frame.items()
                                      if k not in ("type", "logs", "logs_truncated")}
                    logs.append(frame["logs"])
                    continue
                if frame["type"] == "progress":
                    if on_progress is None:
                        logs.append(frame["logs"])
                    else:
                        on_progress(frame["done"] / frame["total"], frame["stage"],
                                    frame["logs"])
                    continue
                if frame["type"] == "stopped":
                    self.current = frame["index"]
                    self.stopped_because = frame["error"]
                    self.stopped_kind = SandboxFailure.TIME_LIMIT
                    continue
                outputs, errors = [], []
                for item in frame["results"]:
                    if "error" in item:
                        errors.append(RecordError(item["i"], item["error"], item.get("line"),
                                                  item.get("traceback") or ""))
                    else:
                        outputs.append((item["i"], item["out"]))
                if frame["logs"]:
                    logs.append(frame["logs"])
                result.logs_truncated = result.logs_truncated or frame["logs_truncated"]
                if on_results is not None:
                    on_results(outputs, errors)
                else:
                    result.outputs.update(outputs)
                    result.errors.extend(errors)
        except ProtocolError as error:
            self._stop(f"sent malformed output ({error})", SandboxFailure.OUTPUT)
        if done and self.served:
            self.ready_for_next = self._said_ready(stdout)
        feeder.join(timeout=5)
        self._end()
        result.logs = "".join(logs)
        if self.writer_error is not None:
            raise self.writer_error
        if not done:
            message, kind = self._why_it_stopped()
            raise SandboxError(message, reason=kind)
        return result

    def _said_ready(self, stdout: _Pipe) -> bool:
        """Whether a served sandbox said :data:`CLEARED` in time (skipping the
        :data:`IDLE` that ended its imports, if the run came before), with nothing on the
        output pipe after the run's ``done`` (what the run wrote is there before)."""
        deadline = time.monotonic() + READY_S
        pending = b""
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([self.cleared_fd], [], [], left)[0]:
                return False
            chunk = os.read(self.cleared_fd, STATUS.size - len(pending))
            if not chunk:
                return False
            pending += chunk
            if len(pending) == STATUS.size:
                (said,) = STATUS.unpack(pending)
                if said == CLEARED:
                    return not stdout.pending()
                pending = b""
        return False

    @property
    def kept(self) -> bool:
        """Whether the sandbox stays for its next run (a served run that ended well)."""
        return self.ready_for_next and self.stopped_at is None

    def _end(self) -> None:
        """Let the runner exit on its own for a moment, then stop whatever is left (a
        served sandbox that is kept goes on waiting)."""
        if self.kept:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=GIVE_UP_S)
        if self.process.poll() is None:
            self._stop("was stopped")
            self.process.wait()

    def _why_it_stopped(self) -> tuple[str, SandboxFailure]:
        """The message of the failure and its kind."""
        where = ""
        if self.current is not None:
            record_id = self.ids.get(self.current)
            where = f" at record #{self.current}" + (
                f" ({record_id!r})" if record_id is not None else "")
        if self.stopped_because:
            return f"user code {self.stopped_because}{where}", self.stopped_kind
        code = self.process.returncode
        # A signal kills the runner; bubblewrap, its parent, then exits with 128 + signal.
        bwrapped = Path(str(self.process.args[0])).name == "bwrap"
        number = -code if code is not None and code < 0 else (
            code - 128 if bwrapped and code is not None and code > 128 else None)
        if number is not None and number in {member.value for member in signal.Signals}:
            name = signal.Signals(number).name
            reason, kind = {
                "SIGXCPU": (f"exceeded the CPU limit of {self.limits.cpu_seconds} s",
                            SandboxFailure.CPU_LIMIT),
                "SIGKILL": ("was killed (out of memory?)", SandboxFailure.KILLED),
                "SIGXFSZ": (f"wrote a file over {self.limits.max_file_mb} MB",
                            SandboxFailure.FILE_SIZE),
                "SIGSEGV": ("crashed (segmentation fault)", SandboxFailure.CRASH),
            }.get(name, (f"got {name}", SandboxFailure.CRASH))
            return f"user code {reason}{where}", kind
        detail = hide_host_paths(self.stderr.decode(errors="replace").strip()[-500:])
        return (f"the sandbox ended unexpectedly (exit code {code}){where}"
                + (f": {detail}" if detail else ""), SandboxFailure.ENDED)

    def close(self) -> None:
        """Stop watching; end the sandbox unless it is :attr:`kept`, and then close its
        pipes."""
        self._finished.set()
        os.close(self._wake)
        kept = self.kept
        if not kept and self.process.poll() is None:
            self._stop("was stopped")
            self.process.wait()
        for thread in self._threads:
            thread.join(timeout=5)
        os.close(self._wake_read)
        if kept:
            return
        if self.status_fd is not None:
            os.close(self.status_fd)
        # A served run's input pipe stays open for the next run; otherwise the feeder
        # closes it.
        for stream in ((self.process.stdin,) if self.served else ()) + (
                self.process.stdout, self.process.stderr):
            with contextlib.suppress(OSError):
                stream.close()
