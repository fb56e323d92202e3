"""Run user code (labeling functions, learners) in a separate, locked-down process."""

from heuristics.sandbox.confinement import UidRange
from heuristics.sandbox.launcher import Sandbox, SpareLearner
from heuristics.sandbox.outputs import read_output
from heuristics.sandbox.results import (
    RecordError,
    SandboxError,
    SandboxFailure,
    SandboxLimits,
    SandboxResult,
    SandboxUnavailable,
)

__all__ = ["RecordError", "Sandbox", "SandboxError", "SandboxFailure", "SandboxLimits",
           "SandboxResult", "SandboxUnavailable", "SpareLearner", "UidRange", "read_output"]
