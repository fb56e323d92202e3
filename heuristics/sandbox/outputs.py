"""Read back what user code wrote into a sandbox's output folder, without trusting it.

User code may have left a link to a file of the worker's machine, a pipe that never
delivers, a folder or a huge file in place of the output it was asked for. Every file read
back from the output folder goes through :func:`read_output`: it opens the name itself,
never what it points to (``O_NOFOLLOW``), never waits for a writer (``O_NONBLOCK``), takes
only a regular file of bounded size that nothing else links to, and reads exactly that.

Examples
--------
>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> with open(os.path.join(folder, "classes.json"), "w") as file:
...     _ = file.write('["a", "b"]')
>>> read_output(folder, "classes.json", max_bytes=1024)
b'["a", "b"]'
>>> os.symlink("/etc/hostname", os.path.join(folder, "probabilities.npy"))
>>> read_output(folder, "probabilities.npy", max_bytes=1024)
Traceback (most recent call last):
...
heuristics.sandbox.results.SandboxError: the output probabilities.npy is not a regular file
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from heuristics.sandbox.results import SandboxError


def _open(folder: str | Path, name: str) -> int:
    if not name or "/" in name or name in (".", ".."):
        raise ValueError(f"not a file name: {name!r}")
    directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        return os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY
                       | os.O_CLOEXEC, dir_fd=directory)
    except FileNotFoundError:
        raise SandboxError(f"user code wrote no {name}") from None
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
            raise SandboxError(f"the output {name} is not a regular file") from None
        raise SandboxError(f"the output {name} cannot be read "
                           f"({os.strerror(error.errno or 0)})") from None
    finally:
        os.close(directory)


def read_output(folder: str | Path, name: str, *, max_bytes: int) -> bytes:
    """The bytes of the regular file ``name`` directly in ``folder``.

    Raises SandboxError when it is missing, is not a regular file (a link, a pipe, a
    device, a folder), has other links, or holds more than ``max_bytes``.
    """
    descriptor = _open(folder, name)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise SandboxError(f"the output {name} is not a regular file")
        if info.st_nlink != 1:
            raise SandboxError(f"the output {name} is linked from elsewhere")
        if info.st_size > max_bytes:
            raise SandboxError(f"the output {name} holds {info.st_size:,} bytes, more than "
                               f"the limit of {max_bytes:,}")
        chunks, remaining = [], info.st_size
        while remaining > 0 and (chunk := os.read(descriptor, min(remaining, 1 << 20))):
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        with contextlib.suppress(OSError):
            os.close(descriptor)
