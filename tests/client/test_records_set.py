"""Giving many records the same values through the SDK (by filter, by id; a dry run changing
nothing; ``expected`` guarding what the user was shown; a wrong type named) and ``heurist
records set`` (what would change said and confirmed first, or ``--yes``), against the live
app: the chosen records that lack the values get them, the others stay as they are."""

from __future__ import annotations

import io
import json

import pytest

from client.errors import Conflict, NotFound, ValidationFailed
from client.sdk import Heurist
from tests.workers.conftest import Stack


@pytest.fixture
def reviews(sdk: Heurist):
    """Six records r0..r5: "bad" r0 and r3, the others "good"; r0..r2 in the test split;
    stars (an integer) 5, 1, 2, 5, 4, 5. Their ids by external id."""
    project = sdk.projects.create("reviews").id
    rows = "".join(json.dumps({"id": f"r{i}", "text": f"{'bad' if i % 3 == 0 else 'good'} "
                               f"review {i}", "split": "test" if i < 3 else "train",
                               "stars": stars}) + "\n"
                   for i, stars in enumerate([5, 1, 2, 5, 4, 5]))
    sdk.projects.import_records(project, io.BytesIO(rows.encode()), format="jsonl",
                                id_column="id", types={"stars": "integer"})
    return project, {r.external_id: r.id for r in sdk.projects.records(project)}


BAD = {"conditions": [{"kind": "search", "text": "bad"}]}
TEST_SPLIT = {"conditions": [{"kind": "attribute", "name": "split", "op": "equals",
                              "value": "test"}]}


def seen(sdk: Heurist, project: int, ids: dict[str, int], name: str) -> dict[str, object]:
    """Each record's value of ``name``, by external id."""
    return {external_id: sdk.projects.record(project, rid).data.get(name)
            for external_id, rid in ids.items()}


def revisions(sdk: Heurist, project: int, ids: dict[str, int]) -> dict[str, int]:
    return {external_id: sdk.projects.record(project, rid).revision
            for external_id, rid in ids.items()}


def test_set_by_filter_and_by_ids(sdk: Heurist, reviews):
    project, ids = reviews
    done = sdk.projects.edit_records(project, {"split": "test", "stars": "5"}, filter=BAD)
    assert (done.matched, done.edited, done.changed, done.dry_run) == (2, 1, ["split"], False)
    assert (done.spans_moved, done.spans_dropped, done.dropped_spans) == (0, 0, [])
    assert seen(sdk, project, ids, "split")["r3"] == "test"
    assert revisions(sdk, project, ids) == {"r0": 0, "r1": 0, "r2": 0, "r3": 1, "r4": 0,
                                            "r5": 0}   # r0 had the values

    by_ids = sdk.projects.edit_records(project, {"stars": 3}, [ids["r1"], ids["r2"]])
    assert (by_ids.matched, by_ids.edited, by_ids.changed) == (2, 2, ["stars"])
    assert seen(sdk, project, ids, "stars") == {"r0": 5, "r1": 3, "r2": 3, "r3": 5, "r4": 4,
                                                "r5": 5}


def test_a_dry_run_changes_nothing_and_expected_guards_the_selection(sdk: Heurist, reviews):
    project, ids = reviews
    would = sdk.projects.edit_records(project, {"stars": "1"}, filter=TEST_SPLIT, dry_run=True)
    assert (would.matched, would.edited, would.changed, would.dry_run) == (3, 2, ["stars"],
                                                                           True)
    assert seen(sdk, project, ids, "stars")["r0"] == 5

    with pytest.raises(Conflict) as refused:
        sdk.projects.edit_records(project, {"stars": "1"}, filter=TEST_SPLIT, expected=2)
    assert refused.value.status == 409 and refused.value.field == "expected"
    assert "holds 3 records now, not 2" in refused.value.detail
    assert set(revisions(sdk, project, ids).values()) == {0}

    done = sdk.projects.edit_records(project, {"stars": "1"}, filter=TEST_SPLIT,
                                     expected=would.matched)
    assert (done.matched, done.edited) == (3, 2)
    assert seen(sdk, project, ids, "stars") == {"r0": 1, "r1": 1, "r2": 1, "r3": 5, "r4": 4,
                                                "r5": 5}


def test_a_wrong_type_an_unknown_attribute_or_id_is_named(sdk: Heurist, reviews):
    project, ids = reviews
    with pytest.raises(ValidationFailed) as wrong:
        sdk.projects.edit_records(project, {"split": "dev", "stars": "many"}, filter=BAD)
    assert wrong.value.status == 422 and wrong.value.field == "stars"
    with pytest.raises(ValidationFailed) as unknown:
        sdk.projects.edit_records(project, {"colour": "red"}, [ids["r0"]])
    assert unknown.value.field == "colour"
    missing = max(ids.values()) + 1000
    with pytest.raises(NotFound, match=f"record {missing} "):
        sdk.projects.edit_records(project, {"split": "dev"}, [ids["r0"], missing])
    assert set(revisions(sdk, project, ids).values()) == {0}


@pytest.fixture
def places(served: Stack, sdk: Heurist):
    """Two records "Berlin is ..." with a manual span LOC "Berlin" each (an extraction
    task): the project and the records' ids."""
    project = served.project_with_texts(["Berlin is big", "Berlin is old"], name="places")
    task = sdk.tasks.create(project, "ner", kind="extraction", labels=["LOC"],
                            target_attribute="text")
    records = [r.id for r in sdk.projects.records(project)]
    for record in records:
        sdk.manual_labels.create(project, record, task_id=task.id, label="LOC",
                                 token_start=0, token_end=1)
    return project, records


