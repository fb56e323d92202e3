from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response, status

from api.deps import CurrentUser, OwnedProject, SessionDep, ViewableProject
from api.routing import Router
from api.schemas import Int32
from api.schemas.projects import (
    MemberPublic,
    MemberSet,
    ProjectCreate,
    ProjectPublic,
    ProjectsPublic,
    ProjectUpdate,
)
from services import projects, users
from store import auth
from store.projects import list_projects as visible_projects

router = Router(prefix="/projects", tags=["projects"])


@router.post("", response_model=ProjectPublic, status_code=status.HTTP_201_CREATED)
def create_project(body: ProjectCreate, session: SessionDep, user: CurrentUser):
    return projects.create_project(session=session, name=body.name,
                                   description=body.description, owner=user)


@router.get("", response_model=ProjectsPublic)
def list_projects(session: SessionDep, user: CurrentUser, offset: Annotated[Int32, Query(ge=0)] = 0,
                  limit: int = Query(100, ge=1, le=1000)) -> ProjectsPublic:
    rows, count = visible_projects(session=session, user=user, offset=offset, limit=limit)
    return ProjectsPublic(data=[ProjectPublic.model_validate(p) for p in rows], count=count)


@router.get("/{project_id}", response_model=ProjectPublic)
def read_project(project: ViewableProject):
    return project


@router.patch("/{project_id}", response_model=ProjectPublic)
def update_project(body: ProjectUpdate, project: OwnedProject, session: SessionDep):
    return projects.update_project(session=session, project=project, name=body.name,
                                   description=body.description)


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_project(project: OwnedProject, session: SessionDep) -> Response:
    projects.delete_project(session=session, project=project)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{project_id}/members", response_model=list[MemberPublic])
def list_members(project: ViewableProject, session: SessionDep) -> list[MemberPublic]:
    return [MemberPublic(user=m.user.name, role=m.role)
            for m in auth.list_members(session=session, project=project)]


@router.put("/{project_id}/members", response_model=MemberPublic)
def set_member(body: MemberSet, project: OwnedProject, session: SessionDep) -> MemberPublic:
    member = users.set_member(session=session, project=project, user_name=body.user,
                             role=body.role)
    return MemberPublic(user=member.user.name, role=member.role)


@router.delete("/{project_id}/members/{user_name}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(user_name: str, project: OwnedProject, session: SessionDep) -> Response:
    users.remove_member(session=session, project=project, user_name=user_name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


