"""The worker reads a learner's outputs without trusting them: what the learner left in its
output folder in place of its predictions is refused at once, never followed or waited on."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from heuristics.sandbox import SandboxError
from tests.heuristics.test_sandbox_attacks import learn
from workers.jobs.learner import _read_probabilities

PLANT = ("import numpy, os; numpy.save = lambda path, array: {plant}")


def read_within(sandbox, folder, seconds: float = 5.0):
    """The worker's read of the probabilities, in a thread: it must end within ``seconds``."""
    outcome: dict = {}

    def read() -> None:
        try:
            outcome["value"] = _read_probabilities(sandbox, folder, n_records=40, n_classes=2)
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome["error"] = error

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(seconds)
    assert not reader.is_alive(), "the worker blocked reading the learner's output"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.mark.parametrize("plant", ["(os.remove(path), os.symlink({secret!r}, path))",
                                   "os.symlink({secret!r}, path)",
                                   "(os.remove(path), os.mkfifo(path, 0o666))"],
                         ids=["replace by a link", "link over it", "replace by a pipe"])
def test_a_learner_cannot_plant_a_link_or_a_pipe(tmp_path, plant):
    secret = tmp_path / "secret.npy"
    np.save(secret, np.full((40, 2), 0.125))
    with pytest.raises(SandboxError, match="Read-only file system|Device or resource busy|"
                                           "File exists|Permission denied"):
        learn(tmp_path, PLANT.format(plant=plant.format(secret=str(secret))))


def _honest_run(tmp_path):
    """A learner run that went well, and a folder of the worker's where a link or a pipe
    stands in place of the predictions (as if planted)."""
    sandbox, _ = learn(tmp_path, "pass")
    planted = tmp_path / "planted"
    planted.mkdir()
    return sandbox, planted


def test_a_link_to_a_host_file_is_not_followed(tmp_path):
    secret = tmp_path / "secret.npy"
    np.save(secret, np.full((40, 2), 0.125))
    secret.chmod(0o600)
    sandbox, planted = _honest_run(tmp_path)
    (planted / "probabilities.npy").symlink_to(secret)
    with pytest.raises(SandboxError, match="probabilities.npy is not a regular file"):
        read_within(sandbox, planted)


def test_a_pipe_in_place_of_the_output_does_not_block(tmp_path):
    sandbox, planted = _honest_run(tmp_path)
    os.mkfifo(planted / "probabilities.npy")
    with pytest.raises(SandboxError, match="probabilities.npy is not a regular file"):
        read_within(sandbox, planted)


@pytest.mark.parametrize(("plant", "message"), [
    ("open(path, 'wb').write(b'not an array')", "not a NumPy array"),
    ("numpy.lib.format.write_array(open(path, 'wb'), numpy.zeros((3, 2)))",
     "expected 40 x 2 floats"),
    ("numpy.lib.format.write_array(open(path, 'wb'), numpy.full((40, 2), numpy.nan))",
     "not finite probabilities"),
    ("numpy.lib.format.write_array(open(path, 'wb'), numpy.full((40, 2), 7.0))",
     "between 0 and 1"),
], ids=["not an array", "wrong shape", "not finite", "above one"])
def test_malformed_probabilities_are_refused(tmp_path, plant, message):
    sandbox, outputs = learn(tmp_path, PLANT.format(plant=plant))
    with pytest.raises(SandboxError, match=f"malformed output .*{message}"):
        read_within(sandbox, outputs)


def test_honest_probabilities_are_read(tmp_path):
    sandbox, outputs = learn(tmp_path, "pass")
    probabilities = read_within(sandbox, outputs)
    assert probabilities.shape == (40, 2) and np.allclose(probabilities.sum(axis=1), 1)
