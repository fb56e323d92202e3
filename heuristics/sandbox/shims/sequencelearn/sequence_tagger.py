"""``sequencelearn.sequence_tagger``: the CRF tagger (from :mod:`heuristics.sequence`)."""

from heuristics.sequence import CONSTANT_OUTSIDE, CRFTagger

__all__ = ["CONSTANT_OUTSIDE", "CRFTagger"]
