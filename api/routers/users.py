from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response, status

from api.deps import CurrentUser, KnownKeysDep, SessionDep
from api.routing import Router
from api.schemas import Int32
from api.schemas.notifications import (
    EXCERPT_MAX,
    NotificationPagePublic,
    NotificationPublic,
    NotificationsRead,
    UnreadPublic,
)
from api.schemas.users import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    ApiKeysPublic,
    UserCreate,
    UserPublic,
    UserWithKey,
)
from heuristics.errors import PermissionDeniedError
from services import notifications
from services.users import create_key, create_user, revoke_key, rotate_key
from store.auth import get_key, get_user, list_keys
from store.models import Notification, User
from store.notifications import NotificationState

router = Router(tags=["users"])


@router.get("/me", response_model=UserPublic)
def read_me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.get("/me/keys", response_model=ApiKeysPublic)
def list_my_keys(session: SessionDep, user: CurrentUser) -> ApiKeysPublic:
    """Your API keys, without their secrets."""
    return _keys_public(session, user)


@router.post("/me/keys", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED)
def create_my_key(session: SessionDep, user: CurrentUser,
                  body: ApiKeyCreate | None = None) -> ApiKeyCreated:
    """A new API key; its secret is shown this once."""
    api_key, key = create_key(session=session, user=user,
                              name=(body or ApiKeyCreate()).name)
    return ApiKeyCreated(**ApiKeyPublic.model_validate(api_key).model_dump(), api_key=key)


@router.delete("/me/keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_my_key(key_id: int, session: SessionDep, user: CurrentUser,
                  known: KnownKeysDep) -> Response:
    """Revoke one of your keys: it is refused (401) from the next request on."""
    revoke_key(session=session, api_key=get_key(session=session, user=user, key_id=key_id),
               known=known)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/me/keys/{key_id}/rotate", response_model=ApiKeyCreated)
def rotate_my_key(key_id: int, session: SessionDep, user: CurrentUser,
                  known: KnownKeysDep) -> ApiKeyCreated:
    """A new secret for one of your keys (shown this once); the old secret is refused."""
    api_key = get_key(session=session, user=user, key_id=key_id)
    key = rotate_key(session=session, api_key=api_key, known=known)
    return ApiKeyCreated(**ApiKeyPublic.model_validate(api_key).model_dump(), api_key=key)


@router.post("/users", response_model=UserWithKey, status_code=status.HTTP_201_CREATED)
def create_a_user(body: UserCreate, session: SessionDep, user: CurrentUser) -> UserWithKey:
    _require_admin(user, "create users")
    created, key = create_user(session=session, name=body.name, is_admin=body.is_admin)
    return UserWithKey(**UserPublic.model_validate(created).model_dump(), api_key=key)


@router.get("/users/{user_name}/keys", response_model=ApiKeysPublic)
def list_user_keys(user_name: str, session: SessionDep, user: CurrentUser) -> ApiKeysPublic:
    """A user's API keys, without their secrets (admins)."""
    _require_admin(user, "list other users' keys")
    return _keys_public(session, get_user(session=session, name=user_name))


@router.delete("/users/{user_name}/keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_user_key(user_name: str, key_id: int, session: SessionDep,
                    user: CurrentUser, known: KnownKeysDep) -> Response:
    """Revoke a user's key (admins): it is refused (401) from the next request on."""
    _require_admin(user, "revoke other users' keys")
    owner = get_user(session=session, name=user_name)
    revoke_key(session=session, api_key=get_key(session=session, user=owner, key_id=key_id),
               known=known)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _require_admin(user: User, action: str) -> None:
    if not user.is_admin:
        raise PermissionDeniedError(f"only admins {action}")


def _keys_public(session, user: User) -> ApiKeysPublic:
    keys = list_keys(session=session, user=user)
    return ApiKeysPublic(data=[ApiKeyPublic.model_validate(k) for k in keys], count=len(keys))


@router.get("/me/notifications", response_model=NotificationPagePublic)
def list_my_notifications(
        session: SessionDep, user: CurrentUser, state: NotificationState = "unread",
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        before: Annotated[Int32 | None, Query(description="A notification id: older ones")]
        = None) -> NotificationPagePublic:
    """Comments that mention you (``@name``) or answer on a record you commented on, newest
    first (``before`` pages back), in the projects you are a member of."""
    page, count, unread = notifications.inbox(session=session, user=user, state=state,
                                              limit=limit, before=before)
    return NotificationPagePublic(data=[_notification_public(n, project_name)
                                        for n, project_name in page],
                                  count=count, unread=unread)


@router.post("/me/notifications/read", response_model=UnreadPublic)
def read_my_notifications(body: NotificationsRead, session: SessionDep, user: CurrentUser
                          ) -> UnreadPublic:
    """Mark notifications read: ``ids``, or ``all``; answers how many are left unread."""
    return UnreadPublic(unread=notifications.read(session=session, user=user,
                                                  ids=None if body.all else body.ids))


def _notification_public(notification: Notification, project_name: str) -> NotificationPublic:
    comment = notification.comment
    text = comment.text
    return NotificationPublic(
        id=notification.id, reason=notification.reason, created_at=notification.created_at,
        read_at=notification.read_at, project_id=notification.project_id,
        project_name=project_name, record_id=comment.record_id,
        record_external_id=comment.record.external_id, comment_id=comment.id,
        author=comment.author.name,
        excerpt=text if len(text) <= EXCERPT_MAX else text[:EXCERPT_MAX - 1] + "…",
        resolved=comment.resolved_at is not None)
