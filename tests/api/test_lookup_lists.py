"""Lookup lists: a project's named term lists, kept clean, readable by every member, changed
by owners, and read by labeling functions as ``knowledge`` when they are tried."""

from __future__ import annotations

from tests.api.conftest import API, create_task, upload

GAZETTEER_LF = """
from knowledge import spam_words

def lf(record):
    words = record["text"].lower().replace("!", " ").split()
    return "spam" if any(word in spam_words for word in words) else None
"""


def lists_url(project: int) -> str:
    return f"{API}/projects/{project}/lookup-lists"


def test_create_read_change_and_delete_a_list(client, admin, project_id):
    created = client.post(lists_url(project_id), headers=admin, json={
        "name": "spam_words", "description": "words of spam comments",
        "terms": [" subscribe ", "channel", "", "subscribe", "Channel"]})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["terms"] == ["subscribe", "channel", "Channel"]   # stripped, no repeats
    assert (body["n_terms"], body["version"]) == (3, 1)
    url = f"{lists_url(project_id)}/{body['id']}"

    changed = client.patch(url, headers=admin, json={"add": ["win", "channel"],
                                                     "remove": ["Channel"]}).json()
    assert changed["terms"] == ["subscribe", "channel", "win"] and changed["version"] == 2
    renamed = client.patch(url, headers=admin, json={"name": "spammy", "description": ""})
    assert renamed.json()["version"] == 2, "a rename leaves the terms' version"
    listed = client.get(lists_url(project_id), headers=admin).json()
    assert listed["count"] == 1 and "terms" not in listed["data"][0]
    assert listed["data"][0] | {"updated_at": None} == {
        "id": body["id"], "name": "spammy", "description": "", "n_terms": 3, "version": 2,
        "follows": None, "n_from_labels": 0, "read_by": [], "updated_at": None}
    replaced = client.patch(url, headers=admin, json={"terms": ["free"]}).json()
    assert replaced["terms"] == ["free"] and replaced["version"] == 3
    assert client.delete(url, headers=admin).status_code == 204
    assert client.get(url, headers=admin).status_code == 404


def test_bad_names_terms_and_repeated_names_are_refused(client, admin, project_id):
    def create(**body):
        return client.post(lists_url(project_id), headers=admin,
                           json={"name": "words"} | body)

    for name in ("2words", "my words", "class", "_hidden", "wörter-liste"):
        refused = create(name=name)
        assert refused.status_code == 422 and refused.json()["field"] == "name", name
    assert create().status_code == 201
    taken = create()
    assert taken.status_code == 409 and "exists already" in taken.json()["detail"]
    too_long = create(name="long", terms=["x" * 501])
    assert too_long.status_code == 422, too_long.text
    other = create(name="other").json()
    clash = client.patch(f"{lists_url(project_id)}/{other['id']}", headers=admin,
                         json={"name": "words"})
    assert clash.status_code == 409


def test_members_read_and_only_owners_change(client, admin, make_user, project_id):
    annotator = make_user("ann")
    assert client.put(f"{API}/projects/{project_id}/members", headers=admin,
                      json={"user": "ann", "role": "annotator"}).status_code == 200
    made = client.post(lists_url(project_id), headers=admin,
                       json={"name": "words", "terms": ["a"]}).json()
    assert client.get(f"{lists_url(project_id)}/{made['id']}",
                      headers=annotator).json()["terms"] == ["a"]
    assert client.post(lists_url(project_id), headers=annotator,
                       json={"name": "mine"}).status_code == 403
    assert client.patch(f"{lists_url(project_id)}/{made['id']}", headers=annotator,
                        json={"add": ["b"]}).status_code == 403
    assert client.delete(f"{lists_url(project_id)}/{made['id']}",
                         headers=annotator).status_code == 403
    outsider = make_user("eve")
    assert client.get(lists_url(project_id), headers=outsider).status_code == 403


