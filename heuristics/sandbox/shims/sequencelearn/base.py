"""``sequencelearn.base``: the constant and the base classes (from :mod:`heuristics.sequence`)."""

from heuristics.sequence import CONSTANT_OUTSIDE, OUTSIDE, BaseTagger, PointTagger

SequenceTagger = BaseTagger

__all__ = ["CONSTANT_OUTSIDE", "OUTSIDE", "BaseTagger", "PointTagger", "SequenceTagger"]
