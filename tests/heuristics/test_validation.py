"""Tests of heuristics.validation, the one check of label matrices and label counts."""

from __future__ import annotations

import numpy as np
import pytest

from heuristics.aggregation import LabelModel, MajorityVote, WeightedVote
from heuristics.errors import InvalidInputError
from heuristics.evaluation.analysis import LabelMatrixAnalysis
from heuristics.evaluation.classification import classification_stats
from heuristics.reference import majority_reference
from heuristics.validation import (
    ABSTAIN,
    all_finite,
    check_embedding_matrix,
    check_label_matrix,
    check_n_labels,
    check_reference_labels,
)


def error_of(function, *args, **kwargs) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as caught:
        function(*args, **kwargs)
    return caught.value


def test_a_task_without_labels_has_a_valid_all_abstain_matrix() -> None:
    matrix = check_label_matrix(np.full((3, 2), ABSTAIN), n_labels=0)
    assert matrix.dtype == np.int64 and matrix.shape == (3, 2)
    stats = classification_stats(matrix, np.full(3, -1), n_labels=0)
    assert stats.tp.shape == (2, 0) and stats.hits.tolist() == [0, 0]


def test_a_vote_over_no_labels_is_rejected_with_its_row() -> None:
    error = error_of(check_label_matrix, [[-1, -1], [-1, 0]], n_labels=0)
    assert (error.field, error.row) == ("label_matrix", 1)
    assert "the task has no labels" in error.message


@pytest.mark.parametrize("n_labels", [-1, 1.0, True, "2"])
def test_n_labels_must_be_a_non_negative_integer(n_labels) -> None:
    assert error_of(check_n_labels, n_labels).field == "n_labels"


def test_methods_that_choose_a_label_ask_for_labels() -> None:
    empty = np.full((2, 2), ABSTAIN)
    for method in (MajorityVote(n_labels=0), WeightedVote(n_labels=0, weights=[1.0, 1.0])):
        assert "at least 1" in error_of(method.fit, empty).message
    assert "at least 2" in error_of(LabelModel(n_labels=1).fit, np.zeros((2, 2), int)).message


@pytest.mark.parametrize(
    ("matrix", "message", "row"),
    [
        (np.array([0, 1]), "must be 2-D", None),
        (np.array([[0.5, 1.0]]), "must hold integers", None),
        (np.array([[0, 1], [1, -2]]), "holds -2", 1),
        (np.array([[0, 1], [3, 1]]), "holds 3; labels are -1 (abstain) or 0..1", 1),
    ],
)
def test_every_caller_reports_a_bad_matrix_alike(matrix, message, row) -> None:
    errors = [
        error_of(check_label_matrix, matrix, n_labels=2),
        error_of(classification_stats, matrix, np.zeros(len(matrix), int), n_labels=2),
        error_of(MajorityVote(n_labels=2).fit, matrix),
    ]
    if "holds 3" not in message:  # no label count: any index >= 0 is a label
        errors.append(error_of(LabelMatrixAnalysis, matrix))
        errors.append(error_of(majority_reference, matrix))
    for error in errors:
        assert message in error.message and error.row == row


def test_reference_labels_match_the_matrix() -> None:
    assert error_of(check_reference_labels, [0, 1], n_records=3, n_labels=2).field == (
        "reference_labels")
    assert error_of(check_reference_labels, [0, 2, -1], n_records=3, n_labels=2).row == 1
    assert check_reference_labels([0, -1], n_records=2, n_labels=2).tolist() == [0, -1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_value_anywhere_in_embeddings_is_found(dtype, bad) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(37, 131)).astype(dtype)
    assert all_finite(X)
    # Every corner and a sample of cells: the product's vector blocks and their tails.
    sample = zip(rng.integers(0, 37, 40).tolist(), rng.integers(0, 131, 40).tolist(),
                 strict=True)
    cells = [(0, 0), (0, 130), (36, 0), (36, 130), *sample]
    for row, column in cells:
        spoiled = X.copy()
        spoiled[row, column] = bad
        for view in (spoiled, np.asfortranarray(spoiled), spoiled[:, ::-1]):
            assert not all_finite(view), (row, column)
        assert "NaN or infinite" in error_of(check_embedding_matrix, spoiled).message


def test_finite_embeddings_whose_rows_overflow_when_summed_are_accepted() -> None:
    huge = np.full((3, 8), np.finfo(np.float32).max, dtype=np.float32)
    assert all_finite(huge)
    assert check_embedding_matrix(huge) is huge
    opposite = np.array([[np.finfo(np.float64).max, -np.finfo(np.float64).max] * 2])
    assert all_finite(opposite) and all_finite(np.zeros((0, 4)))
