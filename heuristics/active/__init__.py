"""Active learning: which records to label next, and when to stop.

Strategies take a model's class probabilities (and, for diversity, the records' embeddings)
and return the chosen records with a score and a readable reason each::

    from heuristics.active import BreakingTies, DiverseBatch

    batch = DiverseBatch(BreakingTies()).query(
        probabilities, n=20, indices_unlabeled=pool, embeddings=embeddings
    )
"""

from heuristics.active.annotators import Consensus, activelab_scores, consensus, rank_for_labelling
from heuristics.active.base import (
    ConfidenceBasedQueryStrategy,
    QueryRequest,
    QueryResult,
    QueryStrategy,
)
from heuristics.active.cold_start import ColdStart, mean_token_vectors
from heuristics.active.diversity import DiverseBatch, core_set, one_per_cluster
from heuristics.active.features import record_features, text_features
from heuristics.active.sequence import (
    SequenceLeastConfidence,
    predicted_spans,
    sequence_uncertainties,
)
from heuristics.active.simulation import (
    LearningCurve,
    Simulation,
    simulate,
    simulate_label_sets,
    simulate_spans,
)
from heuristics.active.stopping import KappaAverage, OverallUncertainty
from heuristics.active.strategies import (
    BreakingTies,
    LabelSetMargin,
    LeastConfidence,
    PredictionEntropy,
    RandomSampling,
)
from heuristics.active.warm_up import WarmUp

__all__ = [
    "BreakingTies",
    "ColdStart",
    "ConfidenceBasedQueryStrategy",
    "Consensus",
    "DiverseBatch",
    "KappaAverage",
    "LabelSetMargin",
    "LeastConfidence",
    "LearningCurve",
    "OverallUncertainty",
    "PredictionEntropy",
    "QueryResult",
    "QueryRequest",
    "QueryStrategy",
    "RandomSampling",
    "SequenceLeastConfidence",
    "Simulation",
    "WarmUp",
    "activelab_scores",
    "consensus",
    "core_set",
    "mean_token_vectors",
    "one_per_cluster",
    "predicted_spans",
    "rank_for_labelling",
    "record_features",
    "sequence_uncertainties",
    "simulate",
    "simulate_label_sets",
    "simulate_spans",
    "text_features",
]
