"""The one check of the arrays the core takes: label matrices, label counts, embeddings.

Label matrices are integer arrays of shape ``(n_records, n_heuristics)`` (or records x
annotators) whose cells hold a label index or :data:`ABSTAIN`. Every check raises
:class:`~heuristics.errors.InvalidInputError` naming the field (and the first bad row where
there is one), and returns the array as int64 (bool for :func:`bool_array`) without copying
what is already in that form.

``n_labels`` may be 0: a matrix over no labels is valid when every cell abstains (a task
whose labels are not defined yet still has statistics, all empty). Methods that must choose
among labels ask for more with ``minimum``.

Examples
--------
>>> check_label_matrix([[0, -1], [1, 1]], n_labels=2)
array([[ 0, -1],
       [ 1,  1]])
>>> check_label_matrix([[0, -1], [2, 1]], n_labels=2)
Traceback (most recent call last):
...
heuristics.errors.InvalidInputError: row 1, field 'label_matrix': label_matrix holds 2; labels are -1 (abstain) or 0..1
>>> check_label_matrix(np.full((2, 3), -1), n_labels=0).shape
(2, 3)
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from heuristics.errors import InvalidInputError

__all__ = [
    "ABSTAIN",
    "all_finite",
    "bool_array",
    "check_embedding_matrix",
    "check_embeddings",
    "check_label_matrix",
    "check_label_values",
    "check_n_labels",
    "check_reference_labels",
    "integer_array",
]

ABSTAIN = -1
"""The cell value of a heuristic (or annotator) that gives no label."""


def check_n_labels(n_labels: object, *, minimum: int = 0) -> int:
    """``n_labels`` as an int, if it is an integer of at least ``minimum``.

    >>> check_n_labels(0), check_n_labels(3, minimum=2)
    (0, 3)
    >>> check_n_labels(1, minimum=2)
    Traceback (most recent call last):
    ...
    heuristics.errors.InvalidInputError: field 'n_labels': n_labels must be at least 2, got 1
    """
    if isinstance(n_labels, bool) or not isinstance(n_labels, int | np.integer):
        raise InvalidInputError(f"n_labels must be an integer, got {n_labels!r}", field="n_labels")
    if n_labels < minimum:
        raise InvalidInputError(
            f"n_labels must be at least {minimum}, got {n_labels}", field="n_labels"
        )
    return int(n_labels)


def integer_array(values: object, *, field: str, ndim: int) -> np.ndarray:
    """``values`` as an int64 array of ``ndim`` dimensions (empty arrays of any dtype pass)."""
    array = np.asarray(values)
    if array.ndim != ndim:
        raise InvalidInputError(f"{field} must be {ndim}-D, got {array.ndim}-D", field=field)
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise InvalidInputError(f"{field} must hold integers, got {array.dtype}", field=field)
    return array.astype(np.int64, copy=False)


def bool_array(values: object, *, field: str, shape: tuple[int | None, ...]) -> np.ndarray:
    """``values`` as a bool array of ``shape`` (None: any length on that axis)."""
    array = np.asarray(values)
    if array.size and array.dtype != np.bool_:
        raise InvalidInputError(f"{field} must hold booleans, got {array.dtype}", field=field)
    if array.ndim != len(shape) or any(
        want is not None and got != want for got, want in zip(array.shape, shape, strict=True)
    ):
        expected = ", ".join("n" if want is None else str(want) for want in shape)
        raise InvalidInputError(
            f"{field} must have shape ({expected}), got {array.shape}", field=field
        )
    return array.astype(np.bool_, copy=False)


def check_label_values(labels: np.ndarray, *, n_labels: int | None, field: str) -> None:
    """Every value is :data:`ABSTAIN` or a label index (below ``n_labels`` when given); the
    error names the first offending record (``row``, the first axis)."""
    if not labels.size:
        return
    bad = labels < ABSTAIN
    if n_labels is not None:
        bad |= labels >= n_labels
    if not bad.any():
        return
    flat = bad.reshape(len(bad), -1)
    row = int(np.flatnonzero(flat.any(axis=1))[0])
    value = int(labels.reshape(len(bad), -1)[row][flat[row]][0])
    allowed = "indices >= 0" if n_labels is None else (
        f"0..{n_labels - 1}" if n_labels else "none (the task has no labels)")
    raise InvalidInputError(f"{field} holds {value}; labels are -1 (abstain) or {allowed}",
                            field=field, row=row)


def check_label_matrix(
    label_matrix: object, *, n_labels: int | None = None, n_heuristics: int | None = None,
    field: str = "label_matrix",
) -> np.ndarray:
    """The label matrix as an int64 array of shape ``(n_records, n_heuristics)``.

    Every cell must be ``-1`` (abstain) or a label index, below ``n_labels`` when it is given;
    ``n_heuristics``, when given, is the number of columns it must have.
    """
    if n_labels is not None:
        check_n_labels(n_labels)
    array = integer_array(label_matrix, field=field, ndim=2)
    if n_heuristics is not None and array.shape[1] != n_heuristics:
        raise InvalidInputError(
            f"{field} has {array.shape[1]} heuristics, expected {n_heuristics}", field=field
        )
    check_label_values(array, n_labels=n_labels, field=field)
    return array


def check_reference_labels(
    reference_labels: object, *, n_records: int, n_labels: int | None
) -> np.ndarray:
    """Reference labels as an int64 array of shape ``(n_records,)``, ``-1`` for none."""
    reference = integer_array(reference_labels, field="reference_labels", ndim=1)
    if reference.shape[0] != n_records:
        raise InvalidInputError(
            f"reference_labels has {reference.shape[0]} records, the label matrix {n_records}",
            field="reference_labels",
        )
    check_label_values(reference, n_labels=n_labels, field="reference_labels")
    return reference


def check_embedding_matrix(embeddings: Any) -> np.ndarray:
    """The embeddings as a 2-d float array; float32 stays float32 (no copy of a large matrix)."""
    try:
        X = np.asarray(embeddings)
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInputError(
            "embeddings must be an (n_records, dims) array of numbers", field="embeddings"
        ) from error
    if X.ndim != 2:
        raise InvalidInputError(
            f"embeddings must be an (n_records, dims) array, got shape {X.shape}",
            field="embeddings",
        )
    if not all_finite(X):
        raise InvalidInputError("embeddings hold NaN or infinite values", field="embeddings")
    return X


def all_finite(X: np.ndarray) -> bool:
    """Whether no value of the 2-d float matrix ``X`` is NaN or infinite.

    A NaN or an infinity makes its row's sum NaN or infinite, so one matrix-vector product
    (no mask as large as the matrix; half the time of ``np.isfinite(X).all()``) answers
    for almost every matrix; rows of finite values whose sum overflows get the exact check.

    >>> all_finite(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32))
    True
    >>> all_finite(np.array([[1.0, np.nan], [3.0, 4.0]]))
    False
    >>> all_finite(np.array([[3e38, 3e38]], dtype=np.float32))  # the sum overflows
    True
    """
    if X.size == 0:
        return True
    with np.errstate(over="ignore", invalid="ignore"):
        row_sums = X @ np.ones(X.shape[1], dtype=X.dtype)
    return bool(np.isfinite(row_sums).all() or np.isfinite(X).all())


def check_embeddings(embeddings: Sequence[Any], *, dims: int | None = None) -> list[np.ndarray]:
    """Token embeddings as one float64 array of shape ``(n_tokens, dims)`` per text.

    Parameters
    ----------
    embeddings : sequence of array-like of shape (n_tokens, dims)
        Per text, one vector per token; a text without tokens may be ``[]``.
    dims : int or None, default None
        The length every vector must have (a fitted tagger's); ``None`` takes it from the
        first non-empty text.

    Returns
    -------
    list of ndarray of shape (n_tokens, dims), float64

    Raises
    ------
    InvalidInputError
        If a text is not a 2-d array, vectors differ in length, a value is not finite, or no
        text has a token while ``dims`` is unknown (field ``embeddings``, ``row`` = the text).

    Examples
    --------
    >>> check_embeddings([[[1.0, 2.0]], [[1.0]]])
    Traceback (most recent call last):
    ...
    heuristics.errors.InvalidInputError: row 1, field 'embeddings': vectors of text 1 have 1 dimensions, expected 2
    """  # noqa: E501
    if isinstance(embeddings, np.ndarray) and embeddings.ndim == 2:
        raise InvalidInputError(
            "expected one (n_tokens, dims) array per text, got a single 2-d array",
            field="embeddings",
        )
    arrays: list[np.ndarray] = []
    for row, sequence in enumerate(embeddings):
        try:
            array = np.asarray(sequence, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise InvalidInputError(
                f"token vectors of text {row} are not numbers of one length",
                field="embeddings",
                row=row,
            ) from error
        if array.size == 0:
            array = array.reshape(0, array.shape[-1] if array.ndim == 2 else 0)
        if array.ndim != 2:
            raise InvalidInputError(
                f"text {row} needs an array of shape (n_tokens, dims), got shape {array.shape}",
                field="embeddings",
                row=row,
            )
        arrays.append(array)
    if dims is None:
        dims = next((a.shape[1] for a in arrays if len(a)), None)
    if dims is None:
        raise InvalidInputError("no text has a token", field="embeddings")
    for row, array in enumerate(arrays):
        if len(array) == 0:
            arrays[row] = array.reshape(0, dims)
        elif array.shape[1] != dims:
            raise InvalidInputError(
                f"vectors of text {row} have {array.shape[1]} dimensions, expected {dims}",
                field="embeddings",
                row=row,
            )
        elif not np.isfinite(array).all():
            raise InvalidInputError(
                f"vectors of text {row} hold NaN or infinite values", field="embeddings", row=row
            )
    return arrays
