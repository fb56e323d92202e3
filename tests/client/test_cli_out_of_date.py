"""``heurist run --out-of-date``: the heuristics of a task whose votes are out of date run
again (never run; a lookup list they read changed; records added), on a real worker, and
``heurist stats`` says which are and why."""

from __future__ import annotations

import io
import json

from client.sdk import Heurist
from tests.workers.conftest import Stack

READS_LIST = ("from knowledge import words\n\ndef lf(record):\n"
              "    return 'x' if record['text'] in words else None\n")
PLAIN = "def lf(record):\n    return 'x' if 'o' in record['text'] else None\n"


def test_out_of_date_heuristics_run_again(live: Stack, sdk: Heurist, heurist):
    project = live.project_with_texts(["one", "two", "three"])
    task = sdk.tasks.create(project, "t", labels=["x", "y"])
    words = sdk.lookup_lists.create(project, "words", ["one"])
    for name, source in (("reads_list", READS_LIST), ("plain", PLAIN)):
        sdk.heuristics.create(project, task_id=task.id, name=name, source=source)
    where = ("-p", str(project), "-t", "t")
    assert [r.name for r in sdk.lookup_lists.find(project, "words").read_by] == ["reads_list"]
    assert "reads_list" in heurist("lists", "show", "-p", str(project)).out

    first = heurist("run", *where, "--out-of-date", "--wait")
    assert first.code == 0, first.err
    assert "reads_list: run" in first.out and "plain: run" in first.out
    assert first.out.count("succeeded") == 2
    assert "is up to date" in heurist("run", *where, "--out-of-date").out
    assert "Out of date" not in heurist("stats", *where).err

    sdk.lookup_lists.update(project, words.id, add=["two"])
    sdk.projects.import_records(project, io.BytesIO(json.dumps(
        {"id": "r3", "text": "four"}).encode()), format="jsonl", id_column="id")
    shown = heurist("stats", *where)
    assert ("Out of date: reads_list (lookup list words changed since its run; 1 record "
            "added since its run), plain (1 record added since its run)") in shown.err
    again = heurist("run", *where, "--out-of-date", "--wait")
    assert again.code == 0 and again.out.count("succeeded") == 2, again.err
    votes = {h.name: h for h in sdk.heuristics.list(project)}
    assert all(h.out_of_date == [] for h in votes.values())
    assert heurist("run", *where, "--all").out.count("queued") == 2

    refused = heurist("run", "-p", str(project), "--out-of-date")
    assert refused.code == 2 and "give a task (-t)" in refused.err
