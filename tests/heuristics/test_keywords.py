"""The starter keyword: a word seen often beats a word seen rarely at the same precision."""

import pytest

from heuristics.keywords import distinctive_keyword


def test_support_breaks_a_tie_of_precision_and_rare_words_are_ignored():
    texts = ["win cash now", "win a prize", "win big", "free cash", "hello there",
             "hello again", "see you"]
    labels = ["spam", "spam", "spam", "spam", "ham", "ham", "ham"]
    found = distinctive_keyword(texts, labels, min_support=2)
    # "win" (3 of 3 spam) beats "cash" (2 of 2) and "hello" (2 of 2 ham)
    assert (found.word, found.label, found.support, found.precision) == ("win", "spam", 3, 1.0)
    assert distinctive_keyword(texts, labels, min_support=4) is None


def test_words_are_counted_once_per_text_in_lower_case():
    found = distinctive_keyword(["Deal deal DEAL", "deal", "deal", "nothing"],
                                ["spam", "spam", "ham", "ham"], min_support=3)
    assert (found.word, found.support) == ("deal", 3)
    assert found.precision == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="2 texts but 1 labels"):
        distinctive_keyword(["a", "b"], ["x"])
