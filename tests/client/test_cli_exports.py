"""``heurist export`` of a subset, ``heurist studio`` and ``snapshot``/``restore``, against
the live app."""

from __future__ import annotations

import json

from client.sdk import Heurist


def test_cli_exports_a_subset_to_label_studio_and_restores_a_snapshot(served, sdk: Heurist,
                                                                       heurist, tmp_path):
    data = tmp_path / "reviews.csv"
    data.write_text("id,text\n1,great phone\n2,check out my channel\n3,meh\n")
    project = sdk.projects.create("reviews").id
    sdk.projects.import_records(project, data, id_column="id")
    task = sdk.tasks.create(project, "spam", labels=["ham", "spam"])
    ids = {r.external_id: r.id for r in sdk.projects.records(project)}
    sdk.manual_labels.create_many(project, [(ids["1"], "ham"), (ids["2"], "spam")],
                                  task_id=task.id)

    studio = tmp_path / "tasks.json"
    shown = heurist("export", "-p", str(project), "--format", "label-studio", "--label",
                    "spam=spam", "-o", str(studio))
    assert shown.code == 0, shown.err
    tasks = json.loads(studio.read_text())
    assert [t["meta"]["external_id"] for t in tasks] == ["2"]
    config = heurist("studio", "config", "-p", str(project))
    assert '<Choices name="spam" toName="text" choice="single"' in config.out

    tasks[0]["annotations"][0] = {"completed_by": 7, "result": [
        {"from_name": "spam", "to_name": "text", "type": "choices",
         "value": {"choices": ["ham"]}}]}
    studio.write_text(json.dumps(tasks))
    shown = heurist("studio", "import", "-p", str(project), str(studio))
    assert shown.code == 0, shown.err
    assert "1 manual labels by label-studio-7" in " ".join(shown.out.split())

    archive = tmp_path / "reviews.heurist.zip"
    assert heurist("snapshot", "-p", str(project), "-o", str(archive)).code == 0
    shown = heurist("--json", "restore", str(archive), "--name", "reviews again")
    assert shown.code == 0, shown.err
    restored = json.loads(shown.out)
    assert (restored["project"]["name"], restored["records"], restored["manual_labels"]) == (
        "reviews again", 3, 3)
    bad = heurist("restore", str(studio))
    assert bad.code == 3 and "not a snapshot archive" in bad.err
