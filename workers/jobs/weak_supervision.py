"""Weak-supervision runs: merge the current votes of a task's heuristics into one label per
record (classification), one label set per record (multi-label) or one set of spans per record
(extraction), each with a confidence; report coverage, the distribution of weak labels and their
agreement with the reference labels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from heuristics.aggregation._inputs import decide, vote_balance
from heuristics.aggregation.agreement import (
    classification_agreement,
    expected_agreement,
    multilabel_agreement,
    span_agreement,
)
from heuristics.aggregation.multilabel import MULTILABEL_METHODS, aggregate_multilabel
from heuristics.aggregation.predicting import (
    multilabel_predict,
    multilabel_score,
    span_predict,
    span_score,
)
from heuristics.aggregation.selection import (
    CLASSIFICATION_METHODS,
    EXTRACTION_METHODS,
    LEARN_FROM_REFERENCES,
    CrossFitted,
    Predict,
    Score,
    choose,
    classification_predict,
    classification_score,
    cross_fitted,
    cross_fitted_alone,
    fit_method,
)
from heuristics.aggregation.spans import RecordSpans
from heuristics.aggregation.votes import counted_precisions
from heuristics.errors import InvalidInputError
from services import heuristic_runs
from store import heuristic_lookups, stats
from store.models import LabelingTask, Run, TaskKind
from store.outputs import true_and_false_positives
from store.records import record_ids_of
from store.reference import reference_labels
from store.tokenization import stored_offsets
from workers.jobs import Heartbeat

MIN_REFERENCE = 30
"""Records with a reference and a vote needed before ``auto`` compares methods on them."""


def _precisions(session: Session, heuristic_ids: list[int], label_indices: list[int]
                ) -> np.ndarray:
    """Precision of each heuristic (rows) on each stats row ``label_indices`` (columns;
    ``stats.TOTAL`` = over all labels) from its statistics (:func:`counted_precisions`)."""
    counts = true_and_false_positives(session=session, heuristic_ids=heuristic_ids,
                                      label_indices=label_indices)
    tp, fp = (np.array([[counts.get((h, k), (0, 0))[which] for k in label_indices]
                        for h in heuristic_ids], dtype=np.int64
                       ).reshape(len(heuristic_ids), len(label_indices)) for which in (0, 1))
    return counted_precisions(tp, fp)


class WeakSupervisionJob:
    kind = heuristic_lookups.WEAK_SUPERVISION_RUN

    def _task(self, session: Session, run: Run) -> LabelingTask:
        return session.get(LabelingTask, run.params["task_id"])

    def prepare(self, session: Session, run: Run) -> list[int]:
        task = self._task(session, run)
        if not self._current(session, run, task).run_ids:
            raise InvalidInputError("no heuristic of the task has a successful run yet",
                                    field="heuristic_ids")
        ids = record_ids_of(session=session, project_id=run.project_id)
        run.params = {**run.params, "chunk_size": max(1, len(ids))}
        return ids

    def _current(self, session: Session, run: Run, task: LabelingTask) -> stats.CurrentOutputs:
        return heuristic_runs.chosen_outputs(session=session, task=task,
                                    heuristic_ids=run.params.get("heuristic_ids"))

    def process(self, session: Session, run: Run, item_ids: list[int],
                heartbeat: Heartbeat) -> None:
        task = self._task(session, run)
        current = self._current(session, run, task)
        record_ids = np.asarray(item_ids, dtype=np.int64)
        aggregate = {TaskKind.CLASSIFICATION: _classification, TaskKind.MULTILABEL: _multilabel,
                     TaskKind.EXTRACTION: _extraction}[task.kind]
        heartbeat(progress=0.05, stage=f"merging the votes of {len(current.run_ids)} "
                                       f"heuristics over {len(item_ids):,} records")
        rows, metrics = aggregate(session, run, task, current, record_ids, heartbeat)
        what = "spans" if task.kind is TaskKind.EXTRACTION else "labels"
        heartbeat(progress=0.8, stage=f"{metrics['method']}: {len(rows):,} weak {what}")
        heuristic_runs.replace_outputs(session=session, run_id=run.id, record_ids=item_ids,
                                       rows=rows)
        chosen = run.params.get("heuristic_ids") or []
        run.metrics = metrics | {
            "heuristics": len(current.run_ids), "heuristic_ids": list(current.heuristic_ids),
            "without_output": sorted(set(chosen) - set(current.heuristic_ids)),
            "inputs": heuristic_runs.weak_supervision_inputs(session=session, current=current)}

    def finish(self, session: Session, run: Run) -> dict[str, Any]:
        return dict(run.metrics or {})

    def failed(self, session: Session, run: Run) -> None:
        pass

    def succeeded(self, session: Session, run: Run) -> list[Run]:
        return []


def _chosen(method: str, agreement: dict[str, float | None]) -> str:
    """The log line of ``auto``'s choice.

    >>> _chosen("weighted", {"majority": 0.5, "weighted": 0.75})
    'auto chose weighted (agreement with the reference labels: majority 0.500, weighted 0.750)'
    """
    if not agreement:
        return f"auto chose {method} (too few reference labels to compare methods)"
    scores = ", ".join(f"{name} {'-' if score is None else format(score, '.3f')}"
                       for name, score in agreement.items())
    return f"auto chose {method} (agreement with the reference labels: {scores})"


def _cross_fitted(methods: tuple[str, str]) -> str:
    """The log line on how ``auto``'s accuracy was measured.

    >>> _cross_fitted(("majority", "label_model"))
    '; accuracy cross-fitted: each half of the reference labels scored with the method chosen on the other half (majority, label_model)'
    """  # noqa: E501
    return ("; accuracy cross-fitted: each half of the reference labels scored with the method "
            f"chosen on the other half ({methods[0]}, {methods[1]})")


def _learns(method: str) -> str:
    """The log line of a named method that learns from the reference labels.

    >>> _learns("weighted")
    "weighted learns from the reference labels: accuracy cross-fitted, each half of them scored with the method fitted on the other half's"
    """  # noqa: E501
    return (f"{method} learns from the reference labels: accuracy cross-fitted, each half of "
            "them scored with the method fitted on the other half's")


def _choose_and_score(asked: str, methods: tuple[str, ...], predict: Predict, score: Score,
                      referenced: np.ndarray, voted: np.ndarray, *, default: str,
                      heartbeat: Heartbeat) -> tuple[str, dict[str, float], CrossFitted | None]:
    """The method a run uses, ``auto``'s agreement of each candidate (empty unless it
    chose), and what its scores are taken from where the reference labels taught it: auto's
    choice, or a method that learns from them, cross-fitted over the ``referenced`` records
    (a choice needs ``MIN_REFERENCE`` of them with votes, a cross-fit two)."""
    if asked == "auto":
        choice = choose(methods, predict, score, referenced & voted, default=default,
                        min_reference=MIN_REFERENCE)
        stage, scored = _chosen(choice.method, choice.agreement), None
        if choice.agreement:
            scored = cross_fitted(methods, predict, score, referenced, default=default,
                                  min_reference=MIN_REFERENCE, scored=voted)
            stage += _cross_fitted(scored.methods)
        heartbeat(progress=0.4, stage=stage)
        return choice.method, choice.agreement, scored
    if asked in LEARN_FROM_REFERENCES and referenced.sum() >= 2:
        heartbeat(progress=0.4, stage=_learns(asked))
        return asked, {}, cross_fitted_alone(asked, predict, referenced)
    return asked, {}, None


def _scored(weak: np.ndarray, scored: CrossFitted | None) -> np.ndarray:
    """The predictions the metrics score: the run's, and where they came from a fit or a
    choice that saw the reference labels, the cross-fitted ones."""
    if scored is None:
        return weak
    evaluated = weak.copy()
    evaluated[scored.half >= 0] = scored.predictions[scored.half >= 0]
    return evaluated


def _how(method: str, agreement: dict[str, float], scored: CrossFitted | None
         ) -> dict[str, Any]:
    """The metrics that say how a run's weak labels were made and scored: its method,
    ``auto``'s agreement of each candidate, and the methods of the cross-fitted halves."""
    return {"method": method, "agreement_by_method": agreement,
            "cross_fitted": None if scored is None else list(scored.methods)}


