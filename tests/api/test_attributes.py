"""Computed attributes through the API (no worker: runs stay queued): their code checked
before it is stored, tried on records in the sandbox, changed, and who may do what."""

from __future__ import annotations

from tests.api.conftest import API

LENGTH = 'def ac(record):\n    return len(record["text"])\n'


def _create(client, headers, project, **body):
    return client.post(f"{API}/projects/{project}/attributes/computed", headers=headers,
                       json={"name": "length", "data_type": "integer", "source": LENGTH} | body)


def test_a_computed_attribute_is_listed_with_its_code_and_queued_run(client, admin, loaded):
    created = _create(client, admin, loaded)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["name"], body["data_type"], body["computed"], body["source"]) == (
        "length", "integer", True, LENGTH)
    assert body["run"]["kind"] == "attribute_calculation"
    assert body["run"]["status"] == "queued"
    assert body["run"]["params"] == {"attribute_id": body["id"], "only_missing": False}

    listed = client.get(f"{API}/projects/{loaded}/attributes", headers=admin).json()
    assert [(a["name"], a["computed"]) for a in listed] == [
        ("text", False), ("stars", False), ("price", False), ("verified", False),
        ("lang", False), ("length", True)]
    assert listed[0]["source"] is None and listed[0]["run"] is None
    assert client.get(f"{API}/projects/{loaded}/attributes/{body['id']}",
                      headers=admin).json() == body


def test_code_is_checked_before_it_is_stored(client, admin, loaded):
    broken = _create(client, admin, loaded, source="def ac(record)\n    return 1\n")
    assert broken.status_code == 422, broken.text
    assert broken.json()["detail"] == "line 1, field 'source': syntax error: expected ':'"
    none = _create(client, admin, loaded, source="x = 1\n")
    assert none.status_code == 422
    assert "write `def ac(record):` returning the record's value or None" in none.text
    several = _create(client, admin, loaded, source="def a(r):\n    pass\ndef b(r):\n    pass\n")
    assert "name the attribute function 'ac'" in several.json()["message"]
    quoted = _create(client, admin, loaded, name='say "hi"')
    assert quoted.status_code == 422 and "no quotes" in quoted.json()["message"]
    taken = _create(client, admin, loaded, name="text")
    assert taken.status_code == 409, taken.text
    assert [a["name"] for a in client.get(f"{API}/projects/{loaded}/attributes",
                                          headers=admin).json()] == [
        "text", "stars", "price", "verified", "lang"], "nothing was stored"


def test_new_code_cancels_the_run_under_way_and_queues_another(client, admin, loaded):
    first = _create(client, admin, loaded).json()
    again = client.post(f"{API}/projects/{loaded}/attributes/{first['id']}/runs",
                        headers=admin)
    assert again.status_code == 409, again.text
    assert "is being computed" in again.json()["message"]
    changed = client.patch(f"{API}/projects/{loaded}/attributes/{first['id']}", headers=admin,
                           json={"source": LENGTH.replace("len(", "2 * len(")})
    assert changed.status_code == 200, changed.text
    assert changed.json()["run"]["id"] != first["run"]["id"]
    assert changed.json()["source"].startswith("def ac(record):\n    return 2 * len(")
    old = client.get(f"{API}/projects/{loaded}/runs/{first['run']['id']}", headers=admin)
    assert old.json()["status"] == "cancelled"

    imported = client.get(f"{API}/projects/{loaded}/attributes", headers=admin).json()[0]
    refused = client.patch(f"{API}/projects/{loaded}/attributes/{imported['id']}",
                           headers=admin, json={"source": LENGTH})
    assert refused.status_code == 422
    assert "comes from the imported records" in refused.json()["message"]


