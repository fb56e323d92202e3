from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from api.schemas import UtcDatetime
from store.limits import COMMENT_MAX

CommentText = Annotated[str, Field(min_length=1, max_length=COMMENT_MAX,
                                   description="Plain text (line breaks kept)")]


class CommentCreate(BaseModel):
    text: CommentText


class CommentUpdate(BaseModel):
    text: CommentText | None = Field(None, description="Its author only")
    resolved: bool | None = Field(None, description="Its author or an owner")


class CommentPublic(BaseModel):
    id: int
    record_id: int
    record_external_id: str
    author: str
    text: str
    created_at: UtcDatetime
    edited_at: UtcDatetime | None
    resolved_at: UtcDatetime | None
    resolved_by: str | None


class CommentsPublic(BaseModel):
    data: list[CommentPublic]
    count: int = Field(description="A record's comments; or the project's in the state asked")
    open: int | None = Field(None, description="The project's open comments (project list)")
