"""Use cases for projects and their attributes; each commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from formats.types import AttributeType
from heuristics.errors import ConflictError
from store.models import Attribute, Project, ProjectMember, Role, User
from store.projects import add_attribute


def create_project(*, session: Session, name: str, description: str, owner: User) -> Project:
    """A new project owned by ``owner``; commits."""
    check_name_free(session=session, name=name)
    project = Project(name=name, description=description)
    session.add(project)
    session.flush()
    session.add(ProjectMember(project_id=project.id, user_id=owner.id, role=Role.OWNER))
    session.commit()
    return project


def check_name_free(*, session: Session, name: str) -> None:
    if session.scalar(select(Project.id).where(Project.name == name)) is not None:
        raise ConflictError(f"a project named {name!r} exists already", field="name")


def update_project(*, session: Session, project: Project, name: str | None,
                   description: str | None) -> Project:
    if name is not None and name != project.name:
        check_name_free(session=session, name=name)
        project.name = name
    if description is not None:
        project.description = description
    session.commit()
    return project


def delete_project(*, session: Session, project: Project) -> None:
    session.delete(project)
    session.commit()


def create_attribute(*, session: Session, project: Project, name: str,
                     data_type: AttributeType, max_attributes: int | None = None) -> Attribute:
    """Add an attribute to ``project``; commits."""
    attribute = add_attribute(session=session, project=project, name=name, data_type=data_type,
                              max_attributes=max_attributes)
    session.commit()
    return attribute
