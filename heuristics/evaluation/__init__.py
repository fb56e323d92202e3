"""How much heuristics vote, how they agree with each other, and how right they are.

Three views of the votes of a task's heuristics (labeling functions and learners):

* :class:`LabelMatrixAnalysis` — Snorkel's ``LFAnalysis`` statistics of one label matrix:
  coverage, overlaps, conflicts, polarities and empirical accuracy, with Snorkel's definitions.
* :func:`classification_stats` and :func:`multilabel_stats` — true positives, false positives
  and false negatives per heuristic and label against the manual reference labels
  (:class:`HeuristicStats`), with precision, recall, F1 and Wilson intervals. Counted on a
  single record against its old and its new reference label, they give the change a new
  reference makes to stored counts, in O(n_heuristics) work.
* :func:`span_stats` — token-level and exact-span counts for extraction tasks
  (:class:`SpanStats`).

And how far the manual labels themselves can be trusted: :func:`classification_agreement`,
:func:`multilabel_agreement` and :func:`span_agreement` measure agreement among annotators
(Krippendorff's alpha, Cohen's kappa per pair, span F1) in :mod:`~heuristics.evaluation.agreement`.

One concept per module: :mod:`~heuristics.evaluation.analysis`,
:mod:`~heuristics.evaluation.counts`, :mod:`~heuristics.evaluation.classification`,
:mod:`~heuristics.evaluation.extraction` and :mod:`~heuristics.evaluation.samples` (code tried
on a few records); their public names are importable from here.
Inputs are checked by :mod:`heuristics.validation`.

Conventions
-----------
A label matrix is an integer array of shape ``(n_records, n_heuristics)``; a cell holds the
label index (into the task's label list) a heuristic voted for on a record, or ``-1`` where it
abstained. Reference labels are an integer array of shape ``(n_records,)`` with ``-1`` where a
record has no reference label.

A false negative is a record (token, span) with reference label ``c`` that a heuristic does not
label ``c``, whatever it did there instead, abstaining included: recall is the share of the
records labelled ``c`` that the heuristic labels ``c``, so a rule that covers a third of them
has recall of about a third however right it is where it votes. For classification and
multi-label, :meth:`HeuristicStats.where_voting` also gives the "recall where it votes", whose
false negatives (``fn_voted``) are only the records the heuristic voted on. Extraction has no
per-token abstain (a heuristic that tags nothing says "no entity here"), so there the two are
one.

Examples
--------
>>> import numpy as np
>>> L = np.array([[0, 0], [1, -1], [1, 0], [-1, 1]])
>>> stats = classification_stats(L, np.array([0, 1, 0, -1]), n_labels=2)
>>> stats.tp
array([[1, 1],
       [2, 0]])
>>> stats.totals().precision
array([0.66666667, 1.        ])
"""

from heuristics.evaluation.agreement import (
    Agreement,
    classification_agreement,
    multilabel_agreement,
    span_agreement,
)
from heuristics.evaluation.analysis import LabelMatrixAnalysis
from heuristics.evaluation.classification import (
    HeuristicStats,
    classification_stats,
    multilabel_stats,
)
from heuristics.evaluation.counts import Counts, Interval
from heuristics.evaluation.extraction import SpanStats, span_stats
from heuristics.evaluation.samples import SampleSummary, sample_summary

__all__ = [
    "Agreement",
    "Counts",
    "HeuristicStats",
    "Interval",
    "LabelMatrixAnalysis",
    "SampleSummary",
    "SpanStats",
    "classification_agreement",
    "classification_stats",
    "sample_summary",
    "multilabel_agreement",
    "multilabel_stats",
    "span_agreement",
    "span_stats",
]
