"""Start the runner in a locked-down process and stream records through it.

Under bubblewrap the runner sees only the Python runtime, the installed libraries and the
``heuristics`` package, read-only; a private /tmp; no /proc; no network; its own PID
namespace; no environment but what is set here; a seccomp filter (``seccomp.py``) on
namespaces, mounts and the kernel's wider surface. rlimits cap address space, CPU seconds,
file size and processes of each process; a control group per sandbox, where the host offers
one, caps the memory (tmpfs included) and tasks of all of them together, and each sandbox
started as root runs as a uid of its own (``confinement.py``); /tmp and /dev/shm are sized
tmpfs. The worker checks every frame it receives and watches the wall clock, each record's
time and the output size from outside, killing the sandbox's whole PID namespace.
"""

from __future__ import annotations

import contextlib
import enum
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heuristics.errors import HeuristError
from heuristics.sandbox import seccomp
from heuristics.sandbox.confinement import ConfinedProcess, Confinement, NoFreeUid, UidRange
from heuristics.sandbox.frames import check_frame
from heuristics.sandbox.hostpaths import (
    PACKAGE_ROOT,
    hide_host_paths,
    pass_arguments_through_fd,
)
from heuristics.sandbox.protocol import IDLE, STATUS, ProtocolError, encode_frame, read_frame

INSIDE_PYTHON = "/opt/python"
INSIDE_SITE = "/opt/site-packages"
INSIDE_CODE = "/opt/heurist"
INSIDE_SHIMS = f"{INSIDE_CODE}/heuristics/sandbox/shims"
SHIMS = Path(__file__).resolve().parent / "shims"
INSIDE_INPUT = "/input"
INSIDE_OUTPUT = "/output"
LEARNER_OUTPUTS = ("probabilities.npy", "token_labels.json", "token_confidences.json")
"""The files a learner run writes (``learner_mode.py``): the only writable ones in /output."""
BWRAP_HINT = ("bubblewrap is not installed, so user code cannot run safely: install it "
              "(`apt-get install bubblewrap`), or set HEURIST_SANDBOX=unsafe-subprocess for "
              "development only")


class SandboxFailure(enum.StrEnum):
    """Why user code could not run to the end (for counting failures, never parsed from
    messages)."""

    LOAD = "load"
    """The code did not load (syntax error, failed import, missing function)."""
    ERROR = "error"
    """The code raised outside any one record (a learner's fit, say)."""
    TIME_LIMIT = "time_limit"
    CPU_LIMIT = "cpu_limit"
    KILLED = "killed"
    """Killed by a signal it cannot catch: the memory limit, usually."""
    FILE_SIZE = "file_size"
    CRASH = "crash"
    OUTPUT = "output"
    """Too much output, or output that breaks the protocol or the expected shape."""
    CANCELLED = "cancelled"
    STOPPED = "stopped"
    UNAVAILABLE = "unavailable"
    """No sandbox could be started."""
    ENDED = "ended"
    """The sandbox ended without saying why."""


class SandboxError(HeuristError):
    """User code could not run to the end: it did not load, raised, or the sandbox stopped
    it. ``logs`` holds what it printed before, ``traceback`` its frames (user code only),
    ``reason`` the kind of failure."""

    def __init__(self, message: str, *, field: str | None = None, row: int | None = None,
                 logs: str = "", traceback: str = "",
                 reason: SandboxFailure = SandboxFailure.OUTPUT) -> None:
        super().__init__(message, field=field, row=row)
        self.logs, self.traceback, self.reason = logs, traceback, reason


class SandboxUnavailable(SandboxError):
    """No sandbox can be started on this machine."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason=SandboxFailure.UNAVAILABLE)


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one sandboxed execution."""

    memory_mb: int = 4096
    cpu_seconds: int = 600
    wall_seconds: float = 900.0
    record_seconds: float = 10.0
    max_processes: int = 32
    max_file_mb: int = 64
    max_log_chars: int = 100_000
    max_output_mb: int = 512
    max_timeouts: int = 3
    wall_clock_name: str = "time limit"
    """How errors name the wall-clock limit (e.g. "sample time limit")."""
    max_tmp_mb: int = 512


