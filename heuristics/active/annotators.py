"""Several annotators per record: consensus, annotator quality, and what to (re)label next.

Thin functions over :mod:`cleanlab.multiannotator`. A label matrix here is a float array of
shape ``(n_records, n_annotators)`` holding label indices, with ``NaN`` where an annotator did
not label a record; ``pred_probs`` are a model's out-of-sample class probabilities, shape
``(n_records, n_labels)``.

Examples
--------
>>> label_matrix = np.array([[0, 0, np.nan], [1, 1, 1], [0, 1, np.nan], [1, np.nan, 1]])
>>> pred_probs = np.array([[0.8, 0.2], [0.1, 0.9], [0.5, 0.5], [0.3, 0.7]])
>>> consensus(label_matrix, pred_probs).labels.tolist()
[0, 1, 0, 1]
>>> ranked = rank_for_labelling(
...     label_matrix, pred_probs, np.array([[0.95, 0.05]]), n=2, label_names=["ham", "spam"])
>>> ranked.indices.tolist()
[2, 4]
>>> ranked.reasons
['relabel: annotators disagree (agreement 0.50)', 'new: unlabelled, model says ham at 0.95']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from cleanlab.multiannotator import get_active_learning_scores, get_label_quality_multiannotator

from heuristics.active.base import QueryResult, check_pool, label_name
from heuristics.errors import InvalidInputError

__all__ = ["Consensus", "activelab_scores", "consensus", "rank_for_labelling"]


@dataclass(frozen=True)
class Consensus:
    """CROWDLAB's consensus of several annotators.

    Attributes
    ----------
    labels : np.ndarray
        Consensus label of each record, shape ``(n_records,)``.
    quality : np.ndarray
        Confidence in each consensus label in [0, 1], shape ``(n_records,)``.
    agreement : np.ndarray
        Share of a record's annotations that equal its consensus label, shape ``(n_records,)``.
    annotator_quality : np.ndarray
        Estimated quality of each annotator in [0, 1], shape ``(n_annotators,)``.
    annotator_agreement : np.ndarray
        Share of each annotator's labels that equal the consensus label, shape
        ``(n_annotators,)``.
    """

    labels: np.ndarray
    quality: np.ndarray
    agreement: np.ndarray
    annotator_quality: np.ndarray
    annotator_agreement: np.ndarray


def _check(label_matrix: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    label_matrix = np.asarray(label_matrix, dtype=float)
    if label_matrix.ndim != 2 or len(label_matrix) != len(pred_probs):
        raise InvalidInputError(
            "label matrix must be (n_records, n_annotators), one row per record"
        )
    if np.isnan(label_matrix).all(axis=1).any():
        raise InvalidInputError("every labelled record needs at least one annotation")
    if np.isnan(label_matrix).all(axis=0).any():
        raise InvalidInputError("every annotator needs at least one annotation")
    return label_matrix


def consensus(label_matrix: np.ndarray, pred_probs: np.ndarray) -> Consensus:
    """Consensus labels and annotator quality by CROWDLAB (annotations weighed with the model).

    Parameters
    ----------
    label_matrix : np.ndarray
        Shape ``(n_records, n_annotators)``, label indices with ``NaN`` for missing.
    pred_probs : np.ndarray
        Out-of-sample class probabilities of the same records, shape ``(n_records, n_labels)``.

    Returns
    -------
    Consensus
    """
    label_matrix = _check(label_matrix, pred_probs)
    result = get_label_quality_multiannotator(label_matrix, pred_probs, verbose=False)
    quality = result["label_quality"]
    stats = result["annotator_stats"].reindex(range(label_matrix.shape[1]))
    return Consensus(
        labels=quality["consensus_label"].to_numpy(dtype=int),
        quality=quality["consensus_quality_score"].to_numpy(dtype=float),
        agreement=quality["annotator_agreement"].to_numpy(dtype=float),
        annotator_quality=stats["annotator_quality"].to_numpy(dtype=float),
        annotator_agreement=stats["agreement_with_consensus"].to_numpy(dtype=float),
    )


def activelab_scores(
    label_matrix: np.ndarray, pred_probs: np.ndarray, pred_probs_unlabeled: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """ActiveLab scores of labelled and unlabelled records; the lower, the more a label helps.

    Parameters
    ----------
    label_matrix : np.ndarray
        Shape ``(n_labelled, n_annotators)``, label indices with ``NaN`` for missing.
    pred_probs : np.ndarray
        Out-of-sample probabilities of the labelled records, ``(n_labelled, n_labels)``.
    pred_probs_unlabeled : np.ndarray
        Probabilities of the unlabelled records, ``(n_unlabelled, n_labels)``.

    Returns
    -------
    tuple of np.ndarray
        Scores in [0, 1] of the labelled records, then of the unlabelled records.
    """
    label_matrix = _check(label_matrix, pred_probs)
    return get_active_learning_scores(label_matrix, pred_probs, pred_probs_unlabeled)


def _relabel_reason(annotations: np.ndarray, label_names: Sequence[str] | None) -> str:
    given = annotations[~np.isnan(annotations)].astype(int)
    if len(given) == 1:
        return f"relabel: one annotation ({label_name(int(given[0]), label_names)})"
    agreement = np.bincount(given).max() / len(given)
    if agreement < 1.0:
        return f"relabel: annotators disagree (agreement {agreement:.2f})"
    return (
        f"relabel: annotators agree on {label_name(int(given[0]), label_names)}, the model doubts"
    )


def rank_for_labelling(
    label_matrix: np.ndarray,
    pred_probs: np.ndarray,
    pred_probs_unlabeled: np.ndarray,
    *,
    n: int,
    label_names: Sequence[str] | None = None,
) -> QueryResult:
    """One ranked list of what to label next: relabel a labelled record, or label a new one.

    Records are numbered as the labelled rows followed by the unlabelled rows: index ``i <
    n_labelled`` is row ``i`` of ``label_matrix``, index ``n_labelled + j`` is row ``j`` of
    ``pred_probs_unlabeled``. The score is ``1 -`` the ActiveLab score (higher = ask first).

    Parameters
    ----------
    label_matrix, pred_probs, pred_probs_unlabeled : np.ndarray
        As for :func:`activelab_scores`.
    n : int
        How many records to return.
    label_names : sequence of str, optional
        Names of the label indices, used in the reasons.

    Returns
    -------
    QueryResult
        Reasons begin with ``"relabel:"`` or ``"new:"``.
    """
    scores_labelled, scores_unlabelled = activelab_scores(
        label_matrix, pred_probs, pred_probs_unlabeled
    )
    scores = 1.0 - np.concatenate([scores_labelled, scores_unlabelled])
    pool = check_pool(n, len(scores), None)
    order = np.lexsort((pool, -scores))[:n]
    n_labelled = len(scores_labelled)
    reasons = []
    for i in order:
        if i < n_labelled:
            reasons.append(_relabel_reason(np.asarray(label_matrix, dtype=float)[i], label_names))
        else:
            row = pred_probs_unlabeled[i - n_labelled]
            top = int(np.argmax(row))
            reasons.append(
                f"new: unlabelled, model says {label_name(top, label_names)} at {row[top]:.2f}"
            )
    return QueryResult(indices=order, scores=scores[order], reasons=reasons)
