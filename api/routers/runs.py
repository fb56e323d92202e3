from __future__ import annotations

from typing import Annotated

from fastapi import Query

from api.deps import OwnedProject, SessionDep, ViewableProject
from api.routing import Router
from api.schemas import Int32
from api.schemas.runs import RunDetail, RunPublic, RunsPublic
from services import dispatch
from store import runs
from store.models import RunStatus

router = Router(prefix="/projects/{project_id}/runs", tags=["runs"])


@router.get("", response_model=RunsPublic)
def list_runs(project: ViewableProject, session: SessionDep, kind: str | None = None,
              status: RunStatus | None = None, offset: Annotated[Int32, Query(ge=0)] = 0,
              limit: int = Query(50, ge=1, le=500)) -> RunsPublic:
    rows, count = runs.list_runs(session=session, project=project, kind=kind, status=status,
                                 offset=offset, limit=limit)
    return RunsPublic(data=[RunPublic.model_validate(r) for r in rows], count=count)


@router.get("/{run_id}", response_model=RunDetail)
def read_run(run_id: Int32, project: ViewableProject, session: SessionDep) -> RunDetail:
    run = runs.get_run(session=session, project=project, run_id=run_id)
    detail = RunDetail.model_validate(run)
    detail.waiting_for = dispatch.waiting_for(session=session, run=run)
    return detail


@router.post("/{run_id}/cancel", response_model=RunPublic)
def cancel_run(run_id: Int32, project: OwnedProject, session: SessionDep):
    return runs.cancel_run(session=session,
                           run=runs.get_run(session=session, project=project, run_id=run_id))
