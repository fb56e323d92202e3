from __future__ import annotations

import stat

from tests.api.conftest import API

ROUTES = [
    ("get", "/projects"), ("post", "/projects"), ("get", "/projects/{p}"),
    ("patch", "/projects/{p}"), ("delete", "/projects/{p}"), ("get", "/projects/{p}/members"),
    ("put", "/projects/{p}/members"), ("get", "/projects/{p}/attributes"),
    ("post", "/projects/{p}/attributes"), ("get", "/projects/{p}/tasks"),
    ("post", "/projects/{p}/tasks"), ("get", "/projects/{p}/records"),
    ("get", "/projects/{p}/records/1"), ("post", "/projects/{p}/records/import"),
    ("post", "/projects/{p}/records/import-conll"), ("get", "/projects/{p}/export"),
    ("post", "/projects/{p}/records/1/labels"), ("patch", "/projects/{p}/manual-labels/1"),
    ("delete", "/projects/{p}/manual-labels/1"), ("get", "/me"), ("post", "/users"),
]


def test_health_needs_no_key(client):
    assert client.get("/health").json() == {"status": "ok"}


def test_every_route_without_key_is_401(client, project_id):
    for method, path in ROUTES:
        response = client.request(method, API + path.format(p=project_id))
        assert response.status_code == 401, (method, path, response.text)
        assert "API key" in response.json()["detail"]


def test_wrong_key_is_401(client, project_id):
    response = client.get(f"{API}/projects/{project_id}",
                          headers={"Authorization": "Bearer hk_not-a-key"})
    assert response.status_code == 401
    assert response.json()["detail"] == "invalid API key"


def test_other_users_project_is_403_on_every_project_route(client, project_id, make_user):
    stranger = make_user("stranger")
    for method, path in ROUTES:
        if "{p}" not in path:
            continue
        response = client.request(method, API + path.format(p=project_id), headers=stranger)
        assert response.status_code == 403, (method, path, response.text)


def test_missing_project_is_404(client, admin):
    assert client.get(f"{API}/projects/999", headers=admin).status_code == 404


def test_admin_key_file_is_private_and_keys_are_hashed(app, settings, admin_key):
    mode = stat.S_IMODE(settings.admin_key_file.stat().st_mode)
    assert mode == 0o600
    assert settings.admin_key_file.read_text().strip() == admin_key
    with app.state.engine.connect() as connection:
        stored = [row[0] for row in connection.exec_driver_sql("select key_hash from api_keys")]
    assert admin_key not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_first_start_creates_the_admin_only_once(app, settings, admin_key):
    from services.users import ensure_admin

    with app.state.sessions() as session:
        assert ensure_admin(session=session, key_file=settings.admin_key_file) is None


def test_only_admins_create_users(client, make_user):
    user = make_user("ann")
    response = client.post(f"{API}/users", json={"name": "bob"}, headers=user)
    assert response.status_code == 403
    assert client.get(f"{API}/me", headers=user).json()["name"] == "ann"


def test_new_key_works(client, make_user):
    user = make_user("ann")
    key = client.post(f"{API}/me/keys", headers=user).json()["api_key"]
    response = client.get(f"{API}/me", headers={"Authorization": f"Bearer {key}"})
    assert response.json()["name"] == "ann"


def test_roles_viewer_annotator_owner(client, admin, loaded, record_ids, make_user):
    from tests.api.conftest import create_task

    task = create_task(client, admin, loaded, name="sentiment", kind="classification",
                       labels=["pos", "neg"])
    viewer, annotator = make_user("vera"), make_user("anna")
    for name, role in (("vera", "viewer"), ("anna", "annotator")):
        response = client.put(f"{API}/projects/{loaded}/members",
                              json={"user": name, "role": role}, headers=admin)
        assert response.status_code == 200, response.text
    record = f"{API}/projects/{loaded}/records/{record_ids['1']}"
    label = {"task_id": task["id"], "label": "pos"}
    # viewers read, but neither label nor change the project
    assert client.get(record, headers=viewer).status_code == 200
    assert client.post(record + "/labels", json=label, headers=viewer).status_code == 403
    assert client.patch(f"{API}/projects/{loaded}", json={"name": "x"},
                        headers=viewer).status_code == 403
    # annotators label as themselves, not as others, not gold, and do not own the project
    created = client.post(record + "/labels", json=label, headers=annotator)
    assert created.status_code == 201 and created.json()["annotator"] == "anna"
    assert client.post(record + "/labels", json=label | {"annotator": "vera"},
                       headers=annotator).status_code == 403
    assert client.post(record + "/labels", json=label | {"is_gold": True},
                       headers=annotator).status_code == 403
    assert client.post(f"{API}/projects/{loaded}/tasks", json={"name": "t", "kind":
                       "classification"}, headers=annotator).status_code == 403
    # an annotator cannot delete someone else's label; the owner can
    other = client.post(record + "/labels", json=label | {"annotator": "bob"}, headers=admin)
    assert other.status_code == 201
    path = f"{API}/projects/{loaded}/manual-labels/{other.json()['id']}"
    assert client.delete(path, headers=annotator).status_code == 403
    assert client.delete(path, headers=admin).status_code == 204
    # members see the project in their list; others do not
    assert [p["id"] for p in client.get(f"{API}/projects", headers=viewer).json()["data"]] \
        == [loaded]
    assert client.get(f"{API}/projects", headers=make_user("zed")).json()["count"] == 0
    members = client.get(f"{API}/projects/{loaded}/members", headers=viewer).json()
    assert {m["user"]: m["role"] for m in members} == {
        "admin": "owner", "vera": "viewer", "anna": "annotator"}
