"""``heurist attributes``: computed attributes from a .py file, tried on records first
(values, and each failing record's error with its line), created, changed and computed
again; their runs queued without a worker and followed to their values with one; the SDK
and its async twin see the same attributes; an attribute's values listed with the records
holding each, searched, cut at a limit."""

from __future__ import annotations

import asyncio
import json

from client import AsyncHeurist
from client.async_sdk import RESOURCES
from client.sdk import Heurist
from tests.workers.conftest import Stack

WORDS = 'def ac(record):\n    return len(record["text"].split())\n'
LETTERS = 'def ac(record):\n    return len(record["text"])\n'
ONE_WORD_FAILS = ('def ac(record):\n    print("seen", record["text"])\n'
                  '    return 10 // (len(record["text"].split()) - 1)\n')
SYNTAX_ERROR = 'def ac(record):\n    return len(record["text"]\n'
NOT_A_NUMBER = 'def ac(record):\n    return "many"\n'


def rows(printed: str) -> list[list[str]]:
    """The cells of a Rich table's rows."""
    return [[cell.strip() for cell in line.split("│")[1:-1]]
            for line in printed.splitlines() if line.startswith("│")]


def test_try_shows_each_records_value_or_error_with_its_line(served: Stack, heurist,
                                                             tmp_path):
    project = served.project_with_texts(["one two three", "four five", "six"])
    where = ("-p", str(project))
    words, failing = tmp_path / "words.py", tmp_path / "failing.py"
    words.write_text(WORDS, encoding="utf-8")
    failing.write_text(ONE_WORD_FAILS, encoding="utf-8")

    tried = heurist("attributes", "try", *where, "--file", str(words), "--type", "integer",
                    "-n", "3")
    assert tried.code == 0, tried.err
    assert sorted(rows(tried.out)) == [["r0", "3", ""], ["r1", "2", ""], ["r2", "1", ""]]
    assert "3 records in" in tried.out and ": 3 values, 0 errors" in tried.out

    errors = heurist("attributes", "try", *where, "--file", str(failing), "--type", "integer")
    assert errors.code == 0, errors.err
    by_record = {row[0]: row[1:] for row in rows(errors.out)}
    assert by_record["r0"] == ["5", ""] and by_record["r1"] == ["10", ""]
    assert by_record["r2"][0] == "" and by_record["r2"][1].startswith("line 3: ")
    assert "ZeroDivisionError" in by_record["r2"][1]
    assert ": 2 values, 1 errors" in errors.out
    assert "seen one two three" in errors.out and "seen six" in errors.out

    as_json = heurist("--json", "attributes", "try", *where, "--file", str(failing),
                      "--type", "integer", "--record-id", str(_record_id(served, project, "r2")))
    assert as_json.code == 0, as_json.err
    [result] = json.loads(as_json.out)["results"]
    assert (result["external_id"], result["value"], result["line"]) == ("r2", None, 3)
    assert "ZeroDivisionError" in result["error"]


def _record_id(stack: Stack, project: int, external_id: str) -> int:
    records = stack.get(f"/projects/{project}/records")["data"]
    return next(r["id"] for r in records if r["external_id"] == external_id)


