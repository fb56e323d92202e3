"""``sequencelearn.point_tagger``: token-by-token taggers (from :mod:`heuristics.sequence`)."""

from heuristics.sequence import (
    CONSTANT_OUTSIDE,
    AdaBoostTagger,
    AdaTagger,
    BayesTagger,
    ForestTagger,
    GaussianTagger,
    KNNTagger,
    LogisticTagger,
    LRTagger,
    NaiveBayesTagger,
    NearestNeighborTagger,
    PointTagger,
    SupportVectorTagger,
    SVMTagger,
    TreeTagger,
)

__all__ = [
    "CONSTANT_OUTSIDE",
    "AdaBoostTagger",
    "AdaTagger",
    "BayesTagger",
    "ForestTagger",
    "GaussianTagger",
    "KNNTagger",
    "LRTagger",
    "LogisticTagger",
    "NaiveBayesTagger",
    "NearestNeighborTagger",
    "PointTagger",
    "SVMTagger",
    "SupportVectorTagger",
    "TreeTagger",
]
