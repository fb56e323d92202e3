"""API keys are listed without secrets, revoked and rotated; a revoked or replaced secret
is refused at once. The data directory and the SQLite file are private."""

from __future__ import annotations

import os
import stat
import time

from fastapi.testclient import TestClient

from api.main import create_app
from config import Settings
from tests.api.conftest import API
from tests.sql_log import sent_statements


def _headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _new_key(client, headers, name="laptop") -> dict:
    response = client.post(f"{API}/me/keys", headers=headers, json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()


def test_keys_are_listed_without_secrets(client, admin, admin_key):
    created = _new_key(client, admin)
    listed = client.get(f"{API}/me/keys", headers=admin)
    assert listed.status_code == 200
    assert [k["name"] for k in listed.json()["data"]] == ["first key", "laptop"]
    assert listed.json()["data"][1]["id"] == created["id"]
    assert created["prefix"] == created["api_key"][:10]
    for secret in (admin_key, created["api_key"]):
        assert secret not in listed.text and secret[10:] not in listed.text
    assert "hash" not in listed.text


def test_a_revoked_key_is_refused_at_once(client, admin):
    created = _new_key(client, admin)
    spare = _headers(created["api_key"])
    assert client.get(f"{API}/me", headers=spare).status_code == 200
    assert client.delete(f"{API}/me/keys/{created['id']}", headers=admin).status_code == 204
    refused = client.get(f"{API}/me", headers=spare)
    assert refused.status_code == 401 and refused.json()["detail"] == "invalid API key"
    assert client.get(f"{API}/me", headers=admin).status_code == 200
    assert client.delete(f"{API}/me/keys/{created['id']}", headers=admin).status_code == 404


def test_a_rotated_key_has_a_new_secret_and_the_old_one_is_refused(client, admin):
    created = _new_key(client, admin)
    assert client.get(f"{API}/me", headers=_headers(created["api_key"])).status_code == 200
    rotated = client.post(f"{API}/me/keys/{created['id']}/rotate", headers=admin)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["id"] == created["id"] and rotated.json()["name"] == "laptop"
    assert rotated.json()["api_key"] != created["api_key"]
    assert client.get(f"{API}/me", headers=_headers(created["api_key"])).status_code == 401
    assert client.get(f"{API}/me", headers=_headers(rotated.json()["api_key"])).json()[
        "name"] == "admin"


def test_other_users_keys_are_not_found_for_users_and_revocable_by_admins(client, admin,
                                                                           make_user):
    bob = make_user("bob")
    eve = make_user("eve")
    bobs = client.get(f"{API}/me/keys", headers=bob).json()["data"][0]["id"]
    for method, path in (("delete", f"/me/keys/{bobs}"), ("post", f"/me/keys/{bobs}/rotate")):
        assert client.request(method, API + path, headers=eve).status_code == 404
    assert client.get(f"{API}/users/bob/keys", headers=eve).status_code == 403
    assert client.delete(f"{API}/users/bob/keys/{bobs}", headers=eve).status_code == 403
    assert client.get(f"{API}/me", headers=bob).status_code == 200
    listed = client.get(f"{API}/users/bob/keys", headers=admin)
    assert [k["id"] for k in listed.json()["data"]] == [bobs]
    assert client.delete(f"{API}/users/bob/keys/{bobs}", headers=admin).status_code == 204
    assert client.get(f"{API}/me", headers=bob).status_code == 401
    assert client.get(f"{API}/me", headers=eve).status_code == 200


def test_another_process_refuses_a_revoked_key_once_its_memory_of_it_expires(
        client, admin, settings):
    created = _new_key(client, admin)
    spare = _headers(created["api_key"])
    other = create_app(settings.model_copy(update={"api_key_cache_s": 0.5}))
    try:
        elsewhere = TestClient(other)   # a second API process on the same database
        assert elsewhere.get(f"{API}/me", headers=spare).status_code == 200
        assert client.delete(f"{API}/me/keys/{created['id']}", headers=admin).status_code == 204
        assert client.get(f"{API}/me", headers=spare).status_code == 401
        assert elsewhere.get(f"{API}/me", headers=spare).status_code == 200  # remembered
        time.sleep(0.6)
        assert elsewhere.get(f"{API}/me", headers=spare).status_code == 401
    finally:
        other.state.engine.dispose()


def test_a_remembered_key_needs_no_query(app, client, admin):
    assert client.get(f"{API}/me", headers=admin).status_code == 200
    with sent_statements(app.state.engine) as statements:
        assert client.get(f"{API}/me", headers=admin).json()["name"] == "admin"
        assert statements == []
        assert client.get(f"{API}/me", headers=_headers("hk_unknown")).status_code == 401
    assert len(statements) == 1


def test_the_data_dir_and_the_sqlite_file_are_private(tmp_path):
    data_dir = tmp_path / "var"
    data_dir.mkdir(mode=0o755)
    os.chmod(data_dir, 0o755)
    app = create_app(Settings(data_dir=data_dir, demo=False))
    app.state.engine.dispose()
    database = data_dir / "heurist.db"
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    wal = data_dir / "heurist.db-wal"
    assert not wal.exists() or stat.S_IMODE(wal.stat().st_mode) == 0o600
    os.chmod(database, 0o644)
    create_app(Settings(data_dir=data_dir, demo=False)).state.engine.dispose()
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
