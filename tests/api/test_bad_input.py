"""Hostile input answers a clear 4xx (never a 500), quickly, and writes nothing."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from config import Settings
from formats.readers import MAX_FIELD_CHARS, MAX_JSON_DEPTH
from services.users import ensure_admin
from tests.api.conftest import API, upload
from tests.conftest import DATASETS


def records_count(client, headers, project_id) -> int:
    response = client.get(f"{API}/projects/{project_id}/records", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["count"]


@pytest.mark.parametrize("path", [
    "/projects/{big}", "/projects/{project}/records/{big}", "/projects/{project}/tasks/{big}",
    "/projects/{project}/records?offset={big}", "/projects/{project}/records?task_id={big}",
    "/projects/{project}/runs?offset={big}", "/projects/{project}/records/1/similar"
    "?embedding_id={big}",
])
def test_integers_beyond_the_id_range_in_path_or_query_are_422(client, admin, project_id,
                                                               path):
    """Ids are 32-bit INTEGER columns on PostgreSQL, 64-bit on SQLite: both overflowed."""
    for big in (2**31, 2**63, -(2**63) - 1, "9" * 5000):
        url = API + path.format(big=big, project=project_id)
        response = client.get(url, headers=admin)
        assert response.status_code == 422, (url[:120], response.text[:300])
        assert isinstance(response.json()["detail"], str)


def test_integers_beyond_the_id_range_in_a_body_are_422(client, admin, project_id):
    response = client.post(f"{API}/projects/{project_id}/records/1/labels", headers=admin,
                           json={"task_id": 2**31, "label": "spam"})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "task_id"


def test_export_of_a_project_with_a_non_latin1_name(client, admin):
    name = 'Отзывы "2026" 日本'
    project = client.post(f"{API}/projects", json={"name": name}, headers=admin).json()
    assert upload(client, admin, project["id"], "text\nhello\n").status_code == 201
    response = client.get(f"{API}/projects/{project['id']}/export", headers=admin)
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert disposition.isascii()
    assert 'filename="______ _2026_ __.csv"' in disposition
    assert ("filename*=UTF-8''%D0%9E%D1%82%D0%B7%D1%8B%D0%B2%D1%8B%20%222026%22%20"
            "%E6%97%A5%E6%9C%AC.csv") in disposition
    assert response.text.splitlines()[1] == "1,hello"


@pytest.mark.parametrize(("content", "row", "field", "words"), [
    ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n", 1, None, "nested deeper"),
    ('{"a": 1}\n{"a": ' + "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1) + "}\n",
     2, "a", "nested deeper"),
    ('{"a": 1}\n{"a": ' + "7" * 5000 + "}\n", 2, None, "more than 4300 digits"),
])
def test_hostile_jsonl_is_422_naming_the_row(client, admin, project_id, content, row, field,
                                             words):
    response = upload(client, admin, project_id, content, filename="x.jsonl")
    assert response.status_code == 422, response.text[:300]
    body = response.json()
    assert (body["row"], body["field"]) == (row, field)
    assert words in body["detail"]
    assert records_count(client, admin, project_id) == 0


def test_digits_beyond_64_bits_in_a_csv_are_text_not_a_500(client, admin, project_id):
    big = "7" * 5000
    content = f"n,m\n1,{big}\n2,{2**63}\n"
    response = upload(client, admin, project_id, content)
    assert response.status_code == 201, response.text[:300]
    records = client.get(f"{API}/projects/{project_id}/records", headers=admin).json()["data"]
    assert [r["data"] for r in records] == [{"n": 1, "m": big}, {"n": 2, "m": str(2**63)}]
    forced = upload(client, admin, project_id, f"k\n{big}\n", types=json.dumps({"k": "integer"}))
    assert forced.status_code == 422, forced.text[:300]
    assert (forced.json()["row"], forced.json()["field"]) == (1, "k")


def test_a_50_mb_csv_field_is_a_quick_422_naming_row_and_field(client, admin, project_id):
    content = b"id,text,n\n1,short,1\n2," + b"x" * 50_000_000 + b",2\n"
    started = time.perf_counter()
    response = upload(client, admin, project_id, content, id_column="id")
    elapsed = time.perf_counter() - started
    assert response.status_code == 422, response.text[:300]
    assert (response.json()["row"], response.json()["field"]) == (2, "text")
    assert f"longer than {MAX_FIELD_CHARS:,} characters" in response.json()["detail"]
    assert elapsed < 10, elapsed
    assert records_count(client, admin, project_id) == 0


def test_a_long_quoted_multiline_csv_field_names_row_and_field(client, admin, project_id):
    content = 'id,n,text\n1,1,"' + "line\n" * (MAX_FIELD_CHARS // 4) + '"\n'
    response = upload(client, admin, project_id, content, id_column="id")
    assert response.status_code == 422, response.text[:300]
    assert (response.json()["row"], response.json()["field"]) == (1, "text")


def test_a_long_digit_run_is_inferred_in_linear_time(client, admin, project_id):
    """A float pattern with nested choices took 18 s on 20,000 digits and a letter."""
    content = "text\n" + "1" * 100_000 + "x\n"
    started = time.perf_counter()
    response = upload(client, admin, project_id, content)
    assert response.status_code == 201, response.text[:300]
    assert time.perf_counter() - started < 5


def test_columns_beyond_the_cap_are_refused_quickly(client, admin, project_id, settings):
    assert settings.max_attributes == 1000
    header = ",".join(f"c{i}" for i in range(100_000))
    started = time.perf_counter()
    response = upload(client, admin, project_id, f"{header}\n" + ",".join("1" * 100_000) + "\n")
    assert time.perf_counter() - started < 10
    assert response.status_code == 422, response.text[:300]
    assert "at most 1000 attributes" in response.json()["detail"]
    assert client.get(f"{API}/projects/{project_id}/attributes", headers=admin).json() == []


def test_the_cap_counts_the_attributes_a_project_has(client, admin, project_id):
    first = ",".join(f"a{i}" for i in range(600))
    assert upload(client, admin, project_id, f"{first}\n" + "1," * 599 + "1\n").status_code == 201
    second = ",".join(f"b{i}" for i in range(600))
    response = upload(client, admin, project_id, f"{second}\n" + "1," * 599 + "1\n")
    assert response.status_code == 422, response.text[:300]
    assert "this one would have 1200" in response.json()["detail"]
    response = client.post(f"{API}/projects/{project_id}/attributes", headers=admin,
                           json={"name": "x", "data_type": "text"})
    assert response.status_code == 201, response.text
    assert records_count(client, admin, project_id) == 1


def test_a_write_that_waits_too_long_for_the_lock_is_503_with_retry_after(tmp_path):
    """Another writer holds SQLite's write lock: the request answers 503, not 500."""
    settings = Settings(data_dir=tmp_path / "var", datasets_dir=DATASETS, demo=False,
                        lock_wait_s=0.2)
    app = create_app(settings)
    try:
        client = TestClient(app)
        with app.state.sessions() as session:
            key = ensure_admin(session=session, key_file=settings.admin_key_file)
        headers = {"Authorization": f"Bearer {key}"}
        other = sqlite3.connect(settings.resolved_database_url().removeprefix("sqlite:///"))
        other.execute("BEGIN IMMEDIATE")
        try:
            response = client.post(f"{API}/projects", json={"name": "p"}, headers=headers)
        finally:
            other.rollback()
            other.close()
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "1"
        assert "busy" in response.json()["detail"]
        retried = client.post(f"{API}/projects", json={"name": "p"}, headers=headers)
        assert retried.status_code == 201, retried.text
    finally:
        app.state.engine.dispose()
