"""Events announced to a project's clients; the SSE endpoint reads them in id order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from store.models import Event, utcnow

KEEP_FOR = timedelta(days=1)


def publish(*, session: Session, project_id: int, type: str, payload: dict[str, Any]) -> None:
    """Add an event to the session's transaction; it is visible once that commits."""
    session.add(Event(project_id=project_id, type=type, payload=payload))


def publish_many(*, session: Session, project_id: int, type: str,
                 payloads: list[dict[str, Any]]) -> None:
    """Add one event per payload to the session's transaction in a single insert (what
    :func:`publish` does one object at a time)."""
    if payloads:
        session.execute(insert(Event), [
            {"project_id": project_id, "type": type, "payload": payload, "created_at": utcnow()}
            for payload in payloads])


def events_after(*, session: Session, project_id: int, last_id: int,
                 limit: int = 500) -> list[Event]:
    """Events of the project with an id above ``last_id``, oldest first."""
    return list(session.scalars(
        select(Event).where(Event.project_id == project_id, Event.id > last_id)
        .order_by(Event.id).limit(limit)))


def last_event_id(*, session: Session, project_id: int) -> int:
    newest = session.scalar(select(Event.id).where(Event.project_id == project_id)
                            .order_by(Event.id.desc()).limit(1))
    return newest or 0


def prune_events(*, session: Session, keep_for: timedelta = KEEP_FOR) -> int:
    """Delete events older than ``keep_for`` (clients that were away longer reload what
    they show); commits; returns how many. The workers' sweeper calls it."""
    result = session.execute(delete(Event).where(Event.created_at < utcnow() - keep_for))
    session.commit()
    return result.rowcount
