from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from api.schemas import Int32, UtcDatetime
from store.notifications import Reason

EXCERPT_MAX = 300
"""The most characters of a comment a notification shows."""


class NotificationPublic(BaseModel):
    id: int
    reason: Reason = Field(description=(
        "mention: the comment names you (@name); reply: it answers on a record you "
        "commented on."))
    created_at: UtcDatetime
    read_at: UtcDatetime | None
    project_id: int
    project_name: str
    record_id: int
    record_external_id: str | None
    comment_id: int
    author: str
    excerpt: str = Field(description=f"The comment's text, at most {EXCERPT_MAX} characters "
                                     "(cut with …).")
    resolved: bool = Field(description="The comment is resolved.")


class NotificationPagePublic(BaseModel):
    data: list[NotificationPublic] = Field(description="Newest first.")
    count: int = Field(description="Your notifications in the state asked for.")
    unread: int = Field(description="Your unread notifications.")


class NotificationsRead(BaseModel):
    ids: list[Int32] | None = Field(default=None, min_length=1, max_length=1000)
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> NotificationsRead:
        if (self.ids is not None) == self.all:
            raise ValueError("give either ids or all")
        return self


class UnreadPublic(BaseModel):
    unread: int
