"""A CI script's use of the CLI and SDK against the live app and a real worker: import,
push a folder of heuristics, run them, check statistics against a bar, weak supervision,
export; Snorkel functions imported vote as in Snorkel; pull then push changes nothing."""

from __future__ import annotations

import asyncio
import io
import json
from types import SimpleNamespace

from client import AsyncHeurist
from client.errors import NotFound, ValidationFailed
from client.sdk import Heurist
from tests.client.test_snorkel_import import LABELS, LFS_FILE, snorkel_functions

COMMENTS = [  # (text, label): check_out is always right; links is wrong once
    ("check out my channel", "spam"), ("Check out this video of mine", "spam"),
    ("free gifts at http://spam.example", "spam"), ("visit www.win.example now", "spam"),
    ("I love this song", "ham"), ("best song of the year", "ham"),
    ("the lyrics at http://lyrics.example are right", "ham"), ("beautiful voice", "ham"),
]
RULES = {"check_out": (r"check (it |this )?out", "spam"), "links": (r"http|www\.", "spam")}


def rule(pattern: str, label: str) -> str:
    return (f"import re\n\n\ndef lf(record):\n    if re.search(r\"{pattern}\", record[\"text\"], "
            f"re.IGNORECASE):\n        return \"{label}\"\n")


def test_ci_script_pushes_runs_checks_and_exports(live, sdk: Heurist, heurist, tmp_path,
                                                  monkeypatch):
    data = tmp_path / "comments.jsonl"
    data.write_text("".join(json.dumps({"id": f"c{i}", "text": text}) + "\n"
                            for i, (text, _) in enumerate(COMMENTS)))
    imported = heurist("--json", "import", str(data), "--id-column", "id")
    assert imported.code == 0, imported.err
    project = json.loads(imported.out)["project_id"]
    assert json.loads(imported.out)["records"] == len(COMMENTS)
    task = sdk.tasks.create(project, "spam", labels=["ham"])
    assert [label.name for label in sdk.tasks.add_labels(project, task.id, ["ham", "spam"])] \
        == ["spam"]
    records = {r.external_id: r.id for r in sdk.projects.records(project, limit=100)}
    assert sdk.manual_labels.create_many(project, [
        (records[f"c{i}"], label) for i, (_, label) in enumerate(COMMENTS)], task_id=task.id) == 8
    one = sdk.active_learning.annotators(project, task.id)   # one annotator: nothing to weigh
    assert [(a.labels, a.quality) for a in one.annotators] == [(8, None)]
    assert one.n_disagreements == 0 and one.note

    folder = tmp_path / "heuristics"
    folder.mkdir()
    for name, (pattern, label) in RULES.items():
        (folder / f"{name}.py").write_text(rule(pattern, label))
    where = ("-p", str(project), "-t", "spam")
    pushed = heurist("heuristics", "push", str(folder), *where, "--yes")
    assert pushed.code == 0, pushed.err
    assert "create check_out" in pushed.err and "+def lf(record):" in pushed.err
    assert heurist("heuristics", "push", str(folder), *where, "--yes").err.strip() \
        == "Nothing to change."
    assert sorted(h.name for h in sdk.heuristics.list(project)) == ["check_out", "links"]

    for name in RULES:
        ran = heurist("run", name, "-p", str(project), "--wait")
        assert ran.code == 0, (ran.out, ran.err, live.logs())
        assert "succeeded" in ran.out

    table = heurist("stats", *where)
    assert table.code == 0, table.err
    lines = table.out.splitlines()   # a title, the header, a rule, a row per heuristic
    header_rule = next(i for i, line in enumerate(lines) if line.startswith("─"))
    rows = {line.split()[0]: line for line in lines[header_rule + 1:] if line.strip()}
    assert set(rows) == {"check_out", "links"}
    assert "1.000" in rows["check_out"] and "0.667" in rows["links"]  # links: 2 of 3 right
    below = heurist("stats", *where, "--fail-under", "precision=0.9")
    assert below.code == 1 and "links: precision 0.667 < 0.9" in below.err
    assert "check_out" not in below.err
    assert heurist("stats", *where, "--fail-under", "precision=0.6",
                   "--fail-under", "coverage=0.25").code == 0

    weak = heurist("ws", *where, "--method", "majority")
    assert weak.code == 0, (weak.err, live.logs())
    latest = sdk.weak_supervision.latest(project, task.id)
    assert latest.status == "succeeded"
    for event in sdk.runs.events(project, after=0, read_timeout_s=30):
        if event.event == "run.succeeded" and json.loads(event.data)["id"] == latest.id:
            break
    exported = tmp_path / "weak.jsonl"
    assert heurist("export", *where, "--format", "jsonl", "-o", str(exported)).code == 0
    weak_labels = {r["external_id"]: r["weak_label"]
                   for r in map(json.loads, exported.read_text().splitlines())}
    assert weak_labels == {"c0": "spam", "c1": "spam", "c2": "spam", "c3": "spam", "c4": None,
                           "c5": None, "c6": "spam", "c7": None}
    assert b"check out my channel" in sdk.projects.export(project, format="csv")

    # one rule chosen by name; the records it does not vote on get the class prior's label
    prior = heurist("ws", *where, "--heuristic", "check_out", "--no-vote", "prior")
    assert prior.code == 0, (prior.err, live.logs())
    check_out = next(h.id for h in sdk.heuristics.list(project) if h.name == "check_out")
    latest = sdk.weak_supervision.latest(project, task.id)
    assert latest.metrics["heuristic_ids"] == [check_out]
    assert (latest.metrics["weakly_labelled"], latest.metrics["from_prior"]) == (8, 6)
    summary = " ".join(prior.out.split())
    assert "auto: too few reference labels to compare the methods" in summary
    assert "coverage 25.0 %" in summary
    assert "accuracy 100.0 % on the 2 covered records with a reference" in summary
    assert "weakly labelled 8 (6 from the class prior)" in summary
    unknown = heurist("ws", *where, "--heuristic", "nope")
    assert unknown.code == 2 and "no heuristic 'nope' in task 'spam'" in unknown.err

    pulled = tmp_path / "pulled"
    wrote = heurist("heuristics", "pull", str(pulled), *where, "--yes")
    assert wrote.code == 0, wrote.err
    assert f"wrote {pulled / 'check_out'}.py" in wrote.err
    assert sorted(p.name for p in pulled.iterdir()) == ["check_out.py", "links.py"]
    assert heurist("heuristics", "push", str(pulled), *where, "--yes").err.strip() \
        == "Nothing to change."
    assert heurist("heuristics", "pull", str(folder), *where, "--yes").err.strip() \
        == "Nothing to change."
    revisions = {h.name: h.revision.number for h in sdk.heuristics.list(project)}
    assert revisions == {"check_out": 1, "links": 1}

    edited = rule(RULES["links"][0].replace("www", "ftp|www"), "spam")
    (folder / "links.py").write_text(edited)
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    declined = heurist("heuristics", "push", str(folder), *where)
    assert declined.code == 0 and "update links" in declined.err and "+" in declined.err
    assert {h.name: h.revision.number for h in sdk.heuristics.list(project)}["links"] == 1
    assert heurist("heuristics", "push", str(folder), *where, "-y").code == 0
    links = next(h for h in sdk.heuristics.list(project) if h.name == "links")
    assert (links.revision.number, links.revision.source) == (2, edited)

    snorkel_task = sdk.tasks.create(project, "snorkel", labels=["ham", "spam"])
    imported = heurist("heuristics", "import-snorkel", str(LFS_FILE), "-p", str(project),
                       "-t", "snorkel", "--yes")
    assert imported.code == 0, imported.err
    converted = {h.name: h for h in sdk.heuristics.list(project)
                 if h.task_id == snorkel_task.id}
    assert sorted(converted) == sorted(snorkel_functions())
    ran = sdk.runs.wait(project, sdk.heuristics.run(project, converted["regex_check_out"].id).id)
    assert ran.status == "succeeded", (ran.error, live.logs())
    outputs = live.get(f"/projects/{project}/heuristics/{converted['regex_check_out'].id}"
                       "/outputs", limit=100)["data"]
    ours = {row["record_id"]: [o["label"] for o in row["outputs"]] for row in outputs}
    theirs = snorkel_functions()["regex_check_out"]
    for i, (text, _) in enumerate(COMMENTS):
        vote = theirs(SimpleNamespace(text=text))
        assert ours.get(records[f"c{i}"], []) == ([] if vote == -1 else [LABELS[vote]]), text

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "ok"}\n{"id": \n')
    refused = heurist("import", str(bad), "--id-column", "id")
    assert refused.code == 3 and "row 2" in refused.err
    assert "bad" not in {p.name for p in sdk.projects.list()}

    missing = heurist("stats", "-p", "999999", "-t", "spam")
    assert missing.code == 3 and "error 404" in missing.err


def test_sdk_errors_carry_the_apis_detail_row_and_field(served, sdk: Heurist, tmp_path):
    project = sdk.projects.create("errors")
    good = tmp_path / "good.csv"
    good.write_text("id,text,stars\na,fine,4\nb,bad,1\n")
    preview = sdk.projects.preview_import(project.id, good, id_column="id", rows=1)
    assert preview["records"] == 2 and len(preview["rows"]) == 1
    assert {c["name"]: c["type"] for c in preview["columns"]}["stars"] == "integer"
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "a", "text": "fine"}\n{"id": "b", "text": \n')
    try:
        sdk.projects.import_records(project.id, broken, id_column="id")
    except ValidationFailed as error:
        assert error.status == 422 and error.row == 2 and error.detail
    else:
        raise AssertionError("a broken JSONL line was accepted")
    try:
        sdk.tasks.get(project.id, 999999)
    except NotFound as error:
        assert error.status == 404 and error.detail
    else:
        raise AssertionError("a missing task was found")


def test_async_client_reads_the_same_resources(served, sdk: Heurist):
    made = sdk.projects.create("async")

    async def read() -> tuple[list, object]:
        async with AsyncHeurist() as client:
            return await client.projects.list(), await client.projects.get(made.id)

    listed, got = asyncio.run(read())
    assert made.id in {p.id for p in listed} and got == made
