"""Label matrices drawn from known generative parameters, with their Bayes-optimal posterior.

A :class:`Scenario` says how often each label is true (``class_balance``) and, per heuristic
and true label, how it votes (``emission``: each label, or abstain). Heuristics are independent
given the true label, except *copies*: a copy repeats its source's vote with probability
``fidelity`` and otherwise votes on its own (fidelity 1: an exact copy). Since the parameters are
known, the best any aggregation can do on a drawn matrix is the posterior
:meth:`Scenario.posterior`; a label model's score divided by that one's says how close it comes.

:func:`scenarios` builds the standard set: balanced, imbalanced, unipolar heuristics, exact and
near copies, many labels, low coverage. :func:`planted_unipolar` and :func:`planted_near_copies`
are two small matrices drawn directly (no Bayes posterior) on which the unit tests check the
label model against majority vote; ``bench/ws_quality.py --select`` uses them as guards.

Examples
--------
>>> scenario = scenarios()[0]
>>> label_matrix, labels = scenario.sample(1000, seed=0)
>>> label_matrix.shape, labels.shape
((1000, 10), (1000,))
>>> float(scenario.posterior(label_matrix).sum(axis=1).round(6).min())
1.0
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from heuristics.validation import ABSTAIN

__all__ = ["Copy", "Scenario", "planted_near_copies", "planted_unipolar", "scenarios"]


@dataclass(frozen=True)
class Copy:
    """Heuristic ``column`` repeats heuristic ``source``'s vote with probability ``fidelity``."""

    column: int
    source: int
    fidelity: float


