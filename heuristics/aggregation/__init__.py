"""Merge the votes of many heuristics into one label per record, with a confidence.

* :class:`MajorityVote`, :class:`WeightedVote` — (weighted) voting, deterministic ties.
* :class:`LabelModel` — a Dawid–Skene label model fitted by EM, learning how far to trust each
  heuristic without reference labels (or anchored on those some records have).
* :func:`aggregate_multilabel` — for multi-label tasks: each label decided on its own.
* :func:`aggregate_spans` — the same for extraction: token spans of many heuristics merged into
  one set of spans per record.
* :mod:`~heuristics.aggregation.scoring` — the one scoring rule (expected accuracy over tied top
  labels); :mod:`~heuristics.aggregation.synthetic` — label matrices from known parameters,
  with their Bayes-optimal posterior.
"""

from heuristics.aggregation.label_model import LabelModel
from heuristics.aggregation.multilabel import MultiLabelResult, aggregate_multilabel
from heuristics.aggregation.spans import (
    RecordSpans,
    aggregate_spans,
    decode_spans,
    token_label_matrix,
)
from heuristics.aggregation.votes import MajorityVote, WeightedVote

__all__ = [
    "LabelModel",
    "MajorityVote",
    "MultiLabelResult",
    "RecordSpans",
    "WeightedVote",
    "aggregate_multilabel",
    "aggregate_spans",
    "decode_spans",
    "token_label_matrix",
]
