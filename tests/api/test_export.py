from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq
import pytest

from tests.api.conftest import API, create_task


@pytest.fixture
def labelled(client, admin, loaded, record_ids) -> int:
    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    for external_id, name, annotator in (("2", "spam", "a1"), ("2", "spam", "a2"),
                                         ("1", "ham", "a1")):
        client.post(f"{API}/projects/{loaded}/records/{record_ids[external_id]}/labels",
                    json={"task_id": task["id"], "label": name, "annotator": annotator},
                    headers=admin)
    return loaded


def test_csv_export(client, admin, labelled):
    response = client.get(f"{API}/projects/{labelled}/export", params={"format": "csv"},
                          headers=admin)
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["external_id"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[1]["text"] == "Terrible battery. Check out my channel!"
    assert [r["spam__reference"] for r in rows] == ["ham", "spam", "", ""]
    votes = json.loads(rows[1]["spam__manual_labels"])
    assert [(v["annotator"], v["label"]) for v in votes] == [("a1", "spam"), ("a2", "spam")]


def test_jsonl_export_round_trips_through_import(client, admin, labelled):
    response = client.get(f"{API}/projects/{labelled}/export", params={"format": "jsonl"},
                          headers=admin)
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert rows[0]["stars"] == 5 and rows[0]["verified"] is True
    assert rows[0]["spam__reference"] == "ham"
    copy = client.post(f"{API}/projects", json={"name": "copy"}, headers=admin).json()["id"]
    payload = "\n".join(json.dumps({k: v for k, v in row.items() if "__" not in k})
                        for row in rows)
    imported = client.post(f"{API}/projects/{copy}/records/import", headers=admin,
                           files={"file": ("copy.jsonl", payload.encode())},
                           data={"id_column": "external_id"})
    assert imported.status_code == 201, imported.text
    again = client.get(f"{API}/projects/{copy}/records", headers=admin).json()["data"]
    original = client.get(f"{API}/projects/{labelled}/records", headers=admin).json()["data"]
    assert [r["data"] for r in again] == [r["data"] for r in original]


def test_parquet_export(client, admin, labelled):
    response = client.get(f"{API}/projects/{labelled}/export", params={"format": "parquet"},
                          headers=admin)
    table = pq.read_table(io.BytesIO(response.content))
    assert table.num_rows == 4
    assert table.column("spam__reference").to_pylist() == ["ham", "spam", None, None]
    assert table.column("price").to_pylist()[0] == 199.5
