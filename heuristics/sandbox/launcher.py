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
import os
import resource
import select
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from heuristics.sandbox import seccomp
from heuristics.sandbox.confinement import ConfinedProcess, Confinement, NoFreeUid, UidRange
from heuristics.sandbox.execution import Execution, kill_sandbox
from heuristics.sandbox.hostpaths import (
    PACKAGE_ROOT,
    hide_host_paths,
    pass_arguments_through_fd,
)
from heuristics.sandbox.protocol import IDLE, STATUS
from heuristics.sandbox.results import (
    ProgressCallback,
    ResultsCallback,
    SandboxLimits,
    SandboxResult,
    SandboxUnavailable,
)

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
                 serve: bool = False, warm_mb: int = 0, warm_max_mb: int = 0,
                 uid: int | None = None,
                 seccomp_fd: int | None = None) -> tuple[list[str], dict[str, str]]:
        limits = self.limits
        isolated = self.isolation == "bwrap"
        runner_args = ["-B", "-m", "heuristics.sandbox.runner",
                       *(["--uid", str(uid)] if uid is not None else []),
                       "--max-processes", str(limits.max_processes),
                       "--record-timeout", str(limits.record_seconds),
                       "--max-log-chars", str(limits.max_log_chars),
                       "--status-fd", str(status_fd),
                       "--max-timeouts", str(limits.max_timeouts),
                       *(["--serve-learners", "--warm-mb", str(warm_mb), "--warm-max-mb",
                          str(warm_max_mb)] if serve else []),
                       *(["--isolated"] if isolated else [])]
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
        knowledge: Mapping[str, Sequence[str]] | None = None,
    ) -> SandboxResult:
        """Apply the function ``function`` defined in ``source`` to every record.

        ``records`` holds mappings with ``data`` (attribute values), optional ``id`` and
        ``tokens`` ({attribute: [[start, end], ...]}); they are streamed in batches. With
        ``on_results`` outputs go to the callback batch by batch instead of the result.
        ``knowledge``: the project's lookup lists by name, which the code imports from the
        module ``knowledge`` (:mod:`heuristics.knowledge`).
        Raises SandboxError when the code does not load or the sandbox had to stop it.
        """
        setup = {"type": "setup", "source": source, "function": function,
                 "task_kind": task_kind,
                 "knowledge": {name: list(terms) for name, terms in (knowledge or {}).items()}}
        return self._execute(setup, records, batch_size=batch_size, on_results=on_results)

    def run_attribute_function(self, source: str, records: Iterable[Mapping[str, Any]], *,
                               function: str, batch_size: int = 1_000,
                               knowledge: Mapping[str, Sequence[str]] | None = None
                               ) -> SandboxResult:
        """Apply the function ``function`` of ``source`` to every record, as
        :meth:`run_labeling_function` does, each result a computed attribute's value: a str,
        int, float, bool or None (a float that is not finite gives None)."""
        return self.run_labeling_function(source, records, function=function,
                                          task_kind="attribute", batch_size=batch_size,
                                          knowledge=knowledge)

    def run_learner(self, source: str, *, task_kind: str, input_dir: Path,
                    output_dir: Path, spare: SpareLearner | None = None,
                    stop: threading.Event | None = None,
                    on_progress: ProgressCallback | None = None, threads: int = 1
                    ) -> SandboxResult:
        """Fit the learner class defined in ``source`` on the arrays in ``input_dir``.

        The runner reads ``input_dir`` (read-only) and writes its predictions into
        ``output_dir``; ``result.summary`` says what it wrote. Raises SandboxError with the
        user's line when fitting fails. With a ``spare`` (see :meth:`start_spare_learner`)
        the directories must be the spare's; the run is forked in it, which then waits for
        its next run if this one ended well and ends otherwise; if it died while waiting, a
        fresh process takes the run (and the spare is ended). Setting ``stop`` kills the
        sandbox within 0.2 s (SandboxError "user code was cancelled"). ``on_progress`` is
        called after each fitted model, with what the code printed meanwhile (then not kept
        in the result).
        ``threads``: models fitted at once inside, each in a thread (the folds side by side;
        the predictions do not depend on it).
        """
        inside = self.isolation == "bwrap"
        setup = {"type": "setup", "mode": "learner", "source": source, "task_kind": task_kind,
                 "input_dir": INSIDE_INPUT if inside else str(input_dir),
                 "output_dir": INSIDE_OUTPUT if inside else str(output_dir),
                 "threads": max(1, int(threads))}
        started = None
        if spare is not None:
            if (spare.input_dir, spare.output_dir) != (input_dir, output_dir):
                raise ValueError("a spare sandbox serves its own input and output folders")
            started = spare.take()
        binds = learner_binds(input_dir, output_dir) if started is None else []
        return self._execute(setup, [], batch_size=1, on_results=None, binds=binds,
                             started=started, stop=stop, on_progress=on_progress,
                             spare=spare if started is not None else None)

    def start_spare_learner(self, *, warm_mb: int = 0, warm_max_mb: int | None = None
                            ) -> SpareLearner:
        """A sandbox for learner runs, started now: it imports scikit-learn while the worker
        reads the run's data, then waits for its setup. It is started with the same limits
        and sees only its own two fresh folders. It serves run after run, each in a process
        forked from the one that imported (so later runs start with scikit-learn imported),
        and ends every process and file a run left before it takes the next
        (``runner.serve_learners``); the first run that fails, is cancelled or passes a
        limit ends it. Hand it only runs that may see each other's traces (one project's).
        The wall-clock limit counts from the moment it is handed a run.

        ``warm_mb``: memory the spare keeps written while it waits and frees just before it
        forks a run, which then allocates memory the host has ready. On a virtual machine
        whose host takes back memory the guest has left free for a while (free page
        reporting, in 2 MB blocks, the size of NumPy's huge pages), a run's first touch of
        such memory waits for the host: a spare's first run took 0.7 s instead of 0.35 s
        on 100k x 384 vectors (``bench/RESULTS.md``). After each classification run it
        keeps twice that run's vectors, at most ``warm_max_mb`` (default: ``warm_mb``)."""
        folders = tempfile.TemporaryDirectory(prefix="heurist-learner-")
        base = Path(folders.name)
        input_dir, output_dir = base / "input", base / "output"
        input_dir.mkdir(mode=0o755)
        output_dir.mkdir(mode=0o755)
        for path in (base, input_dir, output_dir):
            path.chmod(0o755)
        binds = learner_binds(input_dir, output_dir)
        try:
            process, status_read = self._spawn(
                binds, serve=True, warm_mb=warm_mb,
                warm_max_mb=warm_mb if warm_max_mb is None else warm_max_mb)
        except BaseException:
            folders.cleanup()
            raise
        return SpareLearner(process, status_read, folders, input_dir, output_dir)

    def _spawn(self, binds: Sequence[tuple[str, str, bool]], *, serve: bool = False,
               warm_mb: int = 0, warm_max_mb: int = 0) -> tuple[subprocess.Popen, int]:
        status_read, status_write = os.pipe()
        filter_fd = arguments_fd = confinement = None
        try:
            confinement = self._confinement()
            if self.isolation == "bwrap":
                filter_fd = _seccomp_fd()
            command, env = self._command(status_write, binds, serve=serve,
                                         warm_mb=warm_mb, warm_max_mb=warm_max_mb,
                                         uid=confinement.uid,
                                         seccomp_fd=filter_fd)
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
                 started: tuple[subprocess.Popen, int | None] | None = None,
                 stop: threading.Event | None = None,
                 on_progress: ProgressCallback | None = None,
                 spare: SpareLearner | None = None) -> SandboxResult:
        begun = time.monotonic()
        process, status_read = started or self._spawn(binds)
        execution = Execution(process, status_read, self.limits, stop,
                               task_kind=setup["task_kind"],
                               cleared_fd=spare.status_read if spare is not None else None)
        try:
            result = execution.run(setup, records, batch_size=batch_size, on_results=on_results,
                                   on_progress=on_progress)
        finally:
            execution.close()
            if spare is not None:
                spare.returned(kept=execution.kept)
        result.seconds = time.monotonic() - begun
        return result


