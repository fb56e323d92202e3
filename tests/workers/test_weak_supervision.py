"""Weak supervision runs through the API and a real worker, checked independently."""

from __future__ import annotations

import csv
import io
import json
import re
import time

import httpx
import numpy as np
import pyarrow.parquet as pq
import pytest

from formats.readers import read_conll
from heuristics.spans import iob_to_spans
from services.demo import first_sentences
from tests.conftest import DATASETS
from tests.workers.conftest import Stack
from tests.workers.test_labeling_functions import (
    YOUTUBE,
    external_ids,
    run_to_end,
    save,
    youtube_project,
)
from tests.workers.test_runs import events_until

RULES = {
    "check_out": (r"check (it |this )?out|subscribe", "spam"),
    "links": (r"http|www\.", "spam"),
    "praise": (r"love|song|beautiful|best", "ham"),
}


def rule_source(pattern: str, label: str) -> str:
    return (f"import re\n\ndef lf(record):\n    if re.search(r\"{pattern}\", "
            f"record[\"CONTENT\"], re.IGNORECASE):\n        return \"{label}\"\n")


def test_weak_labels_equal_an_independent_majority_vote(embedded: Stack):
    project, task = youtube_project(embedded)
    embedded.start_worker()
    for name, (pattern, label) in RULES.items():
        heuristic = save(embedded, project, task, rule_source(pattern, label), name=name)
        assert run_to_end(embedded, project, heuristic["id"])["status"] == "succeeded"
    with YOUTUBE.open(encoding="utf-8", newline="") as handle:
        rows = {row["COMMENT_ID"]: row for row in csv.DictReader(handle)}
    ids = {e: rid for rid, e in external_ids(embedded, project).items()}
    for external in sorted(rows)[:100]:
        embedded.post(f"/projects/{project}/records/{ids[external]}/labels", json={
            "task_id": task, "label": "spam" if rows[external]["CLASS"] == "1" else "ham"})
    base = f"/projects/{project}/tasks/{task}/weak-supervision"
    response = embedded.post(base, json={"method": "majority"})
    assert response.status_code == 202, response.text
    run = embedded.wait_run(project, response.json()["id"])
    assert run["status"] == "succeeded", (run, embedded.logs())
    export = httpx.get(f"{embedded.api}{base}/export", params={"format": "jsonl"},
                       headers=embedded.headers, timeout=60)
    weak = {r["external_id"]: r for r in map(json.loads, export.text.splitlines())}
    assert len(weak) == len(rows)
    votes = {external: [label for pattern, label in RULES.values()
                        if re.search(pattern, row["CONTENT"], re.IGNORECASE)]
             for external, row in rows.items()}
    # Ties go to the label with the larger share of the votes (each record's shares summed).
    share = {label: sum(v.count(label) / len(v) for v in votes.values() if v)
             for label in ("spam", "ham")}
    frequent = max(share, key=share.get)
    assert share["spam"] != share["ham"]
    expected_accuracy, compared = 0.0, 0
    for external, voted in votes.items():
        spam, ham = voted.count("spam"), voted.count("ham")
        expected = (None if not voted else "spam" if spam > ham else "ham" if ham > spam
                    else frequent)
        assert weak[external]["weak_label"] == expected, (external, voted)
        reference = weak[external]["reference"]
        if voted and reference:
            compared += 1
            # one scoring rule: a tie earns half, whichever label it was broken to
            expected_accuracy += 0.5 if spam == ham else float(expected == reference)
    assert run["metrics"]["compared"] == compared
    assert run["metrics"]["accuracy"] == pytest.approx(expected_accuracy / compared)
    without_votes = [e for e, voted in votes.items() if not voted]
    referenced = [e for e in votes if weak[e]["reference"]]
    assert run["metrics"]["compared_all"] == len(referenced) == 100
    assert run["metrics"]["accuracy_all"] == pytest.approx((expected_accuracy + 0.5 * sum(
        not votes[e] for e in referenced)) / len(referenced))
    assert run["metrics"]["coverage"] == pytest.approx(1 - len(without_votes) / len(rows))
    assert run["metrics"]["from_prior"] == 0 and without_votes
    assert run["metrics"]["guessed"] == sum(not votes[e] for e in referenced)
    assert run["metrics"]["weakly_labelled"] == sum(bool(r["weak_label"]) for r in weak.values())
    matrix = np.load(io.BytesIO(httpx.get(f"{embedded.api}{base}/label-matrix",
                                          headers=embedded.headers, timeout=60).content))
    assert list(matrix["heuristics"]) == list(RULES) and matrix["L"].shape == (len(rows), 3)
    row = list(matrix["record_ids"]).index(sorted(rows)[0])
    first = rows[sorted(rows)[0]]["CONTENT"]
    assert [int(v) for v in matrix["L"][row]] == [
        (["ham", "spam"].index(label) if re.search(pattern, first, re.IGNORECASE) else -1)
        for pattern, label in RULES.values()]
    studio = httpx.get(f"{embedded.api}{base}/export", params={"format": "label-studio"},
                       headers=embedded.headers, timeout=60).json()
    assert len(studio) == run["metrics"]["weakly_labelled"]
    prediction = studio[0]["predictions"][0]
    assert prediction["model_version"] == f"heurist-run-{run['id']}"
    assert prediction["result"][0]["value"]["choices"][0] == \
        weak[studio[0]["data"]["external_id"]]["weak_label"]
    assert prediction["result"][0]["to_name"] == "CONTENT", "the text, not the author"
    # the result says when the heuristics behind it changed
    assert embedded.get(base)["stale"] is False
    first_rule = embedded.get(f"/projects/{project}/heuristics")["data"][0]["id"]
    assert run_to_end(embedded, project, first_rule)["status"] == "succeeded"
    assert embedded.get(base)["stale"] is True
    parquet = pq.read_table(io.BytesIO(httpx.get(f"{embedded.api}{base}/export", params={
        "format": "parquet"}, headers=embedded.headers, timeout=60).content))
    assert parquet.num_rows == len(rows)
    assert str(parquet.schema.field("confidence").type) == "double"
    # the label model runs on the same votes; the latest run is served
    model_run = embedded.post(base, json={"method": "label_model", "min_confidence": 0.6})
    finished = embedded.wait_run(project, model_run.json()["id"])
    assert finished["status"] == "succeeded" and finished["metrics"]["method"] == "label_model"
    assert embedded.get(base)["id"] == finished["id"]
    # a few hundred comments: too few for the label model to count the rules' silences
    n_records = len(external_ids(embedded, project))
    assert finished["metrics"]["abstentions"] == (
        f"abstentions ignored: {n_records:,} records (fewer than 3,000)")
    # Records without votes can get the class prior: the most frequent label, marked by a
    # confidence no higher than any label decided by votes, and counted as such.
    prior_run = embedded.wait_run(project, embedded.post(base, json={
        "method": "majority", "no_vote": "prior"}).json()["id"])
    assert prior_run["metrics"]["from_prior"] == len(without_votes)
    with_prior = _weak_rows(embedded, base)
    assert {with_prior[e]["weak_label"] for e in without_votes} == {frequent}
    lowest_voted = min(with_prior[e]["confidence"] for e in votes if votes[e])
    assert all(with_prior[e]["confidence"] <= lowest_voted for e in without_votes)
    assert prior_run["metrics"]["weakly_labelled"] == len(rows)
    assert prior_run["metrics"]["accuracy"] == pytest.approx(run["metrics"]["accuracy"])
    assert embedded.post(base, json={"no_vote": "guess"}).status_code == 422
    auto = embedded.wait_run(project, embedded.post(base, json={}).json()["id"])
    methods = {"majority", "weighted", "label_model", "anchored_label_model"}
    assert auto["metrics"]["method"] in methods
    assert set(auto["metrics"]["agreement_by_method"]) == methods
    # the run said how far it was while it worked, and what auto chose
    mine = [(t, p) for t, p in events_until(embedded, project, auto["id"])
            if p.get("id") == auto["id"]]
    assert [p["progress"] for t, p in mine if t == "run.progress"] == pytest.approx(
        [0.05, 0.4, 0.8, 1.0])
    logs = embedded.get(f"/projects/{project}/runs/{auto['id']}")["logs"]
    assert f"merging the votes of 3 heuristics over {len(rows)} records" in logs
    chosen = auto["metrics"]["method"]
    assert f"auto chose {chosen} (agreement with the reference labels: majority " in logs
    halves = auto["metrics"]["cross_fitted"]
    assert len(halves) == 2 and set(halves) <= methods
    assert (f"accuracy cross-fitted: each half of the reference labels scored with the method "
            f"chosen on the other half ({halves[0]}, {halves[1]})") in logs
    assert f"{chosen}: {auto['metrics']['weakly_labelled']} weak labels" in logs
    # The label model anchored on the reference labels learns from them, so what it reports
    # on them is cross-fitted: each half scored by a fit anchored on the other half only.
    anchored = embedded.wait_run(project, embedded.post(base, json={
        "method": "anchored_label_model"}).json()["id"])
    assert anchored["status"] == "succeeded", anchored
    assert anchored["metrics"]["method"] == "anchored_label_model"
    assert anchored["metrics"]["cross_fitted"] == ["anchored_label_model"] * 2
    assert anchored["metrics"]["compared"] >= 30
    assert ("anchored_label_model learns from the reference labels: accuracy cross-fitted, "
            "each half of them scored with the method fitted on the other half's") in \
        embedded.get(f"/projects/{project}/runs/{anchored['id']}")["logs"]


