"""``heurist lists``: a file of terms (or standard input) becomes a lookup list (created,
then replaced), comes back one term per line, and is deleted; the SDK sees the same lists."""

from __future__ import annotations

import io
import json

from client.sdk import Heurist
from tests.workers.conftest import Stack


def test_push_show_pull_and_delete_a_list(served: Stack, sdk: Heurist, heurist, tmp_path):
    project = served.project_with_texts(["hello"])
    where = ("-p", str(project))
    cities = tmp_path / "cities.txt"
    cities.write_text("Paris\n  Lyon \n\nParis\nNice\n", encoding="utf-8")

    created = heurist("lists", "push", str(cities), *where, "--description", "French cities")
    assert created.code == 0, created.err
    assert "created cities: 3 terms (version 1)" in created.out
    again = heurist("lists", "push", str(cities), *where)
    assert "unchanged cities: 3 terms (version 1)" in again.out
    cities.write_text("Paris\nMarseille\n", encoding="utf-8")
    updated = heurist("lists", "push", str(cities), *where)
    assert "updated cities: 2 terms (version 2)" in updated.out

    added = heurist("lists", "add", "cities", "Nice", "New York", "Paris", *where)
    assert added.code == 0 and "cities: 2 terms added, 4 in all (version 3)" in added.out
    removed = heurist("lists", "remove", "cities", "Nice", "New York", *where)
    assert "cities: 2 terms removed, 2 in all (version 4)" in removed.out

    shown = heurist("lists", "show", *where)
    assert shown.code == 0 and "cities" in shown.out and "French cities" in shown.out
    [summary] = sdk.lookup_lists.list(project)
    assert (summary.name, summary.n_terms, summary.version) == ("cities", 2, 4)

    pulled = heurist("lists", "pull", "cities", *where)
    assert pulled.out == "Paris\nMarseille\n"
    target = tmp_path / "out.txt"
    assert heurist("lists", "pull", "cities", *where, "-o", str(target)).code == 0
    assert target.read_text(encoding="utf-8") == "Paris\nMarseille\n"

    missing = heurist("lists", "pull", "towns", *where)
    assert missing.code == 2 and "has no lookup list 'towns'" in missing.err
    bad = tmp_path / "2bad.txt"
    bad.write_text("x\n", encoding="utf-8")
    refused = heurist("lists", "push", str(bad), *where)
    assert refused.code == 3 and "Python identifier" in refused.err

    deleted = heurist("lists", "delete", "cities", *where, "--yes")
    assert deleted.code == 0 and "deleted cities" in deleted.out
    assert sdk.lookup_lists.list(project) == []


def test_push_reads_the_terms_from_standard_input(served: Stack, sdk: Heurist, heurist,
                                                  tmp_path, monkeypatch):
    project = served.project_with_texts(["hello"])
    where = ("-p", str(project))
    piped = "\ufeffParis\nLyon\n".encode()   # a byte order mark too
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(piped)))
    created = heurist("lists", "push", "-", *where, "--name", "cities")
    assert created.code == 0, created.err
    assert "created cities: 2 terms (version 1)" in created.out
    assert sdk.lookup_lists.find(project, "cities").terms == ["Paris", "Lyon"]

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"Nice\n")))
    updated = heurist("lists", "push", "-", *where, "--name", "cities")
    assert "updated cities: 1 terms (version 2)" in updated.out, updated.err
    assert sdk.lookup_lists.find(project, "cities").terms == ["Nice"]

    unnamed = heurist("lists", "push", "-", *where)
    assert unnamed.code == 2 and "give the list's name" in unnamed.err
    missing = heurist("lists", "push", str(tmp_path / "nowhere.txt"), *where)
    assert missing.code == 2 and "nowhere.txt: No such file or directory" in missing.err
    latin1 = tmp_path / "towns.txt"
    latin1.write_bytes("Besan\xe7on\n".encode("latin-1"))
    not_utf8 = heurist("lists", "push", str(latin1), *where)
    assert not_utf8.code == 2 and "utf-8" in not_utf8.err
    assert [found.name for found in sdk.lookup_lists.list(project)] == ["cities"]


def test_from_labels_makes_a_gazetteer_of_reference_spans(served: Stack, sdk: Heurist, heurist):
    project = served.project_with_texts(["Anna lives in Berlin", "Berlin and Oslo are cold"])
    task = sdk.tasks.create(project, "ner", kind="extraction", labels=["LOC", "PER"],
                            target_attribute="text")
    records = {r.external_id: r.id for r in sdk.projects.iter_records(project)}
    for external, label, start, end in (("r0", "PER", 0, 1), ("r0", "LOC", 3, 4),
                                        ("r1", "LOC", 0, 1), ("r1", "LOC", 2, 3)):
        sdk.manual_labels.create(project, records[external], task_id=task.id, label=label,
                                 token_start=start, token_end=end)
    made = heurist("lists", "from-labels", "places", "-p", str(project), "-t", "ner",
                   "--label", "LOC")
    assert made.code == 0, made.err
    assert "places: 2 terms added, 2 in all (version 2)" in made.out
    assert sdk.lookup_lists.find(project, "places").terms == ["Berlin", "Oslo"]


