"""``heurist import`` with the import's options (a raw header-less TSV, its labels and a
constant; a new task of a label column; rows naming records the project has skipped or
updating them, their labels too) and ``heurist embed``, against the live app."""

from __future__ import annotations

import json
import re

from client.sdk import Heurist


def test_cli_imports_a_raw_tsv_with_labels_and_says_what_it_assumed(served, sdk: Heurist,
                                                                   heurist, tmp_path):
    data = tmp_path / "raw.tsv"
    data.write_text('ham\tsee you at 5\nspam\t"WIN a prize now\nham\tok\n')
    project = sdk.projects.create("raw").id
    task = sdk.tasks.create(project, "spam", labels=["ham", "spam"])
    shown = heurist("import", str(data), "-p", str(project), "--label-column", "column_1",
                    "--label-task", str(task.id), "--gold", "--constant", "split=test")
    assert shown.code == 0, shown.err
    out = " ".join(shown.out.split())  # the console wraps long lines
    assert "Imported 3 records" in out and "3 manual labels" in out
    assert "Note: delimiter tab (sniffed)" in out and "Note: no header" in out
    records = sdk.projects.records(project, limit=10)
    assert [r.data for r in records][1] == {"column_2": '"WIN a prize now', "split": "test"}


def test_cli_import_makes_a_new_project_and_task_of_a_label_column(served, sdk: Heurist,
                                                                    heurist, tmp_path):
    """No project, no task yet: ``--label-task NAME`` makes the task of the column's values;
    a task id the project lacks is an error that leaves no project behind."""
    data = tmp_path / "reviews.csv"
    data.write_text("text,topics\ngreat screen,screen\nweak battery,battery|price\nok,\n")
    before = {p.id for p in sdk.projects.list()}
    shown = heurist("import", str(data), "--label-column", "topics", "--label-task", "topics",
                    "--label-separator", "|")
    assert shown.code == 0, shown.err
    out = " ".join(shown.out.split())
    assert "3 manual labels" in out
    assert "Note: new multilabel task 'topics' with the labels 'screen', 'battery', 'price'" \
        in out
    (project,) = {p.id for p in sdk.projects.list()} - before
    task = sdk.tasks.get(project, "topics")
    assert task.kind == "multilabel" and [label.name for label in task.labels] == [
        "screen", "battery", "price"]
    # the task exists now: its name finds it (no second task), its labels are checked
    again = heurist("import", str(data), "-p", str(project), "--label-column", "topics",
                    "--label-task", "topics", "--label-separator", "|")
    assert again.code == 0, again.err
    assert len(sdk.tasks.list(project)) == 1
    other = tmp_path / "more reviews.csv"
    other.write_text(data.read_text())
    wrong = heurist("import", str(other), "--label-column", "topics", "--label-task", "99")
    assert wrong.code == 3 and "error 404" in wrong.err
    assert {p.id for p in sdk.projects.list()} - before == {project}


def test_cli_embeds_an_attribute_and_waits_for_it(live, sdk: Heurist, heurist):
    project = live.project_with_texts(["buy now", "hello friend", "win a prize"])
    shown = heurist("embed", "text", "-p", str(project), "--wait")
    assert shown.code == 0, shown.err
    (embedding,) = sdk.embeddings.list(project)
    assert f"embedding {embedding.id}: 'text-all-MiniLM-L6-v2'" in shown.out
    assert re.search(r"run \d+: succeeded", shown.out)
    assert embedding.state == "succeeded" and embedding.level == "record"
    again = heurist("embed", "text", "-p", str(project))
    assert again.code == 3 and "exists already" in " ".join(again.err.split())  # wrapped
    missing = heurist("embed", "body", "-p", str(project), "--level", "token")
    assert missing.code == 3 and "no attribute named 'body'" in " ".join(missing.err.split())


def test_cli_import_skips_or_updates_the_records_a_file_names(served, sdk: Heurist, heurist,
                                                              tmp_path):
    first = tmp_path / "comments.csv"
    first.write_text("id,text\nc1,first comment\nc2,secnd comment\n")
    project = sdk.projects.create("comments").id
    assert heurist("import", str(first), "-p", str(project), "--id-column", "id").code == 0
    fixed = tmp_path / "comments-fixed.csv"
    fixed.write_text("id,text\nc1,first comment\nc2,second comment\nc3,third comment\n")
    refused = heurist("import", str(fixed), "-p", str(project), "--id-column", "id")
    assert refused.code == 3 and "existing: skip or update" in " ".join(refused.err.split())
    updated = heurist("import", str(fixed), "-p", str(project), "--id-column", "id",
                      "--existing", "update")
    assert updated.code == 0, updated.err
    out = " ".join(updated.out.split())
    assert "Imported 1 records" in out and "1 records updated" in out
    assert "Note: 2 rows name records the project has: values of 1 updated, 1 unchanged" in out
    texts = {r.external_id: r.data["text"] for r in sdk.projects.records(project, limit=10)}
    assert texts == {"c1": "first comment", "c2": "second comment", "c3": "third comment"}
    result = sdk.projects.import_records(project, fixed, id_column="id", existing="skip")
    assert (result.records, result.updated, result.unchanged) == (0, 0, 3)


def test_cli_import_update_relabels_the_records_a_file_names(served, sdk: Heurist, heurist,
                                                             tmp_path):
    """With --existing update, the label column's labels replace the importer's labels of
    the records the project has where they differ (an empty one leaves them alone)."""
    first = tmp_path / "reviews.csv"
    first.write_text("id,text,sentiment\nr1,great,pos\nr2,awful,pos\nr3,meh,neg\n")
    project = sdk.projects.create("reviews").id
    task = sdk.tasks.create(project, "sentiment", labels=["pos", "neg"])
    label_options = ("--id-column", "id", "--label-column", "sentiment", "--label-task",
                     "sentiment")
    assert heurist("import", str(first), "-p", str(project), *label_options).code == 0
    fixed = tmp_path / "reviews-fixed.csv"
    fixed.write_text("id,text,sentiment\nr1,great,pos\nr2,awful,neg\nr3,meh,\n"
                     "r4,fine,pos\n")

    updated = heurist("import", str(fixed), "-p", str(project), *label_options,
                      "--existing", "update")
    assert updated.code == 0, updated.err
    out = " ".join(updated.out.split())
    assert out.startswith(f"Imported 1 records into project {project}; 2 manual labels; "
                          "1 record relabelled"), out
    assert "values of 0 updated, 3 unchanged" in out and "labels of 1 replaced" in out
    labels = {}
    for record in sdk.projects.records(project, limit=10):
        [of_task] = [t for t in sdk.projects.record(project, record.id).tasks
                     if t.task_id == task.id]
        labels[record.external_id] = [label.label for label in of_task.manual_labels]
    assert labels == {"r1": ["pos"], "r2": ["neg"], "r3": ["neg"], "r4": ["pos"]}

    as_json = heurist("--json", "import", str(fixed), "-p", str(project), *label_options,
                      "--existing", "update")
    assert as_json.code == 0, as_json.err
    answer = json.loads(as_json.out)
    assert (answer["records"], answer["relabelled"], answer["unchanged"]) == (0, 0, 4)
    assert "relabelled" not in heurist("import", str(fixed), "-p", str(project),
                                       *label_options, "--existing", "update").out