@dataclass(frozen=True)
class Scenario:
    """Generative parameters of a label matrix.

    Attributes
    ----------
    name : str
        What the scenario tests.
    class_balance : ndarray of float, shape (n_labels,)
        ``P(true label = y)``.
    emission : ndarray of float, shape (n_heuristics, n_labels, n_labels + 1)
        ``emission[j, y, c] = P(heuristic j votes c | y)``; the last column is abstain.
    copies : tuple of Copy
        Heuristics that repeat another one's vote (their ``emission`` is used when they do not);
        a source is never itself a copy.
    """

    name: str
    class_balance: np.ndarray
    emission: np.ndarray
    copies: tuple[Copy, ...] = field(default=())

    @property
    def n_labels(self) -> int:
        return len(self.class_balance)

    def sample(self, n_records: int, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """A label matrix ``(n_records, n_heuristics)`` (-1 = abstain) and its true labels."""
        rng = np.random.default_rng(seed)
        labels = rng.choice(self.n_labels, size=n_records, p=self.class_balance)
        rows = self.emission[:, labels, :]  # (n_heuristics, n_records, n_labels + 1)
        cumulative = rows.cumsum(axis=2)
        draws = rng.random(rows.shape[:2])[:, :, None]
        votes = np.minimum((draws > cumulative).sum(axis=2), self.n_labels)
        matrix = np.where(votes == self.n_labels, ABSTAIN, votes).T.copy()
        for copy in self.copies:
            repeat = rng.random(n_records) < copy.fidelity
            matrix[repeat, copy.column] = matrix[repeat, copy.source]
        return matrix, labels

    def posterior(self, label_matrix: np.ndarray) -> np.ndarray:
        """The Bayes-optimal ``P(true label | votes)``, shape ``(n_records, n_labels)``."""
        k = self.n_labels
        outcome = np.where(label_matrix == ABSTAIN, k, label_matrix)  # (n, m)
        # likelihood[i, j, y] = P(heuristic j's vote on record i | y)
        likelihood = np.take_along_axis(
            self.emission.transpose(1, 0, 2)[None, :, :, :],  # (1, k, m, k + 1)
            outcome[:, None, :, None], axis=3)[..., 0].transpose(0, 2, 1)
        for copy in self.copies:
            same = (label_matrix[:, copy.column] == label_matrix[:, copy.source])[:, None]
            likelihood[:, copy.column, :] = (copy.fidelity * same
                                             + (1 - copy.fidelity)
                                             * likelihood[:, copy.column, :])
        log_scores = np.log(self.class_balance) + np.log(np.maximum(likelihood, 1e-300)).sum(1)
        log_scores -= log_scores.max(axis=1, keepdims=True)
        scores = np.exp(log_scores)
        return scores / scores.sum(axis=1, keepdims=True)


def _emission(accuracy: np.ndarray, coverage: np.ndarray, *, n_labels: int,
              votes: np.ndarray | None = None, class_balance: np.ndarray) -> np.ndarray:
    """Emissions of heuristics with a given precision (``accuracy``) and coverage.

    Bipolar heuristics (``votes`` None) vote on a share ``coverage`` of every class, right with
    probability ``accuracy``, wrong labels evenly. A unipolar heuristic voting ``votes[j]``
    fires on its label's records and on others' so that its coverage and precision are the
    given ones (as far as the class balance allows)."""
    n = len(accuracy)
    emission = np.zeros((n, n_labels, n_labels + 1))
    for j in range(n):
        if votes is None:
            emission[j, :, :n_labels] = coverage[j] * (1 - accuracy[j]) / (n_labels - 1)
            emission[j, np.arange(n_labels), np.arange(n_labels)] = coverage[j] * accuracy[j]
        else:
            c = votes[j]
            share = class_balance[c]
            fire_true = min(1.0, coverage[j] * accuracy[j] / share)
            fire_false = min(1.0, coverage[j] * (1 - accuracy[j]) / (1 - share))
            emission[j, :, c] = fire_false
            emission[j, c, c] = fire_true
        emission[j, :, n_labels] = 1 - emission[j, :, :n_labels].sum(axis=1)
    return emission


def scenarios(seed: int = 0) -> list[Scenario]:
    """The standard scenarios, parameters drawn with ``seed``.

    * ``balanced``: 2 labels, 10 bipolar heuristics, precision 0.55–0.9, coverage 0.2–0.6.
    * ``imbalanced``: 2 labels at 10 / 90 %, 10 bipolar heuristics.
    * ``unipolar``: 4 labels (40/30/20/10 %), 16 heuristics voting one label each.
    * ``copies``: 2 labels; the least precise of 8 heuristics copied 3 times exactly and 3
      times at fidelity 0.8.
    * ``many labels``: 20 labels (Zipf-like balance), 40 unipolar heuristics.
    * ``low coverage``: 3 labels, 30 bipolar heuristics of coverage 0.01–0.08.
    """
    rng = np.random.default_rng(seed)
    built = []

    def bipolar(name: str, balance: list[float] | np.ndarray, n: int, accuracy: tuple,
                coverage: tuple) -> Scenario:
        balance = np.asarray(balance, dtype=np.float64)
        return Scenario(name, balance, _emission(
            rng.uniform(*accuracy, n), rng.uniform(*coverage, n), n_labels=len(balance),
            class_balance=balance))

    def unipolar(name: str, balance: np.ndarray, n: int, accuracy: tuple,
                 coverage: tuple) -> Scenario:
        votes = np.arange(n) % len(balance)
        return Scenario(name, balance, _emission(
            rng.uniform(*accuracy, n), rng.uniform(*coverage, n) * balance[votes] * 2,
            n_labels=len(balance), votes=votes, class_balance=balance))

    built.append(bipolar("balanced", [0.5, 0.5], 10, (0.55, 0.9), (0.2, 0.6)))
    built.append(bipolar("imbalanced", [0.1, 0.9], 10, (0.55, 0.9), (0.2, 0.6)))
    built.append(unipolar("unipolar", np.array([0.4, 0.3, 0.2, 0.1]), 16, (0.5, 0.9),
                          (0.2, 0.5)))
    base = bipolar("copies", [0.5, 0.5], 8, (0.6, 0.85), (0.3, 0.6))
    worst = int(np.argmin([base.emission[j, 0, 0] / base.emission[j, 0, :2].sum()
                           for j in range(8)]))
    emission = np.concatenate([base.emission] + [base.emission[[worst]]] * 6)
    built.append(Scenario("copies", base.class_balance, emission, tuple(
        Copy(8 + i, worst, 1.0 if i < 3 else 0.8) for i in range(6))))
    zipf = 1.0 / np.arange(1, 21) ** 0.7
    built.append(unipolar("many labels", zipf / zipf.sum(), 40, (0.5, 0.9), (0.3, 0.8)))
    built.append(bipolar("low coverage", [0.5, 0.3, 0.2], 30, (0.5, 0.85), (0.01, 0.08)))
    return built


def planted_unipolar(seed: int = 3, n_records: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    """Unipolar heuristics, two labels at 50 %: label 0's three rules fire on 50 / 50 / 40 %
    of its records and on 30 / 30 / 25 % of label 1's (precision about 0.63); label 1's two
    rules on 30 / 35 % of its records and 1 / 2 % of label 0's. Label matrix and true labels."""
    rng = np.random.default_rng(seed)
    truth = (rng.random(n_records) < 0.5).astype(int)
    columns = []
    for label, own, other in [(0, 0.5, 0.3), (0, 0.5, 0.3), (0, 0.4, 0.25), (1, 0.3, 0.01),
                              (1, 0.35, 0.02)]:
        fires = rng.random(n_records) < np.where(truth == label, own, other)
        columns.append(np.where(fires, label, ABSTAIN))
    return np.stack(columns, axis=1), truth


def planted_near_copies(seed: int = 5, n_records: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    """Two labels at 50 %: bipolar rules of accuracy 0.9 (coverage 0.7), 0.75 (0.6) and 0.6
    (0.9), then four near-copies of the 0.6 rule (each flips 5 % of its votes)."""
    rng = np.random.default_rng(seed)
    truth = (rng.random(n_records) < 0.5).astype(int)

    def rule(accuracy: float, coverage: float) -> np.ndarray:
        votes = np.where(rng.random(n_records) < accuracy, truth, 1 - truth)
        return np.where(rng.random(n_records) < coverage, votes, ABSTAIN)

    def near_copy(votes: np.ndarray) -> np.ndarray:
        flipped = np.where(rng.random(n_records) < 0.05, 1 - votes, votes)
        return np.where(votes == ABSTAIN, ABSTAIN, flipped)

    good, other, noisy = rule(0.9, 0.7), rule(0.75, 0.6), rule(0.6, 0.9)
    return np.stack([good, other, noisy, *(near_copy(noisy) for _ in range(4))], axis=1), truth
