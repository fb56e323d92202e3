"""Do a heuristic's silences carry evidence? The synthetic scenarios against WRENCH's rules.

Run: ``.venv/bin/python bench/ws_silences.py`` (about a minute). Diagnostics only: it reads
labels (WRENCH's fit split, as ``bench/ws_quality.py`` fits there: train, chemprot valid) to
describe the data, and chooses nothing.

1. Per WRENCH data set, for the rules that vote one label (all of them): how often a rule
   fires on records of its own label (median, 10th and 90th percentile) and on the others;
   per label with two rules or more, how often all its rules are silent on its records,
   observed against what independent rules would give.
2. Per WRENCH data set: naive Bayes with each rule's votes and silences counted per true
   label on the fit split (supervised: the most a model of independent rules can know),
   scored on the test matrix under the bench's rule, with silences ignored and counted.
3. Per synthetic scenario (:mod:`heuristics.aggregation.synthetic`, as the quality bench
   draws it): the same firing rates, and the posterior from the true parameters with
   silences ignored, over the Bayes posterior that counts them.
4. How a one-label rule's errors are spread over the labels it did not name: our label
   model with ``error_spread="uniform"`` (the default for such rules) and ``"balance"``,
   each with the class balance estimated and given (the fit split's true shares), on the
   WRENCH test matrices and the two scenarios of one-label rules (ratio to Bayes); the
   L1 distance of each estimated balance from the true one; and, where spreading by the
   balance loses most, the two labels whose records move and the vote-weighted precision of
   their rules: measured, and as each model estimates it.
5. Whether a fit can tell, without labels, that silences may be counted: Dawid–Skene
   (``abstain_weight=1``) checked against its own assumption that rules fire independently
   given the label, as the label model checks it (``co_firing_excess``: for every pair of
   rules, the records where both fire against what the fitted posteriors and per-label
   firing rates predict; the squared differences less their binomial noise over the
   predicted counts' squares, its root: 0 when the model holds). Shown on the whole fit
   matrix and on random parts of it (5 each), with the test scores of ``abstain_weight=0``
   and of Dawid–Skene fitted on those parts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy.special import logsumexp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ws_quality import DATASETS, SYNTHETIC_RECORDS, Problem, load, wrench_problem  # noqa: E402

from heuristics.aggregation import LabelModel  # noqa: E402
from heuristics.aggregation.label_model import co_firing_excess  # noqa: E402
from heuristics.aggregation.synthetic import scenarios  # noqa: E402

PSEUDO_COUNT = 0.01


def counted_emission(matrix: np.ndarray, labels: np.ndarray, n_labels: int) -> np.ndarray:
    """``emission[j, y, c]``: the share of label ``y``'s records rule ``j`` votes ``c`` on
    (the last column: abstains), with a small pseudo-count."""
    outcome = np.where(matrix == -1, n_labels, matrix)
    emission = np.full((matrix.shape[1], n_labels, n_labels + 1), PSEUDO_COUNT)
    for y in range(n_labels):
        for c in range(n_labels + 1):
            emission[:, y, c] += (outcome[labels == y] == c).sum(axis=0)
    return emission / emission.sum(axis=2, keepdims=True)


def naive_bayes(emission: np.ndarray, balance: np.ndarray, matrix: np.ndarray, *,
                silences: bool) -> np.ndarray:
    """The posterior of independent rules with these parameters; silences counted or not."""
    n_labels = len(balance)
    outcome = np.where(matrix == -1, n_labels, matrix)
    log_scores = np.tile(np.log(balance), (len(matrix), 1))
    for j in range(matrix.shape[1]):
        counted = np.ones(len(matrix), dtype=bool) if silences else outcome[:, j] < n_labels
        log_scores[counted] += np.log(emission[j][:, outcome[counted, j]].T)
    return np.exp(log_scores - logsumexp(log_scores, axis=1, keepdims=True))


def firing(emission: np.ndarray, balance: np.ndarray, voted: list[np.ndarray]
           ) -> tuple[np.ndarray, np.ndarray]:
    """Per rule that votes one label (``voted[j]``: the labels rule ``j`` votes):
    P(fires | its label), P(fires | another label)."""
    n_labels = len(balance)
    own, other = [], []
    for rule, labels in zip(emission, voted, strict=True):
        if len(labels) != 1:
            continue
        fires = 1 - rule[:, n_labels]
        others = np.delete(np.arange(n_labels), labels[0])
        own.append(fires[labels[0]])
        other.append(np.average(fires[others], weights=balance[others]))
    return np.array(own), np.array(other)


def silent_together(matrix: np.ndarray, labels: np.ndarray, voted: list[np.ndarray],
                    n_labels: int) -> list[str]:
    """Per label with 2+ one-label rules (``voted[j]``: the labels rule ``j`` votes) and
    20+ records: P(all silent) observed / if independent."""
    shown = []
    for y in range(n_labels):
        rules = [j for j, votes in enumerate(voted) if votes.tolist() == [y]]
        rows = matrix[labels == y][:, rules]
        if len(rules) < 2 or len(rows) < 20:
            continue
        silent = rows == -1
        shown.append(f"{silent.all(axis=1).mean():.2f} / {np.prod(silent.mean(axis=0)):.2f}")
    return shown


def rates(own: np.ndarray, other: np.ndarray) -> str:
    return (f"{np.median(own):.3f} [{np.percentile(own, 10):.3f}, "
            f"{np.percentile(own, 90):.3f}] | {np.median(other):.4f}")


def wrench_rows() -> None:
    print("| data set | rules | fires on its label: median [p10, p90] | on others: median "
          "| all of a label's rules silent, observed / independent | naive Bayes: silences "
          "ignored / counted |")
    print("|---|---:|---|---:|---|---|")
    for name in DATASETS:
        data = load(name)
        problem, _ = wrench_problem(data)
        labels = data.train.labels   # chemprot's "train" is its valid split
        emission = counted_emission(problem.fit_matrix, labels, data.n_labels)
        balance = np.bincount(labels, minlength=data.n_labels) + 1.0
        balance /= balance.sum()
        voted = [np.unique(column[column != -1]) for column in problem.fit_matrix.T]
        own, other = firing(emission, balance, voted)
        scores = [problem.score(naive_bayes(emission, balance, problem.test_matrix,
                                            silences=counted)) for counted in (False, True)]
        print(f"| {name} | {problem.fit_matrix.shape[1]} | {rates(own, other)} | "
              + "; ".join(silent_together(problem.fit_matrix, labels, voted, data.n_labels))
              + f" | {scores[0]:.2f} / {scores[1]:.2f} |")


def synthetic_rows() -> None:
    print("\n| scenario | rules | fires on its label: median [p10, p90] | on others: median "
          "| true parameters, silences ignored / Bayes |")
    print("|---|---:|---|---:|---:|")
    for scenario in scenarios(seed=0):
        test, labels = scenario.sample(SYNTHETIC_RECORDS, seed=2)
        problem = Problem(scenario.name, scenario.n_labels, test, test, labels)
        emission = np.maximum(scenario.emission, 1e-12)
        own, other = firing(emission, scenario.class_balance, [
            np.flatnonzero(rule[:, :scenario.n_labels].sum(axis=0)) for rule in scenario.emission])
        blind = problem.score(naive_bayes(emission, scenario.class_balance, test,
                                          silences=False))
        bayes = problem.score(scenario.posterior(test))
        shown = rates(own, other) if len(own) else "(every rule votes every label) | "
        print(f"| {scenario.name} | {test.shape[1]} | {shown} | {blind / bayes:.3f} |")


SPREADS = ("uniform", "balance")


def spread_problems() -> list[tuple[Problem, np.ndarray, np.ndarray, float | None]]:
    """(problem, the fit split's true labels, its true balance, Bayes score or None)."""
    found = []
    for name in DATASETS:
        data = load(name)
        problem, _ = wrench_problem(data)
        labels = data.train.labels   # chemprot's "train" is its valid split
        found.append((problem, labels, np.bincount(labels, minlength=data.n_labels)
                      / len(labels), None))
    for scenario in scenarios(seed=0):
        if scenario.name not in ("unipolar", "many labels"):
            continue
        train, train_labels = scenario.sample(SYNTHETIC_RECORDS, seed=1)
        test, labels = scenario.sample(SYNTHETIC_RECORDS, seed=2)
        problem = Problem(scenario.name, scenario.n_labels, train, test, labels)
        found.append((problem, train_labels, scenario.class_balance,
                      problem.score(scenario.posterior(test))))
    return found


def rule_precision(matrix: np.ndarray, labels: np.ndarray, label: int,
                   model: LabelModel | None = None) -> float:
    """Vote-weighted precision of the rules voting ``label``: measured, or as ``model``
    estimates it."""
    votes = (matrix == label).sum(axis=0)
    if model is None:
        right = ((matrix == label) & (labels[:, None] == label)).sum(axis=0)
        return float(right.sum() / max(votes.sum(), 1))
    return float(np.average(model.precision_[:, label], weights=votes))


def spread_rows() -> None:
    print("\n| data set | errors spread evenly: balance estimated / given | by the balance: "
          "estimated / given | L1 of the estimated balance: even / by balance | where "
          "spreading by the balance loses most |")
    print("|---|---|---|---|---|")
    for problem, labels, balance, bayes in spread_problems():
        models, scores = {}, []
        for spread in SPREADS:
            for given in (None, balance):
                model = LabelModel(problem.n_labels, error_spread=spread).fit(
                    problem.fit_matrix, class_balance=given)
                scores.append(problem.score(model.predict_proba(problem.test_matrix)))
                if given is None:
                    models[spread] = model
        distance = [np.abs(models[spread].class_balance_ - balance).sum() for spread in SPREADS]
        even, by_balance = (models[spread].predict(problem.fit_matrix) for spread in SPREADS)
        moved = (even == labels) & (by_balance != labels) & (by_balance >= 0)
        lost = ""
        if scores[2] < scores[0] and moved.any():
            pairs = np.stack([labels[moved], by_balance[moved]], axis=1)
            found, counts = np.unique(pairs, axis=0, return_counts=True)
            (true, taken), count = found[counts.argmax()], counts.max()
            rules = []
            for label in (true, taken):
                measured = rule_precision(problem.fit_matrix, labels, label)
                estimated = [rule_precision(problem.fit_matrix, labels, label, models[spread])
                             for spread in SPREADS]
                rules.append(f"label {label}'s rules {measured:.2f} (est. {estimated[0]:.2f} "
                             f"/ {estimated[1]:.2f})")
            lost = (f"{count} of label {true}'s records go to {taken} ({moved.sum()} in "
                    f"all); precision " + ", ".join(rules))
        shown = [f"{score / bayes:.3f}" if bayes else f"{score:.2f}" for score in scores]
        print(f"| {problem.name} | {shown[0]} / {shown[1]} | {shown[2]} / {shown[3]} | "
              f"{distance[0]:.2f} / {distance[1]:.2f} | {lost} |")


def pair_dispersion(matrix: np.ndarray, model: LabelModel) -> float:
    """The product's check of ``model``'s independence assumption on ``matrix``
    (:func:`heuristics.aggregation.label_model.co_firing_excess`)."""
    return co_firing_excess(matrix, model.predict_proba(matrix))


PART_SIZES = (200, 500, 1000)


def dispersion_problems() -> list[tuple[Problem, float | None]]:
    found: list[tuple[Problem, float | None]] = [
        (wrench_problem(load(name))[0], None) for name in DATASETS]
    for scenario in scenarios(seed=0):
        train, _ = scenario.sample(SYNTHETIC_RECORDS, seed=1)
        test, labels = scenario.sample(SYNTHETIC_RECORDS, seed=2)
        problem = Problem(scenario.name, scenario.n_labels, train, test, labels)
        found.append((problem, problem.score(scenario.posterior(test))))
    return found


def scored(problem: Problem, bayes: float | None, fit: np.ndarray, weight: float
           ) -> tuple[float, LabelModel]:
    """Our label model with this ``abstain_weight`` fitted on ``fit``: its test score (over
    Bayes for a scenario) and the model."""
    model = LabelModel(problem.n_labels, abstain_weight=weight).fit(fit)  # fixed: no check
    score = problem.score(model.predict_proba(problem.test_matrix))
    return (score / bayes if bayes else score), model


def dispersion_rows() -> None:
    print("\n| data set | co-firing excess of Dawid–Skene: fit matrix | on parts of "
          + " / ".join(f"{size:,}" for size in PART_SIZES) + " records (min–max) | score "
          "of silences ignored / Dawid–Skene: fit matrix | mean on the parts of "
          + " / ".join(f"{size:,}" for size in PART_SIZES) + " |")
    print("|---|---:|---|---|---|")
    rng = np.random.default_rng(1)
    for problem, bayes in dispersion_problems():
        matrix = problem.fit_matrix
        full = [scored(problem, bayes, matrix, weight) for weight in (0.0, 1.0)]
        spreads, means = [], []
        for size in PART_SIZES:
            parts = [matrix[rng.choice(len(matrix), size, replace=False)] for _ in range(5)]
            fitted = [[scored(problem, bayes, part, weight) for weight in (0.0, 1.0)]
                      for part in parts]
            dispersion = [pair_dispersion(part, ds[1]) for part, (_, ds) in zip(parts, fitted,
                                                                              strict=True)]
            spreads.append(f"{min(dispersion):.2f}–{max(dispersion):.2f}")
            means.append(" / ".join(shown(np.mean([f[i][0] for f in fitted]), bayes)
                                    for i in (0, 1)))
        print(f"| {problem.name} | {pair_dispersion(matrix, full[1][1]):.2f} | "
              + "; ".join(spreads) + f" | {shown(full[0][0], bayes)} / "
              f"{shown(full[1][0], bayes)} | " + "; ".join(means) + " |")


def shown(score: float, bayes: float | None) -> str:
    return f"{score:.3f}" if bayes else f"{score:.2f}"


if __name__ == "__main__":
    wrench_rows()
    synthetic_rows()
    spread_rows()
    dispersion_rows()
