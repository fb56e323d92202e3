"""Tests of the rule tokenizer and of the conversions between character and token spans."""

from __future__ import annotations

import dataclasses
import random
import re
from pathlib import Path

import pytest

from heuristics import tokens as tokens_module
from heuristics.errors import InvalidInputError
from heuristics.tokens import (
    Token,
    char_span_to_token_span,
    join_tokens,
    token_offsets,
    token_span_to_char_span,
    tokenize,
)

SMS_FILE = Path("/work/shared/datasets/sms/SMSSpamCollection.tsv")
INLINE_TEXTS = [
    "Go until jurong point, crazy.. Available only in bugis n great world la e buffet...",
    "Free entry in 2 a wkly comp to win FA Cup final tkts 21st May 2005. Text FA to 87121",
    "Nah I don't think he goes to usf, he lives around here though",
    "Had your mobile 11 months or more? U R entitled to Update to the latest colour mobiles!!",
    "I'm gonna be home soon and i don't want to talk about this stuff anymore tonight, k?",
    "WINNER!! As a valued network customer you have been selected to receivea £900 prize reward!",
]

# A varied alphabet for random strings: letters, digits, whitespace of several kinds,
# punctuation, apostrophes, combining marks, emoji parts, CJK and other scripts.
RANDOM_ALPHABET = (
    "abnstAZNT09_ \t\n\r\u00a0\u3000\u2028\x1c.,;:!?'\"’“”()[]{}<>-–—…/\\@#$%&*+=~`|^"
    "\u0301\u0308\u093f\u200d\ufe0f\U0001f3fd\U0001f44d\U0001f1eb\U0001f1f7éßçØ日本語हिعربي"
)


def texts_of(text: str) -> list[str]:
    return [t.text for t in tokenize(text)]


