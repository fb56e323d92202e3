"""Active learning on CoNLL-2003 NER: held-out exact-span F1 per labelling budget.

Run: ``.venv/bin/python -m bench.al_span_bench [--pool 1000] [--test 500] [--seeds 3]
[--budget 200] [--png DIR]``. The pool is the first ``--pool`` sentences of
``../shared/datasets/conll2003/train.txt``, the test set the first ``--test`` sentences of
``test.txt``. Each sentence's tokens are embedded once with the bundled MiniLM model (the
mean of each token's word pieces, as a token embedding of the product does); the vectors are
cached in the system's temporary directory.

Through ``heuristics.active.simulate_spans``, the same replay a simulation run of an
extraction task makes: the queue's default learner (a CRF over the token vectors), 20 random
seed sentences, batches of 20, every strategy from the same seed set per seed. Strategies:
least confidence over token sequences (``SequenceLeastConfidence``), length-normalised (the
geometric mean of the tokens' top probabilities: what the queue ranks extraction tasks by),
not normalised (the product), and span-based (the least confident predicted span, as in
SeqAL; the queue's ``margin_diverse``), against random sampling. One scoring rule: exact-span
F1 (micro) on the test sentences, mean over seeds. Two warm-ups are compared too: random
sampling, or cold start (the sentences nearest the centres of k-means clusters of their mean
token vectors), before least confidence takes over. ``--validate`` scores on the first
``--test`` sentences of ``dev.txt`` instead, to choose without reading the test set.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import DATASETS
from heuristics.active import (
    ColdStart,
    RandomSampling,
    SequenceLeastConfidence,
    WarmUp,
    mean_token_vectors,
    simulate_spans,
)
from heuristics.active.base import QueryStrategy
from heuristics.spans import OUTSIDE, iob_to_spans, spans_to_token_labels

CACHE = Path(tempfile.gettempdir()) / "heurist-al-bench"
TYPES = ("PER", "ORG", "LOC", "MISC")


def sentences(path: Path, n: int) -> list[tuple[list[str], list[str]]]:
    """The first ``n`` sentences of a CoNLL file: tokens and their labels (``OUTSIDE`` or an
    entity type per token, as an extraction task's references give them)."""
    from formats.readers import read_conll

    found = []
    with path.open("rb") as stream:
        for sentence in read_conll(stream):
            labels = spans_to_token_labels(iob_to_spans(sentence.tags), len(sentence.tokens))
            found.append((sentence.tokens, labels))
            if len(found) == n:
                break
    return found


def token_vectors(token_lists: list[list[str]]) -> list[np.ndarray]:
    """MiniLM vectors of every token of the sentences (joined by spaces), cached by digest."""
    CACHE.mkdir(exist_ok=True)
    digest = hashlib.sha256("\n".join(" ".join(t) for t in token_lists).encode()).hexdigest()
    path = CACHE / f"conll-tokens-{digest[:16]}.npz"
    if path.exists():
        stored = np.load(path)
        return np.split(stored["vectors"], np.cumsum(stored["lengths"])[:-1])
    from heuristics.embeddings import SentenceTransformerEmbedder

    texts, offsets = [], []
    for tokens in token_lists:
        starts = np.cumsum([0] + [len(t) + 1 for t in tokens[:-1]]).tolist()
        texts.append(" ".join(tokens))
        offsets.append((starts, [s + len(t) for s, t in zip(starts, tokens, strict=True)]))
    vectors = SentenceTransformerEmbedder().embed_tokens(texts, offsets)
    np.savez(path, vectors=np.concatenate(vectors), lengths=[len(v) for v in vectors])
    return vectors


def strategies() -> dict[str, QueryStrategy]:
    return {"least confidence, per token (length-normalised)": SequenceLeastConfidence(),
            "least confidence, per token (joint)": SequenceLeastConfidence(normalize=False),
            "least confidence, per span": SequenceLeastConfidence(granularity="span"),
            "random until 100, then least confidence (normalised)": WarmUp(
                RandomSampling(), SequenceLeastConfidence(), labels=100),
            "cold start until 60, then least confidence (normalised)": WarmUp(
                ColdStart(), SequenceLeastConfidence(), labels=60)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for option, default in (("--pool", 1000), ("--test", 500), ("--seeds", 3), ("--budget", 200)):
        parser.add_argument(option, type=int, default=default)
    parser.add_argument("--png", type=Path, help="draw each strategy's mean curves here")
    parser.add_argument("--validate", action="store_true",
                        help="score on the first --test sentences of dev.txt, not test.txt")
    parser.add_argument("--only", nargs="*", help="run these strategies only (and random)")
    args = parser.parse_args()
    data = DATASETS / "conll2003"
    pool = sentences(data / "train.txt", args.pool)
    test = sentences(data / ("dev.txt" if args.validate else "test.txt"), args.test)
    records = pool + test
    start = time.perf_counter()
    vectors = token_vectors([tokens for tokens, _ in records])
    print(f"{len(pool)} pool and {len(test)} test sentences, "
          f"{sum(len(v) for v in vectors):,} tokens embedded in "
          f"{time.perf_counter() - start:.1f} s")
    labels = [token_labels for _, token_labels in records]
    # one vector per sentence, for cold start: the mean of its tokens'
    means = mean_token_vectors(vectors, dims=vectors[0].shape[1])
    held_out = np.arange(len(pool), len(records))
    curves: dict[str, list[np.ndarray]] = {"random": []}
    used = None
    chosen = {k: v for k, v in strategies().items() if not args.only or k in args.only}
    for name, strategy in chosen.items():
        curves[name] = []
        started = time.perf_counter()
        for seed in range(args.seeds):
            result = simulate_spans(vectors, labels, label_names=[OUTSIDE, *TYPES],
                                    strategy=strategy, seed_size=20, batch_size=20,
                                    budget=args.budget, test_indices=held_out,
                                    embeddings=means, random_state=seed)
            curves[name].append(result.strategy.scores["span_f1"])
            if len(curves["random"]) < args.seeds:
                curves["random"].append(result.random.scores["span_f1"])
            used = result.strategy.labels_used
        print(f"{name}: {time.perf_counter() - started:.0f} s for {args.seeds} seeds",
              flush=True)
    print(f"\nexact-span F1 on {len(test)} CoNLL-2003 {'dev' if args.validate else 'test'} "
          f"sentences, mean of {args.seeds} seeds\n")
    print("| strategy | " + " | ".join(str(n) for n in used) + " |")
    print("|---|" + "---:|" * len(used))
    for name, runs in [("random", curves["random"]),
                       *((n, c) for n, c in curves.items() if n != "random")]:
        mean = np.mean(runs, axis=0)
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in mean) + " |")
    if args.png:
        from services.simulation import plot

        args.png.mkdir(parents=True, exist_ok=True)
        random_mean = np.mean(curves["random"], axis=0).tolist()
        for name, runs in curves.items():
            if name == "random":
                continue
            mean = np.mean(runs, axis=0).tolist()
            figure = plot({"metrics": ["span_f1"], "ranked_by": name,
                           "strategy": {"labels_used": used.tolist(), "span_f1": mean},
                           "random": {"labels_used": used.tolist(), "span_f1": random_mean}},
                          title=f"CoNLL-2003: {name} vs random")
            slug = "".join(c if c.isalnum() else "-" for c in name).strip("-")
            (args.png / f"conll-{slug}.png").write_bytes(figure)


if __name__ == "__main__":
    main()