class SpareLearner:
    """A learner sandbox started ahead of its runs (:meth:`Sandbox.start_spare_learner`).

    Write a run's inputs into ``input_dir`` and pass the spare to
    :meth:`Sandbox.run_learner`; after a run that ended well it waits for the next (its
    inputs removed; its outputs stay until the next run is handed over), after any other
    it is gone. ``owner`` is free for the caller to note whose runs it serves. Call
    :meth:`discard` to stop it, and :meth:`cleanup` to remove its folders as well.
    """

    def __init__(self, process: subprocess.Popen, status_read: int,
                 folders: tempfile.TemporaryDirectory, input_dir: Path, output_dir: Path
                 ) -> None:
        self.process, self.status_read = process, status_read
        self.folders, self.input_dir, self.output_dir = folders, input_dir, output_dir
        self.owner: object = None
        self.runs = 0
        """Runs served so far."""
        self._imported = False
        self._busy = False
        self._ended = False

    def alive(self) -> bool:
        """Whether it waits for a run (not ended, not serving one)."""
        return not (self._ended or self._busy) and self.process.poll() is None

    def ready(self) -> bool:
        """Whether it is alive and done importing (it says so once, on its status pipe,
        before its first run)."""
        if self.alive() and not self._imported and select.select(
                [self.status_read], [], [], 0)[0]:
            self._imported = os.read(self.status_read, STATUS.size) == STATUS.pack(IDLE)
        return self.alive() and self._imported

    def take(self) -> tuple[subprocess.Popen, None] | None:
        """The waiting process (its status pipe says only when a run is cleared away, see
        :class:`Execution`), its outputs emptied, or None (a fresh sandbox is started
        instead) if it is gone, which ends the spare."""
        if self._busy:
            raise ValueError("a spare learner sandbox serves one run at a time")
        if not self.alive():
            self.discard()
            return None
        for name in LEARNER_OUTPUTS:   # the last run's, read by now
            with open(self.output_dir / name, "r+b") as stale:
                stale.truncate()
        self._busy = True
        return self.process, None

    def returned(self, *, kept: bool) -> None:
        """After a run: waiting for the next one with its inputs removed, or ended."""
        self._busy = False
        if not kept:
            self.discard()
            return
        self.runs += 1
        self._imported = True
        self.clear_inputs()

    def clear_inputs(self) -> None:
        """Remove the files written for a run (done after each run that ended well)."""
        for path in self.input_dir.iterdir():
            path.unlink()

    def discard(self) -> None:
        """Stop the process if it still runs (its folders stay until cleanup)."""
        if self._ended:
            return
        self._ended = True
        if self.process.poll() is None:   # (a reaped process's pid may be another's now)
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
