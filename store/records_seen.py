"""What a run saw of its project's records as it began, stamped on every run
(:data:`RECORDS_SEEN`): the records the project ever had (``imported``, deleted ones too),
those deleted so far and the edits of their values so far. Rules about "since a run began"
read these, never a count of records: a deletion followed by as many imports, or an edit,
changes no count.

>>> edits_since(Run(params={RECORDS_SEEN: {"imported": 5, "deleted": 0, "edited": 2}}), 3)
1
>>> edits_since(Run(params={}), 3)
0
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Project, Run

RECORDS_SEEN = "records_seen"
"""The run parameter holding :func:`records_seen` as the run began."""


def records_seen(*, session: Session, project_id: int) -> dict[str, int]:
    """The records the project ever had (``imported``), those deleted so far, and the
    edits of their values so far (``edited``)."""
    count, deleted, edited = session.execute(
        select(Project.record_count, Project.records_deleted, Project.records_edited)
        .where(Project.id == project_id)).one()
    return {"imported": count + deleted, "deleted": deleted, "edited": edited}


def deleted_since(*, session: Session, run: Run) -> bool:
    """Whether the project deleted records since ``run`` began (False for a run from before
    runs said what they saw)."""
    seen = (run.params or {}).get(RECORDS_SEEN)
    return seen is not None and records_seen(
        session=session, project_id=run.project_id)["deleted"] != seen["deleted"]


def edits_since(run: Run, edited: int) -> int:
    """The edits of record values made since ``run`` began, when the project has made
    ``edited`` so far (:func:`records_seen`); 0 for a run from before runs said what they
    saw (edits came later)."""
    seen = (run.params or {}).get(RECORDS_SEEN)
    return 0 if seen is None else edited - seen.get("edited", 0)
