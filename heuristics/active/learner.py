"""The default classifier of active learning: the queue's refits and the simulations fit the
same one, on what :func:`heuristics.active.features.record_features` makes of a record (its
embedding beside a bag of the words of its text; on the scaled rows, ``C=1`` here is ``C=10``
on unscaled ones).

Logistic regression (``C=1``). Stronger-looking choices were measured against it on TREC-6
and YouTube spam (MiniLM vectors): less regularised or class-balanced logistic regression, an
RBF SVM alone or averaged with it, label spreading over a k-nearest-neighbour graph. They
learn faster from the first labels but make margin sampling pick worse records later, and
refit two to four times slower (bench/al_bench.py, ``--learner``).

Examples
--------
>>> from sklearn.datasets import make_blobs
>>> x, y = make_blobs(n_samples=60, centers=3, random_state=0)
>>> model = default_classifier().fit(x[:30], y[:30])
>>> model.predict_proba(x[30:]).shape
(30, 3)
"""

from __future__ import annotations

from sklearn.linear_model import LogisticRegression

__all__ = ["default_classifier"]


def default_classifier() -> LogisticRegression:
    """A fresh, unfitted default classifier."""
    return LogisticRegression(max_iter=1000)
