from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import Name, UtcDatetime
from store.limits import NAME_MAX


class UserCreate(BaseModel):
    name: Name
    is_admin: bool = False


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    is_admin: bool
    created_at: UtcDatetime


class UserWithKey(UserPublic):
    api_key: str = Field(description="Shown once; only its hash is stored.")


class ApiKeyCreate(BaseModel):
    name: str = Field("created over the API", max_length=NAME_MAX)


class ApiKeyPublic(BaseModel):
    """A key without its secret: only its first characters (``prefix``) are kept in clear."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: UtcDatetime


class ApiKeysPublic(BaseModel):
    data: list[ApiKeyPublic]
    count: int


class ApiKeyCreated(ApiKeyPublic):
    api_key: str = Field(description="Shown once; only its hash is stored.")
