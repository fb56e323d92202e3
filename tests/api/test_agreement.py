"""Agreement among a task's annotators over the API, for every task kind; the expected
numbers are worked out by hand in the comments."""

from __future__ import annotations

import pytest

from tests.api.conftest import API, create_task


def _label(client, admin, project, record, **body) -> None:
    response = client.post(f"{API}/projects/{project}/records/{record}/labels", headers=admin,
                           json=body)
    assert response.status_code == 201, response.text


def _review(client, admin, project, record, task, annotator) -> None:
    response = client.post(f"{API}/projects/{project}/records/{record}/reviews", headers=admin,
                           json={"task_id": task, "annotator": annotator})
    assert response.status_code == 201, response.text


def _agreement(client, headers, project, task) -> dict:
    response = client.get(f"{API}/projects/{project}/tasks/{task}/agreement", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_classification_alpha_pairs_labels_confusions_and_gold(client, admin, loaded,
                                                               record_ids, make_user):
    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])["id"]
    given = {"1": {"ann": "spam", "bob": "spam", "cid": "ham"},
             "2": {"ann": "spam", "bob": "ham"},
             "3": {"ann": "ham", "bob": "ham", "cid": "ham"},
             "4": {"ann": "spam"}}
    for external_id, labels in given.items():
        for annotator, name in labels.items():
            _label(client, admin, loaded, record_ids[external_id], task_id=task, label=name,
                   annotator=annotator)
    _label(client, admin, loaded, record_ids["1"], task_id=task, label="spam", is_gold=True)
    viewer = make_user("vic")
    client.put(f"{API}/projects/{loaded}/members", headers=admin,
               json={"user": "vic", "role": "viewer"})
    result = _agreement(client, viewer, loaded, task)
    # coincidences (record 4 has one annotator, left out): record 1 (m=3: s, s, h) gives
    # o_ss = 2/2, o_sh = o_hs = 2/2; record 2 gives o_sh = o_hs = 1; record 3 (h, h, h)
    # o_hh = 6/2. So o_ss = 1, o_sh = o_hs = 2, o_hh = 3; n_s = 3, n_h = 5, n = 8 and
    # alpha = 1 - (n - 1) * (o_sh + o_hs) / (n^2 - n_s^2 - n_h^2) = 1 - 7 * 4 / 30.
    assert result["value"] == pytest.approx(1 - 28 / 30)
    assert (result["metric"], result["reading"], result["kind"]) == (
        "krippendorff_alpha", "unreliable", "classification")
    assert (result["records"], result["labelled_records"], result["note"]) == (3, 4, None)
    pairs = {(p["a"], p["b"]): p for p in result["pairs"]}
    # ann/bob: (s, s), (s, h), (h, h): p_o = 2/3, p_e = 2/3 * 1/3 + 1/3 * 2/3 = 4/9,
    # kappa = (2/3 - 4/9) / (5/9) = 0.4; ann/cid: (s, h), (h, h): p_o = 1/2 = p_e, kappa 0
    assert pairs["ann", "bob"]["records"] == 3
    assert pairs["ann", "bob"]["agreement"] == pytest.approx(2 / 3)
    assert pairs["ann", "bob"]["kappa"] == pytest.approx(0.4)
    assert (pairs["ann", "cid"]["agreement"], pairs["ann", "cid"]["kappa"]) == (0.5, 0.0)
    assert set(pairs) == {("ann", "bob"), ("ann", "cid"), ("bob", "cid")}
    annotators = {a["name"]: a for a in result["annotators"]}
    assert set(annotators) == {"ann", "bob", "cid"}, "the gold label's author is no annotator"
    # ann's comparisons: record 1 with bob (yes) and cid (no), 2 with bob (no), 3 with both
    assert (annotators["ann"]["records"], annotators["ann"]["shared"]) == (4, 3)
    assert annotators["ann"]["agreement"] == pytest.approx(3 / 5)
    assert (annotators["ann"]["gold_records"], annotators["ann"]["gold_agreement"]) == (1, 1.0)
    assert (annotators["cid"]["gold_records"], annotators["cid"]["gold_agreement"]) == (1, 0.0)
    assert [(x["label"], x["count"]) for x in result["labels"]] == [("ham", 5), ("spam", 3)]
    assert result["labels"][0]["agreement"] == pytest.approx(3 / 5)
    assert result["labels"][1]["agreement"] == pytest.approx(1 / 3)
    assert result["confusions"] == [{"a": "ham", "b": "spam", "count": 2}]


