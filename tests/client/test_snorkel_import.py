"""Snorkel labeling functions converted by reading the file give, run as our labeling
functions, the same labels as Snorkel's own objects on the same texts."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest

from client.snorkel_import import convert

LFS_FILE = Path(__file__).parent / "data" / "snorkel_spam_lfs.py"
TEXTS = ["Check out my channel!", "please subscribe to my videos", "cool video",
         "I love this song so much, listening every day", "check it out http://x.y now",
         "Subscribe and CHECK this OUT", "nice", "my favourite song of the year for sure"]
LABELS = {0: "ham", 1: "spam"}


def snorkel_functions() -> dict:
    spec = importlib.util.spec_from_file_location("snorkel_spam_lfs", LFS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {value.name: value for value in vars(module).values()
            if type(value).__name__ == "LabelingFunction"}


def test_converted_functions_vote_as_snorkels():
    originals = snorkel_functions()
    converted = convert(LFS_FILE.read_text())
    assert sorted(c.name for c in converted) == sorted(originals) == [
        "keyword_my", "keyword_subscribe", "regex_check_out", "short_comment"]
    for function in converted:
        namespace: dict = {}
        exec(compile(function.source, function.name, "exec"), namespace)
        for text in TEXTS:
            vote = originals[function.name](SimpleNamespace(text=text))
            assert namespace["lf"]({"text": text}) == LABELS.get(vote), (function.name, text)
        assert "snorkel" not in function.source


def test_the_label_mapping_can_be_given():
    converted = {c.name: c for c in convert(LFS_FILE.read_text(), labels={0: "ok", 1: "junk"})}
    namespace: dict = {}
    exec(converted["keyword_my"].source, namespace)
    assert namespace["lf"]({"text": "my channel"}) == "junk"


def test_preprocessors_are_refused():
    with pytest.raises(ValueError, match="preprocessors"):
        convert("from snorkel.labeling import labeling_function\n"
                "@labeling_function(pre=[spacy])\ndef f(x):\n    return 1\n")
