"""Comments on records: who writes, rewrites, resolves and deletes them; a project's open
comments; the records with comments as a filter; events; deletion with the record."""

from __future__ import annotations

from sqlalchemy import select

from store.models import Event
from tests.api.conftest import API


def _member(client, admin, project, make_user, name, role):
    headers = make_user(name)
    assert client.put(f"{API}/projects/{project}/members", headers=admin,
                      json={"user": name, "role": role}).status_code == 200
    return headers


def test_a_thread_on_a_record_and_who_may_do_what(client, admin, loaded, record_ids,
                                                  make_user, session):
    ann = _member(client, admin, loaded, make_user, "ann", "annotator")
    bob = _member(client, admin, loaded, make_user, "bob", "annotator")
    viewer = _member(client, admin, loaded, make_user, "vic", "viewer")
    thread = f"{API}/projects/{loaded}/records/{record_ids['2']}/comments"
    asked = client.post(thread, headers=ann, json={"text": "Spam or a real complaint?\nBoth?"})
    assert asked.status_code == 201, asked.text
    question = asked.json()
    assert (question["author"], question["record_external_id"], question["text"],
            question["resolved_at"]) == ("ann", "2", "Spam or a real complaint?\nBoth?", None)
    answered = client.post(thread, headers=admin, json={"text": "Spam: the link decides."})
    assert answered.status_code == 201
    assert client.post(thread, headers=viewer, json={"text": "me too"}).status_code == 403
    assert client.post(thread, headers=ann, json={"text": "  \n"}).status_code == 422
    assert client.post(thread, headers=ann, json={"text": "x" * 10_001}).status_code == 422
    listed = client.get(thread, headers=viewer).json()
    assert [(c["author"], c["text"]) for c in listed["data"]] == [
        ("ann", "Spam or a real complaint?\nBoth?"), ("admin", "Spam: the link decides.")]

    one = f"{API}/projects/{loaded}/comments/{question['id']}"
    assert client.patch(one, headers=bob, json={"text": "mine now"}).status_code == 403
    assert client.patch(one, headers=admin, json={"text": "owners do not rewrite"}
                        ).status_code == 403
    assert client.patch(one, headers=bob, json={"resolved": True}).status_code == 403
    rewritten = client.patch(one, headers=ann, json={"text": "Spam or a complaint?"}).json()
    assert rewritten["text"] == "Spam or a complaint?" and rewritten["edited_at"] is not None
    resolved = client.patch(one, headers=admin, json={"resolved": True}).json()
    assert resolved["resolved_at"] is not None and resolved["resolved_by"] == "admin"
    reopened = client.patch(one, headers=ann, json={"resolved": False}).json()
    assert (reopened["resolved_at"], reopened["resolved_by"]) == (None, None)
    assert client.delete(one, headers=bob).status_code == 403
    assert client.delete(one, headers=admin).status_code == 204
    assert client.get(thread, headers=ann).json()["count"] == 1
    assert client.patch(one, headers=ann, json={"resolved": True}).status_code == 404
    events = session.scalars(select(Event.payload).where(
        Event.type == "comments.changed")).all()
    assert len(events) == 6, "asked, answered, rewritten, resolved, reopened, deleted"
    assert events[0] == {"record_id": record_ids["2"], "comment_id": question["id"]}


def test_a_projects_open_comments_and_the_records_they_are_on(client, admin, loaded,
                                                              record_ids):
    ids = {}
    for external_id in ("1", "2", "3", "2"):
        made = client.post(f"{API}/projects/{loaded}/records/{record_ids[external_id]}/"
                           "comments", headers=admin, json={"text": f"about {external_id}"})
        ids.setdefault(external_id, made.json()["id"])
    client.patch(f"{API}/projects/{loaded}/comments/{ids['3']}", headers=admin,
                 json={"resolved": True})
    listing = f"{API}/projects/{loaded}/comments"
    open_ = client.get(listing, headers=admin).json()
    assert (open_["count"], open_["open"]) == (3, 3)
    assert [c["record_external_id"] for c in open_["data"]] == ["2", "2", "1"], "newest first"
    page = client.get(listing, headers=admin, params={"limit": 2}).json()["data"]
    older = client.get(listing, headers=admin,
                       params={"limit": 2, "before": page[-1]["id"]}).json()["data"]
    assert [c["id"] for c in page + older] == [c["id"] for c in open_["data"]]
    everything = client.get(listing, headers=admin, params={"state": "all"}).json()
    assert (everything["count"], everything["open"]) == (4, 3)
    assert [c["record_external_id"] for c in client.get(
        listing, headers=admin, params={"state": "resolved"}).json()["data"]] == ["3"]

    def records_with(state):
        found = client.post(f"{API}/projects/{loaded}/records/search", headers=admin, json={
            "filter": {"conditions": [{"kind": "comment", "state": state}]}})
        assert found.status_code == 200, found.text
        return sorted(r["external_id"] for r in found.json()["data"])

    assert records_with("open") == ["1", "2"]
    assert records_with("resolved") == ["3"]
    assert records_with("any") == ["1", "2", "3"]
    # a record's deletion takes its comments
    assert client.delete(f"{API}/projects/{loaded}/records/{record_ids['2']}",
                         headers=admin).status_code == 204
    assert client.get(listing, headers=admin).json()["open"] == 1
    other = client.post(f"{API}/projects", json={"name": "other"}, headers=admin).json()["id"]
    assert client.get(f"{API}/projects/{other}/comments", headers=admin).json()["count"] == 0
    assert client.patch(f"{API}/projects/{other}/comments/{ids['1']}", headers=admin,
                        json={"resolved": True}).status_code == 404


def test_record_pages_count_each_records_comments(client, admin, loaded, record_ids):
    thread = f"{API}/projects/{loaded}/records/{record_ids['2']}/comments"
    first = client.post(thread, headers=admin, json={"text": "one"}).json()
    client.post(thread, headers=admin, json={"text": "two"})
    client.patch(f"{API}/projects/{loaded}/comments/{first['id']}", headers=admin,
                 json={"resolved": True})
    for sort in ("id", "stars"):   # both ways a page is read
        rows = client.get(f"{API}/projects/{loaded}/records", headers=admin,
                          params={"sort": sort}).json()["data"]
        counts = {r["external_id"]: (r["open_comments"], r["comments"]) for r in rows}
        assert counts == {"1": (0, 0), "2": (1, 2), "3": (0, 0), "4": (0, 0)}
