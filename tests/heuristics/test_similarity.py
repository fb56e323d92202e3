"""Tests of heuristics.similarity: exact cosine search, and the usearch HNSW path against it."""

from __future__ import annotations

import numpy as np
import pytest

from heuristics.errors import InvalidInputError
from heuristics.similarity import CosineIndex, Neighbours


def brute_force(vectors: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k best cosines, ties by lower position, computed in float64."""
    norms = np.linalg.norm(vectors, axis=1)
    cosines = vectors @ query / np.where(norms > 0, norms, 1.0) / np.linalg.norm(query)
    return np.lexsort((np.arange(len(cosines)), -cosines))[:k]


@pytest.fixture(scope="module")
def random_vectors() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(5000, 32)).astype(np.float32)


@pytest.fixture(scope="module")
def exact_index(random_vectors: np.ndarray) -> CosineIndex:
    return CosineIndex().fit(random_vectors)


@pytest.fixture(scope="module")
def hnsw_index(random_vectors: np.ndarray) -> CosineIndex:
    return CosineIndex(exact_limit=1000).fit(random_vectors)


# ----------------------------------------------------------------------------- exact search


def test_exact_search_matches_brute_force(random_vectors: np.ndarray) -> None:
    vectors = random_vectors[:300] * np.arange(1, 301, dtype=np.float32)[:, None]  # not unit
    index = CosineIndex().fit(vectors)
    assert index.exact
    query = np.random.default_rng(1).normal(size=32)
    found = index.query(query, k=15)
    assert isinstance(found, Neighbours)
    np.testing.assert_array_equal(found.indices, brute_force(vectors, query, 15))
    assert found.indices.dtype == np.int64 and found.scores.dtype == np.float32
    assert np.all(np.diff(found.scores) <= 0)
    unit = vectors[found.indices] / np.linalg.norm(vectors[found.indices], axis=1, keepdims=True)
    np.testing.assert_allclose(found.scores, unit @ (query / np.linalg.norm(query)), atol=1e-5)


def test_exclude_leaves_out_the_query_record(
    random_vectors: np.ndarray, exact_index: CosineIndex
) -> None:
    vectors = random_vectors
    with_self = exact_index.query(vectors[42], k=5)
    assert with_self.indices[0] == 42
    assert with_self.scores[0] == pytest.approx(1.0, abs=1e-5)
    without = exact_index.query(vectors[42], k=5, exclude=42)
    assert 42 not in without.indices
    np.testing.assert_array_equal(without.indices[:4], with_self.indices[1:])


def test_ties_are_broken_by_lower_position() -> None:
    vectors = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [0.0, 3.0], [5.0, 0.0]])
    index = CosineIndex().fit(vectors)
    assert index.query(np.array([1.0, 0.0]), k=2).indices.tolist() == [1, 2]
    assert index.query(np.array([1.0, 0.0]), k=3).indices.tolist() == [1, 2, 4]
    assert index.query(np.array([1.0, 0.0]), k=3, exclude=2).indices.tolist() == [1, 4, 0]
    assert index.query(np.array([0.0, 1.0]), k=1).indices.tolist() == [0]


def test_k_larger_than_n_gives_all() -> None:
    vectors = np.eye(3)
    index = CosineIndex().fit(vectors)
    assert index.query(np.array([0.0, 1.0, 0.0]), k=10).indices.tolist() == [1, 0, 2]
    assert index.query(np.array([0.0, 1.0, 0.0]), k=10, exclude=1).indices.tolist() == [0, 2]
    single = CosineIndex().fit(np.ones((1, 3)))
    assert len(single.query(np.ones(3), exclude=0).indices) == 0


def test_zero_rows_score_zero_and_input_is_not_modified() -> None:
    vectors = np.array([[3.0, 4.0], [0.0, 0.0], [-3.0, -4.0]], dtype=np.float32)
    before = vectors.copy()
    found = CosineIndex().fit(vectors).query(np.array([3.0, 4.0]), k=3)
    np.testing.assert_array_equal(vectors, before)
    assert found.indices.tolist() == [0, 1, 2]
    np.testing.assert_allclose(found.scores, [1.0, 0.0, -1.0], atol=1e-6)
    zero_query = CosineIndex().fit(vectors).query(np.zeros(2), k=2)
    assert zero_query.indices.tolist() == [0, 1]
    np.testing.assert_array_equal(zero_query.scores, 0.0)


def test_invalid_input() -> None:
    with pytest.raises(InvalidInputError):
        CosineIndex().fit(np.ones(3))
    with pytest.raises(InvalidInputError):
        CosineIndex().fit(np.array([[1.0, np.nan]]))
    index = CosineIndex().fit(np.ones((4, 3)))
    with pytest.raises(InvalidInputError) as caught:
        index.query(np.ones(2))
    assert caught.value.field == "vector"
    with pytest.raises(InvalidInputError) as caught:
        index.query(np.ones(3), k=0)
    assert caught.value.field == "k"
    with pytest.raises(RuntimeError):
        CosineIndex().query(np.ones(3))


# ----------------------------------------------------------------------------- HNSW path


def test_exact_limit_chooses_the_search(exact_index: CosineIndex, hnsw_index: CosineIndex) -> None:
    assert exact_index.exact
    assert not hnsw_index.exact
    assert CosineIndex(exact_limit=5).fit(np.ones((5, 2))).exact


def test_hnsw_agrees_with_exact_search(
    random_vectors: np.ndarray, exact_index: CosineIndex, hnsw_index: CosineIndex
) -> None:
    recalls = []
    for position in range(0, 5000, 25):  # 200 queries, each a record itself
        query = random_vectors[position]
        exact = exact_index.query(query, k=10, exclude=position)
        approximate = hnsw_index.query(query, k=10, exclude=position)
        assert position not in approximate.indices
        assert len(approximate.indices) == 10
        assert np.all(np.diff(approximate.scores) <= 0)
        recalls.append(len(set(exact.indices) & set(approximate.indices)) / 10)
        _, in_exact, in_approx = np.intersect1d(
            exact.indices, approximate.indices, return_indices=True
        )
        np.testing.assert_allclose(exact.scores[in_exact], approximate.scores[in_approx], atol=1e-4)
    assert np.mean(recalls) >= 0.95


def test_hnsw_small_k_larger_than_n_and_zero_query() -> None:
    # The graph search alone misses a vector for about one index in ten: asking for more
    # than there are must still give every vector, whatever graph the build produced.
    for seed in range(40):
        vectors = np.random.default_rng(seed).normal(size=(50, 4))
        index = CosineIndex(exact_limit=10).fit(vectors)
        assert not index.exact
        everything = index.query(vectors[0], k=100, exclude=0)
        assert sorted(everything.indices.tolist()) == list(range(1, 50))
    zero = index.query(np.zeros(4), k=3, exclude=1)
    assert zero.indices.tolist() == [0, 2, 3]
    np.testing.assert_array_equal(zero.scores, 0.0)
