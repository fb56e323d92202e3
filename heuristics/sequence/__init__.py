"""Span taggers over token embeddings, with the API of the sequencelearn library.

Every tagger learns one label per token (:data:`OUTSIDE` for tokens outside any span) from
ragged input, one ``(n_tokens, dims)`` array per text:

* ``fit(embeddings, labels)`` with ``labels`` one list of label names per text;
* ``predict(embeddings) -> list[list[str]]``;
* ``predict_proba(embeddings) -> (labels, confidences)``, one confidence per token;
* ``predict_marginals(embeddings) -> list[ndarray]``, every label's probability per token.

:class:`CRFTagger` is a linear-chain CRF (CRFsuite); the point taggers (:class:`PointTagger`
and the named ones of sequencelearn's ``point_tagger`` module) classify tokens one by one with
any scikit-learn classifier. Pasted refinery code that imports ``sequencelearn`` gets these
classes through the sandbox's shim modules.

Examples
--------
>>> embeddings = [[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]]
>>> labels = [["CITY", OUTSIDE], [OUTSIDE, "CITY"]]
>>> TreeTagger(random_state=0).fit(embeddings, labels).predict([[[0.0, 1.0], [1.0, 0.0]]])
[['OUTSIDE', 'CITY']]
"""

from heuristics.sequence.base import (
    CONSTANT_OUTSIDE,
    OUTSIDE,
    BaseTagger,
    check_labels,
)
from heuristics.sequence.crf import CRFTagger
from heuristics.sequence.features import lexical_features, with_neighbours, word_shape
from heuristics.sequence.point import (
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
from heuristics.validation import check_embeddings

__all__ = [
    "CONSTANT_OUTSIDE",
    "OUTSIDE",
    "AdaBoostTagger",
    "AdaTagger",
    "BaseTagger",
    "BayesTagger",
    "CRFTagger",
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
    "check_embeddings",
    "check_labels",
    "lexical_features",
    "with_neighbours",
    "word_shape",
]
