"""``heurist import`` with the import's options: a raw header-less TSV, its labels and a
constant, against the live app."""

from __future__ import annotations

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
