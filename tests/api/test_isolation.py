"""Another project's rows are absent: every id in a path, body or query that names a row of
a project the caller cannot see answers 404 (or, for ids in a list, the same answer as an id
that exists nowhere), and none of its data comes back."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from tests.api.conftest import API, create_task, upload

SECRET = "victim-secret-text"
VICTIM_CSV = f'id,text\nv1,"{SECRET} one"\nv2,"{SECRET} two"\n'
OWN_CSV = 'id,text\nb1,"check out my channel"\nb2,"nice song"\n'
PRINTING_LF = "def lf(record):\n    print(dict(record))\n    return None\n"
SHOUTING = "def ac(record):\n    print(dict(record))\n    return record['text'].upper()\n"


@dataclass
class Ids:
    """Ids of rows in the caller's project (``own_*``) and in the victim's (``v_*``)."""

    own: int
    victim: int
    own_record: int
    v_record: int
    own_task: int
    v_task: int
    v_label: int
    v_manual_label: int
    own_heuristic: int
    v_heuristic: int
    own_embedding: int
    v_embedding: int
    v_run: int
    v_filter: int
    v_lookup_list: int
    own_lookup_list: int
    v_attribute: int
    v_comment: int


def _project(client, headers, name, csv) -> tuple[int, int, int]:
    project = client.post(f"{API}/projects", json={"name": name}, headers=headers).json()["id"]
    assert upload(client, headers, project, csv, id_column="id").status_code == 201
    record = client.get(f"{API}/projects/{project}/records", headers=headers).json()["data"][0]
    task = create_task(client, headers, project, name="spam", kind="classification",
                       labels=["ham", "spam"])
    return project, record["id"], task["id"]


def _heuristic(client, headers, project, task) -> int:
    response = client.post(f"{API}/projects/{project}/heuristics", headers=headers, json={
        "task_id": task, "name": "printer", "source": PRINTING_LF})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _embedding(client, headers, project) -> int:
    response = client.post(f"{API}/projects/{project}/embeddings", headers=headers,
                           json={"attribute": "text"})
    assert response.status_code == 202, response.text
    return response.json()["embedding"]["id"]


@pytest.fixture
def ids(client, admin, make_user) -> tuple[Ids, dict[str, str]]:
    """A victim project (the admin's) and the caller's own project, where the caller (a
    user who is no member of the victim's) is owner; returns the ids and the caller's
    headers."""
    caller = make_user("mallory")
    victim, v_record, v_task = _project(client, admin, "victim", VICTIM_CSV)
    own, own_record, own_task = _project(client, admin, "own", OWN_CSV)
    assert client.put(f"{API}/projects/{own}/members", headers=admin,
                      json={"user": "mallory", "role": "owner"}).status_code == 200
    manual_label = client.post(f"{API}/projects/{victim}/records/{v_record}/labels",
                               headers=admin, json={"task_id": v_task, "label": "spam"})
    assert manual_label.status_code == 201, manual_label.text
    v_heuristic = _heuristic(client, admin, victim, v_task)
    run = client.post(f"{API}/projects/{victim}/heuristics/{v_heuristic}/runs", headers=admin)
    assert run.status_code == 202, run.text
    labels = client.get(f"{API}/projects/{victim}/tasks/{v_task}", headers=admin).json()
    saved = client.post(f"{API}/projects/{victim}/filters", headers=admin,
                        json={"name": "secret records", "filter": {"text": SECRET}})
    assert saved.status_code == 201, saved.text
    lookup_list = client.post(f"{API}/projects/{victim}/lookup-lists", headers=admin,
                              json={"name": "secrets", "terms": [SECRET]})
    assert lookup_list.status_code == 201, lookup_list.text
    own_list = client.post(f"{API}/projects/{own}/lookup-lists", headers=admin,
                           json={"name": "mine"})
    assert own_list.status_code == 201, own_list.text
    computed = client.post(f"{API}/projects/{victim}/attributes/computed", headers=admin,
                           json={"name": "shout", "data_type": "text", "source": SHOUTING})
    assert computed.status_code == 201, computed.text
    comment = client.post(f"{API}/projects/{victim}/records/{v_record}/comments",
                          headers=admin, json={"text": SECRET})
    assert comment.status_code == 201, comment.text
    return Ids(
        own=own, victim=victim, own_record=own_record, v_record=v_record, own_task=own_task,
        v_task=v_task, v_label=labels["labels"][0]["id"],
        v_manual_label=manual_label.json()["id"],
        own_heuristic=_heuristic(client, admin, own, own_task), v_heuristic=v_heuristic,
        own_embedding=_embedding(client, admin, own),
        v_embedding=_embedding(client, admin, victim), v_run=run.json()["id"],
        v_filter=saved.json()["id"], v_lookup_list=lookup_list.json()["id"],
        own_lookup_list=own_list.json()["id"], v_attribute=computed.json()["id"],
        v_comment=comment.json()["id"]), caller


# (method, path, json body, query) with {...} fields of Ids; all under /projects/{own}
FOREIGN_ID_ROUTES = [
    ("get", "/records/{v_record}", None, None),
    ("delete", "/records/{v_record}", None, None),
    ("patch", "/records/{v_record}", {"data": {"text": "mine"}}, None),
    ("post", "/records/delete", {"record_ids": ["{own_record}", "{v_record}"]}, None),
    ("post", "/records/edit", {"record_ids": ["{own_record}", "{v_record}"],
                               "data": {"text": "mine"}}, None),
    ("get", "/records", None, {"task_id": "{v_task}", "labelled": "true"}),
    ("post", "/records/{v_record}/labels", {"task_id": "{own_task}", "label": "spam"}, None),
    ("get", "/records/{v_record}/comments", None, None),
    ("post", "/records/{v_record}/comments", {"text": "mine"}, None),
    ("patch", "/comments/{v_comment}", {"resolved": True}, None),
    ("delete", "/comments/{v_comment}", None, None),
    ("post", "/records/{own_record}/labels", {"task_id": "{v_task}", "label": "spam"}, None),
    ("patch", "/manual-labels/{v_manual_label}", {"label": "ham"}, None),
    ("delete", "/manual-labels/{v_manual_label}", None, None),
    ("post", "/records/{v_record}/reviews", {"task_id": "{own_task}"}, None),
    ("post", "/records/{own_record}/reviews", {"task_id": "{v_task}"}, None),
    ("delete", "/records/{v_record}/reviews/{own_task}", None, None),
    ("delete", "/records/{own_record}/reviews/{v_task}", None, None),
    ("get", "/tasks/{v_task}", None, None),
    ("patch", "/tasks/{v_task}", {"name": "renamed"}, None),
    ("delete", "/tasks/{v_task}", None, None),
    ("post", "/tasks/{v_task}/labels", {"name": "new"}, None),
    ("patch", "/tasks/{own_task}/labels/{v_label}", {"name": "renamed"}, None),
    ("delete", "/tasks/{own_task}/labels/{v_label}", None, None),
    ("get", "/heuristics/{v_heuristic}", None, None),
    ("patch", "/heuristics/{v_heuristic}", {"name": "renamed"}, None),
    ("delete", "/heuristics/{v_heuristic}", None, None),
    ("get", "/heuristics/{v_heuristic}/revisions", None, None),
    ("post", "/heuristics/{v_heuristic}/runs", None, None),
    ("post", "/heuristics/{v_heuristic}/sample", {"n": 1}, None),
    ("post", "/heuristics/{own_heuristic}/sample",
     {"record_ids": ["{v_record}"], "source": PRINTING_LF}, None),
    ("get", "/heuristics/{v_heuristic}/outputs", None, None),
    ("post", "/heuristics/sample", {"task_id": "{v_task}", "source": PRINTING_LF}, None),
    ("post", "/heuristics/sample",
     {"task_id": "{own_task}", "record_ids": ["{v_record}"], "source": PRINTING_LF}, None),
    ("get", "/heuristics/{v_heuristic}/threshold-preview", None, None),
    ("post", "/heuristics", {"task_id": "{v_task}", "name": "x", "source": PRINTING_LF},
     None),
    ("get", "/heuristics/templates/{v_task}", None, None),
    ("get", "/embeddings/{v_embedding}", None, None),
    ("delete", "/embeddings/{v_embedding}", None, None),
    ("get", "/records/{own_record}/similar", None, {"embedding_id": "{v_embedding}"}),
    ("get", "/records/{v_record}/similar", None, {"embedding_id": "{own_embedding}"}),
    ("post", "/similar", {"embedding_id": "{v_embedding}", "text": "secret"}, None),
    ("get", "/runs/{v_run}", None, None),
    ("post", "/runs/{v_run}/cancel", None, None),
    ("get", "/tasks/{v_task}/stats", None, None),
    ("post", "/tasks/{v_task}/stats/recompute", None, None),
    ("post", "/tasks/{v_task}/weak-supervision", {"method": "majority"}, None),
    ("get", "/tasks/{v_task}/weak-supervision", None, None),
    ("get", "/tasks/{v_task}/weak-supervision/label-matrix", None, None),
    ("get", "/tasks/{v_task}/weak-supervision/export", None, None),
    ("get", "/records/{v_record}/votes", None, {"task_id": "{own_task}"}),
    ("get", "/runs/{v_run}/artifacts/curves.png", None, None),
    ("get", "/filters/{v_filter}", None, None),
    ("patch", "/filters/{v_filter}", {"name": "renamed"}, None),
    ("delete", "/filters/{v_filter}", None, None),
    ("post", "/tasks/{v_task}/labels/bulk", {"labels": [{"record_id": "{v_record}",
                                                         "label": "ham"}]}, None),
    ("get", "/tasks/{v_task}/next", None, None),
    ("get", "/tasks/{v_task}/active-learning", None, None),
    ("patch", "/tasks/{v_task}/active-learning", {"batch_size": 5}, None),
    ("get", "/tasks/{v_task}/annotators", None, None),
    ("get", "/tasks/{v_task}/agreement", None, None),
    ("post", "/tasks/{v_task}/simulations", {}, None),
    ("get", "/lookup-lists/{v_lookup_list}", None, None),
    ("patch", "/lookup-lists/{v_lookup_list}", {"add": ["x"]}, None),
    ("delete", "/lookup-lists/{v_lookup_list}", None, None),
    ("post", "/lookup-lists/{v_lookup_list}/labelled-terms",
     {"task_id": "{own_task}", "label": "spam"}, None),
    ("post", "/lookup-lists/{own_lookup_list}/labelled-terms",
     {"task_id": "{v_task}", "label": "spam"}, None),
    ("post", "/lookup-lists", {"name": "followed", "follows": {"task_id": "{v_task}",
                                                               "label": "spam"}}, None),
    ("patch", "/lookup-lists/{own_lookup_list}",
     {"follows": {"task_id": "{v_task}", "label": "spam"}}, None),
    ("post", "/heuristics/runs", {"task_id": "{v_task}"}, None),
    ("get", "/lookup-lists/{v_lookup_list}/term-stats", None, None),
    ("get", "/lookup-lists/{own_lookup_list}/term-stats", None, {"task_id": "{v_task}"}),
    ("get", "/lookup-lists/{v_lookup_list}/suggestions", None, {"label": "spam"}),
    ("get", "/lookup-lists/{own_lookup_list}/suggestions", None,
     {"task_id": "{v_task}", "label": "spam"}),
    ("get", "/attributes/{v_attribute}", None, None),
    ("get", "/attributes/{v_attribute}/values", None, None),
    ("patch", "/attributes/{v_attribute}", {"source": SHOUTING}, None),
    ("post", "/attributes/{v_attribute}/runs", None, None),
    ("delete", "/attributes/{v_attribute}", None, None),
    ("post", "/attributes/sample", {"record_ids": ["{v_record}"], "source": SHOUTING}, None),
]
ROW_ID_EXEMPT = {("delete", "/members/{user_name}")}
"""Routes under a project whose path names something other than a row (a user by name)."""


def _fill(value, ids: Ids, **more: int):
    """``value`` with its ``{field}``s of Ids (and of ``more``) filled in; a lone id an int."""
    if isinstance(value, str):
        filled = value.format(**vars(ids), **more)
        return int(filled) if value.startswith("{") and filled.isdigit() else filled
    if isinstance(value, list):
        return [_fill(v, ids, **more) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids, **more) for k, v in value.items()}
    return value


def test_ids_of_another_project_are_not_found_and_change_nothing(client, admin, ids):
    """Every route of FOREIGN_ID_ROUTES, in one project's setup (a parametrised test would
    build the two projects once per route)."""
    found, caller = ids
    wrong = []
    for method, path, body, query in FOREIGN_ID_ROUTES:
        response = client.request(method, f"{API}/projects/{found.own}" + _fill(path, found),
                                  headers=caller, json=_fill(body, found),
                                  params=_fill(query, found))
        if (response.status_code != 404 or "does not exist in" not in response.json()["detail"]
                or SECRET in response.text):
            wrong.append(f"{method} {path} {body or ''} {query or ''}: "
                         f"{response.status_code} {response.text[:200]}")
    assert not wrong, "\n".join(wrong)
    victim = f"{API}/projects/{found.victim}"
    record = client.get(f"{victim}/records/{found.v_record}", headers=admin).json()
    assert [ml["label"] for ml in record["tasks"][0]["manual_labels"]] == ["spam"]
    assert client.get(f"{victim}/tasks/{found.v_task}", headers=admin).json()["name"] == "spam"
    assert client.get(f"{victim}/heuristics/{found.v_heuristic}",
                      headers=admin).json()["name"] == "printer"
    assert client.get(f"{victim}/embeddings/{found.v_embedding}",
                      headers=admin).status_code == 200
    assert client.get(f"{victim}/runs/{found.v_run}",
                      headers=admin).json()["status"] == "queued"
    assert [c["text"] for c in client.get(f"{victim}/records/{found.v_record}/comments",
                                          headers=admin).json()["data"]] == [SECRET]


def test_every_route_that_names_a_row_is_checked(client):
    """A route added under a project with an id in its path joins FOREIGN_ID_ROUTES."""
    checked = [(method, re.sub(r"\{[^}]+\}", "1", path))
               for method, path, _, _ in FOREIGN_ID_ROUTES]
    unchecked = []
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        rest = path.partition("/projects/{project_id}")[2]
        template = re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(rest)))
        for method in operations:
            if ("{" in rest and (method, rest) not in ROW_ID_EXEMPT
                    and not any(method == used and template.fullmatch(filled)
                                for used, filled in checked)):
                unchecked.append(f"{method} {rest}")
    assert not unchecked, unchecked


# (method, path, json body with "{id}" where the id goes, the Ids field of the foreign id):
# ids in a body that a route reads as items of a list or settings answer 422
FOREIGN_ID_FIELDS = [
    ("post", "/tasks/{own_task}/weak-supervision", {"heuristic_ids": ["{id}"]}, "v_heuristic"),
    ("post", "/tasks/{own_task}/labels/bulk", {"labels": [{"record_id": "{id}", "label": "ham"}]},
     "v_record"),
    ("patch", "/tasks/{own_task}/active-learning", {"heuristic_id": "{id}"}, "v_heuristic"),
    ("post", "/heuristics/runs", {"task_id": "{own_task}", "heuristic_ids": ["{id}"]},
     "v_heuristic"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), FOREIGN_ID_FIELDS,
                         ids=[f"{method} {path}" for method, path, _, _ in FOREIGN_ID_FIELDS])
def test_a_foreign_id_in_a_body_is_treated_as_an_unknown_one(client, ids, method, path, body,
                                                              field):
    found, caller = ids
    url = f"{API}/projects/{found.own}" + _fill(path, found)
    foreign_id = getattr(found, field)

    def answer(row_id: int):
        return client.request(method, url, headers=caller,
                              json=_fill(body, found, id=row_id))

    foreign, unknown = answer(foreign_id), answer(999_999)
    assert foreign.status_code == unknown.status_code == 422, foreign.text
    assert foreign.json()["detail"] == unknown.json()["detail"].replace(
        "999999", str(foreign_id))
    assert SECRET not in foreign.text


def test_lists_and_exports_hold_only_the_projects_rows(client, ids):
    found, caller = ids
    own = f"{API}/projects/{found.own}"
    for path in ("/records", "/runs", "/embeddings", "/heuristics", "/tasks", "/export",
                 "/lookup-lists", "/attributes", "/comments?state=all",
                 f"/tasks/{found.own_task}/stats"):
        response = client.get(own + path, headers=caller)
        assert response.status_code == 200, (path, response.text)
        assert SECRET not in response.text, path
