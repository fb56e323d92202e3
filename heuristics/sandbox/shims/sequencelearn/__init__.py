"""Stand-in for the ``sequencelearn`` library inside the sandbox: Heurist's own taggers.

Refinery's extraction templates import ``sequencelearn.sequence_tagger`` and
``sequencelearn.point_tagger``; with this folder's parent on ``sys.path`` those imports resolve
to :mod:`heuristics.sequence`, which keeps sequencelearn's API.
"""

from heuristics.sequence import CONSTANT_OUTSIDE, OUTSIDE, BaseTagger, PointTagger

SequenceTagger = BaseTagger

__all__ = ["CONSTANT_OUTSIDE", "OUTSIDE", "BaseTagger", "PointTagger", "SequenceTagger"]
