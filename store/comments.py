"""Reading comments on records: a record's, and a project's newest first by state."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from store.models import Comment

CommentState = Literal["open", "resolved", "all"]


def state_clause(state: CommentState) -> ColumnElement | None:
    """The condition on a comment of being in ``state`` (None: any)."""
    if state == "open":
        return Comment.resolved_at.is_(None)
    if state == "resolved":
        return Comment.resolved_at.is_not(None)
    return None


def comments_on(*, session: Session, record_id: int) -> list[Comment]:
    """A record's comments, oldest first."""
    return list(session.scalars(select(Comment).where(Comment.record_id == record_id)
                                .order_by(Comment.id)))


def project_comments(*, session: Session, project_id: int, state: CommentState = "open",
                     limit: int = 50, before: int | None = None) -> list[Comment]:
    """The project's comments in ``state``, newest first; ``before`` a comment id pages
    back."""
    query = select(Comment).where(Comment.project_id == project_id)
    if (clause := state_clause(state)) is not None:
        query = query.where(clause)
    if before is not None:
        query = query.where(Comment.id < before)
    return list(session.scalars(query.order_by(Comment.id.desc()).limit(limit)))


def count_comments(*, session: Session, project_id: int, state: CommentState) -> int:
    query = select(func.count()).select_from(Comment).where(Comment.project_id == project_id)
    if (clause := state_clause(state)) is not None:
        query = query.where(clause)
    return session.scalar(query)
