"""The default learners of a labelling queue, and the stopping hint after each refit.

Before a user writes a learner of their own, a task's queue is ranked by a logistic
regression over record features (classification; see :mod:`heuristics.active.features`) or a
CRF over a token embedding (extraction). Labelled records get out-of-sample probabilities
(cross-fitted), as ActiveLab needs them.

Examples
--------
>>> from sklearn.datasets import make_blobs
>>> embeddings, truth = make_blobs(n_samples=60, centers=2, random_state=0)
>>> labels = np.full(60, -1)
>>> labels[:10] = truth[:10]
>>> probabilities = class_probabilities(embeddings, labels, n_labels=2)
>>> probabilities.shape, bool((probabilities.argmax(axis=1) == truth).mean() > 0.9)
((60, 2), True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from heuristics.active.learner import default_classifier
from heuristics.active.stopping import KappaAverage, OverallUncertainty
from heuristics.errors import InvalidInputError

__all__ = ["StopHint", "class_probabilities", "label_set_probabilities",
           "label_set_stop_inputs", "stop_hint", "token_probabilities"]


def full_probabilities(model: LogisticRegression, embeddings, n_labels: int) -> np.ndarray:
    """A fitted classifier's probabilities over every label of the task, zero for labels it
    has not seen."""
    probabilities = np.zeros((embeddings.shape[0], n_labels))
    if embeddings.shape[0]:
        probabilities[:, model.classes_] = model.predict_proba(embeddings)
    return probabilities


def class_probabilities(
    embeddings: np.ndarray,
    labels: np.ndarray,
    *,
    n_labels: int,
    max_folds: int = 5,
    random_state: int = 0,
) -> np.ndarray:
    """Logistic-regression probabilities of every record; labelled ones cross-fitted.

    Parameters
    ----------
    embeddings : np.ndarray or scipy.sparse matrix
        One row of features per record, shape ``(n_records, dims)``.
    labels : np.ndarray
        Label index per record, ``-1`` where unlabelled, shape ``(n_records,)``.
    n_labels : int
        Number of labels of the task (columns of the result).
    max_folds : int
        At most this many folds for the labelled records' out-of-sample probabilities
        (fewer when a label has fewer examples; in-sample when one has a single example).
    random_state : int
        Seed of the fold split.

    Returns
    -------
    np.ndarray
        Shape ``(n_records, n_labels)``; zero for labels nobody used yet.
    """
    labels = np.asarray(labels, dtype=int)
    if len(labels) != embeddings.shape[0]:
        raise InvalidInputError("embeddings and labels must have one row per record")
    labelled = np.flatnonzero(labels >= 0)
    counts = np.bincount(labels[labelled], minlength=n_labels)
    if (counts > 0).sum() < 2:
        raise InvalidInputError("the default learner needs labels of at least two kinds",
                                field="labels")
    x, y = embeddings[labelled], labels[labelled]
    # One BLAS thread: the fits are small, and threads contending for busy cores made a
    # refit over 20k word columns ten times slower.
    with threadpool_limits(limits=1, user_api="blas"):
        model = default_classifier().fit(x, y)
        probabilities = full_probabilities(model, embeddings, n_labels)
        folds = min(max_folds, int(counts[counts > 0].min()))
        if folds >= 2:
            splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
            for train, test in splitter.split(x, y):
                fold = default_classifier().fit(x[train], y[train])
                probabilities[labelled[test]] = full_probabilities(fold, x[test], n_labels)
    return probabilities


def label_set_probabilities(
    embeddings: np.ndarray,
    memberships: np.ndarray,
    *,
    max_folds: int = 5,
    random_state: int = 0,
) -> np.ndarray:
    """Per label, the probability that a record has it (multi-label tasks).

    One binary logistic regression per label, as :func:`class_probabilities` fits them
    (labelled records cross-fitted). A label every labelled record has, or none has, gets that
    as its probability (1 or 0) everywhere.

    Parameters
    ----------
    embeddings : np.ndarray
        One vector per record, shape ``(n_records, dims)``.
    memberships : np.ndarray
        Shape ``(n_records, n_labels)``: 1 where a labelled record has the label, 0 where it
        has not, and -1 on the rows of unlabelled records.
    max_folds, random_state
        As for :func:`class_probabilities`.

    Returns
    -------
    np.ndarray
        Shape ``(n_records, n_labels)``; rows need not sum to 1.

    Examples
    --------
    >>> embeddings = np.array([[0.0], [0.1], [1.0], [1.1], [0.05], [1.05]])
    >>> memberships = np.array([[1, 0], [1, 0], [0, 0], [0, 0], [-1, -1], [-1, -1]])
    >>> p = label_set_probabilities(embeddings, memberships)
    >>> bool(p[4, 0] > 0.5 > p[5, 0]), p[:, 1].tolist()
    (True, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    """
    memberships = np.asarray(memberships, dtype=int)
    if memberships.ndim != 2 or len(memberships) != embeddings.shape[0]:
        raise InvalidInputError("memberships must be (n_records, n_labels), one row per record")
    labelled = (memberships >= 0).all(axis=1)
    if not labelled.any():
        raise InvalidInputError("the default learner needs labelled records", field="labels")
    probabilities = np.zeros(memberships.shape)
    learned = False
    for j in range(memberships.shape[1]):
        column = np.where(labelled, memberships[:, j], -1)
        seen = np.unique(column[labelled])
        if len(seen) == 1:
            probabilities[:, j] = float(seen[0])
            continue
        probabilities[:, j] = class_probabilities(embeddings, column, n_labels=2,
                                                  max_folds=max_folds,
                                                  random_state=random_state)[:, 1]
        learned = True
    if not learned:
        raise InvalidInputError("the default learner needs a label some labelled records have "
                                "and others have not", field="labels")
    return probabilities


def token_probabilities(
    embeddings: Sequence[np.ndarray],
    token_labels: Sequence[Sequence[str] | None],
    *,
    label_names: Sequence[str],
    random_state: int = 0,
) -> list[np.ndarray]:
    """CRF marginals of every token of every record, columns in ``label_names`` order.

    Parameters
    ----------
    embeddings : sequence of np.ndarray
        Per record, one vector per token, shape ``(n_tokens, dims)``.
    token_labels : sequence of (sequence of str or None)
        Per record, one label per token (``label_names[0]`` outside spans), ``None`` when
        the record is not labelled.
    label_names : sequence of str
        The outside label first, then the task's labels.
    random_state : int
        Seed of the CRF.

    Returns
    -------
    list of np.ndarray
        Per record, shape ``(n_tokens, len(label_names))``.
    """
    from heuristics.sequence import CRFTagger

    labelled = [i for i, labels in enumerate(token_labels) if labels is not None]
    seen = {label for i in labelled for label in token_labels[i]}
    if len(seen) < 2:
        raise InvalidInputError("the default learner needs at least one labelled span",
                                field="labels")
    tagger = CRFTagger(random_seed=random_state, constant_outside=label_names[0]).fit(
        [embeddings[i] for i in labelled], [list(token_labels[i]) for i in labelled])
    columns = [list(label_names).index(str(c)) for c in tagger.classes_]
    result = []
    for marginals in tagger.predict_marginals(list(embeddings)):
        full = np.zeros((len(marginals), len(label_names)))
        full[:, columns] = marginals
        result.append(full)
    return result


@dataclass(frozen=True)
class StopHint:
    """Whether labelling can stop, with the numbers the criteria decided on.

    Attributes
    ----------
    stop : bool
        Either criterion says stop.
    kappas : list of float
        Cohen's kappa between each refit's predictions on the stopping set and the previous.
    mean_kappa : float or None
        Mean of the last ``window_size`` kappas, once there are that many.
    uncertainty : float
        Mean ``1 - max p`` over the stopping set.
    message : str
        The hint in words.
    """

    stop: bool
    kappas: list[float]
    mean_kappa: float | None
    uncertainty: float
    message: str


def label_set_stop_inputs(probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the stopping criteria (:func:`stop_hint`) read of a multi-label model's per-label
    probabilities ``(n_records, n_labels)``: each record's every label as a yes/no decision,
    ``(n_records * n_labels, 2)`` rows for the kappa, and each record's uncertainty, that of
    its least certain label (``1 - max(p, 1 - p)``; labels a record clearly lacks, most of
    them, do not water it down).

    >>> rows, uncertainties = label_set_stop_inputs(np.array([[0.9, 0.2], [0.6, 0.01]]))
    >>> rows.argmax(axis=1).tolist(), uncertainties.round(2).tolist()
    ([1, 0, 1, 0], [0.2, 0.4])
    """
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.ndim != 2:
        raise InvalidInputError("probabilities must be a (n_records, n_labels) array")
    rows = np.stack([1.0 - probabilities, probabilities], axis=-1).reshape(-1, 2)
    return rows, 1.0 - np.maximum(probabilities, 1.0 - probabilities).min(axis=1)


def stop_hint(
    probabilities: np.ndarray,
    *,
    previous_predictions: np.ndarray | None,
    previous_kappas: Sequence[float] = (),
    kappa: float = 0.99,
    window_size: int = 3,
    uncertainty_threshold: float = 0.05,
    uncertainties: np.ndarray | None = None,
) -> StopHint:
    """Kappa-average and overall-uncertainty criteria after one refit.

    Parameters
    ----------
    probabilities : np.ndarray
        This refit's probabilities on the stopping set (the same records every refit),
        shape ``(n_records, n_labels)``.
    previous_predictions : np.ndarray or None
        The previous refit's predicted labels on the stopping set (None at the first).
    previous_kappas : sequence of float
        The kappas reported after the earlier refits.
    kappa, window_size : float, int
        Stop once the mean of the last ``window_size`` kappas reaches ``kappa``.
    uncertainty_threshold : float
        Stop once the mean uncertainty is below this.
    uncertainties : np.ndarray, optional
        Each stopping record's uncertainty, where a row of ``probabilities`` is not a record
        (the tokens of an extraction task: see
        :func:`heuristics.active.sequence.sequence_uncertainties`); by default
        ``1 - max p`` of each row.

    Returns
    -------
    StopHint

    Examples
    --------
    >>> sure = np.array([[0.99, 0.01], [0.02, 0.98]])
    >>> hint = stop_hint(sure, previous_predictions=np.array([0, 1]), previous_kappas=[1.0, 1.0])
    >>> hint.stop, hint.kappas
    (True, [1.0, 1.0, 1.0])
    >>> hint.message.split(": ", 1)[1]
    'mean kappa 1.000 over the last 3 refits (≥ 0.99); uncertainty 0.015 (< 0.05)'
    """
    probabilities = np.asarray(probabilities, dtype=float)
    by_kappa = KappaAverage(probabilities.shape[1], kappa=kappa, window_size=window_size)
    by_kappa.kappas_ = list(previous_kappas)
    if previous_predictions is not None:
        by_kappa.stop(predictions=np.asarray(previous_predictions))
    kappa_says = by_kappa.stop(predictions=probabilities.argmax(axis=1))
    by_uncertainty = OverallUncertainty(threshold=uncertainty_threshold)
    uncertainty_says = (by_uncertainty.stop(probabilities=probabilities) if uncertainties is None
                        else by_uncertainty.stop(uncertainties=uncertainties))
    mean = by_kappa.mean_kappa_
    kappa_text = (f"mean kappa {mean:.3f} over the last {window_size} refits"
                  f" ({'≥' if kappa_says else '<'} {kappa})" if mean is not None else
                  f"kappa needs {window_size + 1} refits ({len(by_kappa.kappas_) + 1} so far)")
    uncertainty_text = (f"uncertainty {by_uncertainty.uncertainty_:.3f}"
                        f" ({'<' if uncertainty_says else '≥'} {uncertainty_threshold})")
    stop = kappa_says or uncertainty_says
    verdict = "labelling can stop" if stop else "keep labelling"
    return StopHint(stop=stop, kappas=list(by_kappa.kappas_), mean_kappa=mean,
                    uncertainty=float(by_uncertainty.uncertainty_),
                    message=f"{verdict}: {kappa_text}; {uncertainty_text}")