AGREEMENT = ("compared", "accuracy", "micro_f1", "f1", "confusion")
"""The metrics that compare weak labels with the reference labels (of multi-label and
extraction runs; the rest describe the run's own weak labels)."""


def _classification(session: Session, run: Run, task: LabelingTask,
                    current: stats.CurrentOutputs, record_ids: np.ndarray,
                    heartbeat: Heartbeat) -> tuple[list[dict], dict]:
    matrix = stats.label_matrix(session=session, task=task, current=current,
                                record_ids=record_ids)
    names = [label.name for label in task.labels]
    reference = np.full(len(record_ids), -1, dtype=np.int64)
    rows_of = {rid: i for i, rid in enumerate(record_ids.tolist())}
    for rid, name in reference_labels(session=session, task=task).items():
        if rid in rows_of:
            reference[rows_of[rid]] = names.index(name)
    weights = _precisions(session, current.heuristic_ids, [stats.TOTAL])[:, 0]
    fits: dict = {}   # majority vote and the label model, fitted once on the votes alone
    voted = (matrix >= 0).any(axis=1)
    method, agreement, scored = _choose_and_score(
        run.params.get("method") or "auto", CLASSIFICATION_METHODS,
        classification_predict(matrix, reference, n_labels=len(names), weights=weights,
                               fits=fits),
        classification_score(reference), reference >= 0, voted, default="label_model",
        heartbeat=heartbeat)
    model = fits.get(method) or fit_method(method, matrix, reference, n_labels=len(names),
                                           weights=weights)
    probabilities = model.predict_proba(matrix)
    balance = getattr(model, "class_balance_", None)
    if balance is None:
        balance = vote_balance(matrix, n_labels=len(names))
    predicted = decide(probabilities, covered=voted, tie_break="balance", balance=balance)
    confidence = probabilities.max(axis=1)
    keep = voted & (confidence >= run.params.get("min_confidence", 0))
    # Records without votes: no label, or the class prior's most frequent label, with a
    # confidence no higher than any weak label decided by votes.
    from_prior = ~voted if run.params.get("no_vote") == "prior" else np.zeros_like(voted)
    prior_label = int(np.argmax(balance))
    prior_confidence = min(float(balance.max()),
                           float(confidence[keep].min()) if keep.any() else 1.0)
    predicted[from_prior] = prior_label
    confidence[from_prior] = prior_confidence
    probabilities[from_prior] = balance
    labelled = keep | from_prior
    label_ids = [label.id for label in task.labels]
    rows = [{"record_id": int(rid), "label_id": label_ids[p], "confidence": float(c)}
            for rid, p, c in zip(record_ids[labelled], predicted[labelled],
                                 confidence[labelled], strict=True)]
    evaluated_probabilities = _scored(probabilities, scored)
    evaluated = decide(evaluated_probabilities, covered=voted, tie_break="balance",
                       balance=balance)
    metrics = classification_agreement(evaluated, labelled & voted, reference, names)
    metrics["weakly_labelled"] = int(labelled.sum())
    metrics["distribution"] = {name: int((predicted[labelled] == k).sum())
                               for k, name in enumerate(names)}
    metrics |= expected_agreement(evaluated_probabilities, voted=voted, labelled=labelled,
                                  from_prior=from_prior, reference=reference)
    silences = getattr(model, "silences_", None)   # the label model's check, where it ran
    if silences is not None:
        metrics["abstentions"] = silences.describe()
    return rows, metrics | _how(method, agreement, scored) | {
        "no_vote": run.params.get("no_vote", "none")}


