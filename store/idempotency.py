"""Idempotency keys: a request retried with the same ``Idempotency-Key`` gets its first
answer again and changes nothing.

A use case that honours a key takes the key's lock (:mod:`store.locks`), looks for a first
answer with :func:`first_answer`, and stores its own with :func:`remember` in the same
transaction as its change, so a key stands for exactly one change, retries and
concurrent duplicates included.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.errors import ConflictError, InvalidInputError
from store.locks import REQUEST_KEY, lock_key
from store.models import IdempotencyKey

MAX_KEY_LENGTH = 200

T = TypeVar("T")


@dataclass(frozen=True)
class Answer:
    """An answer as it was sent: status code and JSON body."""

    status_code: int
    body: dict[str, Any]


@dataclass(frozen=True)
class IdempotentRequest(Generic[T]):
    """A request under a client's key; ``answer_of`` turns its result into the answer sent.

    ``request`` names what was asked (method, path, body): the same key with another
    request is a client error, not a retry.
    """

    user_id: int
    key: str
    request: str
    answer_of: Callable[[T], Answer]

    def __post_init__(self) -> None:
        if not 0 < len(self.key) <= MAX_KEY_LENGTH:
            raise InvalidInputError(f"an Idempotency-Key has 1 to {MAX_KEY_LENGTH} characters",
                                    field="Idempotency-Key")

    @property
    def request_hash(self) -> str:
        return hashlib.sha256(self.request.encode()).hexdigest()


def lock(*, session: Session, request: IdempotentRequest) -> None:
    """Hold the key until the transaction ends: a concurrent duplicate waits, then finds
    the first answer."""
    lock_key(session=session, space=REQUEST_KEY, key=lock_of(request)[1])


def lock_of(request: IdempotentRequest) -> tuple[int, str]:
    """The (space, key) of the request's lock, for :func:`store.locks.lock_each` with
    the locks taken after it."""
    return REQUEST_KEY, f"{request.user_id}:{request.key}"


def first_answer(*, session: Session, request: IdempotentRequest) -> Answer | None:
    """The answer stored under the request's key; None when the key is new.

    ConflictError when the key was used for a different request.
    """
    row = session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.user_id == request.user_id, IdempotencyKey.key == request.key))
    if row is None:
        return None
    if row.request_hash != request.request_hash:
        raise ConflictError("this Idempotency-Key was sent before with a different request",
                            field="Idempotency-Key")
    return Answer(row.status_code, row.response)


def remember(*, session: Session, request: IdempotentRequest[T], result: T) -> Answer:
    """Store the answer to ``result`` under the request's key (no commit) and return it."""
    answer = request.answer_of(result)
    session.add(IdempotencyKey(user_id=request.user_id, key=request.key,
                               request_hash=request.request_hash,
                               status_code=answer.status_code, response=answer.body))
    return answer
