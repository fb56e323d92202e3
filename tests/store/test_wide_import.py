"""A wide import creates its attributes with a bounded number of statements, not one (or
more) per column: the work grows linearly with the columns and the write lock is held
briefly."""

from __future__ import annotations

import io

from services.importing import import_records
from store.models import Project
from tests.sql_log import sent_statements


def test_a_wide_import_is_linear(session):
    """2,000 columns: one flush per attribute after a linear name lookup sent thousands of
    statements (8,000 columns took 85 s); the attributes now go in one insert."""
    project = Project(name="wide", description="")
    session.add(project)
    session.commit()
    columns = 2_000
    data = (",".join(f"c{i}" for i in range(columns)) + "\n" + ",".join("1" * columns)
            + "\n").encode()
    with sent_statements(session.get_bind()) as sent:
        result = import_records(session=session, project=project, fmt="csv",
                                open_stream=lambda: io.BytesIO(data), max_attributes=columns)
    statements = [statement for statement, _ in sent]
    assert result.records == 1 and len(result.attributes) == columns
    attribute_inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")
                         and "attributes" in s.split("(")[0].lower()]
    assert 1 <= len(attribute_inserts) <= 5, len(attribute_inserts)
    assert len(statements) < 100, len(statements)
    session.expire_all()
    assert [a.position for a in project.attributes] == list(range(columns))
    assert project.attributes[-1].name == f"c{columns - 1}"