@dataclass(frozen=True)
class RecordError:
    """User code failed on one record: ``index`` is its position in the input."""

    index: int
    message: str
    line: int | None = None
    traceback: str = ""


@dataclass
class SandboxResult:
    """Outputs by input position (unless streamed to a callback), errors, captured logs."""

    outputs: dict[int, Any] = field(default_factory=dict)
    errors: list[RecordError] = field(default_factory=list)
    logs: str = ""
    logs_truncated: bool = False
    seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)


ResultsCallback = Callable[[list[tuple[int, Any]], list[RecordError]], None]
ProgressCallback = Callable[[float, str, str], None]
"""Called during a learner run with the share of its models fitted, a line saying which, and
what the user's code printed since the last call."""


def _site_packages() -> str:
    return sysconfig.get_paths()["purelib"]


def _python_name() -> str:
    return f"python{sys.version_info.major}.{sys.version_info.minor}"


def bwrap_command(bwrap: str, *, as_root: bool,
                  binds: Sequence[tuple[str, str, bool]] = (), tmp_mb: int = 512,
                  seccomp_fd: int | None = None) -> list[str]:
    """The bubblewrap prefix: what the runner may see and which namespaces it gets; /tmp and
    /dev/shm hold ``tmp_mb`` each; ``seccomp_fd`` holds the system call filter."""
    command = [bwrap, "--ro-bind", "/usr", "/usr"]
    for name in ("lib", "lib64", "bin", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            command += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            command += ["--ro-bind", str(path), str(path)]
    command += [
        "--perms", "0755", "--dir", "/opt",
        "--ro-bind", sys.base_prefix, INSIDE_PYTHON,
        "--ro-bind", _site_packages(), INSIDE_SITE,
        "--perms", "0755", "--dir", INSIDE_CODE,
        "--ro-bind", str(PACKAGE_ROOT / "heuristics"), f"{INSIDE_CODE}/heuristics",
        *[arg for source, target, writable in binds
          for arg in ("--bind" if writable else "--ro-bind", source, target)],
        "--dev", "/dev",  # no /proc: its mountinfo would name the host paths bound in
        "--perms", "1777", "--size", str(tmp_mb * 1024 * 1024), "--tmpfs", "/tmp",
        "--perms", "1777", "--size", str(tmp_mb * 1024 * 1024), "--tmpfs", "/dev/shm",
        "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
        "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv",
        "--chdir", "/tmp",
    ]
    if as_root:
        command += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        command += ["--unshare-user", "--disable-userns"]
    if seccomp_fd is not None:
        command += ["--seccomp", str(seccomp_fd)]
    return command


def learner_binds(input_dir: Path, output_dir: Path) -> list[tuple[str, str, bool]]:
    """The folders of a learner run, as bwrap binds: the inputs read-only; the outputs
    read-only too, but for the files a learner writes, made empty here and bound writable.

    So a learner's writes to the host's disk are capped by construction: it cannot make a
    file or a link in /output, only fill :data:`LEARNER_OUTPUTS`, each up to the file size
    limit (RLIMIT_FSIZE; the seccomp filter refuses ``fallocate``, which could reserve space
    past it). Simpler than a quota or a mount on the host, and the same with or without root.
    """
    binds = [(str(input_dir), INSIDE_INPUT, False), (str(output_dir), INSIDE_OUTPUT, False)]
    output_dir.chmod(0o755)  # the sandbox's uid passes through, writes nothing new
    for name in LEARNER_OUTPUTS:
        path = output_dir / name
        path.touch()
        path.chmod(0o666)  # the sandbox's own uid writes it
        binds.append((str(path), f"{INSIDE_OUTPUT}/{name}", True))
    return binds


def _seccomp_fd() -> int:
    try:
        return seccomp.program_fd()
    except seccomp.UnsupportedArchitecture as error:
        raise SandboxUnavailable(str(error)) from error


class Sandbox:
    """Runs labeling functions on records in a separate, locked-down process.

    Parameters
    ----------
    limits
        Memory, CPU, wall-clock, per-record time, processes, file size and output caps.
    isolation
        ``"bwrap"`` (default) or ``"unsafe-subprocess"`` (a plain child process; for
        development on machines without bubblewrap only).
    extra_env
        Variables the runtime needs inside (e.g. ``OPENBLAS_CORETYPE``); nothing else from
        the worker's environment goes in.
    uids
        The uids sandboxes started as root run as, one each (see ``confinement.py``).
    cgroup
        ``"auto"`` (a control group per sandbox under the worker's own, where writable),
        ``"off"``, or the folder of a delegated cgroup v2 group (see ``cgroups.py``).

    Examples
    --------
    >>> sandbox = Sandbox()
    >>> source = "def lf(record):\\n    return 'spam' if 'free' in record['text'] else None\\n"
    >>> result = sandbox.run_labeling_function(
    ...     source, [{"data": {"text": "free money"}}, {"data": {"text": "hi"}}],
    ...     function="lf", task_kind="classification")
    >>> result.outputs
    {0: 'spam', 1: None}
    """

    def __init__(self, *, limits: SandboxLimits | None = None, isolation: str = "bwrap",
                 extra_env: Mapping[str, str] | None = None, uids: UidRange | None = None,
                 cgroup: str = "auto") -> None:
        self.limits = limits or SandboxLimits()
        self.isolation = isolation
        self.extra_env = dict(extra_env or {})
        self.uids = uids or UidRange()
        self.cgroup = cgroup

    def _command(self, status_fd: int, binds: Sequence[tuple[str, str, bool]] = (), *,
                 preload: bool = False, uid: int | None = None,
                 seccomp_fd: int | None = None) -> tuple[list[str], dict[str, str]]:
        limits = self.limits
        runner_args = ["-B", "-m", "heuristics.sandbox.runner",
                       *(["--uid", str(uid)] if uid is not None else []),
                       "--max-processes", str(limits.max_processes),
                       "--record-timeout", str(limits.record_seconds),
                       "--max-log-chars", str(limits.max_log_chars),
                       "--status-fd", str(status_fd),
                       "--max-timeouts", str(limits.max_timeouts),
                       *(["--preload-learners"] if preload else [])]
        env = {"PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8",
               "HOME": "/tmp", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", **self.extra_env}
        if self.isolation == "unsafe-subprocess":
            env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_ROOT), str(SHIMS),
                                                 _site_packages()])
            return [sys.executable, *runner_args], env
        if self.isolation != "bwrap":
            raise SandboxUnavailable(f"unknown sandbox isolation {self.isolation!r}")
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            raise SandboxUnavailable(BWRAP_HINT)
        env["PYTHONPATH"] = f"{INSIDE_CODE}:{INSIDE_SHIMS}:{INSIDE_SITE}"
        # A Python built with a shared libpython finds it by a run path outside the sandbox;
        # without this the loader takes the system's libpython, another patch release whose
        # core does not match the standard library bound in.
        env["LD_LIBRARY_PATH"] = f"{INSIDE_PYTHON}/lib"
        command = bwrap_command(bwrap, as_root=os.getuid() == 0, binds=binds,
                                tmp_mb=limits.max_tmp_mb, seccomp_fd=seccomp_fd)
        for name, value in env.items():
            command += ["--setenv", name, value]
        python = f"{INSIDE_PYTHON}/bin/{_python_name()}"
        return [*command, "--", python, *runner_args], {}

    def check(self) -> None:
        """Raise SandboxUnavailable (saying how to fix it) if no sandbox can start here."""
        self._command(-1)
        if self.isolation == "bwrap":
            os.close(_seccomp_fd())

    def _set_limits(self) -> None:
        limits = self.limits
        memory = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        size = limits.max_file_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if os.getuid() != 0:
            running = len([p for p in os.listdir("/proc") if p.isdigit()])
            allowed = running + limits.max_processes
            resource.setrlimit(resource.RLIMIT_NPROC, (allowed, allowed))

    def run_labeling_function(
        self, source: str, records: Iterable[Mapping[str, Any]], *, function: str,
        task_kind: str, batch_size: int = 1_000, on_results: ResultsCallback | None = None,
    ) -> SandboxResult:
        """Apply the function ``function`` defined in ``source`` to every record.

        ``records`` holds mappings with ``data`` (attribute values), optional ``id`` and
        ``tokens`` ({attribute: [[start, end], ...]}); they are streamed in batches. With
        ``on_results`` outputs go to the callback batch by batch instead of the result.
        Raises SandboxError when the code does not load or the sandbox had to stop it.
        """
        setup = {"type": "setup", "source": source, "function": function,
                 "task_kind": task_kind}
        return self._execute(setup, records, batch_size=batch_size, on_results=on_results)

    def run_learner(self, source: str, *, task_kind: str, input_dir: Path,
                    output_dir: Path, spare: SpareLearner | None = None,
                    stop: threading.Event | None = None,
                    on_progress: ProgressCallback | None = None) -> SandboxResult:
        """Fit the learner class defined in ``source`` on the arrays in ``input_dir``.

        The runner reads ``input_dir`` (read-only) and writes its predictions into
        ``output_dir``; ``result.summary`` says what it wrote. Raises SandboxError with the
        user's line when fitting fails. With a ``spare`` (see :meth:`start_spare_learner`)
        the directories must be the spare's; it is used up, or replaced by a fresh process
        if it died while waiting. Setting ``stop`` kills the sandbox within 0.2 s
        (SandboxError "user code was cancelled"). ``on_progress`` is called after each
        fitted model, with what the code printed meanwhile (then not kept in the result).
        """
        inside = self.isolation == "bwrap"
        setup = {"type": "setup", "mode": "learner", "source": source, "task_kind": task_kind,
                 "input_dir": INSIDE_INPUT if inside else str(input_dir),
                 "output_dir": INSIDE_OUTPUT if inside else str(output_dir)}
        started = None
        if spare is not None:
            if (spare.input_dir, spare.output_dir) != (input_dir, output_dir):
                raise ValueError("a spare sandbox serves its own input and output folders")
            started = spare.take()
        binds = learner_binds(input_dir, output_dir) if started is None else []
        return self._execute(setup, [], batch_size=1, on_results=None, binds=binds,
                             started=started, stop=stop, on_progress=on_progress)

    def start_spare_learner(self) -> SpareLearner:
        """A sandbox process for the next learner run, started now: it imports scikit-learn
        while the worker reads the run's data, then waits for its setup. It is started with
        the same limits and sees only its own two fresh folders; it serves one run, and the
        wall-clock limit counts from the moment it is handed the run."""
        folders = tempfile.TemporaryDirectory(prefix="heurist-learner-")
        base = Path(folders.name)
        input_dir, output_dir = base / "input", base / "output"
        input_dir.mkdir(mode=0o755)
        output_dir.mkdir(mode=0o755)
        for path in (base, input_dir, output_dir):
            path.chmod(0o755)
        binds = learner_binds(input_dir, output_dir)
        try:
            process, status_read = self._spawn(binds, preload=True)
        except BaseException:
            folders.cleanup()
            raise
        return SpareLearner(process, status_read, folders, input_dir, output_dir)

    def _spawn(self, binds: Sequence[tuple[str, str, bool]], *, preload: bool = False
               ) -> tuple[subprocess.Popen, int]:
        status_read, status_write = os.pipe()
        filter_fd = arguments_fd = confinement = None
        try:
            confinement = self._confinement()
            if self.isolation == "bwrap":
                filter_fd = _seccomp_fd()
            command, env = self._command(status_write, binds, preload=preload,
                                         uid=confinement.uid, seccomp_fd=filter_fd)
            if self.isolation == "bwrap":
                command, arguments_fd = pass_arguments_through_fd(command)
            process = ConfinedProcess(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=env,
                pass_fds=(status_write, *[fd for fd in (filter_fd, arguments_fd)
                                          if fd is not None]),
                preexec_fn=lambda: (confinement.enter(), self._set_limits()),
                start_new_session=True, confinement=confinement)
        except (OSError, NoFreeUid) as error:
            os.close(status_read)
            if confinement is not None:
                confinement.release()
            raise SandboxUnavailable(f"could not start the sandbox: "
                                     f"{hide_host_paths(str(error))}") from error
        except BaseException:
            os.close(status_read)
            if confinement is not None:
                confinement.release()
            raise
        finally:
            os.close(status_write)
            for fd in (filter_fd, arguments_fd):
                if fd is not None:
                    os.close(fd)
        return process, status_read

    def _confinement(self) -> Confinement:
        """This sandbox's own uid (as root) and control group (where the host offers one)."""
        limits = self.limits
        return Confinement(uids=self.uids, cgroup_setting=self.cgroup,
                           memory_bytes=limits.memory_mb * 1024 * 1024,
                           max_tasks=limits.max_processes + 4)  # + bwrap's own processes

    def _execute(self, setup: dict[str, Any], records: Iterable[Mapping[str, Any]], *,
                 batch_size: int, on_results: ResultsCallback | None,
                 binds: Sequence[tuple[str, str, bool]] = (),
                 started: tuple[subprocess.Popen, int] | None = None,
                 stop: threading.Event | None = None,
                 on_progress: ProgressCallback | None = None) -> SandboxResult:
        begun = time.monotonic()
        process, status_read = started or self._spawn(binds)
        execution = _Execution(process, status_read, self.limits, stop,
                               task_kind=setup["task_kind"])
        try:
            result = execution.run(setup, records, batch_size=batch_size, on_results=on_results,
                                   on_progress=on_progress)
        finally:
            execution.close()
        result.seconds = time.monotonic() - begun
        return result


