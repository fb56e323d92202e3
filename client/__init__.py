"""Python SDK and ``heurist`` command-line client, talking to the REST API only."""

from client.async_sdk import AsyncHeurist
from client.errors import (
    Conflict,
    Forbidden,
    HeuristAPIError,
    NotFound,
    Overloaded,
    Unauthorized,
    ValidationFailed,
)
from client.sdk import Heurist

__all__ = ["AsyncHeurist", "Conflict", "Forbidden", "Heurist", "HeuristAPIError", "NotFound",
           "Overloaded", "Unauthorized", "ValidationFailed"]