def test_follow_keeps_a_list_in_step_with_the_spans(served: Stack, sdk: Heurist, heurist):
    project = served.project_with_texts(["Anna lives in Berlin", "Berlin and Oslo are cold"])
    task = sdk.tasks.create(project, "ner", kind="extraction", labels=["LOC"],
                            target_attribute="text")
    records = {r.external_id: r.id for r in sdk.projects.iter_records(project)}
    sdk.manual_labels.create(project, records["r0"], task_id=task.id, label="LOC",
                             token_start=3, token_end=4)
    where = ("-p", str(project))
    made = heurist("lists", "follow", "places", *where, "-t", "ner", "--label", "LOC")
    assert made.code == 0, made.err
    assert "places follows ner/LOC: 1 terms from its spans, 1 in all (version 1)" in made.out
    oslo = sdk.manual_labels.create(project, records["r1"], task_id=task.id, label="LOC",
                                    token_start=2, token_end=3)
    assert sdk.lookup_lists.find(project, "places").terms == ["Berlin", "Oslo"]
    assert "ner/LOC" in heurist("lists", "show", *where).out
    sdk.manual_labels.delete(project, oslo["id"])
    assert sdk.lookup_lists.find(project, "places").terms == ["Berlin"]

    stopped = heurist("lists", "unfollow", "places", *where)
    assert stopped.code == 0 and "places follows no label now: 1 terms" in stopped.out
    sdk.manual_labels.create(project, records["r1"], task_id=task.id, label="LOC",
                             token_start=0, token_end=1)
    assert sdk.lookup_lists.find(project, "places").terms == ["Berlin"]


def test_terms_show_the_noisy_terms_first(served: Stack, sdk: Heurist, heurist):
    project = served.project_with_texts(["Paris Hilton visits Paris", "Lyon is in France",
                                         "Paris is big"])
    task = sdk.tasks.create(project, "ner", kind="extraction", labels=["LOC", "PER"],
                            target_attribute="text")
    records = {r.external_id: r.id for r in sdk.projects.iter_records(project)}
    for external, label, start, end in (("r0", "PER", 0, 2), ("r0", "LOC", 3, 4),
                                        ("r1", "LOC", 0, 1)):
        sdk.manual_labels.create(project, records[external], task_id=task.id, label=label,
                                 token_start=start, token_end=end)
    where = ("-p", str(project))
    assert heurist("lists", "follow", "places", *where, "-t", "ner", "--label", "LOC").code == 0
    sdk.lookup_lists.update(project, sdk.lookup_lists.find(project, "places").id,
                            add=["Atlantis"])

    shown = heurist("lists", "terms", "places", *where)
    assert shown.code == 0, shown.err
    assert ("places against ner (2 records with a reference label): 3 terms, 1 noisy, 1 "
            "found nowhere") in shown.out
    lines = [line for line in shown.out.splitlines() if line.startswith("│")]
    assert [line.split("│")[1].strip() for line in lines] == ["Paris", "Atlantis", "Lyon"]
    assert "LOC 1 · no span 1" in lines[0] and "50%" in lines[0]   # "Paris Hilton" is no place
    paris = next(t for t in sdk.lookup_lists.term_stats(
        project, sdk.lookup_lists.find(project, "places").id).terms if t.term == "Paris")
    assert (paris.found, paris.labelled, paris.labels, paris.agreement) == (3, 2, {"LOC": 1}, 0.5)

    noisy = heurist("lists", "terms", "places", *where, "--noisy")
    assert [line.split("│")[1].strip() for line in noisy.out.splitlines()
            if line.startswith("│")] == ["Paris", "Atlantis"]


def test_suggest_names_the_words_that_signal_a_label(served: Stack, sdk: Heurist, heurist):
    texts = ["Check out my channel", "check out my videos", "CHECK OUT my page", "nice song",
             "great song", "song of the year", "check out this song"]
    project = served.project_with_texts(texts)
    task = sdk.tasks.create(project, "spam", labels=["ham", "spam"])
    records = {r.external_id: r.id for r in sdk.projects.iter_records(project)}
    sdk.manual_labels.create_many(project, [(records[f"r{i}"], "spam" if i < 3 else "ham")
                                            for i in range(6)], task_id=task.id)
    where = ("-p", str(project))
    sdk.lookup_lists.create(project, "spam_words", ["my"])

    shown = heurist("lists", "suggest", "spam_words", *where, "--label", "spam", "-t", "spam")
    assert shown.code == 0, shown.err
    assert "Terms spam_words lacks that signal spam in spam (6 labelled records):" in shown.out
    rows = [[cell.strip() for cell in line.split("│")[1:-1]]
            for line in shown.out.splitlines() if line.startswith("│")]
    assert rows == [["check", "3", "100%", "4"], ["out", "3", "100%", "4"]]   # "my" is listed
    as_json = heurist("--json", "lists", "suggest", "spam_words", *where, "--label", "ham")
    assert [row["term"] for row in json.loads(as_json.out)["data"]] == ["song"]