def test_weak_supervision_needs_heuristic_outputs(embedded: Stack):
    project, task = youtube_project(embedded)
    embedded.start_worker()
    base = f"/projects/{project}/tasks/{task}/weak-supervision"
    # Refused before anything is queued: no outputs yet, an empty choice, unknown ids or
    # fields.
    response = embedded.post(base, json={})
    assert response.status_code == 422 and response.json()["field"] == "heuristic_ids"
    assert "has a successful run of its current code yet" in response.json()["detail"]
    for body in ({"heuristic_ids": [999]}, {"heuristic_ids": []}):
        response = embedded.post(base, json=body)
        assert response.status_code == 422 and response.json()["field"] == "heuristic_ids"
    assert embedded.post(base, json={"methd": "majority"}).status_code == 422
    assert embedded.get(f"/projects/{project}/runs")["count"] == 0
    # A chosen heuristic without output is named in the run's metrics, not silently dropped.
    ran = save(embedded, project, task, rule_source(r"check (it |this )?out", "spam"),
               name="ran")
    assert run_to_end(embedded, project, ran["id"])["status"] == "succeeded"
    idle = save(embedded, project, task, rule_source(r"subscribe", "spam"), name="idle")
    run = embedded.wait_run(project, embedded.post(base, json={
        "heuristic_ids": [ran["id"], idle["id"]]}).json()["id"])
    assert run["status"] == "succeeded", run
    assert run["metrics"]["heuristic_ids"] == [ran["id"]]
    assert run["metrics"]["without_output"] == [idle["id"]]
    assert httpx.get(f"{embedded.api}{base}", headers=embedded.headers).status_code == 200


