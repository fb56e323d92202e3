"""Mentions and replies in comments notify members; a user's inbox pages, counts, marks
read, and shows only the projects they are still a member of."""

from __future__ import annotations

from tests.api.conftest import API


def _member(client, admin, project, make_user, name, role):
    headers = make_user(name)
    assert client.put(f"{API}/projects/{project}/members", headers=admin,
                      json={"user": name, "role": role}).status_code == 200
    return headers


def _comment(client, headers, project, record, text) -> dict:
    made = client.post(f"{API}/projects/{project}/records/{record}/comments", headers=headers,
                       json={"text": text})
    assert made.status_code == 201, made.text
    return made.json()


def _inbox(client, headers, **params) -> dict:
    answer = client.get(f"{API}/me/notifications", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_mentions_and_replies_notify_members_but_never_the_author(
        client, admin, loaded, record_ids, make_user):
    ann = _member(client, admin, loaded, make_user, "ann", "annotator")
    bob = _member(client, admin, loaded, make_user, "bob", "annotator")
    cy = _member(client, admin, loaded, make_user, "Cy Lee", "viewer")
    dan = make_user("dan")   # no member: mentions of him do nothing
    record = record_ids["2"]
    asked = _comment(client, ann, loaded, record,
                     "@bob, @Cy Lee and @dan: spam? (@bobby is nobody; mail@bob.org neither)")
    assert [(n["reason"], n["author"]) for n in _inbox(client, bob)["data"]] == [
        ("mention", "ann")]
    assert _inbox(client, cy)["unread"] == 1
    assert _inbox(client, dan)["unread"] == 0 and _inbox(client, ann)["unread"] == 0

    _comment(client, bob, loaded, record, "Spam: the link is a channel.")
    assert [(n["reason"], n["author"]) for n in _inbox(client, ann)["data"]] == [
        ("reply", "bob")]
    assert _inbox(client, cy)["unread"] == 1, "mentioned once, but never commented: no reply"
    _comment(client, admin, loaded, record, "Agreed @bob.")
    bobs = _inbox(client, bob)
    assert [(n["reason"], n["author"]) for n in bobs["data"]] == [
        ("mention", "admin"), ("mention", "ann")], "a mention wins over a reply; newest first"
    first = bobs["data"][1]
    assert (first["project_id"], first["record_id"], first["record_external_id"],
            first["comment_id"], first["read_at"], first["resolved"]) == (
        loaded, record, "2", asked["id"], None, False)
    assert first["excerpt"].startswith("@bob, @Cy Lee") and first["project_name"] == "Reviews"
    assert [n["reason"] for n in _inbox(client, ann)["data"]] == ["reply", "reply"]


def test_an_edit_that_mentions_someone_new_notifies_them_once(client, admin, loaded,
                                                              record_ids, make_user):
    ann = _member(client, admin, loaded, make_user, "ann", "annotator")
    bob = _member(client, admin, loaded, make_user, "bob", "annotator")
    asked = _comment(client, ann, loaded, record_ids["1"], "Is this ham?")
    one = f"{API}/projects/{loaded}/comments/{asked['id']}"
    assert _inbox(client, bob)["unread"] == 0
    client.patch(one, headers=ann, json={"text": "Is this ham, @bob?"})
    client.patch(one, headers=ann, json={"text": "Is this ham, @bob? Really?"})
    assert [(n["reason"], n["excerpt"]) for n in _inbox(client, bob)["data"]] == [
        ("mention", "Is this ham, @bob? Really?")]
    # bob answers, then ann's edit mentions him: his reply notice of her next comment...
    _comment(client, bob, loaded, record_ids["3"], "A question on 3.")
    later = _comment(client, ann, loaded, record_ids["3"], "See above.")
    assert [n["reason"] for n in _inbox(client, bob)["data"]] == ["reply", "mention"]
    client.post(f"{API}/me/notifications/read", headers=bob, json={"all": True})
    client.patch(f"{API}/projects/{loaded}/comments/{later['id']}", headers=ann,
                 json={"text": "See above, @bob."})
    again = _inbox(client, bob)
    assert [(n["reason"], n["comment_id"]) for n in again["data"]] == [
        ("mention", later["id"])], "...becomes a mention, unread again"


def test_an_inbox_pages_marks_read_and_follows_deletions_and_membership(
        client, admin, loaded, record_ids, make_user):
    ann = _member(client, admin, loaded, make_user, "ann", "annotator")
    bob = _member(client, admin, loaded, make_user, "bob", "annotator")
    made = [_comment(client, ann, loaded, record_ids[e], f"@bob look at {e}")
            for e in ("1", "2", "3", "4")]
    inbox = _inbox(client, bob, limit=2)
    assert (inbox["count"], inbox["unread"], len(inbox["data"])) == (4, 4, 2)
    older = _inbox(client, bob, limit=2, before=inbox["data"][-1]["id"])
    assert [n["comment_id"] for n in inbox["data"] + older["data"]] == [
        c["id"] for c in reversed(made)]
    read = f"{API}/me/notifications/read"
    assert client.post(read, headers=bob, json={"ids": [inbox["data"][0]["id"]]}).json() == {
        "unread": 3}
    assert _inbox(client, bob)["count"] == 3
    everything = _inbox(client, bob, state="all")
    assert (everything["count"], everything["unread"]) == (4, 3)
    assert everything["data"][0]["read_at"] is not None
    assert client.post(read, headers=ann, json={"ids": [inbox["data"][1]["id"]]}
                       ).status_code == 404, "not ann's"
    assert client.post(read, headers=bob, json={}).status_code == 422
    assert client.post(read, headers=bob, json={"ids": [1], "all": True}).status_code == 422

    client.delete(f"{API}/projects/{loaded}/comments/{made[0]['id']}", headers=ann)
    assert _inbox(client, bob, state="all")["count"] == 3, "the comment's notice went with it"
    client.delete(f"{API}/projects/{loaded}/members/bob", headers=admin)
    assert _inbox(client, bob, state="all") == {"data": [], "count": 0, "unread": 0}
    assert client.post(read, headers=bob, json={"all": True}).json() == {"unread": 0}