def test_code_tried_on_records_gives_each_value_or_error(client, admin, loaded, record_ids):
    source = ('def ac(record):\n    print("seen", record["text"][:5])\n'
              '    return record["stars"] * 2 if record["stars"] > 1 else "low"\n')
    response = client.post(f"{API}/projects/{loaded}/attributes/sample", headers=admin, json={
        "source": source, "data_type": "integer",
        "record_ids": [record_ids["1"], record_ids["2"]]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(r["external_id"], r["value"], r["error"]) for r in body["results"]] == [
        ("1", 10, None), ("2", None, "expected integer, got 'low'")]
    assert "seen Great" in body["logs"] and "seen Terri" in body["logs"]

    failing = client.post(f"{API}/projects/{loaded}/attributes/sample", headers=admin, json={
        "source": 'def ac(record):\n    return record["missing"]\n', "n": 2})
    assert failing.status_code == 200
    [first, second] = failing.json()["results"]
    assert first["error"] == second["error"]
    assert first["error"].startswith("KeyError: \"no attribute 'missing'; attributes: ")
    assert first["line"] == 2
    assert client.get(f"{API}/projects/{loaded}/attributes", headers=admin).json()[-1][
        "name"] == "lang", "trying stores nothing"


def test_only_owners_change_attributes_and_annotators_try_code(client, admin, loaded,
                                                               make_user):
    annotator = make_user("ann")
    assert client.put(f"{API}/projects/{loaded}/members", headers=admin,
                      json={"user": "ann", "role": "annotator"}).status_code == 200
    assert _create(client, annotator, loaded).status_code == 403
    created = _create(client, admin, loaded).json()
    assert client.patch(f"{API}/projects/{loaded}/attributes/{created['id']}",
                        headers=annotator, json={"source": LENGTH}).status_code == 403
    assert client.post(f"{API}/projects/{loaded}/attributes/sample", headers=annotator,
                       json={"source": LENGTH, "n": 1}).status_code == 200
    assert client.get(f"{API}/projects/{loaded}/attributes/{created['id']}",
                      headers=annotator).status_code == 200
    assert client.delete(f"{API}/projects/{loaded}/attributes/{created['id']}",
                         headers=annotator).status_code == 403


def test_an_attribute_is_deleted_with_its_values_unless_something_is_made_of_it(
        client, admin, loaded, record_ids):
    computed = _create(client, admin, loaded).json()
    attributes = {a["name"]: a["id"]
                  for a in client.get(f"{API}/projects/{loaded}/attributes", headers=admin).json()}
    assert client.delete(f"{API}/projects/{loaded}/attributes/{computed['id']}",
                         headers=admin).status_code == 204
    old_run = client.get(f"{API}/projects/{loaded}/runs/{computed['run']['id']}", headers=admin)
    assert old_run.json()["status"] == "cancelled"

    assert client.delete(f"{API}/projects/{loaded}/attributes/{attributes['lang']}",
                         headers=admin).status_code == 204
    record = client.get(f"{API}/projects/{loaded}/records/{record_ids['1']}",
                        headers=admin).json()
    assert record["data"] == {"text": "Great phone, love it", "stars": 5, "price": 199.5,
                              "verified": True}
    assert [a["name"] for a in client.get(f"{API}/projects/{loaded}/attributes",
                                          headers=admin).json()] == [
        "text", "stars", "price", "verified"]

    client.post(f"{API}/projects/{loaded}/tasks", headers=admin, json={
        "name": "ner", "kind": "extraction", "labels": ["ORG"], "target_attribute": "text"})
    refused = client.delete(f"{API}/projects/{loaded}/attributes/{attributes['text']}",
                            headers=admin)
    assert refused.status_code == 409
    assert refused.json()["message"] == (
        "task 'ner' labels the spans of attribute 'text': delete the task first")
    assert client.get(f"{API}/projects/{loaded}/records/{record_ids['1']}",
                      headers=admin).json()["data"]["text"] == "Great phone, love it"


def test_attributes_name_the_functions_that_read_them(client, admin, loaded):
    from tests.api.conftest import create_task

    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])["id"]
    created = _create(client, admin, loaded).json()
    heuristics = f"{API}/projects/{loaded}/heuristics"
    for name, source in (("cheap", 'def lf(r):\n    return "spam" if r["price"] < 1 else None\n'),
                         ("short", 'def lf(r):\n    return "ham" if r.get("length", 0) < 20 '
                                   'and r["price"] else None\n')):
        made = client.post(heuristics, headers=admin, json={"task_id": task, "name": name,
                                                            "source": source})
        assert made.status_code == 201, made.text
    listed = {a["name"]: [r["name"] for r in a["read_by"]]
              for a in client.get(f"{API}/projects/{loaded}/attributes", headers=admin).json()}
    assert listed == {"text": [], "stars": [], "price": ["cheap", "short"], "verified": [],
                      "lang": [], "length": ["short"]}
    one = client.get(f"{API}/projects/{loaded}/attributes/{created['id']}", headers=admin).json()
    assert [(r["name"], r["task_id"]) for r in one["read_by"]] == [("short", task)]


def test_an_attributes_values_are_counted_over_all_the_records(client, admin, loaded,
                                                               make_user):
    ids = {a["name"]: a["id"] for a in client.get(f"{API}/projects/{loaded}/attributes",
                                                   headers=admin).json()}

    def values(name, **params):
        response = client.get(f"{API}/projects/{loaded}/attributes/{ids[name]}/values",
                              headers=admin, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    lang = values("lang")
    assert lang == {"attribute": "lang", "distinct": 2, "records": 4, "complete": True,
                    "values": [{"value": "en", "count": 3}, {"value": "de", "count": 1}]}
    # numbers and booleans as stored; ties by value
    assert values("stars")["values"] == [{"value": 1, "count": 2}, {"value": 3, "count": 1},
                                         {"value": 5, "count": 1}]
    assert values("verified")["values"] == [{"value": False, "count": 2},
                                            {"value": True, "count": 2}]
    shown = values("stars", limit=1)
    assert (shown["values"], shown["distinct"], shown["complete"]) == (
        [{"value": 1, "count": 2}], 3, False)
    searched = values("text", search="PHONE")
    assert [v["value"] for v in searched["values"]] == ["Great phone, love it",
                                                        "Subscribe to win an iPhone"]
    assert values("text", search="50%")["distinct"] == 0, "a pattern's signs match as text"
    # a null is no value; an edit moves a record from one value to another
    record = client.get(f"{API}/projects/{loaded}/records", headers=admin).json()["data"][0]
    assert client.patch(f"{API}/projects/{loaded}/records/{record['id']}", headers=admin,
                        json={"data": {"lang": None}}).status_code == 200
    assert values("lang")["records"] == 3
    # annotators read them; other projects' attributes are not found
    annotator = make_user("ann")
    client.put(f"{API}/projects/{loaded}/members", headers=admin,
               json={"user": "ann", "role": "annotator"})
    assert client.get(f"{API}/projects/{loaded}/attributes/{ids['lang']}/values",
                      headers=annotator).status_code == 200
    other = client.post(f"{API}/projects", json={"name": "other"}, headers=admin).json()["id"]
    assert client.get(f"{API}/projects/{other}/attributes/{ids['lang']}/values",
                      headers=admin).status_code == 404
    too_many = client.get(f"{API}/projects/{loaded}/attributes/{ids['lang']}/values",
                          headers=admin, params={"limit": 1_001})
    assert too_many.status_code == 422
