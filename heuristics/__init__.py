"""Heurist's pure domain core: arrays in, arrays out; no database, HTTP or task queue.

The learner API is importable from here, as user code expects::

    from heuristics import LearningClassifier, params_fit, params_inference
"""

_LEARNER_NAMES = {"LearningClassifier", "LearningExtractor", "params_fit", "params_inference"}

__all__ = sorted(_LEARNER_NAMES)


def __getattr__(name: str):
    """Load the learner API (and scikit-learn) only when it is asked for."""
    if name in _LEARNER_NAMES:
        from heuristics import learners

        return getattr(learners, name)
    raise AttributeError(f"module 'heuristics' has no attribute {name!r}")
