"""CoNLL-2003 entity F1 of our span learners, trained on the full training set.

Run: ``.venv/bin/python bench/conll_bench.py [--train N] [--test N]`` (from the project root;
default: every sentence of ``../shared/datasets/conll2003/train.txt`` and ``test.txt``).

Token vectors come from the bundled all-MiniLM-L6-v2 exactly as the worker computes them
(:meth:`SentenceTransformerEmbedder.embed_tokens`: word pieces mean-pooled per token, the
sentence's tokens joined by spaces), reduced to 64 principal components fitted on the training
tokens (as a token embedding with ``pca_dims=64`` stores them). Score: seqeval entity F1 (IOB2,
strict) on the test set.

Taggers:

* ``CRFTagger`` on the embeddings alone (sequencelearn's setting);
* ``CRFTagger`` with lexical features (``tokens=``: word, shape, affixes of each token and its
  neighbours), as the extractor template does;
* a point tagger, ``LogisticTagger`` (one logistic regression per token, no sequence model).

Goal: >= 0.80 for the best extractor.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formats.readers import read_conll  # noqa: E402
from heuristics.embeddings import SentenceTransformerEmbedder, TokenPCA  # noqa: E402
from heuristics.sequence import CRFTagger, LogisticTagger  # noqa: E402
from heuristics.spans import (  # noqa: E402
    iob_to_spans,
    spans_to_token_labels,
    token_labels_to_iob2,
)

CONLL = ROOT.parent / "shared" / "datasets" / "conll2003"


def sentences(name: str, limit: int | None) -> tuple[list[list[str]], list[list[str]]]:
    """Tokens and token labels (span label or OUTSIDE) of the first ``limit`` sentences."""
    words, labels = [], []
    with (CONLL / name).open("rb") as handle:
        for sentence in read_conll(handle):
            words.append(sentence.tokens)
            labels.append(spans_to_token_labels(iob_to_spans(sentence.tags),
                                                len(sentence.tokens)))
            if limit and len(words) == limit:
                break
    return words, labels


def embed(words: list[list[str]]) -> list[np.ndarray]:
    texts, offsets = [], []
    for tokens in words:
        starts = np.cumsum([0] + [len(t) + 1 for t in tokens[:-1]]).tolist()
        texts.append(" ".join(tokens))
        offsets.append((starts, [s + len(t) for s, t in zip(starts, tokens, strict=True)]))
    return SentenceTransformerEmbedder(batch_size=64).embed_tokens(texts, offsets)


def main() -> None:
    from seqeval.metrics import f1_score
    from seqeval.scheme import IOB2

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=None)
    parser.add_argument("--test", type=int, default=None)
    args = parser.parse_args()
    train_words, train_labels = sentences("train.txt", args.train)
    test_words, test_labels = sentences("test.txt", args.test)
    started = time.perf_counter()
    train_vectors, test_vectors = embed(train_words), embed(test_words)
    pca = TokenPCA(64).fit(train_vectors)
    train_x = [pca.transform(v) for v in train_vectors]
    test_x = [pca.transform(v) for v in test_vectors]
    print(f"{len(train_words)} training / {len(test_words)} test sentences; token vectors "
          f"in {time.perf_counter() - started:.0f} s; PCA 384 -> 64", flush=True)
    truth = [token_labels_to_iob2(labels) for labels in test_labels]
    taggers = {
        "CRFTagger, embeddings only": (CRFTagger(), False),
        "CRFTagger + lexical features": (CRFTagger(), True),
        "point tagger (LogisticTagger), embeddings only": (LogisticTagger(), False),
    }
    scores = {}
    print("\n| tagger | entity F1 (test) | fit (s) |\n|---|---:|---:|")
    for name, (tagger, lexical) in taggers.items():
        started = time.perf_counter()
        extra = {"tokens": train_words} if lexical else {}
        tagger.fit(train_x, train_labels, **extra)
        fitted = time.perf_counter() - started
        predicted = tagger.predict(test_x, **({"tokens": test_words} if lexical else {}))
        scores[name] = f1_score(truth, [token_labels_to_iob2(labels) for labels in predicted],
                                mode="strict", scheme=IOB2)
        print(f"| {name} | {scores[name]:.4f} | {fitted:.0f} |", flush=True)
    best = max(scores, key=scores.get)
    verdict = "met" if scores[best] >= 0.80 else "NOT MET"
    print(f"\nbest: {best} {scores[best]:.4f} (goal >= 0.80: {verdict})")


if __name__ == "__main__":
    main()
