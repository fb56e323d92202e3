"""The seccomp filter of the sandbox: system calls user code has no use for fail with EPERM.

A classic BPF program (an array of ``struct sock_filter``) that bubblewrap installs with
``--seccomp FD`` just before it starts the runner; every process of the sandbox inherits it.
It checks that a call comes from this machine's architecture (anything else, e.g. 32-bit
``int 0x80`` calls on x86-64, kills the process), then answers by system call number:

- namespaces, mounts and the kernel's larger attack surface (``unshare``, ``setns``, the old and
  new mount APIs, ``chroot``, ``ptrace`` and cross-process memory access, keyrings, ``bpf``,
  ``perf_event_open``, ``userfaultfd``, ``io_uring``, modules, ``kexec``, ``reboot``, swap,
  file handles, ...) fail with EPERM, so Python raises ``PermissionError`` and the run goes on;
- so do System V shared memory, semaphores and message queues and POSIX message queues:
  kernel objects that would outlive the run that made them (a spare learner sandbox serves
  run after run and removes what each left, see ``runner.py``; files in /dev/shm, POSIX
  shared memory and semaphores included, are removed with the rest);
- ``clone`` fails with EPERM only when its flags ask for a new namespace (threads and ``fork``
  are plain ``clone`` calls);
- ``clone3`` fails with ENOSYS: its flags sit in memory a filter cannot read, and on ENOSYS
  glibc falls back to ``clone``, which is checked;
- ``fallocate`` fails with EOPNOTSUPP: with ``FALLOC_FL_KEEP_SIZE`` it reserves disk space
  that the file size limit does not count; glibc's ``posix_fallocate`` then writes instead;
- on x86-64 every x32 call (number with bit 30 set) fails with ENOSYS.

Everything else is allowed. The program is built here, in Python, for the architecture the
worker runs on (x86-64 or aarch64); :func:`program` raises :class:`UnsupportedArchitecture`
elsewhere.

Examples
--------
>>> code = program("x86_64")
>>> len(code) % INSTRUCTION.size, len(code) // INSTRUCTION.size < 4096
(0, True)
>>> INSTRUCTION.unpack_from(code)  # the first instruction loads seccomp_data.arch
(32, 0, 0, 4)
"""

from __future__ import annotations

import errno
import os
import platform
import struct

INSTRUCTION = struct.Struct("=HBBI")  # struct sock_filter: code, jt, jf, k

# classic BPF opcodes
LOAD_WORD = 0x20  # BPF_LD | BPF_W | BPF_ABS
JUMP_EQUAL = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
JUMP_AT_LEAST = 0x35  # BPF_JMP | BPF_JGE | BPF_K
JUMP_ANY_BIT = 0x45  # BPF_JMP | BPF_JSET | BPF_K
RETURN = 0x06  # BPF_RET | BPF_K

# struct seccomp_data offsets: nr, arch, instruction_pointer, args[6] (64-bit each)
NR, ARCH, FIRST_ARGUMENT = 0, 4, 16  # the low word of args[0] on little-endian machines

ALLOW = 0x7FFF0000
KILL_PROCESS = 0x80000000
ERRNO = 0x00050000

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
X32_SYSCALL_BIT = 0x40000000
# CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET (CLONE_NEWTIME shares
# its bit with the exit signal in clone's flags and is only honoured by clone3 and unshare)
CLONE_NEW_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 \
    | 0x20000000 | 0x40000000