def _weak_rows(stack: Stack, base: str) -> dict[str, dict]:
    export = httpx.get(f"{stack.api}{base}/export", params={"format": "jsonl"},
                       headers=stack.headers, timeout=60)
    assert export.status_code == 200, export.text
    return {r["external_id"]: r for r in map(json.loads, export.text.splitlines())}


def test_multilabel_weak_labels_per_label_majority(embedded: Stack):
    project, _ = youtube_project(embedded)
    task = embedded.post(f"/projects/{project}/tasks", json={
        "name": "topics", "kind": "multilabel", "labels": ["promo", "link", "praise"]}).json()
    rules = {"promo": (r"check (it |this )?out|subscribe", "promo"),
             "links": (r"http|www\.", "link"), "youtube": (r"youtube\.com", "link"),
             "praise": (r"love|song|beautiful|best", "praise")}
    embedded.start_worker()
    for name, (pattern, label) in rules.items():
        heuristic = save(embedded, project, task["id"], rule_source(pattern, label), name=name)
        assert run_to_end(embedded, project, heuristic["id"])["status"] == "succeeded"
    base = f"/projects/{project}/tasks/{task['id']}/weak-supervision"
    for method in ("label_model", "anchored_label_model"):
        refused = embedded.post(base, json={"method": method})
        assert refused.status_code == 422 and "multi-label" in refused.json()["detail"]
    run = embedded.wait_run(project, embedded.post(base, json={"method": "majority"}).json()["id"])
    assert run["status"] == "succeeded", (run, embedded.logs())
    weak = _weak_rows(embedded, base)
    with YOUTUBE.open(encoding="utf-8", newline="") as handle:
        texts = {row["COMMENT_ID"]: row["CONTENT"] for row in csv.DictReader(handle)}
    both = 0
    for external, text in texts.items():
        votes = [label for pattern, label in rules.values()
                 if re.search(pattern, text, re.IGNORECASE)]
        expected = [label for label in ("promo", "link", "praise")
                    if votes and votes.count(label) / len(votes) >= 0.5]
        assert weak[external]["weak_label"] == expected, (text, votes)
        assert weak[external]["confidence"] == [votes.count(label) / len(votes)
                                                for label in expected]
        both += len(expected) == 2
    assert both > 0, "no record with two labels: the test would not show per-label voting"
    assert run["metrics"]["distribution"]["link"] == sum(
        "link" in row["weak_label"] for row in weak.values())
    studio = httpx.get(f"{embedded.api}{base}/export", params={"format": "label-studio"},
                       headers=embedded.headers, timeout=60).json()
    assert len(studio) == run["metrics"]["weakly_labelled"]
    first = studio[0]
    assert first["predictions"][0]["result"][0]["value"]["choices"] == \
        weak[first["data"]["external_id"]]["weak_label"]
    assert httpx.get(f"{embedded.api}{base}/export", params={"format": "conll"},
                     headers=embedded.headers).status_code == 422
    # one binary matrix per label: 1 voted it, 0 voted another label there, -1 no vote
    matrix = np.load(io.BytesIO(httpx.get(f"{embedded.api}{base}/label-matrix",
                                          headers=embedded.headers, timeout=60).content))
    assert list(matrix["labels"]) == ["promo", "link", "praise"]
    assert list(matrix["heuristics"]) == list(rules)
    assert matrix["L"].shape == (3, len(texts), len(rules))
    for row, external in enumerate(matrix["record_ids"]):
        for column, (pattern, label) in enumerate(rules.values()):
            fired = re.search(pattern, texts[external], re.IGNORECASE) is not None
            assert [int(matrix["L"][k, row, column]) for k in range(3)] == [
                (1 if name == label else 0) if fired else -1
                for name in ("promo", "link", "praise")]