def test_compute_update_and_again_queue_runs(served: Stack, sdk: Heurist, heurist, tmp_path):
    project = served.project_with_texts(["one two three", "four five", "six"])
    where = ("-p", str(project))
    words, letters, broken = (tmp_path / name for name in ("words.py", "letters.py",
                                                            "broken.py"))
    words.write_text(WORDS, encoding="utf-8")
    letters.write_text(LETTERS, encoding="utf-8")
    broken.write_text(SYNTAX_ERROR, encoding="utf-8")

    refused = heurist("attributes", "compute", "n_words", *where, "--file", str(broken),
                      "--type", "integer")
    assert refused.code == 3
    assert "error 422: line 2" in refused.err and "syntax error" in refused.err
    assert [a.name for a in sdk.attributes.list(project)] == ["text"]

    created = heurist("attributes", "compute", "n_words", *where, "--file", str(words),
                      "--type", "integer")
    assert created.code == 0, created.err
    made = sdk.attributes.get(project, "n_words")
    assert (made.computed, made.source, made.data_type) == (True, WORDS, "integer")
    assert made.run.kind == "attribute_calculation" and made.run.status == "queued"
    assert created.out.splitlines() == ["created n_words (integer)",
                                        f"run {made.run.id}: queued"]
    assert sdk.attributes.get(project, made.id) == made

    taken = heurist("attributes", "compute", "n_words", *where, "--file", str(words))
    assert taken.code == 3 and "error 409" in taken.err and "exists already" in taken.err

    task = sdk.tasks.create(project, "length", labels=["long", "short"])
    sdk.heuristics.create(project, task_id=task.id, name="wordy", source=(
        'def lf(record):\n    return "long" if (record["n_words"] or 0) > 2 else None\n'))
    listed = heurist("attributes", "list", *where)
    assert listed.code == 0, listed.err
    assert rows(listed.out) == [["text", "text", "imported", "-", "-", "", ""],
                                ["n_words", "integer", "computed", "queued", "-", "", "wordy"]]
    as_json = json.loads(heurist("--json", "attributes", "list", *where).out)
    assert [(a["name"], a["computed"], a["source"]) for a in as_json] == [
        ("text", False, None), ("n_words", True, WORDS)]
    assert as_json[1]["run"]["id"] == made.run.id

    busy = heurist("attributes", "again", "n_words", *where)
    assert busy.code == 3
    assert " ".join(busy.err.split()) == (
        f"error 409: field 'attribute': attribute 'n_words' is being computed (run "
        f"{made.run.id}): wait for it or change its code")

    updated = heurist("--json", "attributes", "update", "n_words", *where, "--file",
                      str(letters))
    assert updated.code == 0, updated.err
    changed = json.loads(updated.out)
    assert changed["source"] == LETTERS and changed["run"]["status"] == "queued"
    assert changed["run"]["id"] != made.run.id
    assert sdk.runs.get(project, made.run.id).status == "cancelled"

    imported = heurist("attributes", "update", "text", *where, "--file", str(letters))
    assert imported.code == 3 and "only a computed attribute has code" in imported.err
    missing = heurist("attributes", "again", "n_letters", *where)
    assert missing.code == 2 and f"project {project} has no attribute 'n_letters'" in \
        " ".join(missing.err.split())

    deleted = heurist("attributes", "delete", "n_words", *where, "--yes")
    assert deleted.code == 0 and deleted.out.strip() == "deleted n_words"
    assert [a.name for a in sdk.attributes.list(project)] == ["text"]
    assert sdk.runs.get(project, changed["run"]["id"]).status == "cancelled", (
        "the run under way was cancelled with it")


def test_wait_follows_the_runs_to_the_records_values(live: Stack, sdk: Heurist, heurist,
                                                     tmp_path):
    project = live.project_with_texts(["one two three", "four five", "six"])
    where = ("-p", str(project))
    words, many = tmp_path / "words.py", tmp_path / "many.py"
    words.write_text(WORDS, encoding="utf-8")
    many.write_text(NOT_A_NUMBER, encoding="utf-8")

    computed = heurist("attributes", "compute", "n_words", *where, "--file", str(words),
                       "--type", "integer", "--wait")
    assert computed.code == 0, (computed.err, live.logs())
    run = sdk.attributes.get(project, "n_words").run
    assert computed.out.splitlines()[-1] == f"run {run.id}: succeeded, 3 records with a value"
    values = {r.external_id: r.data["n_words"] for r in sdk.projects.iter_records(project)}
    assert values == {"r0": 3, "r1": 2, "r2": 1}

    failed = heurist("attributes", "update", "n_words", *where, "--file", str(many), "-w")
    assert failed.code == 1
    assert "failed" in failed.out and "expected integer, got 'many'" in failed.out
    assert {r.data["n_words"] for r in sdk.projects.iter_records(project)} == {1, 2, 3}
    listed = rows(heurist("attributes", "list", *where).out)
    assert listed[1][:4] == ["n_words", "integer", "computed", "failed"]
    assert "expected integer" in " ".join(row[5] for row in listed[1:])

    sdk.attributes.update(project, "n_words", source=words.read_text(encoding="utf-8"))
    assert sdk.attributes.wait(project, "n_words").run.status == "succeeded"
    again = heurist("--json", "attributes", "again", "n_words", *where, "--wait")
    assert again.code == 0, again.err
    finished = json.loads(again.out)
    assert finished["run"]["status"] == "succeeded"
    assert finished["run"]["metrics"] == {"records": 3, "records_with_value": 3}


