"""A user's notifications: stored, paged newest first, counted, marked read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.orm import Session

from store.id_lists import ids_in
from store.models import Notification, Project, ProjectMember, User, utcnow

NotificationState = Literal["unread", "all"]
Reason = Literal["mention", "reply"]


def add_notifications(*, session: Session, project_id: int, comment_id: int,
                      reasons: dict[int, Reason]) -> None:
    """One notification per user id with its reason, of the comment; no commit."""
    session.add_all(Notification(user_id=user_id, project_id=project_id,
                                 comment_id=comment_id, reason=reason)
                    for user_id, reason in reasons.items())


def notified_users(*, session: Session, comment_id: int) -> dict[int, str]:
    """The users notified of a comment, with the reason."""
    return dict(session.execute(select(Notification.user_id, Notification.reason)
                                .where(Notification.comment_id == comment_id)).all())


def mention_again(*, session: Session, comment_id: int, user_ids: list[int]) -> None:
    """Make these users' notifications of the comment mentions, unread again; no commit."""
    if user_ids:
        session.execute(update(Notification).where(
            Notification.comment_id == comment_id, ids_in(Notification.user_id, user_ids),
            Notification.reason != "mention").values(reason="mention", read_at=None))


def _visible(user: User) -> ColumnElement[bool]:
    """The user's notifications in projects they may still see (admins see every one)."""
    mine = Notification.user_id == user.id
    if user.is_admin:
        return mine
    member = select(ProjectMember.project_id).where(ProjectMember.user_id == user.id)
    return and_(mine, Notification.project_id.in_(member))


def notifications_of(*, session: Session, user: User, state: NotificationState = "unread",
                     limit: int = 50, before: int | None = None
                     ) -> list[tuple[Notification, str]]:
    """The user's notifications in ``state``, newest first, each with its project's name;
    ``before`` a notification id pages back."""
    query = (select(Notification, Project.name)
             .join(Project, Project.id == Notification.project_id).where(_visible(user)))
    if state == "unread":
        query = query.where(Notification.read_at.is_(None))
    if before is not None:
        query = query.where(Notification.id < before)
    return [(n, name) for n, name in session.execute(
        query.order_by(Notification.id.desc()).limit(limit)).unique()]


def count_notifications(*, session: Session, user: User, state: NotificationState) -> int:
    query = select(func.count()).select_from(Notification).where(_visible(user))
    if state == "unread":
        query = query.where(Notification.read_at.is_(None))
    return session.scalar(query)


def owned_ids(*, session: Session, user: User, ids: Iterable[int]) -> set[int]:
    """The ids among ``ids`` of the user's notifications."""
    return set(session.scalars(select(Notification.id).where(
        Notification.user_id == user.id, ids_in(Notification.id, list(ids)))))


def mark_read(*, session: Session, user: User, ids: Iterable[int] | None = None) -> None:
    """Mark the user's notifications read (those of ``ids``, or all); no commit."""
    query = update(Notification).where(Notification.user_id == user.id,
                                       Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(ids_in(Notification.id, list(ids)))
    session.execute(query.values(read_at=utcnow()))