def assert_token_invariants(text: str, tokens: list[Token]) -> None:
    """Offsets match, tokens are in order, never overlap, hold no whitespace, cover the text."""
    covered = [False] * len(text)
    previous_end = 0
    for token in tokens:
        assert token.text, text
        assert text[token.start : token.end] == token.text, (text, token)
        assert token.start >= previous_end, (text, tokens)
        assert not any(ch.isspace() for ch in token.text), (text, token)
        for i in range(token.start, token.end):
            covered[i] = True
        previous_end = token.end
    for i, ch in enumerate(text):
        assert covered[i] or ch.isspace(), (text, i, ch)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("   \n\t ", []),
        ("Hello world", ["Hello", "world"]),
        # contractions, the spaCy way
        ("don't", ["do", "n't"]),
        ("I don't know", ["I", "do", "n't", "know"]),
        ("DON'T", ["DO", "N'T"]),
        ("can't won't", ["ca", "n't", "wo", "n't"]),
        ("shouldn't've", ["should", "n't", "'ve"]),
        (
            "it's we'll I'm they're I've she'd",
            ["it", "'s", "we", "'ll", "I", "'m", "they", "'re", "I", "'ve", "she", "'d"],
        ),
        ("I’m don’t", ["I", "’m", "do", "n’t"]),
        ("John's and O'Neil's", ["John", "'s", "and", "O'Neil", "'s"]),
        ("rock'n'roll y'all ma'am", ["rock'n'roll", "y'all", "ma'am"]),
        ("the students' books", ["the", "students", "'", "books"]),
        # quotes and brackets around words
        (
            "'quoted' \"double\" “curly”",
            ["'", "quoted", "'", '"', "double", '"', "“", "curly", "”"],
        ),
        (
            "(see [this] {and} <that>)",
            ["(", "see", "[", "this", "]", "{", "and", "}", "<", "that", ">", ")"],
        ),
        # sentence punctuation
        (
            "Hello, world! Really? Yes: no; maybe.",
            ["Hello", ",", "world", "!", "Really", "?", "Yes", ":", "no", ";", "maybe", "."],
        ),
        ("Wait... what?!", ["Wait", "...", "what", "?", "!"]),
        ("crazy.. Available…", ["crazy", "..", "Available", "…"]),
        ("a--b — c", ["a", "--", "b", "—", "c"]),
        # URLs, e-mail, mentions, hashtags
        ("see https://example.com/a/b?q=1&r=2.", ["see", "https://example.com/a/b?q=1&r=2", "."]),
        ("(http://x.org/wiki/Foo_(bar))", ["(", "http://x.org/wiki/Foo_(bar", ")", ")"]),
        ("visit www.google.com, now", ["visit", "www.google.com", ",", "now"]),
        ("Mail john.doe+x@mail.example.co.uk.", ["Mail", "john.doe+x@mail.example.co.uk", "."]),
        ("@alice_1 loves #NLP2024!", ["@alice_1", "loves", "#NLP2024", "!"]),
        # numbers and times
        ("3.14 and 1,000 and 1,000.50", ["3.14", "and", "1,000", "and", "1,000.50"]),
        ("at 10:30, on 12/05/2020", ["at", "10:30", ",", "on", "12/05/2020"]),
        ("costs $5 or 50% or -3", ["costs", "$", "5", "or", "50", "%", "or", "-", "3"]),
        ("in 2005. Then", ["in", "2005", ".", "Then"]),
        # abbreviations
        (
            "the U.S. and U.K. e.g. this, i.e. that",
            ["the", "U.S.", "and", "U.K.", "e.g.", "this", ",", "i.e.", "that"],
        ),
        ("Dr. Smith, Mr. Jones etc.", ["Dr.", "Smith", ",", "Mr.", "Jones", "etc."]),
        ("U.S.A is big", ["U.S.A", "is", "big"]),
        ("the end.Next one", ["the", "end", ".", "Next", "one"]),
        ("file.txt and v1.2.3", ["file.txt", "and", "v1.2.3"]),
        # hyphens
        ("state-of-the-art e-mail COVID-19", ["state-of-the-art", "e-mail", "COVID-19"]),
        ("well- known", ["well", "-", "known"]),
        # unicode
        ("café naïve Straße", ["café", "naïve", "Straße"]),
        ("cafe\u0301 au lait", ["cafe\u0301", "au", "lait"]),
        ("हिन्दी भाषा", ["हिन्दी", "भाषा"]),
        ("日本語です。", ["日本語です", "。"]),
        ("«Bonjour»", ["«", "Bonjour", "»"]),
        # emoji and symbols
        ("great👍 job😀!", ["great", "👍", "job", "😀", "!"]),
        ("👍🏽 👨\u200d👩\u200d👧 🇫🇷🇩🇪 ❤️", ["👍🏽", "👨\u200d👩\u200d👧", "🇫🇷", "🇩🇪", "❤️"]),
        ("T&C's apply", ["T", "&", "C", "'s", "apply"]),
        ("a+b=c", ["a", "+", "b", "=", "c"]),
        # whitespace of all kinds
        ("multiple   spaces\tand\ttabs", ["multiple", "spaces", "and", "tabs"]),
        ("line one\nline two\r\n\nend", ["line", "one", "line", "two", "end"]),
        ("non\u00a0breaking\u3000space", ["non", "breaking", "space"]),
        ("snake_case __init__", ["snake_case", "__init__"]),
    ],
)
def test_tokenize_examples(text: str, expected: list[str]) -> None:
    tokens = tokenize(text)
    assert [t.text for t in tokens] == expected
    assert_token_invariants(text, tokens)


def test_tokenize_offsets() -> None:
    assert tokenize("  Don't go!") == [
        Token("Do", 2, 4),
        Token("n't", 4, 7),
        Token("go", 8, 10),
        Token("!", 10, 11),
    ]


def test_tokens_are_frozen_and_equal_to_plain_tokens() -> None:
    token = tokenize("hi")[0]
    assert token == Token("hi", 0, 2)
    assert hash(token) == hash(Token("hi", 0, 2))
    with pytest.raises(dataclasses.FrozenInstanceError):
        token.text = "ho"  # type: ignore[misc]


def test_tokenize_is_deterministic() -> None:
    text = "Hey @bob, don't miss http://x.io/a... it's 10:30 😀"
    assert tokenize(text) == tokenize(text)


def random_text(rng: random.Random, max_length: int = 40) -> str:
    return "".join(rng.choice(RANDOM_ALPHABET) for _ in range(rng.randint(0, max_length)))


def test_invariants_on_random_strings() -> None:
    rng = random.Random(20240601)
    for _ in range(3000):
        text = random_text(rng)
        assert_token_invariants(text, tokenize(text))


