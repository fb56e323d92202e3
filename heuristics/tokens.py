"""Deterministic rule tokenizer with character offsets, and span conversions.

Extraction (NER-like) tasks store the tokens of a record's attribute once, and every span in
both token offsets and character offsets. This module produces those tokens and converts
between the two kinds of offsets.

The tokenizer follows the conventions of spaCy's blank English tokenizer closely enough for
span annotation: whitespace is never part of a token; punctuation around words is split off;
URLs, e-mail addresses, @mentions, #hashtags, numbers ("3.14", "1,000"), times ("10:30"),
abbreviations ("U.S.", "e.g.", "Dr.") and hyphenated words stay whole; English contractions are
split the spaCy way ("don't" -> "do", "n't"); every other symbol (emoji included) is a token
of its own.

Examples
--------
>>> tokens = tokenize("I don't think it's state-of-the-art... (www.x.org).")
>>> print(" | ".join(t.text for t in tokens))
I | do | n't | think | it | 's | state-of-the-art | ... | ( | www.x.org | ) | .
>>> tokenize("Hi you")
[Token(text='Hi', start=0, end=2), Token(text='you', start=3, end=6)]
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from heuristics.errors import InvalidInputError

__all__ = [
    "Token",
    "char_span_to_token_span",
    "join_tokens",
    "token_offsets",
    "token_span_to_char_span",
    "tokenize",
]


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its text and its character offsets in the source string.

    Attributes
    ----------
    text : str
        The token's text, always ``source[start:end]``.
    start : int
        Offset of the token's first character in the source string.
    end : int
        Offset just past the token's last character (exclusive).

    Examples
    --------
    >>> source = "Hello world"
    >>> tok = Token("world", 6, 11)
    >>> source[tok.start:tok.end] == tok.text
    True
    """

    text: str
    start: int
    end: int


_new_object = object.__new__
_set_text = Token.__dict__["text"].__set__
_set_start = Token.__dict__["start"].__set__
_set_end = Token.__dict__["end"].__set__


def _make_token(text: str, start: int, end: int) -> Token:
    """``Token(text, start, end)``, about twice as fast.

    The frozen dataclass ``__init__`` goes through ``object.__setattr__`` per field; writing the
    slots through their descriptors skips that, which matters for millions of tokens.
    """
    token = _new_object(Token)
    _set_text(token, text)
    _set_start(token, start)
    _set_end(token, end)
    return token


def _char_class(code_points: list[int]) -> str:
    """A regex character class matching exactly the given (sorted) code points."""
    ranges: list[tuple[int, int]] = []
    for c in code_points:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))
    body = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return f"[{body}]"


def _mark_pattern() -> str:
    """A pattern matching one Unicode combining mark (categories Mn, Mc, Me).

    Python's ``\\w`` does not match combining marks, so without this decomposed accents and the
    vowel signs of Indic scripts would split words apart. The pattern is built for speed: the
    cheap look-ahead rejects ASCII at once, and the astral marks (which ``re`` can only test
    range by range) are tried only for astral characters.
    """
    marks = [c for c in range(0x20000) if unicodedata.category(chr(c))[0] == "M"]
    marks += [c for c in range(0xE0100, 0xE01F0) if unicodedata.category(chr(c))[0] == "M"]
    bmp = _char_class([c for c in marks if c <= 0xFFFF])
    astral = _char_class([c for c in marks if c > 0xFFFF])
    return rf"(?=[\u0300-\U000E01EF])(?:{bmp}|(?=[\U00010000-\U000E01EF]){astral})"


