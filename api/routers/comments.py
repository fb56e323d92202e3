"""Comments on records: a record's thread, and a project's comments to answer or resolve."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response, status

from api.deps import AnnotatableProject, CurrentUser, SessionDep, ViewableProject
from api.routing import Router
from api.schemas import Int32
from api.schemas.comments import CommentCreate, CommentPublic, CommentsPublic, CommentUpdate
from services import comments
from store.comments import CommentState, comments_on, count_comments, project_comments
from store.manual_labels import get_record
from store.models import Comment

router = Router(prefix="/projects/{project_id}", tags=["comments"])


def comment_public(comment: Comment) -> CommentPublic:
    return CommentPublic(
        id=comment.id, record_id=comment.record_id,
        record_external_id=comment.record.external_id, author=comment.author.name,
        text=comment.text, created_at=comment.created_at, edited_at=comment.edited_at,
        resolved_at=comment.resolved_at,
        resolved_by=comment.resolved_by.name if comment.resolved_by else None)


@router.get("/records/{record_id}/comments", response_model=CommentsPublic)
def list_record_comments(record_id: Int32, project: ViewableProject,
                         session: SessionDep) -> CommentsPublic:
    """The record's comments, oldest first."""
    record = get_record(session=session, project=project, record_id=record_id)
    rows = comments_on(session=session, record_id=record.id)
    return CommentsPublic(data=[comment_public(c) for c in rows], count=len(rows))


@router.post("/records/{record_id}/comments", response_model=CommentPublic,
             status_code=status.HTTP_201_CREATED)
def create_comment(record_id: Int32, body: CommentCreate, project: AnnotatableProject,
                   session: SessionDep, user: CurrentUser) -> CommentPublic:
    """Comment on the record (annotators and owners); a ``comments.changed`` event."""
    record = get_record(session=session, project=project, record_id=record_id)
    return comment_public(comments.add_comment(session=session, record=record, author=user,
                                               text=body.text))


@router.get("/comments", response_model=CommentsPublic)
def list_project_comments(
        project: ViewableProject, session: SessionDep,
        state: CommentState = "open",
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        before: Annotated[Int32 | None, Query(description="A comment id: older ones")] = None
) -> CommentsPublic:
    """The project's comments in ``state``, newest first (``before`` pages back), with how
    many there are and how many are open."""
    rows = project_comments(session=session, project_id=project.id, state=state,
                            limit=limit, before=before)
    still_open = count_comments(session=session, project_id=project.id, state="open")
    return CommentsPublic(
        data=[comment_public(c) for c in rows], open=still_open,
        count=still_open if state == "open" else count_comments(
            session=session, project_id=project.id, state=state))


@router.patch("/comments/{comment_id}", response_model=CommentPublic)
def update_comment(comment_id: Int32, body: CommentUpdate, project: AnnotatableProject,
                   session: SessionDep, user: CurrentUser) -> CommentPublic:
    """Rewrite the comment (its author), resolve or reopen it (its author or an owner)."""
    comment = comments.get_comment(session=session, project=project, comment_id=comment_id)
    return comment_public(comments.change_comment(session=session, comment=comment, user=user,
                                                  text=body.text, resolved=body.resolved))


@router.delete("/comments/{comment_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_comment(comment_id: Int32, project: AnnotatableProject, session: SessionDep,
                   user: CurrentUser) -> Response:
    """Delete the comment (its author or an owner)."""
    comment = comments.get_comment(session=session, project=project, comment_id=comment_id)
    comments.delete_comment(session=session, comment=comment, user=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
