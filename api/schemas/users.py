from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import UtcDatetime


class UserCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    is_admin: bool = False


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    is_admin: bool
    created_at: UtcDatetime


class UserWithKey(UserPublic):
    api_key: str = Field(description="Shown once; only its hash is stored.")


class ApiKeyCreated(BaseModel):
    api_key: str
