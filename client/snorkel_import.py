"""Snorkel labeling functions as Heurist labeling functions, by reading the file (nothing of
it runs here and Snorkel need not be installed).

Each ``@labeling_function()`` of the file becomes one source: the file's other top-level code
(constants, helpers, imports other than Snorkel's), the function itself, and an ``lf(record)``
that calls it on the record (``x.text`` and ``x["text"]`` both work), with its ``resources``,
and maps the int it returns to a label name (``-1`` = abstain).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

ABSTAIN = -1

WRAPPER = '''

class _Row(dict):
    """The record as Snorkel's data point: fields as attributes too."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


_LABELS = {labels!r}


def lf(record):
    vote = {function}(_Row(record){resources})
    if vote == {abstain}:
        return None
    return _LABELS[vote]
'''


@dataclass(frozen=True)
class ConvertedFunction:
    name: str
    source: str


def _is_lf_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name == "labeling_function"


def _is_snorkel_import(node: ast.stmt) -> bool:
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] == "snorkel"
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] == "snorkel" for alias in node.names)
    return False


def label_constants(source: str) -> dict[int, str]:
    """Top-level ``NAME = <int >= 0>`` constants as the label mapping (names lower-cased).

    >>> label_constants("ABSTAIN = -1\\nHAM = 0\\nSPAM = 1\\n")
    {0: 'ham', 1: 'spam'}
    """
    labels = {}
    for node in ast.parse(source).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Constant) and type(node.value.value) is int
                and node.value.value >= 0):
            labels[node.value.value] = node.targets[0].id.lower()
    return labels


def convert(source: str, *, labels: dict[int, str] | None = None) -> list[ConvertedFunction]:
    """One Heurist labeling function per ``@labeling_function()`` in ``source``.

    ``labels`` maps the ints the functions return to label names; by default the file's
    integer constants (``HAM = 0`` → ``ham``). ValueError for what cannot be kept unchanged
    in meaning (preprocessors).

    >>> converted = convert('''
    ... from snorkel.labeling import labeling_function
    ... ABSTAIN = -1
    ... SPAM = 1
    ... @labeling_function(resources=dict(words=["free"]))
    ... def free(x, words):
    ...     return SPAM if any(w in x.text for w in words) else ABSTAIN
    ... ''')
    >>> [c.name for c in converted]
    ['free']
    >>> namespace = {}
    >>> exec(converted[0].source, namespace)
    >>> namespace["lf"]({"text": "free stuff"}), namespace["lf"]({"text": "hello"})
    ('spam', None)
    """
    tree = ast.parse(source)
    labels = labels if labels is not None else label_constants(source)
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)
                 and any(_is_lf_decorator(d) for d in node.decorator_list)]
    prelude = [node for node in tree.body
               if node not in functions and not _is_snorkel_import(node)]
    converted = []
    for function in functions:
        decorator = next(d for d in function.decorator_list if _is_lf_decorator(d))
        options = {k.arg: k.value for k in getattr(decorator, "keywords", [])}
        if "pre" in options:
            raise ValueError(f"{function.name}: preprocessors (pre=...) are not supported")
        name = (options["name"].value if isinstance(options.get("name"), ast.Constant)
                else function.name)
        own = ast.FunctionDef(**{**vars(function), "decorator_list": []})
        if own.name == "lf":
            own.name = "snorkel_lf"
        resources = (f", **({ast.unparse(options['resources'])})" if "resources" in options
                     else "")
        module = ast.Module(body=[*prelude, own], type_ignores=[])
        text = ast.unparse(ast.fix_missing_locations(module)) + WRAPPER.format(
            labels=labels, function=own.name, resources=resources, abstain=ABSTAIN)
        converted.append(ConvertedFunction(name=name, source=text))
    return converted
