"""One control group per sandbox: a memory and a task cap for everything it runs together.

rlimits hold per process: five children of 1 GB each pass a 4 GB address-space limit, and
files in the sandbox's RAM-backed /tmp count against nothing. A control group counts them
all: every process the sandbox starts and the tmpfs pages they write, up to ``memory.max``
(then the kernel's OOM killer stops the largest process), and at most ``pids.max`` tasks.

Two layouts are supported, found in ``/proc/self/cgroup`` and ``/proc/self/mountinfo``:

- cgroup v2: a child of the worker's own group (or of a configured, delegated group), which
  needs ``memory`` and ``pids`` in the parent's ``cgroup.subtree_control`` (enabled here if the
  kernel lets us; a group that holds processes itself cannot enable them, so give the worker a
  delegated group for sandboxes, e.g. ``HEURIST_SANDBOX_CGROUP=/sys/fs/cgroup/heurist``);
- cgroup v1 (hybrid hosts): a child of the worker's group in the ``memory`` and ``pids``
  hierarchies.

Swap is capped too (``memory.swap.max`` 0, ``memory.memsw.limit_in_bytes`` = the limit) where
the kernel accounts it. When neither layout is writable the sandbox keeps its rlimits only;
:func:`find_parent` says why.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import signal
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)
PREFIX = "heurist-sandbox-"
_numbers = itertools.count()


@dataclass(frozen=True)
class CgroupParent:
    """Where sandbox groups are made: one folder (v2) or the memory and pids folders (v1)."""

    version: int
    folders: tuple[Path, ...]

    def describe(self) -> str:
        return f"cgroup v{self.version} under {', '.join(map(str, self.folders))}"


def _own_groups() -> dict[str, str]:
    """The worker's group path by controller ("" for the v2 hierarchy)."""
    groups = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            groups[controller] = path
    return groups


def _mounts() -> dict[str, tuple[str, Path]]:
    """Mounted cgroup file systems by controller ("" for cgroup2): the group shown at the
    mount point (a container may see only its own) and the mount point."""
    mounts = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        after = fields.index("-")
        kind, root, point = fields[after + 1], fields[3], Path(fields[4])
        if kind == "cgroup2":
            mounts.setdefault("", (root, point))
        elif kind == "cgroup":
            for option in fields[after + 3].split(","):
                mounts.setdefault(option, (root, point))
    return mounts


def _folder(mount: tuple[str, Path], group: str) -> Path | None:
    """Where ``group`` (a path from /proc/self/cgroup) is under ``mount``, if visible."""
    root, point = mount
    try:
        return point / Path(group).relative_to(root)
    except ValueError:
        return None


def _writable(folder: Path) -> bool:
    probe = folder / f"{PREFIX}probe-{os.getpid()}"
    try:
        probe.mkdir()
    except OSError:
        return False
    probe.rmdir()
    return True


def _v2_parent(folder: Path) -> tuple[CgroupParent | None, str]:
    try:
        available = (folder / "cgroup.controllers").read_text().split()
        enabled = (folder / "cgroup.subtree_control").read_text().split()
    except OSError as error:
        return None, f"{folder} is not a cgroup v2 group ({error.strerror})"
    missing = [c for c in ("memory", "pids") if c not in enabled]
    if any(c not in available for c in missing):
        return None, f"{folder} does not offer the memory and pids controllers"
    if missing:
        try:
            (folder / "cgroup.subtree_control").write_text(
                " ".join(f"+{c}" for c in missing))
        except OSError as error:
            return None, (f"cannot enable {' and '.join(missing)} for child groups of {folder}"
                          f" ({error.strerror}); delegate a group for sandboxes and set "
                          "HEURIST_SANDBOX_CGROUP")
    if not _writable(folder):
        return None, f"cannot create groups in {folder}"
    return CgroupParent(2, (folder,)), ""


