"""Checking a heuristic's source statically, as the editor does while one types."""

from __future__ import annotations

from tests.api.conftest import API, create_task


def test_check_reports_the_line_of_a_syntax_error_and_stores_nothing(client, admin, loaded):
    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    url = f"{API}/projects/{loaded}/heuristics/check"
    broken = client.post(url, headers=admin, json={
        "task_id": task["id"], "source": "def lf(record):\n    return 'ham'\n  x = (\n"})
    assert broken.status_code == 422, broken.text
    assert broken.json()["row"] == 3
    assert broken.json()["field"] == "source"
    fine = client.post(url, headers=admin, json={
        "task_id": task["id"], "source": "def lf(record):\n    return 'ham'\n"})
    assert fine.status_code == 200, fine.text
    assert fine.json() == {"function_name": "lf"}
    assert client.get(f"{API}/projects/{loaded}/heuristics", headers=admin).json()["count"] == 0