def _multilabel(session: Session, run: Run, task: LabelingTask, current: stats.CurrentOutputs,
                record_ids: np.ndarray, heartbeat: Heartbeat) -> tuple[list[dict], dict]:
    names = [label.name for label in task.labels]
    votes, reference, has_reference = stats.multilabel_arrays(
        stats.filtered_outputs(session, current, None),
        reference_labels(session=session, task=task), task=task, current=current,
        record_ids=record_ids)
    min_confidence = run.params.get("min_confidence", 0.0)
    precisions = _precisions(session, current.heuristic_ids, list(range(len(names))))
    predict = multilabel_predict(votes, reference, has_reference, precisions=precisions,
                                 min_confidence=min_confidence)
    method, agreement, scored = _choose_and_score(
        run.params.get("method") or "auto", MULTILABEL_METHODS, predict,
        multilabel_score(reference, has_reference), has_reference, votes.any(axis=(1, 2)),
        default="weighted", heartbeat=heartbeat)
    result = aggregate_multilabel(votes, method=method, precisions=precisions,
                                  min_confidence=min_confidence)
    label_ids = [label.id for label in task.labels]
    rows = [{"record_id": int(record_ids[i]), "label_id": label_ids[k],
             "confidence": float(result.confidence[i, k])}
            for i, k in zip(*np.nonzero(result.present), strict=True)]
    metrics = _agreement(lambda present: multilabel_agreement(present, reference,
                                                              has_reference, names),
                         result.present, scored)
    return rows, metrics | _how(method, agreement, scored)


