"""Domain errors of Heurist.

Every layer raises these; ``api/`` maps each class to one HTTP status in one place.

Examples
--------
>>> err = InvalidInputError("unknown label 'spam2'", field="label", row=17)
>>> str(err)
"row 17, field 'label': unknown label 'spam2'"
"""

from __future__ import annotations


class HeuristError(Exception):
    """Base class of every error Heurist reports to its users."""

    def __init__(self, message: str, *, field: str | None = None, row: int | None = None) -> None:
        self.message = message
        self.field = field
        self.row = row
        super().__init__(self.describe())

    def describe(self) -> str:
        """The message, prefixed with the row (a line of ``source``) and field it concerns, if
        known.

        >>> InvalidInputError("syntax error: invalid syntax", field="source", row=3).describe()
        "line 3, field 'source': syntax error: invalid syntax"
        """
        where = []
        if self.row is not None:   # in code, the row is a line
            where.append(f"{'line' if self.field == 'source' else 'row'} {self.row}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class InvalidInputError(HeuristError):
    """The request or an uploaded file breaks a rule (bad value, schema, encoding, offsets)."""


class NotFoundError(HeuristError):
    """A referenced object does not exist (or is not visible to the caller)."""


class ConflictError(HeuristError):
    """The request collides with stored state, e.g. a duplicate external id or name."""


class AuthenticationError(HeuristError):
    """No valid API key was presented."""


class PermissionDeniedError(HeuristError):
    """The caller's role in the project does not allow the action."""


class BusyError(HeuristError):
    """Too much is running at once for the caller (or for the server): try again after
    ``retry_after_s`` seconds."""

    def __init__(self, message: str, *, retry_after_s: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after_s = retry_after_s
