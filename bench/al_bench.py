"""Active learning on TREC-6: held-out accuracy per labelling budget, strategy by strategy.

Run: ``.venv/bin/python bench/al_bench.py [--seeds 3] [--data DIR]``. Needs the TREC question
set in ``DIR`` (default ``../shared/datasets/trec``): ``train_5500.label`` is the pool,
``TREC_10.label`` the test set.
Questions are embedded once with the bundled MiniLM model; the vectors are cached in the
system's temporary directory, never next to the code.

Every strategy starts from the same 20 random seed labels per seed, asks in batches of 20 up to
260 labels, and trains logistic regression on the embeddings (``heuristics.active.simulate``).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from bench.common import DATASETS
from heuristics.active import BreakingTies, ColdStart, DiverseBatch, QueryStrategy, simulate

TREC = DATASETS / "trec"
CACHE = Path(tempfile.gettempdir()) / "heurist-al-bench"


def read_trec(path: Path) -> tuple[list[str], list[str]]:
    """Questions and their coarse labels (``DESC``, ``ENTY``, ...) from one TREC file."""
    texts, labels = [], []
    for line in path.read_bytes().decode("latin-1").splitlines():
        if line.strip():
            label, text = line.split(" ", 1)
            labels.append(label.split(":")[0])
            texts.append(text.strip())
    return texts, labels


def embedded(texts: list[str]) -> np.ndarray:
    """MiniLM vectors of ``texts``, cached by a digest of the texts."""
    CACHE.mkdir(exist_ok=True)
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"trec-minilm-{digest}.npy"
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
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budget", type=int, default=260)
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation")
    parser.add_argument("--cold-start", action="store_true", help="seed set by ColdStart")
    parser.add_argument("--only", nargs="*", help="strategies to run (default: all)")
    parser.add_argument("--data", type=Path, default=TREC, help="folder of the TREC files")
    args = parser.parse_args()
    train_texts, train_labels = read_trec(args.data / "train_5500.label")
    test_texts, test_labels = read_trec(args.data / "TREC_10.label")
    names = sorted(set(train_labels))
    labels = np.array([names.index(label) for label in train_labels + test_labels])
    start = time.perf_counter()
    embeddings = embedded(train_texts + test_texts)
    print(f"{len(labels)} questions embedded in {time.perf_counter() - start:.1f} s")
    test = np.arange(len(train_texts), len(labels))
    curves: dict[str, list[np.ndarray]] = {"random": []}
    used = None
    learner = functools.partial(LogisticRegression, C=args.c, max_iter=1000)
    chosen = {k: v for k, v in strategies().items() if not args.only or k in args.only}
    for name, strategy in chosen.items():
        curves[name] = []
        start = time.perf_counter()
        for seed in range(args.seeds):
            result = simulate(
                embeddings,
                labels,
                strategy=strategy,
                seed_size=20,
                batch_size=20,
                budget=args.budget,
                test_indices=test,
                random_state=seed,
                learner_factory=learner,
                seed_strategy=ColdStart() if args.cold_start else None,
            )
            curves[name].append(result.strategy.accuracy)
            if len(curves["random"]) < args.seeds:
                curves["random"].append(result.random.accuracy)
            used = result.strategy.labels_used
        print(f"{name}: {time.perf_counter() - start:.1f} s for {args.seeds} seeds")
    print(
        f"\nTREC-6 test accuracy, mean of {args.seeds} seeds"
        f" (logistic regression, C={args.c}, on MiniLM)"
    )
    print("| labels | " + " | ".join(curves) + " |")
    print("|---:|" + "---:|" * len(curves))
    for step, n_labels in enumerate(used):
        row = " | ".join(f"{np.mean([c[step] for c in runs]):.3f}" for runs in curves.values())
        print(f"| {n_labels} | {row} |")


if __name__ == "__main__":
    main()
