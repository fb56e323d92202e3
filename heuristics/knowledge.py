"""Lookup lists as labeling functions read them: ``from knowledge import cities``.

A project's lookup lists (named term lists: gazetteers, keywords, stop words) go into the
sandbox with the code of a labeling function and become the attributes of a module
``knowledge``. Each list is a :class:`Terms`: a tuple of the terms in their order whose
``in`` is a set lookup, so ``word in knowledge.cities`` stays fast on long lists.

Examples
--------
>>> clean_terms([" Paris ", "Lyon", "", "Paris", "paris"])
['Paris', 'Lyon', 'paris']
>>> knowledge = knowledge_module({"cities": ["Paris", "Lyon"]})
>>> "Lyon" in knowledge.cities, len(knowledge.cities), knowledge.cities[0]
(True, 2, 'Paris')
>>> check_list_name("2cities")
Traceback (most recent call last):
...
heuristics.errors.InvalidInputError: field 'name': a lookup list's name must be a Python identifier (letters, digits, _; not starting with a digit or _), got '2cities'
"""  # noqa: E501

from __future__ import annotations

import ast
import keyword
import types
from collections.abc import Iterable, Mapping, Sequence

from heuristics.errors import InvalidInputError

__all__ = ["MAX_TERMS", "MAX_TERM_CHARS", "MODULE", "Terms", "changed_lists", "check_list_name",
           "clean_term", "clean_terms", "knowledge_module", "lists_read"]

MODULE = "knowledge"
"""The module name labeling functions import the lists from (as in refinery)."""
MAX_NAME_CHARS = 100
MAX_TERMS = 100_000
MAX_TERM_CHARS = 500


class Terms(tuple):
    """A lookup list's terms, in order; ``term in terms`` looks up a set."""

    _set: frozenset

    def __new__(cls, terms: Iterable[str] = ()) -> Terms:
        made = super().__new__(cls, terms)
        made._set = frozenset(made)
        return made

    def __contains__(self, term: object) -> bool:
        try:
            return term in self._set
        except TypeError:   # an unhashable value is in no list
            return False


def check_list_name(name: str) -> str:
    """``name`` if it can be imported from ``knowledge``; InvalidInputError otherwise."""
    if (not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_")
            or len(name) > MAX_NAME_CHARS):
        raise InvalidInputError(
            "a lookup list's name must be a Python identifier (letters, digits, _; not "
            f"starting with a digit or _), got {name!r}", field="name")
    return name


def clean_term(term: str) -> str:
    """A term as lists keep it: no surrounding spaces, and each run of spaces, tabs or line
    breaks inside it one space (a list is one term per line).

    >>> clean_term("  New\\n York ")
    'New York'
    """
    return " ".join(term.split())


def clean_terms(terms: Iterable[str], *, field: str = "terms") -> list[str]:
    """The terms cleaned (:func:`clean_term`), empty ones and repeats dropped, in order;
    InvalidInputError for a term over ``MAX_TERM_CHARS`` or more than ``MAX_TERMS``."""
    kept: dict[str, None] = {}
    for position, term in enumerate(terms):
        stripped = clean_term(term)
        if len(stripped) > MAX_TERM_CHARS:
            raise InvalidInputError(f"term {position + 1} has {len(stripped):,} characters "
                                    f"(at most {MAX_TERM_CHARS})", field=field)
        if stripped:
            kept[stripped] = None
    if len(kept) > MAX_TERMS:
        raise InvalidInputError(f"{len(kept):,} terms (at most {MAX_TERMS:,} in a list)",
                                field=field)
    return list(kept)


def knowledge_module(lists: Mapping[str, Sequence[str]]) -> types.ModuleType:
    """The module ``knowledge`` with one :class:`Terms` attribute per list."""
    module = types.ModuleType(MODULE, "The project's lookup lists, by name.")
    for name, terms in lists.items():
        setattr(module, name, Terms(terms))
    return module


def changed_lists(read: Mapping[str, int], now: Mapping[str, int]) -> list[str]:
    """What changed among the lists since a run began (``read``: their versions then).

    >>> changed_lists({"cities": 2, "names": 1}, {"cities": 3, "towns": 1})
    ['cities (version 2 -> 3)', 'names (deleted)', 'towns (new)']
    >>> changed_lists({"cities": 2}, {"cities": 2})
    []
    """
    return [f"{name} (version {read[name]} -> {now[name]})" if name in read and name in now
            else f"{name} (deleted)" if name in read else f"{name} (new)"
            for name in sorted(read.keys() | now.keys()) if read.get(name) != now.get(name)]


def lists_read(source: str, names: Iterable[str]) -> list[str]:
    """The lists among ``names`` that ``source`` reads: those it imports from ``knowledge``
    or reads as attributes of it; all of them where the code could read any (``import *``,
    the module used other than by attribute, a string naming it, code that does not parse).

    >>> lists_read("from knowledge import cities\\ntext = 1", ["cities", "text", "towns"])
    ['cities']
    >>> lists_read("import knowledge as k\\ndef lf(r):\\n    return k.towns", ["cities", "towns"])
    ['towns']
    >>> lists_read("import knowledge\\nlists = vars(knowledge)", ["cities", "towns"])
    ['cities', 'towns']
    """
    names = sorted(set(names))
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return names
    modules, read, uses = set(), set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == MODULE and not node.level:
            read |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            modules |= {alias.asname or alias.name for alias in node.names
                        if alias.name == MODULE}
        elif isinstance(node, ast.Constant) and node.value == MODULE:
            read.add("*")
        elif isinstance(node, ast.Name):
            uses.append(node)
    attributes = {id(node.value): node.attr for node in ast.walk(tree)
                  if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)}
    for name in uses:
        if name.id in modules:
            read.add(attributes.get(id(name), "*"))
    return names if "*" in read else [name for name in names if name in read]
