"""Which record attributes a heuristic's code reads: those whose name it spells."""

from __future__ import annotations

import ast
from collections.abc import Iterable


def attributes_read(source: str, names: Iterable[str]) -> list[str]:
    """The attributes among ``names`` that ``source`` names in a string (``record["n"]``,
    ``record.get("n")``); all of them where the code does not parse.

    >>> attributes_read('def lf(r):\\n    return "spam" if r["n_words"] > 9 else None',
    ...                 ["n_words", "shout"])
    ['n_words']
    >>> attributes_read("def lf(r) return", ["shout", "n_words"])
    ['n_words', 'shout']
    """
    names = sorted(set(names))
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return names
    spelled = {node.value for node in ast.walk(tree)
               if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    return [name for name in names if name in spelled]
