"""Use cases for projects and their attributes."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from heuristics.errors import ConflictError, InvalidInputError, NotFoundError
from store.formats.types import AttributeType
from store.models import Attribute, Base, Project, ProjectMember, Record, Role, User

Row = TypeVar("Row", bound=Base)


def create_project(*, session: Session, name: str, description: str, owner: User) -> Project:
    """A new project owned by ``owner``; commits."""
    _check_name_free(session=session, name=name)
    project = Project(name=name, description=description)
    session.add(project)
    session.flush()
    session.add(ProjectMember(project_id=project.id, user_id=owner.id, role=Role.OWNER))
    session.commit()
    return project


def _check_name_free(*, session: Session, name: str) -> None:
    if session.scalar(select(Project.id).where(Project.name == name)) is not None:
        raise ConflictError(f"a project named {name!r} exists already", field="name")


def list_projects(*, session: Session, user: User, offset: int, limit: int
                  ) -> tuple[list[Project], int]:
    """Projects visible to ``user`` (all of them for admins), newest first, and their count."""
    query = select(Project)
    if not user.is_admin:
        query = query.join(ProjectMember).where(ProjectMember.user_id == user.id)
    count = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(Project.id.desc()).offset(offset).limit(limit))
    return list(rows), count or 0


def update_project(*, session: Session, project: Project, name: str | None,
                   description: str | None) -> Project:
    if name is not None and name != project.name:
        _check_name_free(session=session, name=name)
        project.name = name
    if description is not None:
        project.description = description
    session.commit()
    return project


def delete_project(*, session: Session, project: Project) -> None:
    session.delete(project)
    session.commit()


def count_records(*, session: Session, project: Project) -> int:
    return session.scalar(
        select(func.count()).select_from(Record).where(Record.project_id == project.id)
    ) or 0


def in_project(*, session: Session, model: type[Row], row_id: int, project: Project,
               what: str) -> Row:
    """The ``model`` row ``row_id`` of ``project``, selected by id and project in one query;
    NotFoundError naming ``what`` otherwise: another project's row is as absent as a missing
    one."""
    row = session.scalar(select(model).where(model.id == row_id,
                                             model.project_id == project.id))
    if row is None:
        raise NotFoundError(f"{what} {row_id} does not exist in this project")
    return row


def get_attribute(*, session: Session, project: Project, attribute_id: int) -> Attribute:
    return in_project(session=session, model=Attribute, row_id=attribute_id, project=project,
                      what="attribute")


def find_attribute(project: Project, name: str) -> Attribute | None:
    return next((a for a in project.attributes if a.name == name), None)


def main_text_attribute(*, session: Session, project: Project, sample: int = 200
                        ) -> Attribute | None:
    """The project's text attribute with the longest values on average over its first
    ``sample`` records (the text to label, not an author or a title), or None."""
    texts = [a for a in project.attributes if a.data_type is AttributeType.TEXT]
    if len(texts) < 2:
        return texts[0] if texts else None
    records = session.scalars(select(Record.data).where(Record.project_id == project.id)
                              .order_by(Record.id).limit(sample)).all()
    return max(texts, key=lambda a: sum(len(str(data.get(a.name) or "")) for data in records))


def add_attribute(*, session: Session, project: Project, name: str,
                  data_type: AttributeType) -> Attribute:
    """Add an attribute (records get no value for it until they are updated); no commit."""
    if not name.strip():
        raise InvalidInputError("attribute names must not be empty", field="name")
    if find_attribute(project, name) is not None:
        raise ConflictError(f"attribute {name!r} exists already", field="name")
    attribute = Attribute(name=name, data_type=data_type, position=len(project.attributes))
    project.attributes.append(attribute)
    session.flush()
    return attribute


def create_attribute(*, session: Session, project: Project, name: str,
                     data_type: AttributeType) -> Attribute:
    """Add an attribute to ``project``; commits."""
    attribute = add_attribute(session=session, project=project, name=name, data_type=data_type)
    session.commit()
    return attribute
