"""Editing a record's values through the SDK (typed values converted, a stale ``revision``
refused, a dry run changing nothing, manual spans following the text or dropped) and
``heurist records edit`` (asked first when spans would be dropped, or ``--yes``), against the
live app."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

from client import AsyncHeurist
from client.errors import Conflict, ValidationFailed
from client.sdk import Heurist
from tests.workers.conftest import Stack


@pytest.fixture
def reviews(sdk: Heurist):
    """Three records r0..r2 (text, an integer n, a float score) and a classification task
    with a label on r1; their ids by external id."""
    project = sdk.projects.create("reviews").id
    rows = "".join(json.dumps({"id": f"r{i}", "text": f"review {i}", "n": i, "score": i / 2})
                   + "\n" for i in range(3))
    sdk.projects.import_records(project, io.BytesIO(rows.encode()), format="jsonl",
                                id_column="id", types={"n": "integer", "score": "float"})
    task = sdk.tasks.create(project, "sentiment", labels=["pos", "neg"])
    ids = {r.external_id: r.id for r in sdk.projects.records(project)}
    sdk.manual_labels.create_many(project, [(ids["r1"], "pos")], task_id=task.id)
    return project, ids


@pytest.fixture
def places(served: Stack, sdk: Heurist):
    """One record "Berlin is where Anna lives" with the manual spans LOC "Berlin" and PER
    "Anna" of an extraction task: the project, the record's id and the spans' annotator."""
    project = served.project_with_texts(["Berlin is where Anna lives"], name="places")
    task = sdk.tasks.create(project, "ner", kind="extraction", labels=["LOC", "PER"],
                            target_attribute="text")
    [record] = sdk.projects.records(project)
    sdk.manual_labels.create(project, record.id, task_id=task.id, label="LOC",
                             token_start=0, token_end=1)
    sdk.manual_labels.create(project, record.id, task_id=task.id, label="PER",
                             token_start=3, token_end=4)
    [annotator] = {s.annotator for s in spans_of(sdk, project, record.id)}
    return project, record.id, annotator


def spans_of(sdk: Heurist, project: int, record_id: int):
    return [label for task in sdk.projects.record(project, record_id).tasks
            for label in task.manual_labels]


def spans(sdk: Heurist, project: int, record_id: int) -> list[tuple[str, str | None, int | None]]:
    """Each manual span of the record: label, text, first character."""
    return sorted((s.label, s.text, s.char_start) for s in spans_of(sdk, project, record_id))


NEW_TEXT = "Paris is where Anna lives"   # "Berlin" changed (its span goes), "Anna" moved by -1
BEFORE = [("LOC", "Berlin", 0), ("PER", "Anna", 16)]
AFTER = [("PER", "Anna", 15)]


def test_edit_a_text_attribute(sdk: Heurist, reviews):
    project, ids = reviews
    assert sdk.projects.record(project, ids["r1"]).revision == 0
    done = sdk.projects.edit_record(project, ids["r1"], {"text": "a better review"})
    assert done.changed == ["text"] and not done.dry_run
    assert done.record.revision == 1 and done.record.external_id == "r1"
    assert done.record.data == {"text": "a better review", "n": 1, "score": 0.5}
    assert (done.spans_moved, done.spans_dropped, done.dropped_spans) == (0, 0, [])
    seen = sdk.projects.record(project, ids["r1"])
    assert (seen.data["text"], seen.revision) == ("a better review", 1)
    assert [label.label for task in seen.tasks for label in task.manual_labels] == ["pos"]
    assert [sdk.projects.record(project, ids[r]).revision for r in ("r0", "r2")] == [0, 0]

    again = sdk.projects.edit_record(project, ids["r1"], {"text": "a better review"},
                                     revision=1)
    assert again.changed == [] and again.record.revision == 1   # nothing changed: same revision


def test_typed_values_are_converted_and_null_clears(sdk: Heurist, reviews):
    project, ids = reviews
    done = sdk.projects.edit_record(project, ids["r2"], {"n": "7", "score": 2.5})
    assert sorted(done.changed) == ["n", "score"]
    assert (done.record.data["n"], done.record.data["score"]) == (7, 2.5)
    assert isinstance(done.record.data["n"], int)
    cleared = sdk.projects.edit_record(project, ids["r2"], {"n": None}, revision=1)
    assert cleared.changed == ["n"] and cleared.record.revision == 2
    assert sdk.projects.record(project, ids["r2"]).data.get("n") is None


def test_a_wrong_type_or_unknown_attribute_is_named_and_nothing_changes(sdk: Heurist, reviews):
    project, ids = reviews
    with pytest.raises(ValidationFailed) as refused:
        sdk.projects.edit_record(project, ids["r0"], {"text": "changed", "n": "abc"})
    assert refused.value.status == 422 and refused.value.field == "n"
    assert "'n'" in refused.value.detail and "integer" in refused.value.detail
    with pytest.raises(ValidationFailed) as unknown:
        sdk.projects.edit_record(project, ids["r0"], {"colour": "red"})
    assert unknown.value.field == "colour"
    seen = sdk.projects.record(project, ids["r0"])
    assert (seen.data["text"], seen.data["n"], seen.revision) == ("review 0", 0, 0)


def test_a_stale_revision_is_refused(sdk: Heurist, reviews):
    project, ids = reviews
    sdk.projects.edit_record(project, ids["r0"], {"text": "first edit"}, revision=0)
    with pytest.raises(Conflict) as refused:
        sdk.projects.edit_record(project, ids["r0"], {"text": "second edit"}, revision=0)
    assert refused.value.status == 409 and refused.value.field == "revision"
    assert f"record {ids['r0']} was edited since you opened it (revision 1 now)" \
        in refused.value.detail
    seen = sdk.projects.record(project, ids["r0"])
    assert (seen.data["text"], seen.revision) == ("first edit", 1)


def test_a_dry_run_changes_nothing(sdk: Heurist, reviews):
    project, ids = reviews
    would = sdk.projects.edit_record(project, ids["r0"], {"text": "maybe", "n": 0},
                                     revision=0, dry_run=True)
    assert would.dry_run and would.changed == ["text"]   # n is 0 already
    seen = sdk.projects.record(project, ids["r0"])
    assert (seen.data["text"], seen.revision) == ("review 0", 0)


def test_spans_follow_the_text_or_are_dropped(sdk: Heurist, places):
    project, record_id, annotator = places
    assert spans(sdk, project, record_id) == BEFORE
    would = sdk.projects.edit_record(project, record_id, {"text": NEW_TEXT}, dry_run=True)
    assert (would.spans_moved, would.spans_dropped) == (1, 1)
    assert spans(sdk, project, record_id) == BEFORE

    done = sdk.projects.edit_record(project, record_id, {"text": NEW_TEXT}, revision=0)
    assert done.changed == ["text"] and done.record.revision == 1
    assert (done.spans_moved, done.spans_dropped) == (1, 1)
    assert [s.model_dump() for s in done.dropped_spans] == [
        {"task": "ner", "label": "LOC", "text": "Berlin", "annotator": annotator,
         "is_gold": False}]
    assert spans(sdk, project, record_id) == AFTER


def test_the_async_client_edits_too(served, reviews):
    project, ids = reviews

    async def edit():
        async with AsyncHeurist() as hc:
            return await hc.projects.edit_record(project, ids["r2"], {"score": "1.25"})

    done = asyncio.run(edit())
    assert done.changed == ["score"] and done.record.data["score"] == 1.25


def test_cli_edits_with_yes_and_lists_the_dropped_spans(sdk: Heurist, heurist, places):
    project, record_id, annotator = places
    shown = heurist("records", "edit", "-p", str(project), str(record_id),
                    "--set", f"text={NEW_TEXT}", "--yes")
    assert shown.code == 0, shown.err
    said = " ".join(shown.out.split())
    assert f"Edited record {record_id} (r0) of project {project}: text; revision 1 now." in said
    assert "Manual spans: 1 moved with their text, 1 dropped (their text changed)." in said
    [row] = [line for line in shown.out.splitlines() if "Berlin" in line]
    assert row.split() == ["ner", "LOC", "Berlin", annotator]
    assert spans(sdk, project, record_id) == AFTER


def test_cli_prints_json(sdk: Heurist, heurist, places):
    project, record_id, annotator = places
    as_json = heurist("--json", "records", "edit", "-p", str(project), str(record_id),
                      "--set", f"text={NEW_TEXT}", "--revision", "0", "--yes")
    assert as_json.code == 0, as_json.err
    answer = json.loads(as_json.out)
    assert answer["record"]["id"] == record_id and answer["record"]["revision"] == 1
    assert answer["record"]["data"] == {"text": NEW_TEXT}
    assert {key: answer[key] for key in ("changed", "spans_moved", "spans_dropped",
                                         "dropped_spans", "dry_run")} == {
        "changed": ["text"], "spans_moved": 1, "spans_dropped": 1, "dry_run": False,
        "dropped_spans": [{"task": "ner", "label": "LOC", "text": "Berlin",
                           "annotator": annotator, "is_gold": False}]}


def test_cli_asks_before_dropping_spans(sdk: Heurist, heurist, places, monkeypatch):
    project, record_id, _ = places
    edit = ("records", "edit", "-p", str(project), str(record_id), "--set", f"text={NEW_TEXT}")
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    refused = heurist(*edit)
    assert refused.code == 1
    assert f"Edit text of record {record_id} of project {project} and drop 1 manual span?" \
        in refused.err
    assert "Berlin" in refused.err and "LOC" in refused.err   # the spans to drop, shown first
    assert spans(sdk, project, record_id) == BEFORE
    assert sdk.projects.record(project, record_id).revision == 0

    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    confirmed = heurist(*edit)
    assert confirmed.code == 0, confirmed.err
    assert "revision 1 now" in confirmed.out
    assert spans(sdk, project, record_id) == AFTER


def test_cli_edits_without_asking_when_no_span_is_dropped(sdk: Heurist, heurist, reviews,
                                                          tmp_path):
    project, ids = reviews
    where = ("records", "edit", "-p", str(project), str(ids["r0"]))
    long_text = tmp_path / "text.txt"
    long_text.write_text("a long text\nof two lines\n", encoding="utf-8")
    shown = heurist(*where, "--from-file", f"text={long_text}", "--set-json", "n=null",
                    "--set", "score=4")
    assert shown.code == 0, shown.err
    assert "Edit " not in shown.err   # nothing to ask about
    seen = sdk.projects.record(project, ids["r0"])
    assert (seen.data["text"], seen.data.get("n"), seen.data["score"], seen.revision) \
        == ("a long text\nof two lines", None, 4.0, 1)

    same = heurist(*where, "--set", "score=4.0")
    assert same.code == 0 and "Nothing changes." in same.out
    would = heurist(*where, "--set", "text=only maybe", "--dry-run")
    assert would.code == 0 and "Would edit record" in would.out
    assert sdk.projects.record(project, ids["r0"]).revision == 1


def test_cli_shows_refusals_and_bad_usage(sdk: Heurist, heurist, reviews):
    project, ids = reviews
    where = ("records", "edit", "-p", str(project), str(ids["r0"]))
    for yes in (("--yes",), ()):   # without --yes, the dry run finds it before asking
        wrong = heurist(*where, "--set", "n=abc", *yes)
        assert wrong.code == 3 and "error 422" in wrong.err and "'n'" in wrong.err
    stale = heurist(*where, "--set", "text=new", "--revision", "3")
    assert stale.code == 3 and "error 409" in stale.err
    assert "was edited since you opened it (revision 0 now)" in " ".join(stale.err.split())
    assert heurist(*where).code == 2                                   # nothing to set
    assert heurist(*where, "--set", "no equals sign").code == 2
    assert heurist(*where, "--set-json", "n={not json").code == 2
    assert heurist(*where, "--set", "n=1", "--set-json", "n=2").code == 2   # n twice
    assert sdk.projects.record(project, ids["r0"]).revision == 0
