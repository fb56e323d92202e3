"""Limits hold for a sandbox as a whole, and the kernel's wider surface stays closed."""

from __future__ import annotations

import os
import platform
import textwrap
import threading
import time
from pathlib import Path

import pytest

from heuristics.sandbox import Sandbox, SandboxError, SandboxLimits, UidRange
from heuristics.sandbox.cgroups import PREFIX, find_parent

RECORD = [{"id": 0, "data": {"text": "x"}}]


def run(source: str, records=RECORD, *, cgroup: str = "auto", **limits):
    sandbox = Sandbox(limits=SandboxLimits(**{"wall_seconds": 60, "record_seconds": 20,
                                              **limits}), cgroup=cgroup)
    return sandbox.run_labeling_function(textwrap.dedent(source), records, function="lf",
                                         task_kind="classification")


def cgroup_in_force(setting: str = "auto") -> bool:
    return find_parent(setting)[0] is not None


# ------------------------------------------------------------------ system calls

ATTEMPTS = """
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
SYS_CLONE = {"x86_64": 56, "aarch64": 220}[os.uname().machine]
CLONE_NEWUSER, CLONE_NEWNET, SIGCHLD = 0x10000000, 0x40000000, 17


def check(result):
    if result == -1:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number))
    return result


def clone_new_user():
    pid = check(libc.syscall(SYS_CLONE, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0))
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


ATTEMPTS = {
    "unshare user": lambda: check(libc.unshare(CLONE_NEWUSER)),
    "unshare net": lambda: check(libc.unshare(CLONE_NEWNET)),
    "mount": lambda: check(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)),
    "ptrace": lambda: check(libc.ptrace(0, 0, None, None)),  # PTRACE_TRACEME
    "clone": clone_new_user,
    "keyctl": lambda: check(libc.syscall({"x86_64": 250, "aarch64": 219}[os.uname().machine],
                                         1, None)),  # join a new session keyring
}


def lf(record):
    if record["text"] == "fine":
        return "ok"
    ATTEMPTS[record["text"]]()
    return "allowed"
"""


@pytest.mark.skipif(platform.machine() not in ("x86_64", "aarch64"), reason="x86-64 or ARM")
def test_namespaces_mounts_and_ptrace_are_refused_record_by_record():
    names = ["unshare user", "unshare net", "mount", "ptrace", "clone", "keyctl"]
    records = [{"id": i, "data": {"text": text}}
               for i, text in enumerate([*names, "fine"])]
    result = run(ATTEMPTS, records)
    assert result.outputs == {len(names): "ok"}, result.errors
    assert [(e.index, e.message) for e in result.errors] == [
        (i, "PermissionError: [Errno 1] Operation not permitted") for i in range(len(names))]


def test_ordinary_code_still_runs_under_the_filter():
    result = run("""
        import os
        import threading
        from multiprocessing import Pool

        import numpy as np
        from sklearn.linear_model import LogisticRegression

        def lf(record):
            X = np.arange(20, dtype=float).reshape(10, 2)
            model = LogisticRegression().fit(X, [0, 1] * 5)
            thread = threading.Thread(target=model.predict, args=(X,))
            thread.start()
            thread.join()
            with Pool(2) as pool:
                absolute = pool.map(abs, [-3, -1, 2])
            pid = os.fork()
            if pid == 0:
                os._exit(7)
            _, status = os.waitpid(pid, 0)
            with open("/tmp/scratch", "wb") as scratch:
                os.posix_fallocate(scratch.fileno(), 0, 4096)  # falls back to writing
            return f"{absolute} {os.waitstatus_to_exitcode(status)} {model.n_iter_[0] > 0}"
        """)
    assert result.errors == [] and result.outputs == {0: "[3, 1, 2] 7 True"}


# ------------------------------------------------------------------ memory and files

def test_tmp_and_shm_hold_at_most_their_size():
    result = run("""
        def lf(record):
            written = []
            for folder in ("/tmp", "/dev/shm"):
                megabytes = 0
                try:
                    for i in range(12):   # 96 MB
                        with open(f"{folder}/block{i}", "wb") as block:
                            block.write(b"x" * (8 << 20))
                        megabytes += 8
                except OSError as error:
                    written.append(f"{megabytes} {error.strerror}")
                else:
                    written.append(f"{megabytes} all")
            return ", ".join(written)
        """, max_tmp_mb=32)
    assert result.outputs == {0: "32 No space left on device, 32 No space left on device"}


def _own_groups_left() -> list[Path]:
    parent, _ = find_parent("auto")
    return [group for folder in parent.folders
            for group in folder.glob(f"{PREFIX}{os.getpid()}-*")]