def test_fast_paths_do_not_change_tokens() -> None:
    """The fast-path alternatives only speed up what the full rules already produce."""
    m = tokens_module
    full_rules = re.compile(
        "|".join(
            (
                m._URL,
                m._EMAIL,
                m._HANDLE,
                m._ABBREVIATION,
                m._DOTS,
                m._CONTRACTION,
                m._WORD,
                m._FLAG,
                m._SYMBOL,
            )
        )
    )
    rng = random.Random(7)
    texts = [random_text(rng) for _ in range(3000)] + INLINE_TEXTS
    for text in texts:
        expected = [(x.group(), x.start(), x.end()) for x in full_rules.finditer(text)]
        assert [(t.text, t.start, t.end) for t in tokenize(text)] == expected, text


def sms_texts() -> list[str]:
    """The first 200 messages of the SMS spam collection if present, else inline texts."""
    if not SMS_FILE.exists():
        return INLINE_TEXTS
    with SMS_FILE.open(encoding="utf-8") as f:
        lines = [next(f, "") for _ in range(200)]
    return [line.rstrip("\n").split("\t", 1)[-1] for line in lines if line]


def test_real_sms_texts() -> None:
    texts = sms_texts()
    assert len(texts) >= len(INLINE_TEXTS)
    n_tokens = 0
    for text in texts:
        tokens = tokenize(text)
        assert_token_invariants(text, tokens)
        assert tokens, text
        n_tokens += len(tokens)
        texts_here = [t.text for t in tokens]
        # contractions are always split off ...
        assert all(t == "n't" or not t.endswith("n't") for t in texts_here), text
        # ... and runs of dots stay whole
        if "..." in text:
            assert any(set(t) == {"."} and len(t) >= 3 for t in texts_here), text
    assert n_tokens > 5 * len(texts)


def test_token_offsets() -> None:
    starts, ends = token_offsets(tokenize("Hi, you there"))
    assert starts == [0, 2, 4, 8]
    assert ends == [2, 3, 7, 13]
    assert token_offsets([]) == ([], [])


TEXT = "Barack Obama visited  New York, didn't he?"
# tokens:  Barack(0,6) Obama(7,12) visited(13,20) New(22,25) York(26,30) ,(30,31)
#          did(32,35) n't(35,38) he(39,41) ?(41,42)
STARTS, ENDS = token_offsets(tokenize(TEXT))


def test_example_text_offsets() -> None:
    assert STARTS == [0, 7, 13, 22, 26, 30, 32, 35, 39, 41]
    assert ENDS == [6, 12, 20, 25, 30, 31, 35, 38, 41, 42]


@pytest.mark.parametrize(
    ("char_start", "char_end", "expected"),
    [
        (0, 12, (0, 2)),  # exact "Barack Obama"
        (22, 30, (3, 5)),  # exact "New York"
        (2, 9, (0, 2)),  # "rack Ob" widens to both tokens
        (20, 24, (3, 4)),  # leading whitespace ignored, "Ne" widens to "New"
        (12, 22, (2, 3)),  # whitespace on both sides of "visited"
        (29, 30, (4, 5)),  # last char of "York"
        (30, 31, (5, 6)),  # the comma alone
        (34, 36, (6, 8)),  # across "did" | "n't"
        (0, 42, (0, 10)),  # whole text
        (41, 42, (9, 10)),  # last token
    ],
)
def test_char_span_to_token_span(char_start: int, char_end: int, expected: tuple[int, int]) -> None:
    assert (
        char_span_to_token_span(STARTS, ENDS, char_start, char_end, text_length=len(TEXT))
        == expected
    )


def test_round_trip_token_to_char_to_token() -> None:
    n = len(STARTS)
    for token_start in range(n):
        for token_end in range(token_start + 1, n + 1):
            char_start, char_end = token_span_to_char_span(STARTS, ENDS, token_start, token_end)
            assert char_span_to_token_span(
                STARTS, ENDS, char_start, char_end, text_length=len(TEXT)
            ) == (token_start, token_end)


def test_round_trip_char_to_token_to_char_covers_span() -> None:
    rng = random.Random(3)
    for _ in range(2000):
        text = random_text(rng, 60)
        starts, ends = token_offsets(tokenize(text))
        if not starts:
            continue
        char_start = rng.randrange(len(text))
        char_end = rng.randint(char_start + 1, len(text))
        if text[char_start:char_end].isspace():
            with pytest.raises(InvalidInputError):
                char_span_to_token_span(starts, ends, char_start, char_end, text_length=len(text))
            continue
        token_start, token_end = char_span_to_token_span(
            starts, ends, char_start, char_end, text_length=len(text)
        )
        overlapping = [
            i for i in range(len(starts)) if starts[i] < char_end and ends[i] > char_start
        ]
        assert (token_start, token_end) == (overlapping[0], overlapping[-1] + 1)
        new_start, new_end = token_span_to_char_span(starts, ends, token_start, token_end)
        # the widened span holds every non-whitespace char of the original span
        for i in range(char_start, char_end):
            assert new_start <= i < new_end or text[i].isspace()
        assert char_span_to_token_span(starts, ends, new_start, new_end, text_length=len(text)) == (
            token_start,
            token_end,
        )


