"""A wide import creates its attributes in time linear in their number."""

from __future__ import annotations

import io
import time

from store.importing import import_records
from store.models import Project


def test_a_wide_import_is_linear(session):
    """5,000 columns: one flush per attribute after a linear name lookup took about 20 s
    (8,000 took 85 s); one insert takes a few seconds at most."""
    project = Project(name="wide", description="")
    session.add(project)
    session.commit()
    columns = 5_000
    data = (",".join(f"c{i}" for i in range(columns)) + "\n" + ",".join("1" * columns)
            + "\n").encode()
    started = time.perf_counter()
    result = import_records(session=session, project=project, fmt="csv",
                            open_stream=lambda: io.BytesIO(data), max_attributes=columns)
    assert time.perf_counter() - started < 8
    assert result.records == 1 and len(result.attributes) == columns
    session.expire_all()
    assert [a.position for a in project.attributes] == list(range(columns))
    assert project.attributes[-1].name == f"c{columns - 1}"