_MARK = _mark_pattern()
_APOS = "'\u2019"  # ASCII apostrophe and right single quotation mark
# Suffixes split off as their own token, as spaCy does: n't 's 'm 'd 'll 're 've.
_CONTRACTION = rf"(?i:n[{_APOS}]t|[{_APOS}](?:s|m|d|ll|re|ve))(?!\w)"
# A run of word characters (and combining marks) that stops before an "n't" suffix.
_SEGMENT = rf"(?:[^\W_nN]+|_+|[nN](?![{_APOS}][tT](?!\w))|{_MARK})+"
# What may join two segments into one token.
_JOINER = (
    r"(?:[-\u2010]"  # hyphen: state-of-the-art
    rf"|[{_APOS}](?!(?i:s|m|d|ll|re|ve)(?!\w))"  # inner apostrophe: O'Neil, rock'n'roll
    r"|(?<=\d)[,:/](?=\d)"  # 1,000  10:30  12/05/2020
    r"|(?<![a-z])\.|\.(?![A-Z])"  # 3.14, file.txt; "end.Start" splits like spaCy
    r")"
)
_WORD = rf"{_SEGMENT}(?:{_JOINER}{_SEGMENT})*"
_URL = r"(?:(?i:https?|ftp)://|(?i:www)\.)[^\s<>\"]+?(?=[.,;:!?'\")\]}>\u2019\u201d]*(?:\s|$))"
_EMAIL = r"\w[\w.+-]*@\w[\w-]*(?:\.\w[\w-]*)+"
_HANDLE = r"[@#]\w+"
_KNOWN_ABBREVIATIONS = (
    "mr|mrs|ms|dr|prof|sr|jr|st|mt|vs|etc|inc|ltd|corp|co|approx|dept|est|fig|jan|feb|mar|apr"
    "|jun|jul|aug|sep|sept|oct|nov|dec"
)
_ABBREVIATION = (
    rf"(?:(?:[^\W\d_]\.){{2,}}|(?=[A-Za-z]{{2,6}}\.)(?i:{_KNOWN_ABBREVIATIONS})\.)(?!\w)"
)
_DOTS = r"\.{2,}|-{2,}"
# Variation selectors, skin tones, keycaps and other marks attached to a symbol.
_MODIFIERS = rf"(?:{_MARK}|[\U0001F3FB-\U0001F3FF])*"
_FLAG = r"[\U0001F1E6-\U0001F1FF]{2}"
_SYMBOL = rf"[^\w\s]{_MODIFIERS}(?:\u200d[^\w\s]{_MODIFIERS})*"  # emoji ZWJ sequences stay whole

# Fast paths, tried first; they only match where the full rules below give the same token.
# An ASCII word directly followed by whitespace or plain punctuation (not "." "'" "-" ":" "@"):
_PLAIN_WORD = r"[A-Za-z]++(?=[\s,!?;)\]}\"]|\Z)"
# Plain punctuation with nothing attached ("..." is left to _DOTS).
_PLAIN_PUNCT = rf"(?:[,!?;()\[\]{{}}\"]|\.(?!\.))(?!{_MARK}|[\U0001F3FB-\U0001F3FF]|\u200d)"

_TOKEN_RE = re.compile(
    "|".join(
        (
            _PLAIN_WORD,
            _PLAIN_PUNCT,
            _URL,
            _EMAIL,
            _HANDLE,
            _ABBREVIATION,
            _DOTS,
            _CONTRACTION,
            _WORD,
            _FLAG,
            _SYMBOL,
        )
    )
)


