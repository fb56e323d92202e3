from __future__ import annotations

import pytest

API = "/api/v1"

SMALL_CSV = (
    "id,text,stars,price,verified,lang\n"
    '1,"Great phone, love it",5,199.5,true,en\n'
    '2,"Terrible battery. Check out my channel!",1,10,false,en\n'
    '3,"Ok for the price",3,99,true,de\n'
    '4,"Subscribe to win an iPhone",1,0.5,false,en\n'
)


def upload(client, headers, project_id, content: bytes | str, filename="data.csv", **form):
    data = content.encode() if isinstance(content, str) else content
    return client.post(f"{API}/projects/{project_id}/records/import", headers=headers,
                       files={"file": (filename, data)}, data=form)


@pytest.fixture
def project_id(client, admin) -> int:
    response = client.post(f"{API}/projects", json={"name": "Reviews"}, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.fixture
def loaded(client, admin, project_id) -> int:
    """A project with the four records of SMALL_CSV (external ids 1..4)."""
    response = upload(client, admin, project_id, SMALL_CSV, id_column="id")
    assert response.status_code == 201, response.text
    return project_id


@pytest.fixture
def record_ids(client, admin, loaded) -> dict[str, int]:
    """External id -> record id."""
    rows = client.get(f"{API}/projects/{loaded}/records", headers=admin).json()["data"]
    return {r["external_id"]: r["id"] for r in rows}


def create_task(client, headers, project_id, **body) -> dict:
    response = client.post(f"{API}/projects/{project_id}/tasks", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()
