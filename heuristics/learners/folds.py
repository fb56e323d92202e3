"""How labelled records are split into cross-fitting folds, and when there are enough of them."""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from itertools import islice
from typing import TypeVar

import numpy as np
from sklearn.model_selection import StratifiedKFold

from heuristics.errors import InvalidInputError
from heuristics.learners.results import FitStep, OnFitStep

__all__ = [
    "NotEnoughLabels",
    "check_class_counts",
    "check_class_labels",
    "check_span_labels",
    "fit_models",
    "split_folds",
    "step_reporter",
]


class NotEnoughLabels(InvalidInputError):
    """Too few manual labels to fit a learner and predict labelled records honestly
    (``field`` is ``"labels"``: more labelling, not other code, fixes it)."""

    def __init__(self, message: str, *, field: str | None = "labels",
                 row: int | None = None) -> None:
        super().__init__(message, field=field, row=row)


def check_class_labels(names: Sequence[str]) -> None:
    """Raise NotEnoughLabels unless the labelled records' class names let every fold's model
    train on at least 2 classes: 2 classes with at least 2 labelled records each.

    >>> check_class_labels(["spam"] * 5)
    Traceback (most recent call last):
    ...
    heuristics.learners.folds.NotEnoughLabels: field 'labels': needs labels of at least 2 classes, has 1 (spam: 5)
    >>> check_class_labels(["spam"] * 5 + ["ham"])
    Traceback (most recent call last):
    ...
    heuristics.learners.folds.NotEnoughLabels: field 'labels': needs at least 2 labelled records in each of 2 classes, has (ham: 1, spam: 5)
    """  # noqa: E501
    check_class_counts(Counter(names))


def check_class_counts(counts: Mapping[str, int]) -> None:
    """:func:`check_class_labels` given the number of labelled records of each class."""
    if len(counts) < 2:
        raise NotEnoughLabels(
            f"needs labels of at least 2 classes, has {len(counts)}"
            + (f" ({_counts(counts)})" if counts else "")
        )
    if sum(1 for count in counts.values() if count >= 2) < 2:
        raise NotEnoughLabels(
            f"needs at least 2 labelled records in each of 2 classes, has ({_counts(counts)})"
        )


def check_span_labels(n_labelled: int, n_with_spans: int) -> None:
    """Raise NotEnoughLabels unless at least 2 labelled records have spans.

    >>> check_span_labels(10, 1)
    Traceback (most recent call last):
    ...
    heuristics.learners.folds.NotEnoughLabels: field 'labels': needs spans in at least 2 labelled records, has 1 (10 labelled records)
    """  # noqa: E501
    if n_with_spans < 2:
        raise NotEnoughLabels(f"needs spans in at least 2 labelled records, has {n_with_spans} "
                              f"({n_labelled} labelled records)")




def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{name}: {count}" for name, count in sorted(counts.items()))



def split_folds(
    strata: np.ndarray, *, n_folds: int, seed: int
) -> tuple[int, list[tuple[np.ndarray, np.ndarray]]]:
    """Stratified folds over records by ``strata`` (a small non-negative integer per record,
    e.g. its label's index); the fold count is capped by sklearn's rule that some stratum
    must have at least as many records as there are folds.

    >>> n_folds, folds = split_folds(np.array([0, 0, 0, 1, 1, 1]), n_folds=5, seed=0)
    >>> n_folds, [sorted(test.tolist()) for _, test in folds]
    (3, [[2, 4], [1, 5], [0, 3]])
    """
    strata = np.asarray(strata, dtype=np.int64)
    largest = int(np.bincount(strata).max())
    n_folds = max(2, min(n_folds, largest))
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class")
        folds = list(splitter.split(np.zeros((len(strata), 1)), strata))
    return n_folds, folds


Result = TypeVar("Result")


def fit_models(models: Sequence[Callable[[], Result]], *, threads: int = 1
               ) -> Iterator[tuple[int, Result]]:
    """Run each of ``models`` (one model each: a fresh learner fitted, then predicting its
    records), up to ``threads`` at once, and yield ``(index, result)`` as each ends.

    With one thread they run in order in the caller's thread. With more, each runs in a
    thread of its own: a model's fit spends most of its time in NumPy and scikit-learn code
    that releases the interpreter lock, so two folds fit side by side on two cores. Results
    are yielded in the caller's thread, in the order the models end; the first error is
    raised once the models still running have ended, and models not yet started never start.

    >>> sorted(fit_models([lambda: "a", lambda: "b"], threads=2))
    [(0, 'a'), (1, 'b')]
    >>> list(fit_models([lambda: 1 / 0, lambda: "never"]))
    Traceback (most recent call last):
    ...
    ZeroDivisionError: division by zero
    """
    if threads <= 1 or len(models) <= 1:
        for index, model in enumerate(models):
            yield index, model()
        return
    waiting = iter(enumerate(models))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="fold") as pool:
        running = {pool.submit(model): index for index, model in islice(waiting, threads)}
        while running:
            ended, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(ended, key=running.__getitem__):
                index = running.pop(future)
                result = future.result()  # an error: the running ones end, no other starts
                for following, model in islice(waiting, 1):
                    running[pool.submit(model)] = following
                yield index, result


def step_reporter(on_step: OnFitStep | None, *, n_folds: int, extra: bool
                   ) -> Callable[[int | None, int, int], None]:
    """A function to call after each model: it numbers the steps and calls ``on_step``."""
    total, done = n_folds + int(extra), 0

    def report(fold: int | None, trained_on: int, predicted: int) -> None:
        nonlocal done
        done += 1
        if on_step is not None:
            on_step(FitStep(done=done, total=total, n_folds=n_folds, fold=fold,
                            trained_on=trained_on, predicted=predicted))

    return report

