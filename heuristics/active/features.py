"""What the default learner of a record classification task reads: the record's embedding
beside a bag of the words and word pairs of the embedded text.

Sentence embeddings blur short lexical cues that decide many labels (the wh-word of a
question, "how many", a link in a comment); the bag keeps them. Its TF-IDF weights are
fitted on every record's text, labelled or not, so it needs no labels.

Examples
--------
>>> import numpy as np
>>> embeddings = np.eye(3)
>>> x = record_features(embeddings, ["who is it", "how many are there", "who was it"])
>>> x.shape[0], x.shape[1] > 3
(3, True)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from heuristics.errors import InvalidInputError

__all__ = ["record_features", "text_features"]

WEIGHT = float(np.sqrt(10.0))
"""Scale of both parts (the embedding and the unit-length bag). For the default learner (L2
logistic regression, C = 1) this is the same as C = 10 on the unscaled rows; chosen on 500
questions held out of TREC-6's training set (bench/al_bench.py)."""
MAX_TERMS = 20_000
_KEPT = 4
_bags: dict[str, sparse.csr_matrix] = {}
"""The last few bags by a digest of their texts: refits of one project read the same texts,
and the bag takes most of a refit's time."""


def text_features(texts: Sequence[str], *, max_terms: int = MAX_TERMS) -> sparse.csr_matrix:
    """Unit-length TF-IDF rows of the words and word pairs of ``texts`` (lower-cased; terms
    of a single record left out when there are other records). Do not modify the result:
    the same texts give the same (shared) matrix."""
    digest = hashlib.sha256(f"{max_terms}\x1f".encode())
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\x1f")
    key = digest.hexdigest()
    if (bag := _bags.get(key)) is None:
        if len(_bags) >= _KEPT:
            _bags.pop(next(iter(_bags)))
        bag = _bags[key] = _bag(texts, max_terms)
    return bag


def _bag(texts: Sequence[str], max_terms: int) -> sparse.csr_matrix:
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2 if len(texts) > 1 else 1,
                                 sublinear_tf=True, max_features=max_terms,
                                 token_pattern=r"(?u)\b\w+\b", dtype=np.float32)
    try:
        return vectorizer.fit_transform(texts).tocsr()
    except ValueError:          # no term at all (empty texts)
        return sparse.csr_matrix((len(texts), 0), dtype=np.float32)


def record_features(embeddings: np.ndarray, texts: Sequence[str] | None,
                    *, weight: float = WEIGHT) -> sparse.csr_matrix | np.ndarray:
    """The embedding of each record, followed by the bag of its text when ``texts`` is given.

    Parameters
    ----------
    embeddings : np.ndarray
        One vector per record, shape ``(n_records, dims)``.
    texts : sequence of str, optional
        The embedded text of each record, in the same order; the embeddings alone when None.
    weight : float
        Scale of both parts.

    Returns
    -------
    scipy.sparse.csr_matrix or np.ndarray
        Shape ``(n_records, dims + n_terms)``, or ``embeddings`` unchanged without texts.
    """
    embeddings = np.asarray(embeddings)
    if texts is None:
        return embeddings
    if len(texts) != len(embeddings):
        raise InvalidInputError("texts and embeddings must have one row per record")
    return _side_by_side(embeddings.astype(np.float32) * np.float32(weight),
                         text_features(texts) * np.float32(weight))


def _side_by_side(dense: np.ndarray, bag: sparse.csr_matrix) -> sparse.csr_matrix:
    """``[dense | bag]`` as one CSR matrix, built from the arrays (``sparse.hstack`` took
    0.3-0.9 s on 10k records)."""
    n, dims = dense.shape
    starts = bag.indptr.astype(np.int64) + dims * np.arange(n + 1, dtype=np.int64)
    data = np.empty(starts[-1], dtype=np.float32)
    indices = np.empty(starts[-1], dtype=np.int32)
    at_dense = (starts[:-1, None] + np.arange(dims)).ravel()
    data[at_dense], indices[at_dense] = dense.ravel(), np.tile(np.arange(dims), n)
    rows = np.repeat(np.arange(n), np.diff(bag.indptr))
    at_bag = np.arange(bag.nnz) + dims * (rows + 1)
    data[at_bag], indices[at_bag] = bag.data, bag.indices + dims
    return sparse.csr_matrix((data, indices, starts), shape=(n, dims + bag.shape[1]))
