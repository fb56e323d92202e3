"""Active learners: user classes fitted on manual labels over stored embeddings.

The contract mirrors refinery's. A user writes one class, a subclass of
:class:`LearningClassifier` (one label per record, from record embeddings) or of
:class:`LearningExtractor` (one label per token, from token embeddings), whose ``__init__``
stores a model and whose ``fit`` and ``predict_proba`` are decorated with :func:`params_fit`
(which embedding, how much to train on) and :func:`params_inference` (which predictions become
votes). The decorators only record their arguments; :func:`fit_params` and
:func:`inference_params` read them without running anything.

One concept per module: :mod:`~heuristics.learners.base` (the contract: the base classes),
:mod:`~heuristics.learners.params` (the decorators), :mod:`~heuristics.learners.folds` (folds
and when there are enough labels), :mod:`~heuristics.learners.results`,
:mod:`~heuristics.learners.classification` and :mod:`~heuristics.learners.extraction`
(cross-fitting) and :mod:`~heuristics.learners.votes` (the vote rule). Their public names are
importable from here, loaded on first use, so importing one light module (the vote rule, the
decorators) does not load scikit-learn.

The driver functions run the class over a project:

* :func:`cross_fit_predict` (classification) and :func:`cross_fit_predict_spans` (extraction)
  fit the class on the manually labelled records and predict every record. Labelled records
  are predicted by models that did not see them (K-fold cross-fitting, K from
  ``train_test_split``, see :func:`folds_for_split`), so the held-out metrics they report,
  and any statistics computed from the predictions, measure generalisation, not memory.
  Unlabelled records are predicted by a model fitted on all labelled records.
* :func:`votes_from_probabilities` and :func:`spans_from_token_predictions` turn kept
  predictions into votes under a ``min_confidence`` (and ``label_names``), so the threshold can
  change without refitting.

Examples
--------
>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> from heuristics.learners import (LearningClassifier, cross_fit_predict, fit_params,
...                                  params_fit, params_inference, votes_from_probabilities)
>>> class SpamLearner(LearningClassifier):
...     def __init__(self):
...         self.model = LogisticRegression()
...
...     @params_fit(embedding_name="text-all-MiniLM-L6-v2", train_test_split=0.5)
...     def fit(self, embeddings, labels):
...         self.fit_model(embeddings, labels)
...
...     @params_inference(min_confidence=0.8, label_names=None)
...     def predict_proba(self, embeddings):
...         return self.predict_proba_model(embeddings)
>>> fit_params(SpamLearner)
FitParams(embedding_name='text-all-MiniLM-L6-v2', train_test_split=0.5)
>>> X = np.array([[0.0, 5.0], [0.5, 5.0], [0.5, 4.0], [5.0, 0.0], [4.0, 0.5], [5.0, 0.5]])
>>> labels = ["ham", "ham", None, "spam", "spam", "spam"]
>>> predictions = cross_fit_predict(SpamLearner, X, labels)
>>> predictions.classes, predictions.n_folds, predictions.held_out.accuracy
(('ham', 'spam'), 2, 1.0)
>>> votes, confidences = votes_from_probabilities(
...     predictions.probabilities, predictions.classes, min_confidence=0.5)
>>> votes
['ham', 'ham', 'ham', 'spam', 'spam', 'spam']
"""

from importlib import import_module
from typing import Any

_MODULES = {
    "base": ("LearningClassifier", "LearningExtractor", "find_learner_class", "learner_classes"),
    "classification": ("cross_fit_predict",),
    "extraction": ("cross_fit_predict_spans",),
    "folds": ("NotEnoughLabels", "check_class_labels", "check_span_labels"),
    "params": ("MAX_FOLDS", "FitParams", "InferenceParams", "fit_params", "folds_for_split",
               "inference_params", "params_fit", "params_inference"),
    "results": ("FitStep", "HeldOutMetrics", "HeldOutSpanMetrics", "LabelMetrics",
                "LearnerPredictions", "OnFitStep", "SpanPredictions"),
    "votes": ("VoteRule", "spans_from_token_predictions", "votes_from_probabilities"),
}
_WHERE = {name: f"heuristics.learners.{module}"
          for module, names in _MODULES.items() for name in names}
_WHERE["TokenSpan"] = "heuristics.spans"

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    """The public name ``name`` of the module that defines it (imported on first use)."""
    if name not in _WHERE:
        raise AttributeError(f"module 'heuristics.learners' has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})
