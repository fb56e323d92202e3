from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import CurrentUser, SessionDep
from api.schemas.users import ApiKeyCreated, UserCreate, UserPublic, UserWithKey
from heuristics.errors import PermissionDeniedError
from store.auth import add_key, create_user

router = APIRouter(tags=["users"])


@router.get("/me", response_model=UserPublic)
def read_me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.post("/me/keys", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED)
def create_my_key(session: SessionDep, user: CurrentUser) -> ApiKeyCreated:
    key = add_key(session=session, user=user, name="created over the API")
    session.commit()
    return ApiKeyCreated(api_key=key)


@router.post("/users", response_model=UserWithKey, status_code=status.HTTP_201_CREATED)
def create_a_user(body: UserCreate, session: SessionDep, user: CurrentUser) -> UserWithKey:
    if not user.is_admin:
        raise PermissionDeniedError("only admins create users")
    created, key = create_user(session=session, name=body.name, is_admin=body.is_admin)
    return UserWithKey(**UserPublic.model_validate(created).model_dump(), api_key=key)
