"""Comments on records: members ask and answer ("is this sarcasm?"); the author or an
owner marks one resolved. Each change commits and is announced as a ``comments.changed``
event, so that open pages (a record's, a labeling session) show it at once.

Who may do what: viewers read; annotators and owners comment; only its author rewrites a
comment; its author or an owner resolves, reopens or deletes it. Members a comment mentions
and the record's earlier commenters are notified (:mod:`services.notifications`)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from heuristics.errors import InvalidInputError, PermissionDeniedError
from services.notifications import notify_edit, notify_new
from store.auth import role_in_project
from store.events import publish
from store.models import Comment, Project, Record, Role, User, utcnow
from store.projects import in_project

COMMENTS_CHANGED = "comments.changed"


def _changed(session: Session, comment: Comment) -> None:
    publish(session=session, project_id=comment.project_id, type=COMMENTS_CHANGED,
            payload={"record_id": comment.record_id, "comment_id": comment.id})
    session.commit()


def _text(text: str) -> str:
    if not text.strip():
        raise InvalidInputError("a comment needs some text", field="text")
    return text


def _may_manage(session: Session, comment: Comment, user: User, what: str) -> None:
    """PermissionDeniedError unless ``user`` wrote the comment or owns the project."""
    if comment.author_id == user.id:
        return
    if role_in_project(session=session, user=user, project_id=comment.project_id) \
            is not Role.OWNER:
        raise PermissionDeniedError(f"only its author or a project owner {what} a comment")


def get_comment(*, session: Session, project: Project, comment_id: int) -> Comment:
    return in_project(session=session, model=Comment, row_id=comment_id, project=project,
                      what="comment")


def add_comment(*, session: Session, record: Record, author: User, text: str) -> Comment:
    """A new comment of ``author`` on ``record``; commits."""
    comment = Comment(project_id=record.project_id, record_id=record.id, author=author,
                      text=_text(text))
    session.add(comment)
    session.flush()
    notify_new(session=session, comment=comment)
    _changed(session, comment)
    return comment


def change_comment(*, session: Session, comment: Comment, user: User,
                   text: str | None = None, resolved: bool | None = None) -> Comment:
    """Rewrite the comment (its author only), resolve or reopen it (its author or an
    owner); commits when something changed."""
    if text is not None and comment.author_id != user.id:
        raise PermissionDeniedError("only its author rewrites a comment")
    if resolved is not None:
        _may_manage(session, comment, user, "resolves or reopens")
    changed = False
    if text is not None and _text(text) != comment.text:
        before = comment.text
        comment.text, comment.edited_at, changed = text, utcnow(), True
        notify_edit(session=session, comment=comment, before=before)
    if resolved is not None and resolved != (comment.resolved_at is not None):
        comment.resolved_at = utcnow() if resolved else None
        comment.resolved_by = user if resolved else None
        changed = True
    if changed:
        _changed(session, comment)
    return comment


def delete_comment(*, session: Session, comment: Comment, user: User) -> None:
    """Delete the comment (its author or an owner); commits."""
    _may_manage(session, comment, user, "deletes")
    session.delete(comment)
    _changed(session, comment)