def _token_majority(tokens: list[str], rules: list[tuple[set, str]], labels: list[str], *,
                    own_labels: bool = True) -> list[str]:
    """Per token: OUTSIDE or the label most of the rules that fired in the sentence vote;
    ties go to OUTSIDE, then to the first label. With ``own_labels`` a rule's OUTSIDE vote
    counts only where no rule names a label, or some rule names the rule's own label."""
    fired = [(label, [(label if token in words else "OUTSIDE") for token in tokens])
             for words, label in rules if any(token in words for token in tokens)]
    order = ["OUTSIDE", *labels]
    result = []
    for position in range(len(tokens)):
        named = {votes[position] for _, votes in fired} - {"OUTSIDE"}
        counted = [votes[position] for label, votes in fired
                   if votes[position] != "OUTSIDE" or not own_labels or not named
                   or label in named]
        result.append(max(order, key=lambda label: (counted.count(label), -order.index(label))))
    return result


def test_extraction_weak_spans_and_conll_export(embedded: Stack):
    lines = first_sentences((DATASETS / "conll2003" / "dev.txt").open(encoding="utf-8"), 300)
    project = embedded.post("/projects", json={"name": "conll"}).json()["id"]
    imported = embedded.post(f"/projects/{project}/records/import-conll",
                             files={"file": ("dev.txt", "".join(lines).encode())}).json()
    task = embedded.get(f"/projects/{project}/tasks/{imported['task_id']}")
    labels = [label["name"] for label in task["labels"]]
    places = {"Germany", "Britain", "London", "France", "Europe", "England", "Italy", "Spain"}
    countries = {"Germany", "Britain", "France", "Italy", "Spain", "Japan", "China"}
    clubs = {"Italy", "England", "Manchester", "Barcelona", "Arsenal"}
    names = {"John", "David", "Peter", "Michael", "Paul", "Mark", "Martin", "Thomas"}
    rules = [(places, "LOC"), (countries, "LOC"), (clubs, "ORG"), (names, "PER")]
    for number, (words, label) in enumerate(rules):
        source = (f"WORDS = {sorted(words)!r}\n\ndef lf(record):\n"
                  f"    for i, token in enumerate(record.tokens('text')):\n"
                  f"        if token.text in WORDS:\n            yield {label!r}, i, i + 1\n")
        heuristic = save(embedded, project, task["id"], source, name=f"rule{number}")
        if number == 0:
            embedded.start_worker()
        assert run_to_end(embedded, project, heuristic["id"])["status"] == "succeeded"
    base = f"/projects/{project}/tasks/{task['id']}/weak-supervision"
    run = embedded.wait_run(project, embedded.post(base, json={"method": "majority"}).json()["id"])
    assert run["status"] == "succeeded", (run, embedded.logs())
    sentences = [sentence for sentence in read_conll(io.BytesIO("".join(lines).encode()))]
    expected = {f"s{n}": iob_to_spans([f"B-{t}" if t != "OUTSIDE" else "O" for t in
                                       _token_majority(s.tokens, rules, labels)])
                for n, s in enumerate(sentences, start=1)}
    # some sentences have tokens where counting every OUTSIDE vote decides otherwise
    assert sum(_token_majority(s.tokens, rules, labels) != _token_majority(
        s.tokens, rules, labels, own_labels=False) for s in sentences) > 3
    weak = _weak_rows(embedded, base)
    assert {external: [(s["label"], s["token_start"], s["token_end"]) for s in row["weak_label"]]
            for external, row in weak.items()} == {
        external: [(s.label, s.start, s.end) for s in spans]
        for external, spans in expected.items()}
    italy = next(span for row in weak.values() for span in row["weak_label"]
                 if span["text"] == "Italy")
    assert italy["label"] == "LOC" and abs(italy["confidence"] - 2 / 3) < 1e-9
    assert run["metrics"]["spans"] == sum(len(spans) for spans in expected.values()) > 10
    assert run["metrics"]["micro_f1"] is not None and 0 < run["metrics"]["f1"]["LOC"] <= 1
    # the token label matrix, as the heuristics voted (OUTSIDE where one tagged elsewhere)
    matrix = np.load(io.BytesIO(httpx.get(f"{embedded.api}{base}/label-matrix",
                                          headers=embedded.headers, timeout=60).content))
    assert list(matrix["labels"]) == ["OUTSIDE", *labels]
    assert list(matrix["record_ids"]) == [f"s{n}" for n in range(1, len(sentences) + 1)]
    assert list(matrix["tokens"]) == [token for s in sentences for token in s.tokens]
    assert list(matrix["heuristics"]) == [f"rule{n}" for n in range(len(rules))]
    for row, sentence in enumerate(sentences):
        block = matrix["L"][matrix["offsets"][row]:matrix["offsets"][row + 1]]
        for column, (words, label) in enumerate(rules):
            fired = any(token in words for token in sentence.tokens)
            assert block[:, column].tolist() == [
                (1 + labels.index(label) if token in words else 0) if fired else -1
                for token in sentence.tokens]
    conll = httpx.get(f"{embedded.api}{base}/export", params={"format": "conll"},
                      headers=embedded.headers, timeout=60)
    assert conll.status_code == 200, conll.text
    exported = list(read_conll(io.BytesIO(conll.content)))
    assert [s.tokens for s in exported] == [s.tokens for s in sentences]
    assert [[(s.label, s.start, s.end) for s in iob_to_spans(sentence.tags)]
            for sentence in exported] == [
        [(s.label, s.start, s.end) for s in expected[f"s{n}"]]
        for n in range(1, len(sentences) + 1)]
    studio = httpx.get(f"{embedded.api}{base}/export", params={"format": "label-studio"},
                       headers=embedded.headers, timeout=60).json()
    region = studio[0]["predictions"][0]["result"][0]
    assert region["type"] == "labels" and region["to_name"] == "text"
    assert studio[0]["data"]["text"][region["value"]["start"]:region["value"]["end"]] == \
        region["value"]["text"]
    model = embedded.wait_run(project, embedded.post(base, json={
        "method": "label_model"}).json()["id"])
    assert model["status"] == "succeeded" and model["metrics"]["method"] == "label_model"
    assert run["metrics"]["cross_fitted"] is None and model["metrics"]["cross_fitted"] is None
    # The weighted vote weighs each rule by its precision on the reference spans, and auto
    # chooses on them: both are scored on each half of them by what the other half taught.
    weighted = embedded.wait_run(project, embedded.post(base, json={
        "method": "weighted"}).json()["id"])
    assert weighted["metrics"]["cross_fitted"] == ["weighted", "weighted"]
    assert weighted["metrics"]["compared"] == len(sentences)
    assert "weighted learns from the reference labels: accuracy cross-fitted" in \
        embedded.get(f"/projects/{project}/runs/{weighted['id']}")["logs"]
    # Anchored on the reference spans, the label model learns from them, so it too is
    # scored on each half by a fit anchored on the other half only.
    anchored = embedded.wait_run(project, embedded.post(base, json={
        "method": "anchored_label_model"}).json()["id"])
    assert anchored["metrics"]["cross_fitted"] == ["anchored_label_model"] * 2
    assert 0 < anchored["metrics"]["micro_f1"] < 1
    auto = embedded.wait_run(project, embedded.post(base, json={}).json()["id"])
    assert set(auto["metrics"]["agreement_by_method"]) == {"majority", "weighted",
                                                           "label_model",
                                                           "anchored_label_model"}
    halves = auto["metrics"]["cross_fitted"]
    assert (f"chosen on the other half ({halves[0]}, {halves[1]})"
            in embedded.get(f"/projects/{project}/runs/{auto['id']}")["logs"])


