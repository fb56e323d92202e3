"""Read a learner's settings from its source without running it (the worker needs them to
load the right embedding before the sandbox starts).

Examples
--------
>>> source = '''
... class SpamLearner(LearningClassifier):
...     @params_fit(embedding_name="text-all-MiniLM-L6-v2")
...     def fit(self, embeddings, labels):
...         self.fit_model(embeddings, labels)
...
...     @params_inference(min_confidence=0.8)
...     def predict_proba(self, embeddings):
...         return self.predict_proba_model(embeddings)
... '''
>>> settings = learner_settings(source)
>>> settings.class_name, settings.embedding_name, settings.min_confidence
('SpamLearner', 'text-all-MiniLM-L6-v2', 0.8)
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from heuristics.errors import InvalidInputError
from heuristics.learners.params import FitParams, InferenceParams

BASES = {"LearningClassifier": "classification", "LearningExtractor": "extraction"}


@dataclass(frozen=True)
class LearnerSettings:
    """What the decorators of a learner class say."""

    class_name: str
    kind: str
    embedding_name: str
    train_test_split: float = 0.5
    min_confidence: float = 0.0
    label_names: tuple[str, ...] | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["label_names"] = list(self.label_names) if self.label_names else None
        return data


def _base_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _decorator_arguments(cls: ast.ClassDef, name: str) -> tuple[dict[str, Any], int]:
    for node in cls.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and _base_name(decorator.func) == name:
                try:
                    return ({kw.arg: ast.literal_eval(kw.value) for kw in decorator.keywords},
                            decorator.lineno)
                except ValueError as error:
                    raise InvalidInputError(f"@{name} takes literal values only",
                                            field="source", row=decorator.lineno) from error
    return {}, cls.lineno


def _checked(read: Callable[..., Any], arguments: dict[str, Any], line: int) -> Any:
    """The decorator's parameters, checked by the decorator's own rule; errors name the line."""
    try:
        return read(**arguments)
    except InvalidInputError as error:
        raise InvalidInputError(error.message, field="source", row=line) from error


def learner_settings(source: str) -> LearnerSettings:
    """The learner class of ``source`` and its fit/inference parameters.

    Raises InvalidInputError (with the line) for a syntax error, not exactly one learner
    class, a missing ``@params_fit(embedding_name=...)`` or out-of-range values.
    """
    try:
        tree = ast.parse(source, filename="<heuristic>")
    except SyntaxError as error:
        raise InvalidInputError(f"syntax error: {error.msg}", field="source",
                                row=error.lineno) from error
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)
               and any(_base_name(base) in BASES for base in node.bases)]
    if len(classes) != 1:
        found = ", ".join(c.name for c in classes)
        raise InvalidInputError(
            f"define exactly one class derived from LearningClassifier or LearningExtractor "
            f"(found {len(classes)}{': ' + found if found else ''})", field="source")
    cls = classes[0]
    kind = next(BASES[_base_name(b)] for b in cls.bases if _base_name(b) in BASES)
    fit, fit_line = _decorator_arguments(cls, "params_fit")
    inference, inference_line = _decorator_arguments(cls, "params_inference")
    if not fit.get("embedding_name"):
        raise InvalidInputError("decorate fit with @params_fit(embedding_name=...) naming "
                                "one of the project's embeddings", field="source",
                                row=fit_line)
    fit_params = _checked(FitParams.checked, {
        "embedding_name": fit["embedding_name"],
        "train_test_split": fit.get("train_test_split", 0.5)}, fit_line)
    inference_params = _checked(InferenceParams.checked, {
        "min_confidence": inference.get("min_confidence", 0.0),
        "label_names": inference.get("label_names")}, inference_line)
    return LearnerSettings(class_name=cls.name, kind=kind,
                           embedding_name=fit_params.embedding_name,
                           train_test_split=fit_params.train_test_split,
                           min_confidence=inference_params.min_confidence,
                           label_names=inference_params.label_names or None)