@pytest.mark.parametrize("cgroup", ["auto", "off"])
def test_memory_is_capped_for_the_sandbox_as_a_whole(cgroup):
    """Six children of 100 MB each: under a control group they share the sandbox's 400 MB
    (some are killed: at most three live on); with rlimits only, each process is held to
    400 MB alone."""
    source = """
        import os
        import select
        import time

        def ended(children, dead):
            return {pid for pid in children
                    if pid not in dead and os.waitpid(pid, os.WNOHANG)[0]}

        def lf(record):
            read_end, write_end = os.pipe()
            children = []
            for _ in range(6):
                pid = os.fork()
                if pid == 0:
                    block = b"x" * (100 << 20)
                    os.write(write_end, b"1")
                    time.sleep(30)
                    os._exit(0)
                children.append(pid)
            held, dead, deadline = 0, set(), time.monotonic() + 8
            while held + len(dead) < 6 and time.monotonic() < deadline:
                if select.select([read_end], [], [], 0.2)[0]:
                    held += len(os.read(read_end, 6))
                dead |= ended(children, dead)
            time.sleep(0.5)  # an OOM kill may lag behind the allocation that caused it
            dead |= ended(children, dead)
            try:
                alone = len(b"y" * (500 << 20))
            except MemoryError:
                alone = 0
            for pid in children:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            return (f"{len(children) - len(dead)} children hold 100 MB; one process got "
                    f"{alone >> 20} MB more")
        """
    result = run(source, memory_mb=400, cgroup=cgroup)
    assert result.errors == []
    [output] = result.outputs.values()
    alive = int(output.split()[0])
    assert output.endswith("one process got 0 MB more"), output
    if cgroup_in_force(cgroup):
        assert alive <= 3, output
        assert _own_groups_left() == []
        # RAM-backed files count too: 500 MB of /dev/shm do not fit in 400 MB
        try:
            outcome = run("""
                def lf(record):
                    for i in range(10):
                        with open(f"/dev/shm/block{i}", "wb") as block:
                            block.write(b"x" * (50 << 20))
                    return "wrote 500 MB"
                """, memory_mb=400, max_tmp_mb=1024)
        except SandboxError as error:
            stopped = error.message
        else:
            stopped = outcome.errors[0].message if outcome.errors else ""
        assert stopped, "500 MB of /dev/shm fitted in a sandbox of 400 MB"
        assert _own_groups_left() == []
    else:
        assert alive == 6, output


def _tasks_of(uids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    wanted = set(uids)
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            line = next(x for x in status.read_text().splitlines() if x.startswith("Uid:"))
        except (OSError, StopIteration):
            continue
        uid = int(line.split()[1])
        if uid in wanted:
            counts[uid] = counts.get(uid, 0) + 1
    return counts


def test_each_sandbox_has_a_process_cap_of_its_own():
    """While one sandbox holds six processes, another may still start six (not so when all
    sandboxes share one uid and so one RLIMIT_NPROC)."""
    forking = """
        import os
        import time

        def lf(record):
            started = 0
            try:
                for _ in range(6):
                    if os.fork() == 0:
                        time.sleep(30)
                        os._exit(0)
                    started += 1
            except OSError:
                pass
            time.sleep({hold})
            return f"{{os.getuid()}} {{started}}"
        """
    limits = {"max_processes": 8}
    first: dict = {}
    holder = threading.Thread(target=lambda: first.update(
        result=run(forking.format(hold=6), **limits)))
    holder.start()
    uids = range(UidRange().base, UidRange().base + UidRange().count)
    deadline = time.monotonic() + 20
    watched = [*uids, 65534]  # nobody: where every sandbox ran before they had uids of their own
    while os.getuid() == 0 and max(_tasks_of(watched).values(), default=0) < 7:
        assert time.monotonic() < deadline, "the first sandbox did not start its processes"
        time.sleep(0.1)
    second = run(forking.format(hold=0), **limits)
    holder.join()
    first_uid, first_started = first["result"].outputs[0].split()
    second_uid, second_started = second.outputs[0].split()
    assert (first_started, second_started) == ("6", "6")
    if os.getuid() == 0:
        assert first_uid != second_uid and {int(first_uid), int(second_uid)} <= set(uids)


# ------------------------------------------------------------------ learner outputs

GREEDY_LEARNER = """
import ctypes
import os

from sklearn.linear_model import LogisticRegression


def attempt(name, action):
    try:
        action()
        return f"{name}: done"
    except OSError as error:
        return f"{name}: {error.strerror}"


def fallocate_beyond_the_size_limit():
    libc = ctypes.CDLL(None, use_errno=True)
    with open("/output/probabilities.npy", "wb") as file:
        if libc.fallocate(file.fileno(), 1, ctypes.c_long(0), ctypes.c_long(1 << 30)) != 0:
            number = ctypes.get_errno()
            raise OSError(number, os.strerror(number))


def write_too_much():
    with open("/output/probabilities.npy", "wb") as file:
        file.write(b"x" * (5 << 20))


class Greedy(LearningClassifier):
    def __init__(self):
        self.model = LogisticRegression()

    @params_fit(embedding_name="e", train_test_split=0.5)
    def fit(self, embeddings, labels):
        raise ValueError("; ".join([
            attempt("new file", lambda: open("/output/more.bin", "wb").write(b"x")),
            attempt("link", lambda: os.symlink("/etc", "/output/link")),
            attempt("rename", lambda: os.rename("/output/probabilities.npy", "/output/x")),
            attempt("big file", write_too_much),
            attempt("fallocate", fallocate_beyond_the_size_limit),
        ]))
"""


def test_a_learner_writes_only_its_own_files_up_to_the_size_limit(tmp_path):
    import json

    import numpy as np

    inputs, outputs = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    outputs.mkdir()
    np.save(inputs / "embeddings.npy", np.zeros((6, 2), dtype=np.float32))
    (inputs / "labels.json").write_text(json.dumps(["a", "b", "a", "b", None, None]))
    for path in (inputs, *inputs.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)
    sandbox = Sandbox(limits=SandboxLimits(wall_seconds=60, max_file_mb=4))
    with pytest.raises(SandboxError) as error:
        sandbox.run_learner(GREEDY_LEARNER, task_kind="classification", input_dir=inputs,
                            output_dir=outputs)
    assert error.value.message == (
        "ValueError: new file: Read-only file system; link: Read-only file system; "
        "rename: Read-only file system; big file: File too large; "
        "fallocate: Operation not supported")
    written = {path.name: path.stat() for path in outputs.iterdir()}
    assert set(written) == {"probabilities.npy", "token_labels.json", "token_confidences.json"}
    assert sum(s.st_blocks * 512 for s in written.values()) <= 4 << 20