def test_weak_supervision_follows_heuristic_changes_when_asked(embedded: Stack):
    project, task = youtube_project(embedded)
    embedded.start_worker()
    names = list(RULES)
    ids = {}
    for name in names[:2]:
        ids[name] = save(embedded, project, task, rule_source(*RULES[name]), name=name)["id"]
        assert run_to_end(embedded, project, ids[name])["status"] == "succeeded"
    base = f"/projects/{project}/tasks/{task}/weak-supervision"
    first = embedded.wait_run(project, embedded.post(base, json={
        "method": "majority", "auto_rerun": True}).json()["id"])
    assert first["metrics"]["heuristics"] == 2

    def latest() -> dict:
        runs = embedded.get(f"/projects/{project}/runs", kind="weak_supervision")["data"]
        return max(runs, key=lambda run: run["id"])

    def next_run(after: int) -> dict:
        deadline = time.monotonic() + 60
        while latest()["id"] <= after and time.monotonic() < deadline:
            time.sleep(0.2)
        return embedded.wait_run(project, latest()["id"])

    ids["praise"] = save(embedded, project, task, rule_source(*RULES["praise"]),
                         name="praise")["id"]
    assert run_to_end(embedded, project, ids["praise"])["status"] == "succeeded"
    rerun = next_run(first["id"])
    assert rerun["status"] == "succeeded" and rerun["metrics"]["heuristics"] == 3
    assert rerun["params"]["auto_rerun"] and rerun["params"]["method"] == "majority"
    deleted = httpx.delete(f"{embedded.api}/projects/{project}/heuristics/{ids['links']}",
                           headers=embedded.headers)
    assert deleted.status_code == 204
    after_delete = next_run(rerun["id"])
    assert after_delete["metrics"]["heuristics"] == 2
    # without auto_rerun nothing follows
    embedded.wait_run(project, embedded.post(base, json={"method": "majority"}).json()["id"])
    quiet = latest()["id"]
    assert run_to_end(embedded, project, ids["praise"])["status"] == "succeeded"
    assert latest()["id"] == quiet
    # deleting the last heuristic with output leaves nothing to repeat: no run, no error
    again = embedded.wait_run(project, embedded.post(base, json={
        "method": "majority", "auto_rerun": True}).json()["id"])
    for name in ("check_out", "praise"):
        deleted = httpx.delete(f"{embedded.api}/projects/{project}/heuristics/{ids[name]}",
                               headers=embedded.headers)
        assert deleted.status_code == 204, deleted.text
        if name == "check_out":
            again = next_run(again["id"])
    time.sleep(1)
    assert latest()["id"] == again["id"]
