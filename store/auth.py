"""Users, hashed API keys and project roles: lookups, checks, and additions without a commit.

Keys are 256-bit random tokens, so a plain SHA-256 is a sound, fast lookup hash.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, make_transient_to_detached

from heuristics.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
)
from store.models import ApiKey, Project, ProjectMember, Role, User

KEY_PREFIX = "hk_"
ROLE_RANK = {Role.VIEWER: 0, Role.ANNOTATOR: 1, Role.OWNER: 2}


def hash_key(key: str) -> str:
    """The stored form of an API key.

    >>> len(hash_key("hk_abc"))
    64
    """
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def add_key(*, session: Session, user: User, name: str = "") -> tuple[ApiKey, str]:
    """Create an API key for ``user`` (no commit): the key and its secret in clear (the
    only time it is known)."""
    api_key = ApiKey(user=user, name=name)
    session.add(api_key)
    return api_key, set_secret(api_key)


def set_secret(api_key: ApiKey) -> str:
    """Give ``api_key`` a new secret and return it in clear; the old one stops working."""
    key = new_key()
    api_key.key_hash, api_key.prefix = hash_key(key), key[:10]
    return key


def list_keys(*, session: Session, user: User) -> list[ApiKey]:
    """The user's API keys, oldest first (hashes and prefixes only: secrets are not kept)."""
    return list(session.scalars(select(ApiKey).where(ApiKey.user_id == user.id)
                                .order_by(ApiKey.id)))


def get_key(*, session: Session, user: User, key_id: int) -> ApiKey:
    """The user's key ``key_id``; NotFoundError if it is not one of theirs."""
    api_key = session.scalar(select(ApiKey).where(ApiKey.id == key_id,
                                                  ApiKey.user_id == user.id))
    if api_key is None:
        raise NotFoundError(f"{user.name!r} has no API key {key_id}", field="key_id")
    return api_key


def get_user(*, session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFoundError(f"no user named {name!r}", field="user")
    return user


def get_or_create_user(*, session: Session, name: str) -> User:
    """The user called ``name``, created without keys if new (e.g. an imported annotator)."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        user = User(name=name)
        session.add(user)
        session.flush()
    return user


@dataclass(frozen=True)
class KeyOwner:
    """What a request needs of the user a key belongs to (read once, then remembered)."""

    id: int
    name: str
    is_admin: bool
    created_at: datetime

    def user(self) -> User:
        """A detached ``User`` of these values, to merge into a session without a query."""
        user = User(id=self.id, name=self.name, is_admin=self.is_admin,
                    created_at=self.created_at)
        make_transient_to_detached(user)
        return user


class KnownKeys:
    """The owners of recently presented keys, by key hash, each for at most ``ttl_s``
    seconds: a request with a known key needs no query to authenticate. Revoking or rotating
    a key forgets it (:func:`services.users.revoke_key`); other processes stop accepting it
    once their entry expires. Safe to share between threads.

    A lookup that began before a key was forgotten is not remembered (it may have read
    the key before it was revoked):

    >>> known = KnownKeys(ttl_s=60)
    >>> owner = KeyOwner(1, "ann", False, datetime(2026, 1, 1))
    >>> known.remember("h", owner, since=known.generation); known.get("h") == owner
    True
    >>> began = known.generation
    >>> known.forget("h"); known.remember("h", owner, since=began); known.get("h") is None
    True
    """

    def __init__(self, *, ttl_s: float, max_keys: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_keys = max_keys
        self._owners: dict[str, tuple[float, KeyOwner]] = {}
        self._lock = threading.Lock()
        self.generation = 0
        """How many keys were forgotten so far."""

    def get(self, key_hash: str) -> KeyOwner | None:
        found = self._owners.get(key_hash)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def remember(self, key_hash: str, owner: KeyOwner, *, since: int) -> None:
        """Remember ``owner`` of a key read from the database when :attr:`generation` was
        ``since`` (unless a key was forgotten meanwhile)."""
        if self.ttl_s <= 0:
            return
        with self._lock:
            if self.generation != since:
                return
            if len(self._owners) >= self.max_keys:
                self._owners.clear()
            self._owners[key_hash] = (time.monotonic() + self.ttl_s, owner)

    def forget(self, key_hash: str) -> None:
        with self._lock:
            self._owners.pop(key_hash, None)
            self.generation += 1


def remembered_user(*, key: str | None, known: KnownKeys | None) -> User | None:
    """The user of a key presented recently, detached (no query); None if ``known`` does
    not remember it. AuthenticationError when there is no key."""
    if not key:
        raise AuthenticationError("missing API key: send 'Authorization: Bearer <key>'")
    owner = known.get(hash_key(key)) if known is not None else None
    return owner.user() if owner is not None else None


def authenticate(*, session: Session, key: str | None,
                 known: KnownKeys | None = None) -> User:
    """The user owning ``key``; AuthenticationError when missing or unknown. With ``known``,
    a key presented recently is not looked up again: the user comes back detached."""
    if (user := remembered_user(key=key, known=known)) is not None:
        return user
    key_hash = hash_key(key)
    generation = known.generation if known is not None else 0
    user = session.scalar(select(User).join(ApiKey, ApiKey.user_id == User.id)
                          .where(ApiKey.key_hash == key_hash))
    if user is None:
        raise AuthenticationError("invalid API key")
    if known is not None:
        known.remember(key_hash, KeyOwner(user.id, user.name, user.is_admin, user.created_at),
                       since=generation)
    return user


def role_in_project(*, session: Session, user: User, project_id: int) -> Role | None:
    """The user's role in the project (admins are owners everywhere); None if not a member."""
    if user.is_admin:
        return _role(user, None)
    return session.scalar(
        select(ProjectMember.role).where(
            ProjectMember.project_id == project_id, ProjectMember.user_id == user.id
        )
    )


def _role(user: User, membership: Role | None) -> Role | None:
    """Admins are owners everywhere; others hold the role of their membership, if any."""
    return Role.OWNER if user.is_admin else membership


def authorize(*, session: Session, user: User, project_id: int, minimum: Role) -> Project:
    """The project if ``user`` holds at least ``minimum`` there.

    NotFoundError if the project does not exist, PermissionDeniedError otherwise.
    """
    # the project and the caller's role in one query
    found = session.execute(
        select(Project, ProjectMember.role).outerjoin(ProjectMember, and_(
            ProjectMember.project_id == Project.id, ProjectMember.user_id == user.id))
        .where(Project.id == project_id)).first()
    if found is None:
        raise NotFoundError(f"project {project_id} does not exist")
    project, role = found[0], _role(user, found[1])
    if role is None:
        raise PermissionDeniedError(f"you are not a member of project {project_id}")
    if ROLE_RANK[role] < ROLE_RANK[minimum]:
        raise PermissionDeniedError(
            f"this needs the role {minimum.value} in project {project_id}; you are {role.value}"
        )
    return project


def list_members(*, session: Session, project: Project) -> list[ProjectMember]:
    return list(session.scalars(
        select(ProjectMember).where(ProjectMember.project_id == project.id)
        .order_by(ProjectMember.user_id)
    ))


def authorize_labelling(*, session: Session, user: User, project: Project,
                        annotator_id: int | None, is_gold: bool) -> None:
    """Annotators label as themselves; labelling for others or as gold needs the owner role."""
    if annotator_id in (None, user.id) and not is_gold:
        return
    role = role_in_project(session=session, user=user, project_id=project.id)
    if role is not Role.OWNER:
        what = "gold labels" if is_gold else "labels of other annotators"
        raise PermissionDeniedError(f"only project owners set or change {what}")
