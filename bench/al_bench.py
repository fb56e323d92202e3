"""Active learning on TREC-6 or YouTube spam: held-out accuracy per labelling budget.

Run: ``.venv/bin/python bench/al_bench.py [--dataset trec|youtube] [--seeds 3] [--data DIR]
[--learner default|lr|lr+svm] [--png DIR] [--validate] [--only NAME ...]``. TREC needs the
question set in ``DIR`` (default ``../shared/datasets/trec``): ``train_5500.label`` is the
pool, ``TREC_10.label`` the test set. YouTube reads the five UCI files of ``DIR`` (default
``../shared/datasets/youtube``): files 01-04 are the pool, ``Youtube05-Shakira.csv`` the
test set.
Texts are embedded once with the bundled MiniLM model; the vectors are cached in the
system's temporary directory, never next to the code.

Every strategy starts from the same 20 random seed labels per seed, asks in batches of 20 up to
260 labels, and trains the queue's default learner (logistic regression, C=1) on what the
queue's refits read of a record: its embedding beside a TF-IDF bag of the words and word
pairs of its text, fitted on every text (``heuristics.active.record_features``), through
``heuristics.active.simulate``. ``--learner embedding`` fits it on the embeddings alone;
``--learner lr`` sets its ``C`` (``--c``, embeddings alone);
``--learner lr+svm`` averages logistic regression (C=10, balanced) with an RBF SVM (C=10,
Platt-scaled), the SVM joining once every label seen has three examples. ``--png`` draws each
strategy's mean curve against random with the simulation runs' plot.

``--validate`` never reads the test set: it holds out 500 records of the pool instead
(stratified, fixed seed) and scores on them, the rest being the pool. Strategies and their
settings are chosen there; the test set is read once, for the choice.
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

from bench.common import DATASETS
from heuristics.active import (
    BreakingTies,
    ColdStart,
    DiverseBatch,
    QueryStrategy,
    RandomSampling,
    WarmUp,
    record_features,
    simulate,
)

TREC = DATASETS / "trec"
YOUTUBE = DATASETS / "youtube"
YOUTUBE_TEST = "Youtube05-Shakira.csv"
CACHE = Path(tempfile.gettempdir()) / "heurist-al-bench"
VALIDATION_SIZE = 500


def read_trec(path: Path) -> tuple[list[str], list[str]]:
    """Questions and their coarse labels (``DESC``, ``ENTY``, ...) from one TREC file."""
    texts, labels = [], []
    for line in path.read_bytes().decode("latin-1").splitlines():
        if line.strip():
            label, text = line.split(" ", 1)
            labels.append(label.split(":")[0])
            texts.append(text.strip())
    return texts, labels


def read_youtube(folder: Path) -> tuple[list[str], list[str], list[str], list[str]]:
    """Pool comments and labels (files 01-04), then test comments and labels (file 05)."""
    parts: dict[bool, tuple[list[str], list[str]]] = {False: ([], []), True: ([], [])}
    for path in sorted(folder.glob("*.csv")):
        texts, labels = parts[path.name == YOUTUBE_TEST]
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                texts.append(row["CONTENT"])
                labels.append("spam" if row["CLASS"] == "1" else "ham")
    return *parts[False], *parts[True]


def embedded(texts: list[str], name: str = "trec") -> np.ndarray:
    """MiniLM vectors of ``texts``, cached by a digest of the texts."""
    CACHE.mkdir(exist_ok=True)
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"{name}-minilm-{digest}.npy"
    if path.exists():
        return np.load(path)
    from heuristics.embeddings import SentenceTransformerEmbedder

    vectors = SentenceTransformerEmbedder().embed_texts(texts)
    np.save(path, vectors)
    return vectors


def strategies() -> dict[str, QueryStrategy]:
    return {
        "margin": BreakingTies(),
        "margin + k-means of 2n": DiverseBatch(BreakingTies(), candidates_per_pick=2),
        "margin + k-means of 5n": DiverseBatch(BreakingTies(), candidates_per_pick=5),
        "margin + k-means of 5n, balanced": DiverseBatch(BreakingTies(), balance_classes=True),
        "margin + k-means of 3n, balanced": DiverseBatch(
            BreakingTies(), candidates_per_pick=3, balance_classes=True
        ),
        "margin + core-set of 5n": DiverseBatch(BreakingTies(), method="coreset"),
        **{f"{first} until {labels}, then margin": WarmUp(strategy, BreakingTies(), labels=labels)
           for first, strategy in (("cold start", ColdStart()), ("random", RandomSampling()))
           for labels in (40, 60, 80)},
    }


class LinearAndKernel:
    """Logistic regression averaged with an RBF SVM once every label seen has 3 examples."""

    def fit(self, x: np.ndarray, y: np.ndarray) -> LinearAndKernel:
        self.linear = LogisticRegression(C=10.0, class_weight="balanced", max_iter=1000)
        self.linear.fit(x, y)
        self.classes_ = self.linear.classes_
        enough = np.unique(y, return_counts=True)[1].min() >= 3
        self.kernel = SVC(C=10.0, probability=True, random_state=0).fit(x, y) if enough else None
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        probabilities = self.linear.predict_proba(x)
        if self.kernel is not None:
            probabilities = (probabilities + self.kernel.predict_proba(x)) / 2.0
        return probabilities

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(x), axis=1)]


def mean_curves(runs: list, attribute: str) -> dict:
    """The mean over seeds of one curve of :func:`simulate`, as the simulation plot reads it."""
    curves = [getattr(result, attribute) for result in runs]
    return {"labels_used": curves[0].labels_used.tolist(),
            "accuracy": np.mean([c.scores["accuracy"] for c in curves], axis=0).tolist(),
            "macro_f1": np.mean([c.scores["macro_f1"] for c in curves], axis=0).tolist()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=("trec", "youtube"), default="trec")
    parser.add_argument("--learner", choices=("default", "embedding", "lr", "lr+svm"),
                        default="default",
                        help="the queue's default learner and record features, the same "
                             "learner on the embeddings alone, logistic regression with --c, "
                             "or logistic regression averaged with an RBF SVM")
    parser.add_argument("--png", type=Path, help="folder for one PNG curve per strategy")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budget", type=int, default=260)
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation (lr)")
    parser.add_argument("--cold-start", action="store_true", help="seed set by ColdStart")
    parser.add_argument("--only", nargs="*", help="strategies to run (default: all)")
    parser.add_argument("--data", type=Path, help="folder of the dataset's files")
    parser.add_argument("--validate", action="store_true",
                        help=f"score on {VALIDATION_SIZE} records held out of the pool, "
                             "never on the test set")
    args = parser.parse_args()
    if args.dataset == "trec":
        data = args.data or TREC
        train_texts, train_labels = read_trec(data / "train_5500.label")
        test_texts, test_labels = read_trec(data / "TREC_10.label")
        title = "TREC-6"
    else:
        train_texts, train_labels, test_texts, test_labels = read_youtube(args.data or YOUTUBE)
        title = "YouTube spam"
    test_set = "TREC_10" if args.dataset == "trec" else YOUTUBE_TEST
    if args.validate:
        train_texts, test_texts, train_labels, test_labels = train_test_split(
            train_texts, train_labels, test_size=VALIDATION_SIZE, stratify=train_labels,
            random_state=0)
        test_set = f"{VALIDATION_SIZE} records held out of the pool"
    names = sorted(set(train_labels))
    labels = np.array([names.index(label) for label in train_labels + test_labels])
    start = time.perf_counter()
    embeddings = embedded(train_texts + test_texts, args.dataset)
    print(f"{len(labels)} texts embedded in {time.perf_counter() - start:.1f} s")
    test = np.arange(len(train_texts), len(labels))
    curves: dict[str, list[np.ndarray]] = {"random": []}
    used = None
    learner = None
    features = None
    described = "the default learner: logistic regression, C=1, on MiniLM"
    if args.learner == "default":
        features = record_features(embeddings, train_texts + test_texts)
        described = "the default learner and features: MiniLM + bag of words"
    elif args.learner == "lr":
        learner = functools.partial(LogisticRegression, C=args.c, max_iter=1000)
        described = f"logistic regression, C={args.c}, on MiniLM"
    elif args.learner == "lr+svm":
        learner = LinearAndKernel
        described = "logistic regression averaged with an RBF SVM, on MiniLM"
    chosen = {k: v for k, v in strategies().items() if not args.only or k in args.only}
    for name, strategy in chosen.items():
        curves[name] = []
        runs = []
        start = time.perf_counter()
        for seed in range(args.seeds):
            result = simulate(
                embeddings,
                labels,
                strategy=strategy,
                features=features,
                seed_size=20,
                batch_size=20,
                budget=args.budget,
                test_indices=test,
                random_state=seed,
                learner_factory=learner,
                seed_strategy=ColdStart() if args.cold_start else None,
            )
            runs.append(result)
            curves[name].append(result.strategy.scores["accuracy"])
            if len(curves["random"]) < args.seeds:
                curves["random"].append(result.random.scores["accuracy"])
            used = result.strategy.labels_used
        print(f"{name}: {time.perf_counter() - start:.1f} s for {args.seeds} seeds")
        if args.png:
            draw(runs, name, args, f"{title} ({args.learner} learner)")
    print(f"\n{title} accuracy on {test_set}, mean of {args.seeds} seeds ({described})")
    print("| labels | " + " | ".join(curves) + " |")
    print("|---:|" + "---:|" * len(curves))
    for step, n_labels in enumerate(used):
        row = " | ".join(f"{np.mean([c[step] for c in runs]):.3f}" for runs in curves.values())
        print(f"| {n_labels} | {row} |")


def draw(runs: list, name: str, args: argparse.Namespace, title: str) -> None:
    """One PNG: the strategy's mean curves against random's, with the simulation's plot."""
    from services.simulation import plot

    args.png.mkdir(parents=True, exist_ok=True)
    curves = {"strategy": mean_curves(runs, "strategy"), "random": mean_curves(runs, "random"),
              "strategy_name": name}
    slug = "".join(c if c.isalnum() else "-" for c in name).strip("-")
    path = args.png / f"{args.dataset}-{args.learner}-{slug}.png"
    path.write_bytes(plot(curves, title=f"{title}: {name} vs random, {len(runs)} seeds"))
    print(f"{name}: curves in {path}")


if __name__ == "__main__":
    main()