def _agreement(agreement_of: Callable[[np.ndarray], dict[str, Any]], weak: np.ndarray,
               scored: CrossFitted | None) -> dict[str, Any]:
    """The metrics of a run's own weak labels; where the reference labels taught its method
    (``scored``), their agreement with those labels is the cross-fitted predictions'."""
    own = agreement_of(weak)
    if scored is None:
        return own
    held_out = agreement_of(_scored(weak, scored))
    return own | {name: held_out[name] for name in AGREEMENT if name in held_out}


def _extraction(session: Session, run: Run, task: LabelingTask, current: stats.CurrentOutputs,
                record_ids: np.ndarray, heartbeat: Heartbeat) -> tuple[list[dict], dict]:
    names = [label.name for label in task.labels]
    rows_of = {rid: i for i, rid in enumerate(record_ids.tolist())}
    offsets = stored_offsets(session=session, attribute_id=task.target_attribute_id)
    spans = stats.span_votes(session=session, task=task, current=current)
    voted = sorted(spans)
    reference = {rows_of[rid]: [(names.index(label), start, end) for label, start, end in ref]
                 for rid, ref in reference_labels(session=session, task=task).items()}
    n_tokens = np.array([len(offsets.get(rid, ((), ()))[0]) for rid in record_ids.tolist()],
                        dtype=np.int64)
    referenced, with_votes = np.zeros(len(record_ids), bool), np.zeros(len(record_ids), bool)
    referenced[list(reference)] = True
    with_votes[[rows_of[rid] for rid in voted]] = True
    weights = _precisions(session, current.heuristic_ids, [stats.TOTAL])[:, 0]
    predict = span_predict([RecordSpans(len(offsets[rid][0]), spans[rid]) for rid in voted],
                           [rows_of[rid] for rid in voted], n_records=len(record_ids),
                           labels=names, reference=reference, n_tokens=n_tokens,
                           weights=weights,
                           min_confidence=run.params.get("min_confidence", 0.0))
    method, agreement, scored = _choose_and_score(
        run.params.get("method") or "auto", EXTRACTION_METHODS, predict,
        span_score(reference, n_tokens, names), referenced, with_votes, default="label_model",
        heartbeat=heartbeat)
    weak = predict(method, None)
    label_ids = [label.id for label in task.labels]
    rows = [{"record_id": int(rid), "label_id": label_ids[label], "confidence": float(confidence),
             "token_start": start, "token_end": end, "char_start": offsets[rid][0][start],
             "char_end": offsets[rid][1][end - 1]}
            for rid, record_spans in zip(record_ids.tolist(), weak, strict=True)
            for label, start, end, confidence in record_spans]

    def agreement_of(found: np.ndarray) -> dict:
        return span_agreement([[span[:3] for span in spans] for spans in found], reference,
                              n_tokens, names)

    metrics = _agreement(agreement_of, weak, scored)
    return rows, metrics | _how(method, agreement, scored)
