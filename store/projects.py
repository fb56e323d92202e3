"""Projects and their attributes: queries, and additions without a commit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from formats.types import AttributeType
from heuristics.errors import ConflictError, InvalidInputError, NotFoundError
from store.models import Attribute, Base, Project, ProjectMember, Record, User

Row = TypeVar("Row", bound=Base)


def list_projects(*, session: Session, user: User, offset: int, limit: int
                  ) -> tuple[list[Project], int]:
    """Projects visible to ``user`` (all of them for admins), newest first, and their count."""
    query = select(Project)
    if not user.is_admin:
        query = query.join(ProjectMember).where(ProjectMember.user_id == user.id)
    count = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(Project.id.desc()).offset(offset).limit(limit))
    return list(rows), count or 0


def in_project(*, session: Session, model: type[Row], row_id: int, project: Project,
               what: str, options: Sequence[ORMOption] = ()) -> Row:
    """The ``model`` row ``row_id`` of ``project``, selected by id and project in one query
    (with loader ``options``); NotFoundError naming ``what`` otherwise: another project's row
    is as absent as a missing one."""
    row = session.scalars(select(model).options(*options).where(
        model.id == row_id, model.project_id == project.id)).unique().first()
    if row is None:
        raise NotFoundError(f"{what} {row_id} does not exist in this project")
    return row


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


MAX_ATTRIBUTE_NAME = 200


def add_attribute(*, session: Session, project: Project, name: str,
                  data_type: AttributeType, max_attributes: int | None = None) -> Attribute:
    """Add an attribute (records get no value for it until they are updated); no commit."""
    return add_attributes(session=session, project=project, data_types={name: data_type},
                          max_attributes=max_attributes)[0]


def add_attributes(*, session: Session, project: Project, data_types: Mapping[str, AttributeType],
                   max_attributes: int | None = None) -> list[Attribute]:
    """Add attributes (name to type, in order) with one flush; no commit.

    Time is linear in the number of attributes. Raises InvalidInputError for an empty or
    too long name, or when the project would have more than ``max_attributes``;
    ConflictError for a name the project has already.
    """
    taken = {attribute.name for attribute in project.attributes}
    for name in data_types:
        if not name.strip():
            raise InvalidInputError("attribute names must not be empty", field="name")
        if len(name) > MAX_ATTRIBUTE_NAME:
            raise InvalidInputError(f"attribute names are at most {MAX_ATTRIBUTE_NAME} "
                                    f"characters: {name[:40]!r}...", field="name")
        if name in taken:
            raise ConflictError(f"attribute {name!r} exists already", field="name")
    check_attribute_count(len(taken) + len(data_types), max_attributes=max_attributes)
    if not data_types:
        return []
    session.execute(insert(Attribute), [
        {"project_id": project.id, "name": name, "data_type": data_type,
         "position": len(taken) + offset}
        for offset, (name, data_type) in enumerate(data_types.items())])
    session.expire(project, ["attributes"])
    by_name = {attribute.name: attribute for attribute in project.attributes}
    return [by_name[name] for name in data_types]


def check_attribute_count(count: int, *, max_attributes: int | None) -> None:
    """Raise InvalidInputError if a project may not have ``count`` attributes."""
    if max_attributes is not None and count > max_attributes:
        raise InvalidInputError(f"a project has at most {max_attributes} attributes "
                                f"(columns), this one would have {count}")
