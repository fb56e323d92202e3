"""``ids_in`` selects the same rows as ``in_`` on SQLite and PostgreSQL, whatever the
number of ids (none, one, thousands), also when its cached statement is reused."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from services.projects import create_project
from services.users import create_user
from store.id_lists import ids_in
from store.models import Project


@pytest.fixture
def project_ids(session) -> list[int]:
    owner = create_user(session=session, name="owner")[0]
    ids = [create_project(session=session, name=f"p{i}", description="", owner=owner).id
           for i in range(6)]
    session.commit()
    return ids


@pytest.mark.parametrize("pick", [[], [0], [1, 3, 5], [0, 1, 2, 3, 4, 5]])
def test_the_same_rows_as_in(session, project_ids, pick):
    wanted = [project_ids[i] for i in pick] + list(range(10_000, 15_000))  # and many absent
    ours = session.scalars(select(Project.id).where(ids_in(Project.id, wanted))
                           .order_by(Project.id)).all()
    assert ours == sorted(project_ids[i] for i in pick)


def test_a_delete_by_ids_removes_those_rows_only(session, project_ids):
    session.execute(delete(Project).where(ids_in(Project.id, project_ids[:2])))
    session.commit()
    assert session.scalars(select(Project.id).order_by(Project.id)).all() == project_ids[2:]