class SpareLearner:
    """A learner sandbox started ahead of its run (:meth:`Sandbox.start_spare_learner`).

    Write the run's inputs into ``input_dir`` and pass the spare to
    :meth:`Sandbox.run_learner`; call :meth:`discard` when it will not be used, and
    :meth:`cleanup` after the run to remove its folders.
    """

    def __init__(self, process: subprocess.Popen, status_read: int,
                 folders: tempfile.TemporaryDirectory, input_dir: Path, output_dir: Path
                 ) -> None:
        self.process, self.status_read = process, status_read
        self.folders, self.input_dir, self.output_dir = folders, input_dir, output_dir
        self._taken = False

    def alive(self) -> bool:
        return not self._taken and self.process.poll() is None

    def take(self) -> tuple[subprocess.Popen, int] | None:
        """The waiting process and its status pipe, or None (a fresh one is started) if it
        is gone; either way the spare is used up."""
        if not self.alive():
            self.discard()
            return None
        self._taken = True
        return self.process, self.status_read

    def discard(self) -> None:
        """Stop the process if it is still waiting (its folders stay until cleanup)."""
        if self._taken:
            return
        self._taken = True
        kill_sandbox(self.process)
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            with contextlib.suppress(OSError):
                stream.close()
        with contextlib.suppress(OSError):
            os.close(self.status_read)

    def cleanup(self) -> None:
        self.discard()
        self.folders.cleanup()


