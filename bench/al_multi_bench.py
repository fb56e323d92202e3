"""ActiveLab against random choice with several noisy annotators, at equal annotation budgets.

Run: ``.venv/bin/python bench/al_multi_bench.py [--seeds 3] [--accuracies 0.9,0.8,...]
[--dataset trec|youtube]``. Needs the TREC question set or the YouTube spam comments (see
``bench/al_bench.py``, whose loaders and MiniLM cache it uses).

The setup follows cleanlab's ActiveLab benchmark (Wall Robot: 2,000 pool records, simulated
annotators, an initial labelled subset, batches of annotations between refits), on TREC-6 or
YouTube spam:

* the pool is ``--pool`` random training questions, the test set is ``TREC_10.label``
  (YouTube: ``--pool`` random comments of files 01–04, at most all 1,586; the test set is
  file 05);
* each simulated annotator gives the true label with their accuracy, else one of the other
  labels uniformly;
* ``--initial`` annotations from random annotators start it: on 4/5 as many pool records, a
  quarter of which have two annotations (CROWDLAB needs some records with two);
* each round the queue's default learner (``class_probabilities``: logistic regression on the
  embeddings, labelled records cross-fitted) is fitted on the task's reference labels as in the
  queue (``--fit-on settled``, the default: the plurality, and on records whose annotators
  disagree the CROWDLAB consensus the previous refit stored), with ``--fit-on reference`` on
  the plurality alone (ties left out), or with ``--fit-on crowdlab`` on CROWDLAB consensus
  labels of every record (the first round on the plurality), then ``--batch`` annotations
  are collected: ActiveLab ranks relabelling against new records (``rank_for_labelling``, the
  queue's ranking) and a random annotator who has not labelled a record yet labels it;
  ``random`` asks for an annotation of a record drawn uniformly among all records that can
  still take one (cleanlab's "Random"); ``random new`` labels unlabelled records only, once
  each (plain random sampling).

Scores at each budget: the test accuracy of the learner fitted on the consensus labels, and the
share of labelled pool records whose CROWDLAB consensus label is the true one. ``--headroom``
measures instead what the annotators' noise costs the learner at equal budgets (the most
that relabelling can win back).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.al_bench import CACHE, TREC, YOUTUBE, embedded, read_trec, read_youtube
from heuristics.active import consensus, rank_for_labelling
from heuristics.active.queue_model import class_probabilities
from heuristics.reference import majority_reference

METHODS = ("activelab", "random", "random new")
DATA_NAMES = {"trec": "TREC-6", "youtube": "YouTube spam"}


@dataclass
class Annotations:
    """Who labelled which pool record with what: a ``(pool, annotators)`` matrix, NaN = none."""

    matrix: np.ndarray
    used: int = 0
    history: list[tuple[int, float, float]] = field(default_factory=list)

    @property
    def labelled(self) -> np.ndarray:
        return np.flatnonzero(~np.isnan(self.matrix).all(axis=1))

    def open_annotators(self, record: int) -> np.ndarray:
        return np.flatnonzero(np.isnan(self.matrix[record]))


def annotate(record: int, annotator: int, truth: np.ndarray, accuracies: np.ndarray,
             n_labels: int, rng: np.random.Generator) -> int:
    """The label a simulated annotator gives: the true one with their accuracy, else another."""
    if rng.random() < accuracies[annotator]:
        return int(truth[record])
    return int(rng.choice([k for k in range(n_labels) if k != truth[record]]))


def reference(matrix: np.ndarray) -> np.ndarray:
    """The task's reference label of each row, as the queue's learner is fitted on: the label
    most annotators gave, -1 on a tie."""
    return majority_reference(np.where(np.isnan(matrix), -1, matrix).astype(np.int64))


def run(method: str, vectors: np.ndarray, truth: np.ndarray, test_truth: np.ndarray,
        accuracies: np.ndarray, *, n_labels: int, initial: int, batch: int, budget: int,
        seed: int, fit_on: str = "reference") -> list[tuple[int, float, float]]:
    """One simulated labelling: (annotations used, test accuracy, consensus accuracy) per round.

    ``vectors`` hold the pool records (true labels ``truth``), then the test records."""
    n_pool = len(truth)
    rng = np.random.default_rng(seed)
    state = Annotations(np.full((n_pool, len(accuracies)), np.nan))
    records = rng.choice(n_pool, initial * 4 // 5, replace=False)
    seconds = records[: initial - len(records)]     # a quarter get a second annotation
    for record in [*records, *seconds]:
        annotator = int(rng.choice(state.open_annotators(record)))
        state.matrix[record, annotator] = annotate(record, annotator, truth, accuracies,
                                                   n_labels, rng)
    state.used = initial
    previous: np.ndarray | None = None     # last round's probabilities of the pool
    settled: dict[int, int] = {}     # record -> consensus stored by the last refit (disputed)
    answers = rng.integers(0, 2**31, size=10_000)   # the annotators' draws, per round
    rounds = 0
    while True:
        labelled = state.labelled
        matrix = state.matrix[labelled]
        if previous is None or fit_on in ("reference", "settled"):
            labels_of = reference(matrix)
        else:
            labels_of = consensus(_columns(matrix), previous[labelled]).labels
        if fit_on == "settled":
            labels_of = _with_settled(labels_of, labelled, matrix, settled)
        labels = np.full(len(vectors), -1)
        labels[labelled] = labels_of
        probabilities = class_probabilities(vectors, labels, n_labels=n_labels, max_folds=3)
        pool_probabilities = probabilities[:n_pool]
        agreed = consensus(_columns(matrix), pool_probabilities[labelled]).labels
        settled = {int(r): int(a) for r, a, d in zip(labelled, agreed, _disputed(matrix),
                                                     strict=True) if d}
        state.history.append((
            state.used, float((probabilities[n_pool:].argmax(axis=1) == test_truth).mean()),
            float((agreed == truth[labelled]).mean())))
        if state.used >= budget:
            return state.history
        asks = _choose(method, state, pool_probabilities, min(batch, budget - state.used),
                       np.random.default_rng(int(answers[rounds])))
        draws = np.random.default_rng(int(answers[rounds]) + 1)
        for record in asks:
            annotator = int(draws.choice(state.open_annotators(record)))
            state.matrix[record, annotator] = annotate(record, annotator, truth, accuracies,
                                                       n_labels, draws)
        state.used += len(asks)
        previous = pool_probabilities
        rounds += 1


def _disputed(matrix: np.ndarray) -> np.ndarray:
    """Rows whose annotators gave different labels (the simulation has no gold)."""
    return np.nanmax(matrix, axis=1) != np.nanmin(matrix, axis=1)


def _with_settled(labels_of: np.ndarray, labelled: np.ndarray, matrix: np.ndarray,
                  settled: dict[int, int]) -> np.ndarray:
    """The product's reference rule: the plurality, and on records whose annotators disagree
    the consensus the last refit stored (:func:`store.reference.reference_labels`)."""
    labels_of = labels_of.copy()
    for row, (record, disputed) in enumerate(zip(labelled, _disputed(matrix), strict=True)):
        if disputed and int(record) in settled:
            labels_of[row] = settled[int(record)]
    return labels_of


def _columns(matrix: np.ndarray) -> np.ndarray:
    """Drop annotators with no annotation among these rows (CROWDLAB needs one each)."""
    return matrix[:, ~np.isnan(matrix).all(axis=0)]


def _choose(method: str, state: Annotations, probabilities: np.ndarray, n: int,
            rng: np.random.Generator) -> list[int]:
    """Pool records to ask one more annotation of, by ``method``."""
    can_take = np.flatnonzero(np.isnan(state.matrix).any(axis=1))
    if method == "random":
        return rng.choice(can_take, n, replace=False).tolist()
    labelled = state.labelled
    unlabelled = np.setdiff1d(np.arange(len(state.matrix)), labelled)
    if method == "random new":
        return rng.choice(unlabelled, n, replace=False).tolist()
    ranked = rank_for_labelling(_columns(state.matrix[labelled]), probabilities[labelled],
                                probabilities[unlabelled], n=len(labelled) + len(unlabelled))
    candidates = np.concatenate([labelled, unlabelled])[ranked.indices]
    open_ = set(can_take.tolist())
    return [int(r) for r in candidates if r in open_][:n]


def headroom(vectors: np.ndarray, truth: np.ndarray, test_truth: np.ndarray,
             accuracies: np.ndarray, *, n_labels: int, budgets: list[int], seed: int
             ) -> dict[tuple[int, str], tuple[float, float]]:
    """What label noise costs the learner at equal annotation budgets: test accuracy with
    every budget spent on true labels of as many records, on one noisy annotation per record,
    or on three per record (their reference label) for a third as many records; with the share
    of those records whose label is right. The gain relabelling can buy lies between them."""
    rng = np.random.default_rng(seed)
    n_pool = len(truth)
    found = {}
    for budget in budgets:
        for name, per_record in (("true labels", 0), ("1 noisy", 1), ("3 noisy", 3)):
            records = rng.choice(n_pool, budget // max(per_record, 1), replace=False)
            given = truth[records]
            if per_record:
                matrix = np.full((len(records), len(accuracies)), np.nan)
                for row, record in enumerate(records):
                    for annotator in rng.choice(len(accuracies), per_record, replace=False):
                        matrix[row, annotator] = annotate(record, annotator, truth, accuracies,
                                                          n_labels, rng)
                given = reference(matrix)
            labels = np.full(len(vectors), -1)
            labels[records] = given
            probabilities = class_probabilities(vectors, labels, n_labels=n_labels,
                                                max_folds=3)[n_pool:]
            found[budget, name] = (float((probabilities.argmax(axis=1) == test_truth).mean()),
                                   float((given == truth[records]).mean()))
    return found


def plot(curves: dict[str, np.ndarray], used: list[int], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 4))
    for axis, column, name in zip(figure.subplots(1, 2), (1, 2),
                                  ("test accuracy of the learner", "consensus accuracy"),
                                  strict=True):
        for method, runs in curves.items():
            axis.plot(used, runs[:, :, column].mean(axis=0), marker="o", label=method)
        axis.set_xlabel("annotations")
        axis.set_title(name)
        axis.grid(alpha=0.3)
    figure.axes[0].legend()
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--pool", type=int, default=2000)
    parser.add_argument("--initial", type=int, default=100)
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--budget", type=int, default=400)
    parser.add_argument("--accuracies", default="0.9,0.8,0.7,0.6,0.5",
                        help="comma-separated accuracy of each simulated annotator")
    parser.add_argument("--fit-on", choices=("reference", "settled", "crowdlab"),
                        default="settled",
                        help="labels the learner is fitted on: the plurality labels; the "
                             "product's reference (the plurality, and where annotators "
                             "disagree the consensus the last refit stored); or CROWDLAB "
                             "consensus labels of every record")
    parser.add_argument("--headroom", action="store_true",
                        help="only measure what label noise costs the learner (no queue)")
    parser.add_argument("--png", type=Path, default=CACHE / "al_multi_bench.png",
                        help="where the plot goes (default: beside the vector cache)")
    parser.add_argument("--dataset", choices=("trec", "youtube"), default="trec")
    parser.add_argument("--data", type=Path, default=None,
                        help="folder of the data set's files (default: the shared copy)")
    args = parser.parse_args()
    accuracies = np.array([float(a) for a in args.accuracies.split(",")])
    if args.dataset == "youtube":
        train_texts, train_labels, test_texts, test_labels = read_youtube(args.data or YOUTUBE)
    else:
        train_texts, train_labels = read_trec((args.data or TREC) / "train_5500.label")
        test_texts, test_labels = read_trec((args.data or TREC) / "TREC_10.label")
    args.pool = min(args.pool, len(train_texts))
    names = sorted(set(train_labels))
    everything = embedded(train_texts + test_texts, args.dataset)
    all_truth = np.array([names.index(label) for label in train_labels])
    test_truth = np.array([names.index(label) for label in test_labels])
    curves: dict[str, list[np.ndarray]] = {m: [] for m in METHODS}
    costs: dict[tuple[int, str], list[tuple[float, float]]] = {}
    for seed in range(args.seeds):
        pool = np.random.default_rng(1000 + seed).choice(len(train_texts), args.pool,
                                                         replace=False)
        vectors = np.concatenate([everything[pool], everything[len(train_texts):]])
        if args.headroom:
            for key, value in headroom(vectors, all_truth[pool], test_truth, accuracies,
                                       n_labels=len(names), budgets=[100, 250, 500, 1000],
                                       seed=seed).items():
                costs.setdefault(key, []).append(value)
            continue
        for method in METHODS:
            start = time.perf_counter()
            history = run(method, vectors, all_truth[pool], test_truth, accuracies,
                          n_labels=len(names), initial=args.initial, batch=args.batch,
                          budget=args.budget, seed=seed, fit_on=args.fit_on)
            curves[method].append(np.array(history))
            print(f"seed {seed} {method}: {time.perf_counter() - start:.1f} s", flush=True)
    if args.headroom:
        print(f"\n{DATA_NAMES[args.dataset]}, pool {args.pool}, annotators {args.accuracies}, "
              f"mean of {args.seeds} seeds: the learner at equal annotation budgets")
        print("| annotations | labels | records' labels right | test accuracy |")
        print("|---:|---|---:|---:|")
        for (budget, name), values in costs.items():
            test_accuracy, right = np.mean(values, axis=0)
            print(f"| {budget} | {name} | {right:.3f} | {test_accuracy:.3f} |")
        return
    stacked = {m: np.stack(runs) for m, runs in curves.items()}
    used = stacked[METHODS[0]][0, :, 0].astype(int).tolist()
    title = (f"{DATA_NAMES[args.dataset]}, pool {args.pool}, annotators {args.accuracies}, "
             f"fitted on {args.fit_on} labels, mean of {args.seeds} seeds")
    for column, name in ((1, "test accuracy of the learner on consensus labels"),
                         (2, "accuracy of the consensus labels (labelled pool records)")):
        print(f"\n{title}: {name}")
        print("| annotations | " + " | ".join(METHODS) + " | ActiveLab − random |")
        print("|---:|" + "---:|" * (len(METHODS) + 1))
        for step, n in enumerate(used):
            means = [stacked[m][:, step, column].mean() for m in METHODS]
            row = " | ".join(f"{v:.3f}" for v in means)
            print(f"| {n} | {row} | {100 * (means[0] - means[1]):+.1f} pts |")
    plot(stacked, used, args.png, title)
    print(f"\nplot: {args.png}")


if __name__ == "__main__":
    main()
