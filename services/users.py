"""Use cases for users, their API keys and their roles in projects; each commits."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from heuristics.errors import ConflictError, NotFoundError
from store.auth import KnownKeys, add_key, get_user, set_secret
from store.models import ApiKey, Project, ProjectMember, Role, User


def create_user(*, session: Session, name: str, is_admin: bool = False) -> tuple[User, str]:
    """A new user with a first API key; commits. Returns the user and the clear key."""
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise ConflictError(f"a user named {name!r} exists already", field="name")
    user = User(name=name, is_admin=is_admin)
    session.add(user)
    _, key = add_key(session=session, user=user, name="first key")
    session.commit()
    return user, key


def ensure_admin(*, session: Session, key_file: Path) -> str | None:
    """On first start (no users yet) create the admin and return its key, else None.

    The key is also written to ``key_file``, readable by its owner only.
    """
    if session.scalar(select(func.count()).select_from(User)):
        return None
    _, key = create_user(session=session, name="admin", is_admin=True)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    os.chmod(key_file, 0o600)
    return key


def create_key(*, session: Session, user: User, name: str = "") -> tuple[ApiKey, str]:
    """:func:`add_key`, committed."""
    api_key, key = add_key(session=session, user=user, name=name)
    session.commit()
    return api_key, key


def revoke_key(*, session: Session, api_key: ApiKey, known: KnownKeys | None = None) -> None:
    """Delete a key: the next request that presents it is refused (401). Commits; ``known``
    (this process's remembered keys) forgets it."""
    key_hash = api_key.key_hash
    session.delete(api_key)
    session.commit()
    if known is not None:
        known.forget(key_hash)


def rotate_key(*, session: Session, api_key: ApiKey, known: KnownKeys | None = None) -> str:
    """A new secret for the key (same id and name), returned in clear; the old secret is
    refused from now on. Commits; ``known`` forgets the old secret."""
    old_hash = api_key.key_hash
    key = set_secret(api_key)
    session.commit()
    if known is not None:
        known.forget(old_hash)
    return key


def set_member(*, session: Session, project: Project, user_name: str, role: Role) -> ProjectMember:
    """Give the user called ``user_name`` a role in ``project``; commits."""
    user = get_user(session=session, name=user_name)
    member = session.get(ProjectMember, (project.id, user.id))
    if member is None:
        member = ProjectMember(project_id=project.id, user_id=user.id, role=role)
        session.add(member)
    member.role = role
    session.commit()
    return member


def remove_member(*, session: Session, project: Project, user_name: str) -> None:
    """Remove a user's role in ``project``; commits."""
    member = session.scalar(
        select(ProjectMember).join(User).where(
            ProjectMember.project_id == project.id, User.name == user_name
        )
    )
    if member is None:
        raise NotFoundError(f"{user_name!r} is not a member of this project", field="user")
    session.delete(member)
    session.commit()