def test_a_labeling_function_reads_the_lists_when_tried(client, admin, loaded, record_ids):
    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    made = client.post(lists_url(loaded), headers=admin,
                       json={"name": "spam_words", "terms": ["subscribe"]}).json()
    heuristic = client.post(f"{API}/projects/{loaded}/heuristics", headers=admin, json={
        "task_id": task["id"], "name": "gazetteer", "source": GAZETTEER_LF})
    assert heuristic.status_code == 201, heuristic.text

    def tried() -> dict[str, list[str]]:
        response = client.post(
            f"{API}/projects/{loaded}/heuristics/{heuristic.json()['id']}/sample",
            headers=admin, json={"record_ids": list(record_ids.values())})
        assert response.status_code == 200, response.text
        return {r["external_id"]: [o["label"] for o in r["outputs"]]
                for r in response.json()["results"]}

    assert tried() == {"1": [], "2": [], "3": [], "4": ["spam"]}
    [listed] = client.get(lists_url(loaded), headers=admin).json()["data"]
    assert listed["read_by"] == [{"id": heuristic.json()["id"], "name": "gazetteer",
                                  "task_id": task["id"]}]
    client.patch(f"{lists_url(loaded)}/{made['id']}", headers=admin, json={"add": ["channel"]})
    assert tried() == {"1": [], "2": ["spam"], "3": [], "4": ["spam"]}
    other = client.post(f"{API}/projects", headers=admin, json={"name": "other"}).json()["id"]
    assert client.post(lists_url(other), headers=admin, json={
        "name": "spam_words", "terms": ["great"]}).status_code == 201
    assert tried()["1"] == [], "another project's list of the same name is not read"
    client.delete(f"{lists_url(loaded)}/{made['id']}", headers=admin)
    response = client.post(
        f"{API}/projects/{loaded}/heuristics/{heuristic.json()['id']}/sample",
        headers=admin, json={"record_ids": list(record_ids.values())})
    assert response.status_code == 400, response.text
    assert "spam_words" in response.json()["detail"]   # the import fails, with its name