def spans(sdk: Heurist, project: int, records: list[int]) -> list[str | None]:
    return [label.text for record in records for task in sdk.projects.record(project, record).tasks
            for label in task.manual_labels]


def test_cli_asks_first_listing_the_spans_to_drop(sdk: Heurist, heurist, places, monkeypatch):
    project, records = places
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    refused = heurist("records", "set", "-p", str(project), *map(str, records),
                      "--set", "text=Paris is big")
    assert refused.code == 1
    assert f"Set text on 2 records of project {project} and drop 2 manual spans?" \
        in " ".join(refused.err.split())
    assert [line.split()[:3] for line in refused.err.splitlines() if "Berlin" in line] == [
        ["ner", "LOC", "Berlin"]] * 2   # the spans to drop, shown first
    assert spans(sdk, project, records) == ["Berlin", "Berlin"]

    done = sdk.projects.edit_records(project, {"text": "Paris is big"}, records, expected=2)
    assert (done.edited, done.spans_moved, done.spans_dropped) == (2, 0, 2)
    assert [span.text for span in done.dropped_spans] == ["Berlin", "Berlin"]
    assert spans(sdk, project, records) == []


def test_cli_sets_with_search_and_yes(sdk: Heurist, heurist, reviews):
    project, ids = reviews
    shown = heurist("records", "set", "-p", str(project), "--search", "bad",
                    "--set", "split=test", "--set-json", "stars=5", "--yes")
    assert shown.code == 0, shown.err
    assert "Set split on 1 of 2 records of project " \
           f"{project} (1 had these values already)." in " ".join(shown.out.split())
    assert "?" not in shown.err   # nothing asked
    assert seen(sdk, project, ids, "split")["r3"] == "test"


def test_cli_dry_run_says_what_would_change(sdk: Heurist, heurist, reviews):
    project, ids = reviews
    before = seen(sdk, project, ids, "split")
    shown = heurist("records", "set", "-p", str(project), "--search", "bad",
                    "--set", "split=test", "--dry-run")
    assert shown.code == 0, shown.err
    assert f"Would set split on 1 of 2 records of project {project} (1 has these values " \
           "already) (a dry run: nothing changed)." in " ".join(shown.out.split())
    assert seen(sdk, project, ids, "split") == before


def test_cli_prints_json(sdk: Heurist, heurist, reviews):
    project, ids = reviews
    as_json = heurist("--json", "records", "set", "-p", str(project), str(ids["r1"]),
                      str(ids["r4"]), "--set", "stars=4", "--yes")
    assert as_json.code == 0, as_json.err
    assert json.loads(as_json.out) == {
        "matched": 2, "edited": 1, "changed": ["stars"], "spans_moved": 0, "spans_dropped": 0,
        "dropped_spans": [], "computed_again": [], "embedded_again": [], "dry_run": False}
    assert seen(sdk, project, ids, "stars")["r1"] == 4


def test_cli_asks_first_and_changes_nothing_unless_confirmed(sdk: Heurist, heurist, reviews,
                                                             monkeypatch):
    project, ids = reviews
    good = ("records", "set", "-p", str(project), "--search", "good", "--set", "stars=5")
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    refused = heurist(*good)
    assert refused.code == 1
    assert f"Set stars on 3 of 4 records of project {project} (1 has these values already)?" \
        in " ".join(refused.err.split())
    assert set(revisions(sdk, project, ids).values()) == {0}

    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    confirmed = heurist(*good)
    assert confirmed.code == 0, confirmed.err
    assert f"Set stars on 3 of 4 records of project {project} (1 had these values already)." \
        in " ".join(confirmed.out.split())
    assert set(seen(sdk, project, ids, "stars").values()) == {5}


def test_cli_refuses_when_the_selection_changed_after_asking(sdk: Heurist, heurist, reviews,
                                                            monkeypatch):
    project, ids = reviews

    def meanwhile(*_args, **_kwargs) -> bool:   # someone deletes a record shown
        sdk.projects.delete_record(project, ids["r4"])
        return True

    monkeypatch.setattr("client.cli.typer.confirm", meanwhile)
    shown = heurist("records", "set", "-p", str(project), "--search", "good", "--set",
                    "stars=5")
    assert shown.code == 3 and "error 409" in shown.err
    assert "holds 3 records now, not 4" in " ".join(shown.err.split())
    del ids["r4"]
    assert set(revisions(sdk, project, ids).values()) == {0}


def test_cli_nothing_changes_and_bad_usage(sdk: Heurist, heurist, reviews):
    project, ids = reviews
    where = ("records", "set", "-p", str(project))
    same = heurist(*where, "--search", "bad", "--set", "stars=5")
    assert same.code == 0, same.err
    assert same.out.strip() == "Nothing changes." and "?" not in same.err
    none_match = heurist(*where, "--search", "no such text", "--set", "stars=1")
    assert none_match.code == 0 and none_match.out.strip() == "Nothing changes."

    for yes in (("--yes",), ()):   # without --yes, the dry run finds it before asking
        wrong = heurist(*where, "--search", "bad", "--set", "stars=many", *yes)
        assert wrong.code == 3 and "error 422" in wrong.err and "'stars'" in wrong.err
    assert heurist(*where, "--set", "stars=1").code == 2                  # no records named
    assert heurist(*where, str(ids["r0"]), "--search", "bad", "--set", "stars=1").code == 2
    assert heurist(*where, "--search", "bad").code == 2                   # nothing to set
    assert set(revisions(sdk, project, ids).values()) == {0}