def test_multilabel_reads_yes_or_no_per_label_and_reviews_as_empty_sets(
        client, admin, loaded, record_ids):
    task = create_task(client, admin, loaded, name="topics", kind="multilabel",
                       labels=["battery", "spam"])["id"]
    for annotator, labels in (("ann", ["battery"]), ("bob", ["battery", "spam"])):
        for name in labels:
            _label(client, admin, loaded, record_ids["2"], task_id=task, label=name,
                   annotator=annotator)
    for annotator in ("ann", "bob"):
        _review(client, admin, loaded, record_ids["3"], task, annotator)
    result = _agreement(client, admin, loaded, task)
    # yes/no decisions: battery (1, 1) on record 2, (0, 0) on 3; spam (0, 1) and (0, 0):
    # o_00 = 4, o_11 = 2, o_01 = o_10 = 1; n_0 = 5, n_1 = 3, n = 8:
    # alpha = 1 - 7 * 2 / (64 - 25 - 9)
    assert result["value"] == pytest.approx(1 - 14 / 30)
    assert result["pairs"][0]["agreement"] == 0.5, "the same set on record 3 only"
    # kappa of the four decisions of each: ann (1, 0, 0, 0), bob (1, 1, 0, 0):
    # p_o = 3/4, p_e = 1/4 * 2/4 + 3/4 * 2/4 = 1/2, kappa = 1/2
    assert result["pairs"][0]["kappa"] == pytest.approx(0.5)
    battery, spam = result["labels"]
    assert (battery["count"], battery["agreement"], battery["alpha"]) == (2, 1.0, 1.0)
    assert (spam["count"], spam["agreement"]) == (1, 0.0)
    assert result["confusions"] == []


def test_extraction_span_f1_between_annotators_and_against_gold(client, admin, loaded,
                                                                record_ids):
    task = create_task(client, admin, loaded, name="ner", kind="extraction",
                       target_attribute="text", labels=["PRODUCT", "ACTION"])["id"]
    record = record_ids["4"]   # "Subscribe to win an iPhone"
    for annotator, label, start, end in (("ann", "PRODUCT", 4, 5), ("ann", "ACTION", 0, 1),
                                         ("bob", "PRODUCT", 4, 5)):
        _label(client, admin, loaded, record, task_id=task, label=label, token_start=start,
               token_end=end, annotator=annotator)
    _label(client, admin, loaded, record, task_id=task, label="PRODUCT", token_start=4,
           token_end=5, is_gold=True)
    for annotator in ("ann", "bob"):   # nothing to mark in record 1: no span, no harm
        _review(client, admin, loaded, record_ids["1"], task, annotator)
    result = _agreement(client, admin, loaded, task)
    # one span in common of 2 + 1 marked: F1 = 2 * 1 / 3
    assert (result["metric"], result["reading"]) == ("span_f1", None)
    assert result["value"] == pytest.approx(2 / 3)
    assert (result["records"], result["pairs"][0]["records"]) == (2, 2)
    assert result["pairs"][0]["kappa"] is None
    assert [(x["label"], x["count"], x["agreement"]) for x in result["labels"]] == [
        ("PRODUCT", 2, 1.0), ("ACTION", 1, 0.0)]
    annotators = {a["name"]: a for a in result["annotators"]}
    assert annotators["ann"]["gold_agreement"] == pytest.approx(2 / 3)
    assert (annotators["bob"]["gold_records"], annotators["bob"]["gold_agreement"]) == (1, 1.0)


def test_without_two_annotators_on_a_record_there_is_no_value(client, admin, loaded,
                                                              record_ids):
    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])["id"]
    empty = _agreement(client, admin, loaded, task)
    assert (empty["value"], empty["records"], empty["annotators"], empty["pairs"]) == (
        None, 0, [], [])
    assert empty["note"] == "No record has labels of two annotators yet."
    for annotator in ("ann", "bob"):
        _label(client, admin, loaded, record_ids["1"], task_id=task, label="ham",
               annotator=annotator)
    same = _agreement(client, admin, loaded, task)
    assert (same["value"], same["records"], same["pairs"][0]["agreement"]) == (None, 1, 1.0)
    assert "cannot be told from chance" in same["note"]
    assert client.get(f"{API}/projects/{loaded}/tasks/999999/agreement",
                      headers=admin).status_code == 404
