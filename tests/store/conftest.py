"""Fixtures of the store tests."""

from __future__ import annotations

import io

import pytest

from services.importing import import_records
from services.projects import create_project
from services.users import create_user

N_RECORDS = 25


@pytest.fixture
def project(session):
    """A project of ``N_RECORDS`` records with one text attribute, ``text``."""
    owner, _ = create_user(session=session, name="owner")
    project = create_project(session=session, name="p", description="", owner=owner)
    payload = ("text\n" + "".join(f"row {i}\n" for i in range(N_RECORDS))).encode()
    import_records(session=session, project=project, fmt="csv",
                   open_stream=lambda: io.BytesIO(payload))
    return project