RECORD_GRACE_S = 2.0
"""How long past its time limit a record may run before the sandbox is stopped from outside
(the runner's own alarm normally stops it first; user code can ignore that alarm)."""
GIVE_UP_S = 1.0
"""How long after stopping a sandbox its output pipe is still read."""


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

    def __init__(self, execution: _Execution) -> None:
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


class _Execution:
    """One running sandbox: feeds records, reads and checks frames, and watches from outside
    its time (in all and per record), its output size and cancellation."""

    def __init__(self, process: subprocess.Popen, status_fd: int,
                 limits: SandboxLimits, stop: threading.Event | None = None, *,
                 task_kind: str = "classification") -> None:
        self.process = process
        self.limits = limits
        self.status_fd = status_fd
        self.task_kind = task_kind
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
        self._threads = [
            threading.Thread(target=self._watch_status, daemon=True),
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
        while chunk := self.process.stderr.read(65536):
            if len(self.stderr) < 65536:
                self.stderr += chunk

    def _feed(self, setup: dict[str, Any], records: Iterable[Mapping[str, Any]],
              batch_size: int) -> None:
        stdin = self.process.stdin
        try:
            stdin.write(encode_frame(setup))
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
        feeder.join(timeout=5)
        self._end()
        result.logs = "".join(logs)
        if self.writer_error is not None:
            raise self.writer_error
        if not done:
            message, kind = self._why_it_stopped()
            raise SandboxError(message, reason=kind)
        return result

    def _end(self) -> None:
        """Let the runner exit on its own for a moment, then stop whatever is left."""
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
        self._finished.set()
        if self.process.poll() is None:
            self._stop("was stopped")
            self.process.wait()
        for thread in self._threads:
            thread.join(timeout=5)
        os.close(self.status_fd)
        for stream in (self.process.stdout, self.process.stderr):
            stream.close()
