"""Who hears of a comment: members it mentions (``@name``) and the record's earlier
commenters; and a user's inbox of those notifications.

A mention is ``@`` and a member's user name, exactly: the ``@`` starts the text or follows a
character that is not a word character, and the name ends the text or is followed by one
that is not (names with spaces work: ``@Ann Lee``). Only the project's members are
mentioned; a comment's author is never notified of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.errors import NotFoundError
from store import notifications as stored
from store.models import Comment, ProjectMember, User
from store.notifications import NotificationState, Reason


def mentioned(text: str, names: Iterable[str]) -> set[str]:
    """The names among ``names`` that ``text`` mentions; where several fit one ``@``, the
    longest (``@Ann Lee`` mentions Ann Lee, not Ann), as the web UI shows it.

    >>> sorted(mentioned("@bob and @Ann Lee, see mail@ann.org", ["bob", "Ann Lee", "Ann"]))
    ['Ann Lee', 'bob']
    >>> mentioned("@bobby", ["bob"])
    set()
    """
    longest_first = sorted({name for name in names if name}, key=len, reverse=True)
    found: set[str] = set()
    for at in re.finditer(r"(?<!\w)@", text):
        after = at.end()
        for name in longest_first:
            if text.startswith(name, after) and not re.match(r"\w", text[after + len(name):]):
                found.add(name)
                break
    return found


def _members(session: Session, project_id: int) -> dict[str, int]:
    """The project's members: name to user id."""
    return dict(session.execute(select(User.name, User.id).join(
        ProjectMember, ProjectMember.user_id == User.id).where(
        ProjectMember.project_id == project_id)).all())


def notify_new(*, session: Session, comment: Comment) -> None:
    """Notify the members a new comment mentions, and the earlier authors of comments on
    its record (``reply``); no commit."""
    members = _members(session, comment.project_id)
    reasons: dict[int, Reason] = {members[name]: "mention"
                                  for name in mentioned(comment.text, members)}
    earlier = session.scalars(select(Comment.author_id).where(
        Comment.record_id == comment.record_id, Comment.id != comment.id).distinct())
    for author_id in earlier:
        reasons.setdefault(author_id, "reply")
    reasons.pop(comment.author_id, None)
    stored.add_notifications(session=session, project_id=comment.project_id,
                             comment_id=comment.id, reasons=reasons)


def notify_edit(*, session: Session, comment: Comment, before: str) -> None:
    """Notify the members an edited comment mentions and its text ``before`` did not; a
    reply notification they had of it becomes a mention. No commit."""
    members = _members(session, comment.project_id)
    new = mentioned(comment.text, members) - mentioned(before, members)
    notified = stored.notified_users(session=session, comment_id=comment.id)
    ids = {members[name] for name in new} - {comment.author_id}
    stored.add_notifications(session=session, project_id=comment.project_id,
                             comment_id=comment.id,
                             reasons={user_id: "mention" for user_id in ids - set(notified)})
    stored.mention_again(session=session, comment_id=comment.id,
                         user_ids=[user_id for user_id in ids if user_id in notified])


def inbox(*, session: Session, user: User, state: NotificationState = "unread",
          limit: int = 50, before: int | None = None) -> tuple[list, int, int]:
    """The user's notifications in ``state`` (newest first, each with its project's name),
    how many there are in that state, and how many are unread."""
    page = stored.notifications_of(session=session, user=user, state=state, limit=limit,
                                   before=before)
    unread = stored.count_notifications(session=session, user=user, state="unread")
    total = unread if state == "unread" else stored.count_notifications(
        session=session, user=user, state=state)
    return page, total, unread


def read(*, session: Session, user: User, ids: list[int] | None) -> int:
    """Mark the user's notifications read (``ids``, or all of them); commits; the unread
    count left. NotFoundError naming an id that is not one of theirs."""
    if ids is not None:
        missing = set(ids) - stored.owned_ids(session=session, user=user, ids=ids)
        if missing:
            raise NotFoundError(f"notification {min(missing)} not found", field="ids")
    stored.mark_read(session=session, user=user, ids=ids)
    session.commit()
    return stored.count_notifications(session=session, user=user, state="unread")
