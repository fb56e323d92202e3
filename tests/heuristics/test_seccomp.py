"""The seccomp program, run by a small classic-BPF interpreter on made-up system calls."""

from __future__ import annotations

import errno
import struct

import pytest

from heuristics.sandbox import seccomp

ALLOW, KILL = seccomp.ALLOW, seccomp.KILL_PROCESS
EPERM, ENOSYS = seccomp.ERRNO | errno.EPERM, seccomp.ERRNO | errno.ENOSYS
EOPNOTSUPP = seccomp.ERRNO | errno.EOPNOTSUPP


def decide(code: bytes, *, arch: int, nr: int, args: tuple[int, ...] = ()) -> int:
    """What the kernel would return for this call: the subset of classic BPF the filter uses,
    over a ``struct seccomp_data``."""
    data = struct.pack("=iIQ6Q", nr, arch, 0, *(list(args) + [0] * (6 - len(args))))
    program = [seccomp.INSTRUCTION.unpack_from(code, offset)
               for offset in range(0, len(code), seccomp.INSTRUCTION.size)]
    accumulator, pc = 0, 0
    while True:
        op, jt, jf, k = program[pc]
        pc += 1
        if op == seccomp.LOAD_WORD:
            (accumulator,) = struct.unpack_from("=I", data, k)
        elif op == seccomp.RETURN:
            return k
        elif op in (seccomp.JUMP_EQUAL, seccomp.JUMP_AT_LEAST, seccomp.JUMP_ANY_BIT):
            taken = {seccomp.JUMP_EQUAL: accumulator == k,
                     seccomp.JUMP_AT_LEAST: accumulator >= k,
                     seccomp.JUMP_ANY_BIT: bool(accumulator & k)}[op]
            pc += jt if taken else jf
        else:
            raise AssertionError(f"unexpected instruction {op:#x}")


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_the_filter_answers_by_architecture_number_and_clone_flags(machine):
    code = seccomp.program(machine)
    column = 0 if machine == "x86_64" else 1
    arch = seccomp.AUDIT_ARCH[machine]
    assert len(code) % 8 == 0 and len(code) // 8 < 4096  # the kernel's BPF_MAXINSNS
    number = {name: numbers[column] for name, numbers in seccomp.DENIED.items()}
    for name in ("unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "fsopen",
                 "ptrace", "process_vm_readv", "process_vm_writev", "keyctl", "add_key",
                 "request_key", "bpf", "perf_event_open", "userfaultfd", "kexec_load",
                 "init_module", "finit_module", "delete_module", "reboot", "swapon",
                 "open_by_handle_at", "name_to_handle_at", "io_uring_setup",
                 "shmget", "semget", "msgget", "mq_open"):
        assert decide(code, arch=arch, nr=number[name]) == EPERM, name
    clone, clone3 = seccomp.CLONE[column], seccomp.CLONE3[column]
    thread_flags = 0x3D0F00  # CLONE_VM | FS | FILES | SIGHAND | THREAD | SYSVSEM | SETTLS...
    assert decide(code, arch=arch, nr=clone, args=(thread_flags,)) == ALLOW
    assert decide(code, arch=arch, nr=clone, args=(17,)) == ALLOW  # fork: SIGCHLD
    for namespace in (0x10000000, 0x40000000, 0x00020000, 0x20000000):
        assert decide(code, arch=arch, nr=clone, args=(namespace | 17,)) == EPERM
    assert decide(code, arch=arch, nr=clone3) == ENOSYS
    assert decide(code, arch=arch, nr=seccomp.FALLOCATE[column]) == EOPNOTSUPP
    for allowed in (0, 1, 3, 39, 63, 202, 231):  # read, write, close, ...: plain calls
        if allowed not in number.values() and allowed not in (clone, clone3):
            assert decide(code, arch=arch, nr=allowed) == ALLOW, allowed
    other = next(a for m, a in seccomp.AUDIT_ARCH.items() if m != machine)
    assert decide(code, arch=other, nr=0) == KILL
    assert decide(code, arch=0x40000003, nr=0) == KILL  # i386 calls on x86-64


def test_x32_calls_fail_and_unknown_machines_are_refused():
    code = seccomp.program("x86_64")
    unshare_x32 = seccomp.X32_SYSCALL_BIT | seccomp.DENIED["unshare"][0]
    assert decide(code, arch=seccomp.AUDIT_ARCH["x86_64"], nr=unshare_x32) == ENOSYS
    with pytest.raises(seccomp.UnsupportedArchitecture, match="not 'riscv64'"):
        seccomp.program("riscv64")