# (x86_64, aarch64) numbers; None where the call does not exist on that architecture
DENIED: dict[str, tuple[int | None, int | None]] = {
    "unshare": (272, 97), "setns": (308, 268),
    "mount": (165, 40), "umount2": (166, 39), "pivot_root": (155, 41), "chroot": (161, 51),
    "open_tree": (428, 428), "move_mount": (429, 429), "fsopen": (430, 430),
    "fsconfig": (431, 431), "fsmount": (432, 432), "fspick": (433, 433),
    "mount_setattr": (442, 442), "statmount": (457, 457), "listmount": (458, 458),
    "open_tree_attr": (467, 467),
    "ptrace": (101, 117), "process_vm_readv": (310, 270), "process_vm_writev": (311, 271),
    "kcmp": (312, 272), "pidfd_getfd": (438, 438), "process_madvise": (440, 440),
    "keyctl": (250, 219), "add_key": (248, 217), "request_key": (249, 218),
    "bpf": (321, 280), "perf_event_open": (298, 241), "userfaultfd": (323, 282),
    "io_uring_setup": (425, 425), "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427), "fanotify_init": (300, 262),
    "kexec_load": (246, 104), "kexec_file_load": (320, 294),
    "init_module": (175, 105), "finit_module": (313, 273), "delete_module": (176, 106),
    "create_module": (174, None), "get_kernel_syms": (177, None), "query_module": (178, None),
    "reboot": (169, 142), "swapon": (167, 224), "swapoff": (168, 225),
    "open_by_handle_at": (304, 265), "name_to_handle_at": (303, 264),
    "acct": (163, 89), "quotactl": (179, 60), "quotactl_fd": (443, 443),
    "syslog": (103, 116), "sethostname": (170, 161), "setdomainname": (171, 162),
    "vhangup": (153, 58), "lookup_dcookie": (212, 18), "nfsservctl": (180, 42),
    "uselib": (134, None), "iopl": (172, None), "ioperm": (173, None), "_sysctl": (156, None),
    "move_pages": (279, 239), "migrate_pages": (256, 238),
    "shmget": (29, 194), "semget": (64, 190), "msgget": (68, 186), "mq_open": (240, 180),
}
CLONE = (56, 220)
CLONE3 = (435, 435)
FALLOCATE = (285, 47)


class UnsupportedArchitecture(Exception):
    """No system call table for this machine's architecture."""


def _instruction(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return INSTRUCTION.pack(code, jt, jf, k)


def _answer(number: int, action: int) -> bytes:
    """``if nr == number: return action`` (the accumulator holds the number)."""
    return _instruction(JUMP_EQUAL, number, 0, 1) + _instruction(RETURN, action)


def program(machine: str | None = None) -> bytes:
    """The filter for ``machine`` (``platform.machine()`` by default), as bwrap reads it."""
    machine = machine or platform.machine()
    if machine not in AUDIT_ARCH:
        raise UnsupportedArchitecture(
            f"the sandbox's system call filter knows x86_64 and aarch64, not {machine!r}")
    column = 0 if machine == "x86_64" else 1
    eperm, enosys = ERRNO | errno.EPERM, ERRNO | errno.ENOSYS
    code = [
        _instruction(LOAD_WORD, ARCH),
        _instruction(JUMP_EQUAL, AUDIT_ARCH[machine], 1, 0),
        _instruction(RETURN, KILL_PROCESS),
        _instruction(LOAD_WORD, NR),
    ]
    if machine == "x86_64":
        code.append(_instruction(JUMP_AT_LEAST, X32_SYSCALL_BIT, 0, 1))
        code.append(_instruction(RETURN, enosys))
    code += [_answer(numbers[column], eperm) for numbers in DENIED.values()
             if numbers[column] is not None]
    code += [_answer(CLONE3[column], enosys),
             _answer(FALLOCATE[column], ERRNO | errno.EOPNOTSUPP),
             # clone: allowed unless its flags (args[0]) ask for a namespace
             _instruction(JUMP_EQUAL, CLONE[column], 1, 0),
             _instruction(RETURN, ALLOW),
             _instruction(LOAD_WORD, FIRST_ARGUMENT),
             _instruction(JUMP_ANY_BIT, CLONE_NEW_NAMESPACES, 0, 1),
             _instruction(RETURN, eperm),
             _instruction(RETURN, ALLOW)]
    return b"".join(code)


def program_fd() -> int:
    """A readable file descriptor holding :func:`program` for bwrap's ``--seccomp``; the
    caller passes it to bwrap and closes it after the start."""
    code = program()
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, code)  # a few KB: fits in the pipe's buffer
    finally:
        os.close(write_end)
    return read_end
