from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import Name, UtcDatetime


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


class ApiKeyCreated(BaseModel):
    api_key: str