def tokenize(text: str) -> list[Token]:
    """Split a text into tokens with character offsets.

    Parameters
    ----------
    text : str
        Any Unicode text.

    Returns
    -------
    list of Token
        The tokens in order. They never overlap, never contain whitespace, and together cover
        every non-whitespace character of ``text``; ``text[t.start:t.end] == t.text`` for each.

    Examples
    --------
    >>> def show(text):
    ...     print(" | ".join(t.text for t in tokenize(text)))
    >>> show('"We\\'ll meet at 10:30, e.g. at Joe\\'s," I\\'m told!')
    " | We | 'll | meet | at | 10:30 | , | e.g. | at | Joe | 's | , | " | I | 'm | told | !
    >>> show("Mail bob@ex.com or @bob #win: 1,000.50$ 👍🏽 http://a.b/c?d=1.")
    Mail | bob@ex.com | or | @bob | #win | : | 1,000.50 | $ | 👍🏽 | http://a.b/c?d=1 | .
    >>> tokenize("  ")
    []
    """
    make = _make_token
    return [make(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def token_offsets(tokens: Sequence[Token]) -> tuple[list[int], list[int]]:
    """The start and end character offsets of tokens, as two lists.

    Parameters
    ----------
    tokens : sequence of Token
        Tokens, usually from :func:`tokenize`.

    Returns
    -------
    tuple of (list of int, list of int)
        ``(starts, ends)``.

    Examples
    --------
    >>> token_offsets(tokenize("Hi, you"))
    ([0, 2, 4], [2, 3, 7])
    """
    return [t.start for t in tokens], [t.end for t in tokens]


def _check_offsets(starts: Sequence[int], ends: Sequence[int]) -> None:
    if len(starts) != len(ends):
        raise InvalidInputError(
            f"got {len(starts)} token starts but {len(ends)} token ends", field="ends"
        )


def char_span_to_token_span(
    starts: Sequence[int],
    ends: Sequence[int],
    char_start: int,
    char_end: int,
    *,
    text_length: int,
) -> tuple[int, int]:
    """The tokens overlapping a character span, widened to whole tokens.

    Parameters
    ----------
    starts, ends : sequence of int
        Character offsets of the text's tokens (sorted, non-overlapping), see
        :func:`token_offsets`.
    char_start, char_end : int
        The character span ``[char_start, char_end)``.
    text_length : int
        Length of the text the offsets refer to.

    Returns
    -------
    tuple of (int, int)
        ``(token_start, token_end)``, end exclusive: every token that shares at least one
        character with the span, including partially covered ones.

    Raises
    ------
    InvalidInputError
        If ``char_start < 0`` (field ``char_start``), if ``char_end <= char_start`` or
        ``char_end > text_length`` (field ``char_end``), or if the span covers no token, i.e.
        only whitespace (field ``char_start``).

    Examples
    --------
    >>> starts, ends = token_offsets(tokenize("New York is big"))
    >>> char_span_to_token_span(starts, ends, 0, 8, text_length=15)
    (0, 2)
    >>> char_span_to_token_span(starts, ends, 5, 10, text_length=15)  # "ork i" -> "York is"
    (1, 3)
    >>> char_span_to_token_span(starts, ends, 3, 4, text_length=15)
    Traceback (most recent call last):
    ...
    heuristics.errors.InvalidInputError: field 'char_start': character span [3, 4) covers no token
    """
    _check_offsets(starts, ends)
    if char_start < 0:
        raise InvalidInputError(f"char_start must be >= 0, got {char_start}", field="char_start")
    if char_end <= char_start:
        raise InvalidInputError(
            f"char_end ({char_end}) must be greater than char_start ({char_start})",
            field="char_end",
        )
    if char_end > text_length:
        raise InvalidInputError(
            f"char_end ({char_end}) is past the end of the text ({text_length} characters)",
            field="char_end",
        )
    token_start = bisect_right(ends, char_start)  # first token ending after char_start
    token_end = bisect_left(starts, char_end)  # tokens starting before char_end
    if token_start >= token_end:
        raise InvalidInputError(
            f"character span [{char_start}, {char_end}) covers no token", field="char_start"
        )
    return token_start, token_end


def token_span_to_char_span(
    starts: Sequence[int], ends: Sequence[int], token_start: int, token_end: int
) -> tuple[int, int]:
    """The character span of a token span.

    Parameters
    ----------
    starts, ends : sequence of int
        Character offsets of the text's tokens, see :func:`token_offsets`.
    token_start, token_end : int
        The token span ``[token_start, token_end)``.

    Returns
    -------
    tuple of (int, int)
        ``(starts[token_start], ends[token_end - 1])``, end exclusive.

    Raises
    ------
    InvalidInputError
        If ``token_start < 0`` (field ``token_start``), or ``token_end <= token_start`` or
        ``token_end`` is past the number of tokens (field ``token_end``).

    Examples
    --------
    >>> starts, ends = token_offsets(tokenize("New York is big"))
    >>> token_span_to_char_span(starts, ends, 0, 2)
    (0, 8)
    >>> token_span_to_char_span(starts, ends, 3, 5)
    Traceback (most recent call last):
    ...
    heuristics.errors.InvalidInputError: field 'token_end': token_end 5 is past the 4 tokens
    """
    _check_offsets(starts, ends)
    n_tokens = len(starts)
    if token_start < 0:
        raise InvalidInputError(
            f"token_start must be >= 0, got {token_start} (the text has {n_tokens} tokens)",
            field="token_start",
        )
    if token_end <= token_start:
        raise InvalidInputError(
            f"token_end ({token_end}) must be greater than token_start ({token_start}); "
            f"the text has {n_tokens} tokens",
            field="token_end",
        )
    if token_end > n_tokens:
        raise InvalidInputError(
            f"token_end {token_end} is past the {n_tokens} tokens",
            field="token_end",
        )
    return starts[token_start], ends[token_end - 1]


def join_tokens(words: Sequence[str], *, separator: str = " ") -> tuple[str, list[Token]]:
    """Build a text from pre-tokenised words, keeping each word's offsets.

    Used where the tokens are given, e.g. by a CoNLL file, rather than found by
    :func:`tokenize`.

    Parameters
    ----------
    words : sequence of str
        The words, in order; none may be empty.
    separator : str, default " "
        Put between consecutive words.

    Returns
    -------
    tuple of (str, list of Token)
        The text and one token per word, with ``text[t.start:t.end] == t.text``.

    Raises
    ------
    InvalidInputError
        If a word is empty (field ``words``, ``row`` = the word's index).

    Examples
    --------
    >>> text, tokens = join_tokens(["EU", "rejects", "German", "call"])
    >>> text
    'EU rejects German call'
    >>> tokens[2]
    Token(text='German', start=11, end=17)
    >>> join_tokens([])
    ('', [])
    """
    tokens: list[Token] = []
    position = 0
    step = len(separator)
    for index, word in enumerate(words):
        if not word:
            raise InvalidInputError("words must not be empty", field="words", row=index)
        end = position + len(word)
        tokens.append(Token(word, position, end))
        position = end + step
    return separator.join(words), tokens