SPLITS = ("id,text,split,stars,checked\n"
          "a,one,train,5,true\nb,two,train,4,true\nc,three,Train,5,false\n"
          "d,four,test,3,true\ne,five,,5,\n")


def test_values_lists_an_attributes_values_with_their_records(served: Stack, sdk: Heurist,
                                                              heurist, tmp_path):
    splits = tmp_path / "splits.csv"
    splits.write_text(SPLITS, encoding="utf-8")
    project = sdk.projects.create("splits").id
    sdk.projects.import_records(project, splits, id_column="id",
                                types={"split": "category", "stars": "integer",
                                       "checked": "boolean"})
    where = ("-p", str(project))

    found = sdk.attributes.values(project, "split")
    assert [(row.value, row.count) for row in found.values] == [
        ("train", 2), ("Train", 1), ("test", 1)]
    assert (found.attribute, found.distinct, found.records, found.complete) == (
        "split", 3, 4, True)
    stars = sdk.attributes.values(project, sdk.attributes.get(project, "stars").id, limit=1)
    assert [(row.value, row.count) for row in stars.values] == [(5, 3)]
    assert (stars.distinct, stars.records, stars.complete) == (3, 5, False)

    shown = heurist("attributes", "values", "split", *where)
    assert shown.code == 0, shown.err
    assert rows(shown.out) == [["train", "2", "50.0 %"], ["Train", "1", "25.0 %"],
                               ["test", "1", "25.0 %"]]
    assert shown.out.splitlines()[-1] == "3 of 3 values; 4 records hold one"

    searched = heurist("attributes", "values", "split", *where, "--search", "TRAIN")
    assert searched.code == 0, searched.err
    assert rows(searched.out) == [["train", "2", "66.7 %"], ["Train", "1", "33.3 %"]]
    assert searched.out.splitlines()[-1] == "2 of 2 values containing 'TRAIN'; 3 records hold one"
    nothing = heurist("attributes", "values", "split", *where, "--search", "dev")
    assert (nothing.code, nothing.out.strip()) == (0, "no value of split contains 'dev'")

    first = heurist("attributes", "values", "stars", *where, "--limit", "2")
    assert first.code == 0, first.err
    assert rows(first.out) == [["5", "3", "60.0 %"], ["3", "1", "20.0 %"]]
    assert first.out.splitlines()[-1] == (
        "first 2 of 3 values (more: --limit, --search); 5 records hold one")
    checked = heurist("attributes", "values", "checked", *where)
    assert rows(checked.out) == [["true", "3", "75.0 %"], ["false", "1", "25.0 %"]]

    as_json = heurist("--json", "attributes", "values", "stars", *where, "--limit", "1")
    assert json.loads(as_json.out) == {"attribute": "stars", "values": [
        {"value": 5, "count": 3}], "distinct": 3, "records": 5, "complete": False}

    missing = heurist("attributes", "values", "lang", *where)
    assert missing.code == 2 and f"project {project} has no attribute 'lang'" in \
        " ".join(missing.err.split())
    too_many = heurist("attributes", "values", "split", *where, "--limit", "1001")
    assert too_many.code == 2


def test_the_async_client_has_every_resource_of_the_sync_one(served: Stack, sdk: Heurist):
    project = served.project_with_texts(["one two", "three"])
    assert set(RESOURCES) == set(vars(sdk)) - {"url", "transport"}

    async def read() -> tuple[list, object]:
        async with AsyncHeurist() as client:
            return (await client.attributes.list(project),
                    await client.attributes.try_code(project, WORDS, "integer", n=2))

    listed, sample = asyncio.run(read())
    assert [a.name for a in listed] == ["text"]
    assert sorted((row.external_id, row.value) for row in sample.results) == [
        ("r0", 2), ("r1", 1)]
