from __future__ import annotations

from tests.api.conftest import API, create_task


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["external_id"] for r in response.json()["data"]]


def test_paging_and_count(client, admin, loaded):
    path = f"{API}/projects/{loaded}/records"
    page = client.get(path, params={"limit": 2, "offset": 1}, headers=admin)
    assert ids(page) == ["2", "3"] and page.json()["count"] == 4
    assert client.get(path, params={"limit": 0}, headers=admin).status_code == 422


def test_sorting_by_attributes(client, admin, loaded):
    path = f"{API}/projects/{loaded}/records"
    assert ids(client.get(path, params={"sort": "-price"}, headers=admin)) == \
        ["1", "3", "2", "4"]
    assert ids(client.get(path, params={"sort": "stars"}, headers=admin))[-1] == "1"
    assert ids(client.get(path, params={"sort": "-external_id"}, headers=admin)) == \
        ["4", "3", "2", "1"]
    assert ids(client.get(path, params={"sort": "text"}, headers=admin)) == \
        ["1", "3", "4", "2"]
    response = client.get(path, params={"sort": "nope"}, headers=admin)
    assert response.status_code == 422 and response.json()["field"] == "sort"


def test_search_is_case_insensitive_and_literal(client, admin, loaded):
    path = f"{API}/projects/{loaded}/records"
    assert ids(client.get(path, params={"search": "CHECK out"}, headers=admin)) == ["2"]
    assert ids(client.get(path, params={"search": "phone"}, headers=admin)) == ["1", "4"]
    assert ids(client.get(path, params={"search": "de", "search_attribute": "lang"},
                          headers=admin)) == ["3"]
    assert ids(client.get(path, params={"search": "%"}, headers=admin)) == []
    assert client.get(path, params={"search": "x", "search_attribute": "nope"},
                      headers=admin).status_code == 422


def test_label_filters(client, admin, loaded, record_ids):
    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    for external_id, label in (("2", "spam"), ("4", "spam"), ("1", "ham")):
        response = client.post(f"{API}/projects/{loaded}/records/{record_ids[external_id]}"
                               "/labels", json={"task_id": task["id"], "label": label},
                               headers=admin)
        assert response.status_code == 201
    path = f"{API}/projects/{loaded}/records"
    by_task = {"task_id": task["id"]}
    assert ids(client.get(path, params=by_task | {"labelled": True}, headers=admin)) == \
        ["1", "2", "4"]
    assert ids(client.get(path, params=by_task | {"labelled": False}, headers=admin)) == ["3"]
    assert ids(client.get(path, params=by_task | {"label": "spam"}, headers=admin)) == \
        ["2", "4"]
    assert ids(client.get(path, params=by_task | {"label": "spam", "search": "iphone"},
                          headers=admin)) == ["4"]
    response = client.get(path, params={"label": "spam"}, headers=admin)
    assert response.status_code == 422 and response.json()["field"] == "task_id"


def test_record_detail_and_missing_record(client, admin, loaded, record_ids):
    detail = client.get(f"{API}/projects/{loaded}/records/{record_ids['3']}", headers=admin)
    assert detail.json()["data"]["lang"] == "de" and detail.json()["tasks"] == []
    assert client.get(f"{API}/projects/{loaded}/records/99999", headers=admin).status_code \
        == 404
    other = client.post(f"{API}/projects", json={"name": "other"}, headers=admin).json()
    assert client.get(f"{API}/projects/{other['id']}/records/{record_ids['3']}",
                      headers=admin).status_code == 404