def test_reference_spans_of_a_label_become_terms(client, admin, loaded, record_ids):
    ner = create_task(client, admin, loaded, name="ner", kind="extraction",
                      target_attribute="text", labels=["PRODUCT", "ACTION"])
    spans = [("4", "PRODUCT", 4, 5), ("4", "ACTION", 0, 3), ("1", "PRODUCT", 1, 2),
             ("2", "PRODUCT", 1, 2)]   # "iPhone", "Subscribe to win", "phone", "battery"
    for external, name, start, end in spans:
        response = client.post(f"{API}/projects/{loaded}/records/{record_ids[external]}/labels",
                               headers=admin, json={"task_id": ner["id"], "label": name,
                                                    "token_start": start, "token_end": end})
        assert response.status_code == 201, response.text
    made = client.post(lists_url(loaded), headers=admin,
                       json={"name": "products", "terms": ["phone"]}).json()
    url = f"{lists_url(loaded)}/{made['id']}/labelled-terms"
    grown = client.post(url, headers=admin, json={"task_id": ner["id"], "label": "PRODUCT"})
    assert grown.status_code == 200, grown.text
    assert grown.json()["terms"] == ["phone", "battery", "iPhone"]   # no repeat; record order
    assert grown.json()["version"] == 2
    again = client.post(url, headers=admin, json={"task_id": ner["id"], "label": "PRODUCT"})
    assert again.json()["version"] == 2, "nothing new, no new version"

    spam = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    refused = client.post(url, headers=admin, json={"task_id": spam["id"], "label": "spam"})
    assert refused.status_code == 422 and "extraction task" in refused.json()["detail"]
    unknown = client.post(url, headers=admin, json={"task_id": ner["id"], "label": "PLACE"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "label"


def test_each_list_gives_a_starter_that_runs(client, admin, loaded, record_ids):
    spam = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["spam", "ham"])
    ner = create_task(client, admin, loaded, name="ner", kind="extraction",
                      target_attribute="text", labels=["PRODUCT"])
    for name, terms in (("promos", ["Check out", "WIN"]), ("products", ["iPhone", "my channel"])):
        assert client.post(lists_url(loaded), headers=admin,
                           json={"name": name, "terms": terms}).status_code == 201

    def tried(task: dict, name: str) -> dict[str, list]:
        templates = client.get(f"{API}/projects/{loaded}/heuristics/templates/{task['id']}",
                               headers=admin).json()["data"]
        [starter] = [t for t in templates if t["name"] == f"lookup of {name}"]
        made = client.post(f"{API}/projects/{loaded}/heuristics", headers=admin, json={
            "task_id": task["id"], "name": starter["name"], "source": starter["source"]})
        assert made.status_code == 201, made.text
        response = client.post(
            f"{API}/projects/{loaded}/heuristics/{made.json()['id']}/sample", headers=admin,
            json={"record_ids": list(record_ids.values())})
        assert response.status_code == 200, response.text
        return {r["external_id"]: [o.get("text") or o["label"] for o in r["outputs"]]
                for r in response.json()["results"]}

    # "Terrible battery. Check out my channel!" and "Subscribe to win an iPhone"
    assert tried(spam, "promos") == {"1": [], "2": ["spam"], "3": [], "4": ["spam"]}
    assert tried(ner, "products") == {"1": [], "2": ["my channel"], "3": [], "4": ["iPhone"]}


PRODUCTS_LF = """
from knowledge import products

def lf(record):
    for i, token in enumerate(record.tokens("text")):
        if token.text in products:
            yield "PRODUCT", i, i + 1
"""


def test_a_list_follows_the_reference_spans_of_a_label(client, admin, loaded, record_ids):
    ner = create_task(client, admin, loaded, name="ner", kind="extraction",
                      target_attribute="text", labels=["PRODUCT", "ACTION"])
    product = next(label for label in ner["labels"] if label["name"] == "PRODUCT")

    def label(external: str, start: int, name: str = "PRODUCT") -> int:
        response = client.post(f"{API}/projects/{loaded}/records/{record_ids[external]}/labels",
                               headers=admin, json={"task_id": ner["id"], "label": name,
                                                    "token_start": start,
                                                    "token_end": start + 1})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def unlabel(label_id: int) -> None:
        assert client.delete(f"{API}/projects/{loaded}/manual-labels/{label_id}",
                             headers=admin).status_code == 204

    label("4", 4)                                               # "iPhone"
    made = client.post(lists_url(loaded), headers=admin, json={
        "name": "products", "terms": ["phone"],
        "follows": {"task_id": ner["id"], "label": "PRODUCT"}})
    assert made.status_code == 201, made.text
    assert made.json()["terms"] == ["phone", "iPhone"] and made.json()["version"] == 1
    assert made.json()["follows"] == {"task_id": ner["id"], "task_name": "ner",
                                      "label": "PRODUCT"}
    url = f"{lists_url(loaded)}/{made.json()['id']}"

    def read() -> dict:
        return client.get(url, headers=admin).json()

    battery, phone = label("2", 1), label("1", 1)               # "battery", "phone" (typed)
    assert (read()["terms"], read()["version"], read()["n_from_labels"]) == (
        ["phone", "iPhone", "battery"], 2, 2)
    unlabel(battery)
    unlabel(phone)
    assert read()["terms"] == ["phone", "iPhone"], "a term typed stays; one from spans leaves"
    assert read()["version"] == 3

    heuristic = client.post(f"{API}/projects/{loaded}/heuristics", headers=admin, json={
        "task_id": ner["id"], "name": "products", "source": PRODUCTS_LF}).json()
    battery = label("2", 1)                                     # tried at once: read anew
    tried = client.post(f"{API}/projects/{loaded}/heuristics/{heuristic['id']}/sample",
                        headers=admin, json={"record_ids": [record_ids["2"]]})
    assert tried.status_code == 200, tried.text
    assert [o["text"] for o in tried.json()["results"][0]["outputs"]] == ["battery"]

    client.patch(url, headers=admin, json={"remove": ["iPhone"], "add": ["battery"]})
    unlabel(battery)
    assert read()["terms"] == ["phone", "battery"], (
        "a term removed by hand stays out; one typed by hand stays in")
    assert read()["n_from_labels"] == 0
    renamed = client.patch(f"{API}/projects/{loaded}/tasks/{ner['id']}/labels/{product['id']}",
                           headers=admin, json={"name": "GADGET"})
    assert renamed.status_code == 200, renamed.text
    assert read()["follows"]["label"] == "GADGET"

    stopped = client.patch(url, headers=admin, json={"follows": None}).json()
    assert stopped["follows"] is None and stopped["terms"] == ["phone", "battery"]
    label("3", 3, "GADGET")                                     # "price"
    assert read()["terms"] == ["phone", "battery"], "a list that follows nothing stays"
    again = client.patch(url, headers=admin, json={
        "follows": {"task_id": ner["id"], "label": "GADGET"}}).json()
    assert again["terms"] == ["phone", "battery", "iPhone", "price"]
    assert client.delete(f"{API}/projects/{loaded}/tasks/{ner['id']}/labels/{product['id']}",
                         headers=admin).status_code == 204
    assert read()["follows"] is None and read()["terms"] == ["phone", "battery", "iPhone",
                                                             "price"]
    assert read()["n_from_labels"] == 0


def test_a_list_follows_only_a_label_of_an_extraction_task(client, admin, loaded):
    spam = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    ner = create_task(client, admin, loaded, name="ner", kind="extraction",
                      target_attribute="text", labels=["PRODUCT"])
    refused = client.post(lists_url(loaded), headers=admin, json={
        "name": "spammy", "follows": {"task_id": spam["id"], "label": "spam"}})
    assert refused.status_code == 422 and "extraction task" in refused.json()["detail"]
    unknown = client.post(lists_url(loaded), headers=admin, json={
        "name": "spammy", "follows": {"task_id": ner["id"], "label": "PLACE"}})
    assert unknown.status_code == 422 and unknown.json()["field"] == "follows"
    assert client.get(lists_url(loaded), headers=admin).json()["count"] == 0


def test_white_space_inside_a_term_is_one_space(client, admin, project_id):
    made = client.post(lists_url(project_id), headers=admin, json={
        "name": "cities", "terms": ["New\nYork", " New  York ", "Los\t Angeles"]})
    assert made.json()["terms"] == ["New York", "Los Angeles"], "a list is one term per line"


def test_term_statistics_count_records_and_their_labels(client, admin, loaded, record_ids):
    spam = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    for external, name in (("1", "ham"), ("2", "spam"), ("4", "spam")):
        assert client.post(f"{API}/projects/{loaded}/records/{record_ids[external]}/labels",
                           headers=admin, json={"task_id": spam["id"], "label": name}
                           ).status_code == 201
    made = client.post(lists_url(loaded), headers=admin, json={
        "name": "words", "terms": ["CHANNEL", "subscribe to", "phone", "price", "nowhere"]})
    stats = client.get(f"{lists_url(loaded)}/{made.json()['id']}/term-stats", headers=admin)
    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert (body["task_id"], body["unit"], body["attribute"], body["labelled"],
            body["follows"]) == (spam["id"], "records", "text", 3, None)
    assert {t["term"]: (t["found"], t["labelled"], t["labels"]) for t in body["terms"]} == {
        "CHANNEL": (1, 1, {"spam": 1}), "subscribe to": (1, 1, {"spam": 1}),
        "phone": (1, 1, {"ham": 1}),      # a whole word: "iPhone" does not hold it
        "price": (1, 0, {}), "nowhere": (0, 0, {})}
    assert [t["term"] for t in body["terms"]] == [
        "price", "nowhere", "CHANNEL", "subscribe to", "phone"]   # unlabelled, then agreeing


def test_term_statistics_of_a_followed_label_count_places(client, admin, loaded, record_ids):
    create_task(client, admin, loaded, name="spam", kind="classification", labels=["a"])
    ner = create_task(client, admin, loaded, name="ner", kind="extraction",
                      target_attribute="text", labels=["PRODUCT", "ACTION"])
    for external, name, start in (("4", "PRODUCT", 4), ("1", "ACTION", 1)):
        assert client.post(f"{API}/projects/{loaded}/records/{record_ids[external]}/labels",
                           headers=admin, json={"task_id": ner["id"], "label": name,
                                                "token_start": start, "token_end": start + 1}
                           ).status_code == 201
    made = client.post(lists_url(loaded), headers=admin, json={
        "name": "products", "terms": ["phone", "battery"],
        "follows": {"task_id": ner["id"], "label": "PRODUCT"}}).json()
    url = f"{lists_url(loaded)}/{made['id']}/term-stats"
    body = client.get(url, headers=admin).json()      # the followed task, not the first
    assert (body["task_id"], body["unit"], body["labelled"], body["follows"]) == (
        ner["id"], "places", 2, "PRODUCT")
    assert {t["term"]: (t["found"], t["labelled"], t["labels"], t["agreement"])
            for t in body["terms"]} == {
        "phone": (1, 1, {"ACTION": 1}, 0.0),           # against the followed label
        "battery": (1, 0, {}, None), "iPhone": (1, 1, {"PRODUCT": 1}, 1.0)}
    assert [(t["term"], t["noisy"]) for t in body["terms"]] == [
        ("phone", True), ("battery", False), ("iPhone", False)]     # the worst first

    first = client.get(url, headers=admin, params={"task_id": ner["id"] - 1}).json()
    assert first["unit"] == "records" and first["follows"] is None
    assert [t["agreement"] for t in first["terms"]] == [None, None, None]   # not labelled
    missing = client.get(url, headers=admin, params={"task_id": 999_999})
    assert missing.status_code == 404, missing.text


COMMENTS = ("id,text\n1,Check out my channel now\n2,check out my channel please\n"
            "3,Check out my new video\n4,great song love it\n5,love this song\n"
            "6,this song is great\n7,my favourite song\n8,check out this song\n")


def test_suggestions_are_the_words_the_list_lacks_that_signal_a_label(client, admin,
                                                                       project_id):
    assert upload(client, admin, project_id, COMMENTS, id_column="id").status_code == 201
    spam = create_task(client, admin, project_id, name="spam", kind="classification",
                       labels=["ham", "spam"])
    ids = {r["external_id"]: r["id"] for r in client.get(
        f"{API}/projects/{project_id}/records", headers=admin).json()["data"]}
    for external, name in (("1", "spam"), ("2", "spam"), ("3", "spam"), ("4", "ham"),
                           ("5", "ham"), ("6", "ham"), ("7", "ham")):
        assert client.post(f"{API}/projects/{project_id}/records/{ids[external]}/labels",
                           headers=admin, json={"task_id": spam["id"], "label": name}
                           ).status_code == 201
    made = client.post(lists_url(project_id), headers=admin,
                       json={"name": "spam_words", "terms": ["Channel"]}).json()
    url = f"{lists_url(project_id)}/{made['id']}/suggestions"

    answer = client.get(url, headers=admin, params={"label": "spam"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["task_id"], body["label"], body["labelled"]) == (spam["id"], "spam", 7)
    # not "channel" (listed) nor "my channel" (holds it); not "check out" nor "out my" (as
    # precise as "check", "out" which reach more); "my" beats the base rate of spam, 3/7
    assert [(s["term"], s["support"], s["precision"], s["found"]) for s in body["data"]] == [
        ("check", 3, 1.0, 4), ("out", 3, 1.0, 4), ("my", 4, 0.75, 4)]
    ham = client.get(url, headers=admin, params={"label": "ham", "limit": 1}).json()
    assert [s["term"] for s in ham["data"]] == ["song"]

    unknown = client.get(url, headers=admin, params={"label": "eggs"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "label"
    assert client.get(url, headers=admin).status_code == 422          # no label
    ner = create_task(client, admin, project_id, name="ner", kind="extraction",
                      target_attribute="text", labels=["X"])
    spans = client.get(url, headers=admin, params={"label": "X", "task_id": ner["id"]})
    assert spans.status_code == 422 and "follows its label" in spans.json()["detail"]
