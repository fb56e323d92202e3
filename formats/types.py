"""Attribute types: inference from file columns and conversion of single values.

Values come either as raw strings (CSV) or as native Python values (JSONL, Parquet).
``None`` and ``""`` are missing everywhere.

Examples
--------
>>> infer_column_type(["1", "2", "", None, "3"])
<AttributeType.INTEGER: 'integer'>
>>> infer_column_type([1, 2.5])
<AttributeType.FLOAT: 'float'>
>>> convert_value("yes", AttributeType.BOOLEAN, row=1, field="flag")
True
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum

from heuristics.errors import InvalidInputError

__all__ = ["AttributeType", "TypeInference", "convert_value", "infer_column_type"]

MAX_CATEGORIES = 50
MAX_CATEGORY_SHARE = 0.5
MAX_CATEGORY_LENGTH = 40
MIN_CATEGORY_VALUES = 10
MAX_INTEGER = 2**63 - 1
"""Integer attributes hold signed 64-bit integers; a number beyond is text."""

_INT_RE = re.compile(r"[+-]?\d+")
# One way to match each number (no nested choices), so a long non-number fails in linear time.
_FLOAT_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_BOOL_WORDS = {"true": True, "false": False}
_BOOL_INPUTS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
_NAN_WORDS = {"nan"}


class AttributeType(StrEnum):
    """The type of a record attribute."""

    TEXT = "text"
    CATEGORY = "category"
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"


def _is_missing(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _kind(value: object) -> AttributeType:
    """The narrowest type of one non-missing value (TEXT for any other string)."""
    if isinstance(value, bool):
        return AttributeType.BOOLEAN
    if isinstance(value, int):
        return AttributeType.INTEGER if _in_range(value) else AttributeType.TEXT
    if isinstance(value, float | Decimal):
        return AttributeType.FLOAT if math.isfinite(value) else AttributeType.TEXT
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in _BOOL_WORDS:
            return AttributeType.BOOLEAN
        if _INT_RE.fullmatch(text):
            return AttributeType.INTEGER if _to_int(text) is not None else AttributeType.TEXT
        if _FLOAT_RE.fullmatch(text):
            return AttributeType.FLOAT if _to_float(text) is not None else AttributeType.TEXT
    return AttributeType.TEXT


def _as_text(value: object) -> str:
    """The text form of a native value, as stored in a text or category attribute."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


class TypeInference:
    """Streaming inference of one column's type; memory is bounded.

    Feed every value with :meth:`add`, then call :meth:`result`. At most
    ``MAX_CATEGORIES + 1`` distinct values are remembered.

    Examples
    --------
    >>> inference = TypeInference()
    >>> for value in ["true", "False", None]:
    ...     inference.add(value)
    >>> inference.result()
    <AttributeType.BOOLEAN: 'boolean'>
    """

    def __init__(self) -> None:
        self.count = 0
        self.kinds: set[AttributeType] = set()
        self.distinct: set[str] = set()
        self.too_many_distinct = False
        self.longest = 0
        self.settled = False  # TEXT for sure: later values cannot change the result

    def add(self, value: object) -> None:
        """Account for one value; missing values are ignored."""
        if self.settled or _is_missing(value):
            return
        self.count += 1
        self.kinds.add(_kind(value))
        text = _as_text(value)
        self.longest = max(self.longest, len(text))
        if not self.too_many_distinct:
            self.distinct.add(text)
            self.too_many_distinct = len(self.distinct) > MAX_CATEGORIES
        self.settled = self.too_many_distinct and AttributeType.TEXT in self.kinds

    def result(self) -> AttributeType:
        """The inferred type; TEXT when every value was missing."""
        kinds = self.kinds
        if len(kinds) == 1 and AttributeType.TEXT not in kinds:
            return next(iter(kinds))
        if kinds == {AttributeType.INTEGER, AttributeType.FLOAT}:
            return AttributeType.FLOAT
        return AttributeType.CATEGORY if self._is_category() else AttributeType.TEXT

    def _is_category(self) -> bool:
        return (
            self.count >= MIN_CATEGORY_VALUES
            and not self.too_many_distinct
            and len(self.distinct) <= MAX_CATEGORY_SHARE * self.count
            and self.longest <= MAX_CATEGORY_LENGTH
        )


def infer_column_type(values: Iterable[object]) -> AttributeType:
    """Infer the attribute type of a column.

    Parameters
    ----------
    values
        Raw strings (CSV) or native Python values (JSONL, Parquet); ``None`` and ``""``
        are missing and ignored.

    Returns
    -------
    AttributeType
        BOOLEAN, INTEGER or FLOAT when every value is one (integers mixed with floats give
        FLOAT); otherwise CATEGORY for at least 10 values with at most 50 distinct ones,
        making up at most half of the values, none longer than 40 characters; otherwise
        TEXT (also when all values are missing).
    """
    inference = TypeInference()
    for value in values:
        inference.add(value)
    return inference.result()


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fail(value: object, type_: AttributeType, row: int, field: str) -> InvalidInputError:
    return InvalidInputError(f"expected {type_.value}, got {_show(value)}", row=row, field=field)


def _in_range(number: int) -> bool:
    return -MAX_INTEGER - 1 <= number <= MAX_INTEGER


def _to_int(value: object) -> int | None:
    number = _integral(value)
    return number if number is not None and _in_range(number) else None


def _integral(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        return int(value) if math.isfinite(value) and value == int(value) else None
    if isinstance(value, str):
        text = value.strip()
        if _INT_RE.fullmatch(text):
            return int(text) if len(text) <= 20 else None  # a sign and 19 digits at most
        if _FLOAT_RE.fullmatch(text):
            return _integral(float(text))
    return None


def _to_float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, str) and _FLOAT_RE.fullmatch(value.strip()):
        return _to_float(float(value))
    return None


def _to_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        return _BOOL_INPUTS.get(value.strip().lower())
    return None


def convert_value(
    value: object, type_: AttributeType, *, row: int, field: str
) -> str | int | float | bool | None:
    """Convert a raw or native value to the Python type of an attribute.

    Parameters
    ----------
    value
        A raw string (CSV) or a native value (JSONL, Parquet).
    type_
        The attribute's type.
    row, field
        Where the value comes from, for error messages.

    Returns
    -------
    str | int | float | bool | None
        ``None`` for a missing value (``None``, ``""``, NaN, and blank or ``"nan"`` strings
        in numeric and boolean attributes). Integers accept integral floats such as 3.0;
        booleans accept true/false/yes/no/1/0 in any case.

    Raises
    ------
    InvalidInputError
        If the value does not fit the type; the error names ``row`` and ``field``.

    Examples
    --------
    >>> convert_value("3.0", AttributeType.INTEGER, row=1, field="n")
    3
    >>> convert_value("abc", AttributeType.INTEGER, row=4, field="n")
    Traceback (most recent call last):
    ...
    heuristics.errors.InvalidInputError: row 4, field 'n': expected integer, got 'abc'
    """
    if type_ is AttributeType.TEXT and type(value) is str:
        return value or None
    if _is_missing(value):
        return None
    if type_ in (AttributeType.TEXT, AttributeType.CATEGORY):
        return _as_text(value)
    if isinstance(value, str) and (not value.strip() or value.strip().lower() in _NAN_WORDS):
        return None
    converters = {
        AttributeType.INTEGER: _to_int,
        AttributeType.FLOAT: _to_float,
        AttributeType.BOOLEAN: _to_bool,
    }
    converted = converters[type_](value)
    if converted is None:
        raise _fail(value, type_, row, field)
    return converted
