"""Which lookup lists a labeling function reads, as the runs record it."""

import pytest

from heuristics.knowledge import lists_read

LISTS = ["cities", "names", "text"]


@pytest.mark.parametrize(("source", "read"), [
    ("from knowledge import cities\ndef lf(record):\n    return record['text'] in cities\n",
     ["cities"]),                                   # "text" is a word of the code, not read
    ("from knowledge import cities as c, names\n", ["cities", "names"]),
    ("import knowledge\ndef lf(r):\n    return r['text'] in knowledge.names\n", ["names"]),
    ("import re, knowledge as k\nx = k.cities\n", ["cities"]),
    ("def lf(record):\n    return 'text' in record\n", []),
    ("from knowledge import *\n", LISTS),
    ("import knowledge\nfound = getattr(knowledge, 'cities')\n", LISTS),
    ("import knowledge\nfound = vars(knowledge)\n", LISTS),
    ("lists = __import__('knowledge')\n", LISTS),
    ("from knowledge import cities\ndef lf(record)\n", LISTS),    # does not parse
    ("from .knowledge import cities\n", []),        # a relative import is another module
])
def test_lists_read(source: str, read: list[str]) -> None:
    assert lists_read(source, LISTS) == read


def test_lists_read_names_only_existing_lists() -> None:
    assert lists_read("from knowledge import towns, cities\n", ["cities"]) == ["cities"]
    assert lists_read("from knowledge import *\n", []) == []
