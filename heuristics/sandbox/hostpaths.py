"""Keep the worker's host paths out of what the sandbox and its users see.

Bubblewrap's own command line names every folder it binds in (where the Python runtime, the
virtualenv and the code live on the host); inside the sandbox its first process shows that
command line to anyone who can read it. :func:`pass_arguments_through_fd` hands bubblewrap
its options through a file descriptor instead, so its command line names only the runner.
:func:`hide_host_paths` rewrites the host paths in a message into the sandbox's own names,
for messages shown to users (operators' logs keep the originals).
"""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding ``heuristics/``


def _host_paths() -> list[tuple[str, str]]:
    """(host path, what to say instead), the longest first so the most precise wins."""
    site_packages = sysconfig.get_paths()["purelib"]
    names = {site_packages: "/opt/site-packages", sys.base_prefix: "/opt/python",
             str(PACKAGE_ROOT): "/opt/heurist", sys.prefix: "<virtualenv>",
             sys.exec_prefix: "<virtualenv>"}
    pairs = {}
    for host, inside in names.items():
        for variant in (host, os.path.realpath(host)):
            if len(variant) > 1:
                pairs.setdefault(variant, inside)
    return sorted(pairs.items(), key=lambda pair: -len(pair[0]))


def hide_host_paths(text: str) -> str:
    """``text`` with the runtime's, the libraries' and the code's host paths replaced.

    >>> hide_host_paths(f"cannot open {sys.base_prefix}/lib") == "cannot open /opt/python/lib"
    True
    """
    for host, inside in _host_paths():
        text = text.replace(host, inside)
    return text


def pass_arguments_through_fd(command: Sequence[str]) -> tuple[list[str], int]:
    """Move bubblewrap's options (everything between the program and ``--``) into a memory
    file; returns the shortened command and the descriptor, which the caller passes to the
    child (``pass_fds``) and closes after starting it.

    >>> command, fd = pass_arguments_through_fd(["bwrap", "--ro-bind", "/a", "/b", "--", "x"])
    >>> command == ["bwrap", "--args", str(fd), "--", "x"], os.read(fd, 100)
    (True, b'--ro-bind\\x00/a\\x00/b\\x00')
    >>> os.close(fd)
    """
    end = list(command).index("--")
    options = b"".join(arg.encode() + b"\0" for arg in command[1:end])
    descriptor = os.memfd_create("bwrap-arguments", os.MFD_CLOEXEC)
    try:
        os.write(descriptor, options)
        os.lseek(descriptor, 0, os.SEEK_SET)
    except BaseException:
        os.close(descriptor)
        raise
    return [command[0], "--args", str(descriptor), *command[end:]], descriptor