def _discover() -> tuple[CgroupParent | None, str]:
    try:
        groups, mounts = _own_groups(), _mounts()
    except (OSError, ValueError) as error:
        return None, f"cannot read this process's control groups ({error})"
    v1 = [_folder(mounts[c], groups[c]) if c in mounts and c in groups else None
          for c in ("memory", "pids")]
    if None not in v1:
        if all(_writable(folder) for folder in v1):
            return CgroupParent(1, tuple(v1)), ""
        return None, f"cannot create groups in {' or '.join(map(str, v1))}"
    v2 = _folder(mounts[""], groups[""]) if "" in mounts and "" in groups else None
    if v2 is not None:
        return _v2_parent(v2)
    return None, "no cgroup file system with the memory and pids controllers is visible"


def _sweep(parent: CgroupParent) -> None:
    """Remove empty groups left by workers that died before removing them."""
    for folder in parent.folders:
        for group in folder.glob(f"{PREFIX}*"):
            owner = group.name[len(PREFIX):].split("-")[0]
            if owner.isdigit() and not Path(f"/proc/{owner}").exists():
                with contextlib.suppress(OSError):
                    group.rmdir()


@lru_cache
def find_parent(setting: str = "auto") -> tuple[CgroupParent | None, str]:
    """Where to make sandbox groups, or None and why not (checked once per process).

    ``setting`` is ``"auto"`` (the worker's own groups), ``"off"``, or the folder of a
    delegated cgroup v2 group.
    """
    if setting == "off":
        parent, why = None, "HEURIST_SANDBOX_CGROUP is off"
    elif setting == "auto":
        parent, why = _discover()
    else:
        parent, why = _v2_parent(Path(setting))
    if parent is None:
        log.warning("sandbox limits: per-process rlimits only (no control group: %s)", why)
    else:
        _sweep(parent)
        log.info("sandbox limits: one %s per sandbox, plus per-process rlimits",
                 parent.describe())
    return parent, why


class SandboxCgroup:
    """The group of one sandbox: made with its limits, joined by the sandbox's first process
    before it starts bwrap, emptied and removed when the sandbox has ended."""

    def __init__(self, parent: CgroupParent, *, memory_bytes: int, max_tasks: int) -> None:
        self.parent = parent
        name = f"{PREFIX}{os.getpid()}-{next(_numbers)}"
        self.folders = tuple(folder / name for folder in parent.folders)
        made = []
        try:
            for folder in self.folders:
                folder.mkdir()
                made.append(folder)
            if parent.version == 2:
                self._write(0, "memory.max", memory_bytes)
                self._write(0, "memory.swap.max", 0, optional=True)
                self._write(0, "pids.max", max_tasks)
            else:
                self._write(0, "memory.limit_in_bytes", memory_bytes)
                self._write(0, "memory.memsw.limit_in_bytes", memory_bytes, optional=True)
                self._write(1, "pids.max", max_tasks)
        except BaseException:
            for folder in made:
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise
        self._procs = [str(folder / "cgroup.procs") for folder in self.folders]
        self._removed = False

    def _write(self, index: int, name: str, value: int, *, optional: bool = False) -> None:
        path = self.folders[index] / name
        if optional and not path.exists():
            return
        path.write_text(str(value))

    def join(self) -> None:
        """Move the calling process into the group (in the child, before exec)."""
        pid = str(os.getpid()).encode()
        for procs in self._procs:
            descriptor = os.open(procs, os.O_WRONLY)
            try:
                os.write(descriptor, pid)
            finally:
                os.close(descriptor)

    def tasks(self) -> list[int]:
        """Processes still in the group."""
        found = set()
        for procs in self._procs:
            with contextlib.suppress(OSError):
                found.update(int(pid) for pid in Path(procs).read_text().split())
        return sorted(found)

    def remove(self, *, wait_s: float = 5.0) -> None:
        """Kill what is left in the group and remove it (idempotent)."""
        if self._removed:
            return
        deadline = time.monotonic() + wait_s
        while True:
            for pid in self.tasks():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            remaining = []
            for folder in self.folders:
                try:
                    folder.rmdir()
                except FileNotFoundError:
                    pass
                except OSError:
                    remaining.append(folder)
            self.folders = tuple(remaining)
            if not remaining:
                self._removed = True
                return
            if time.monotonic() > deadline:
                log.warning("could not remove the sandbox groups %s", remaining)
                self._removed = True
                return
            time.sleep(0.02)