@pytest.mark.parametrize(
    ("char_start", "char_end", "field", "message"),
    [
        (-1, 5, "char_start", "char_start must be >= 0"),
        (5, 5, "char_end", "must be greater than char_start"),
        (6, 5, "char_end", "must be greater than char_start"),
        (0, 43, "char_end", "past the end of the text (42 characters)"),
        (20, 22, "char_start", "covers no token"),  # the two spaces between words
        (12, 13, "char_start", "covers no token"),  # one space
    ],
)
def test_char_span_to_token_span_errors(
    char_start: int, char_end: int, field: str, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(message)) as info:
        char_span_to_token_span(STARTS, ENDS, char_start, char_end, text_length=len(TEXT))
    assert info.value.field == field


def test_char_span_on_text_without_tokens() -> None:
    with pytest.raises(InvalidInputError, match="covers no token"):
        char_span_to_token_span([], [], 0, 3, text_length=3)


def test_mismatched_offsets() -> None:
    with pytest.raises(InvalidInputError, match="2 token starts but 1 token ends"):
        char_span_to_token_span([0, 2], [1], 0, 1, text_length=3)
    with pytest.raises(InvalidInputError, match="2 token starts but 1 token ends"):
        token_span_to_char_span([0, 2], [1], 0, 1)


def test_char_span_to_token_span_requires_text_length_keyword() -> None:
    with pytest.raises(TypeError):
        char_span_to_token_span(STARTS, ENDS, 0, 5, 42)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("token_start", "token_end", "expected"),
    [(0, 1, (0, 6)), (0, 2, (0, 12)), (3, 5, (22, 30)), (6, 8, (32, 38)), (0, 10, (0, 42))],
)
def test_token_span_to_char_span(token_start: int, token_end: int, expected: tuple) -> None:
    assert token_span_to_char_span(STARTS, ENDS, token_start, token_end) == expected


@pytest.mark.parametrize(
    ("token_start", "token_end", "field"),
    [(-1, 2, "token_start"), (3, 3, "token_end"), (4, 2, "token_end"), (8, 11, "token_end")],
)
def test_token_span_to_char_span_errors(token_start: int, token_end: int, field: str) -> None:
    with pytest.raises(InvalidInputError, match="10 tokens") as info:
        token_span_to_char_span(STARTS, ENDS, token_start, token_end)
    assert info.value.field == field


def test_join_tokens() -> None:
    words = ["EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", "."]
    text, tokens = join_tokens(words)
    assert text == "EU rejects German call to boycott British lamb ."
    assert [t.text for t in tokens] == words
    assert tokens[1] == Token("rejects", 3, 10)
    assert tokens[-1] == Token(".", 47, 48)
    assert_token_invariants(text, tokens)


def test_join_tokens_separator_and_odd_words() -> None:
    text, tokens = join_tokens(["don't", "U.S.", "😀"], separator="\n")
    assert text == "don't\nU.S.\n😀"
    assert [(t.start, t.end) for t in tokens] == [(0, 5), (6, 10), (11, 12)]
    assert all(text[t.start : t.end] == t.text for t in tokens)
    text, tokens = join_tokens(["a", "b"], separator="")
    assert text == "ab"
    assert tokens == [Token("a", 0, 1), Token("b", 1, 2)]


def test_join_tokens_empty() -> None:
    assert join_tokens([]) == ("", [])


def test_join_tokens_rejects_empty_word() -> None:
    with pytest.raises(InvalidInputError, match="must not be empty") as info:
        join_tokens(["a", "", "b"])
    assert info.value.row == 1
    assert info.value.field == "words"


def test_join_tokens_spans_convert() -> None:
    text, tokens = join_tokens(["New", "York", "is", "big"])
    starts, ends = token_offsets(tokens)
    assert token_span_to_char_span(starts, ends, 0, 2) == (0, 8)
    assert text[0:8] == "New York"
    assert char_span_to_token_span(starts, ends, 4, 8, text_length=len(text)) == (1, 2)
