"""What holds one sandbox as a whole: its own uid and its own control group.

rlimits count per process, and RLIMIT_NPROC per real uid: if every sandbox ran as ``nobody``,
one sandbox's processes would count against all the others on the host. Started as root, each
sandbox therefore runs as a uid of its own, taken from a configured range
(``HEURIST_SANDBOX_UID_BASE`` + slot) and held, for as long as the sandbox lives, by an
exclusive lock on a slot file; a slot is free again when its sandbox's process has been
reaped (or its worker died: the kernel drops the lock). Unprivileged workers run sandboxes
under their own uid in a user namespace, where the control group (``cgroups.py``) is the
per-sandbox cap.

:class:`ConfinedProcess` is the sandbox's ``Popen``: its first process joins the group before
it execs bwrap, and the group and the slot are released once the process is found ended.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from heuristics.sandbox.cgroups import SandboxCgroup, find_parent

SLOTS_FOLDER = "heurist-sandbox-uids"


class NoFreeUid(Exception):
    """Every uid of the configured range belongs to a running sandbox."""


@dataclass(frozen=True)
class UidRange:
    """The uids sandboxes may run as: ``base`` .. ``base + count - 1`` (none may belong to an
    account or to anything else on the host)."""

    base: int = 200_000
    count: int = 1_000


def _slots_folder() -> Path:
    folder = Path(tempfile.gettempdir()) / SLOTS_FOLDER
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    status = folder.lstat()
    if not folder.is_dir() or folder.is_symlink() or status.st_uid != os.getuid():
        raise NoFreeUid(f"{folder} is not a folder of this user's")
    return folder


def take_uid(uids: UidRange) -> tuple[int, int]:
    """A free uid of the range and the descriptor of the lock that holds it (close it to free
    the uid)."""
    folder = _slots_folder()
    for slot in range(uids.count):
        descriptor = os.open(folder / str(slot), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            continue
        return uids.base + slot, descriptor
    raise NoFreeUid(f"all {uids.count} sandbox uids from {uids.base} are in use; raise "
                    "HEURIST_SANDBOX_UID_COUNT")


class Confinement:
    """The uid (as root) and control group (where usable) of one sandbox."""

    def __init__(self, *, uids: UidRange, cgroup_setting: str, memory_bytes: int,
                 max_tasks: int) -> None:
        self.uid: int | None = None
        self._lock: int | None = None
        self.cgroup: SandboxCgroup | None = None
        self._releasing = threading.Lock()  # the process may be waited for by two threads
        if os.getuid() == 0:
            self.uid, self._lock = take_uid(uids)
        try:
            parent, _ = find_parent(cgroup_setting)
            if parent is not None:
                self.cgroup = SandboxCgroup(parent, memory_bytes=memory_bytes,
                                            max_tasks=max_tasks)
        except BaseException:
            self.release()
            raise

    def enter(self) -> None:
        """In the sandbox's first process, before it execs: join the group."""
        if self.cgroup is not None:
            self.cgroup.join()

    def release(self) -> None:
        """After the sandbox ended: remove its group (killing stragglers), free its uid."""
        with self._releasing:
            if self.cgroup is not None:
                self.cgroup.remove()
            if self._lock is not None:
                os.close(self._lock)
                self._lock = None


class ConfinedProcess(subprocess.Popen):
    """A ``Popen`` that releases its :class:`Confinement` once it is found ended."""

    def __init__(self, *args, confinement: Confinement, **kwargs) -> None:
        self.confinement = confinement
        super().__init__(*args, **kwargs)

    def wait(self, timeout: float | None = None) -> int:
        code = super().wait(timeout)
        self.confinement.release()
        return code

    def poll(self) -> int | None:
        code = super().poll()
        if code is not None:
            self.confinement.release()
        return code
