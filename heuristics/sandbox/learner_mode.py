"""Inside the sandbox: fit the user's learner class on the input arrays, write predictions.

Input folder: ``embeddings.npy`` ((n_records, dims), or all tokens stacked with
``lengths.npy`` and the words of every record, ``tokens.json``, for extraction) and
``labels.json`` (reference per record, null if none).
Output folder: ``probabilities.npy`` and ``classes.json`` (classification), or
``token_labels.json`` / ``token_confidences.json`` (extraction).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np


def _plain(value: Any) -> Any:
    if is_dataclass(value):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def run_learner(namespace: dict[str, Any], *, task_kind: str, input_dir: str,
                output_dir: str, on_step: Callable[[Any], None] | None = None,
                threads: int = 1) -> dict[str, Any]:
    """Fit and predict; ``on_step`` gets each :class:`heuristics.learners.results.FitStep`;
    ``threads`` models are fitted at once (:func:`heuristics.learners.folds.fit_models`)."""
    from heuristics.learners.base import find_learner_class
    from heuristics.learners.classification import cross_fit_predict
    from heuristics.learners.extraction import cross_fit_predict_spans

    learner_cls = find_learner_class(namespace)
    source, target = Path(input_dir), Path(output_dir)
    labels = json.loads((source / "labels.json").read_text())
    # Classification learners get row copies (fold slices), so the matrix itself can stay a
    # read-only map of the file: no second copy, no fresh pages to fault in.
    embeddings = np.load(source / "embeddings.npy",
                         mmap_mode=None if task_kind == "extraction" else "r")
    if task_kind == "extraction":
        lengths = np.load(source / "lengths.npy")
        per_record = np.split(embeddings, np.cumsum(lengths)[:-1]) if len(lengths) else []
        words = source / "tokens.json"
        predictions = cross_fit_predict_spans(
            learner_cls, per_record, labels,
            tokens=json.loads(words.read_text()) if words.exists() else None, on_step=on_step,
            threads=threads)
        (target / "token_labels.json").write_text(json.dumps(predictions.labels))
        (target / "token_confidences.json").write_text(
            json.dumps(_plain(predictions.confidences)))
        classes = None
    else:
        predictions = cross_fit_predict(learner_cls, embeddings, labels, on_step=on_step,
                                        threads=threads)
        np.save(target / "probabilities.npy", predictions.probabilities.astype(np.float32))
        classes = list(predictions.classes)
    return {"classes": classes, "metrics": _plain(predictions.held_out),
            "n_labelled": int(predictions.n_labelled), "n_folds": int(predictions.n_folds)}
