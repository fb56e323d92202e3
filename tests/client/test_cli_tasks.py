"""``heurist tasks``: a task's guidelines for annotators set from a file and printed back as
written, cleared; a label's description set and cleared; the tasks listed with their labels'
hotkeys and descriptions; the SDK's calls under them; members who are not owners read the
guidelines and are refused changes (403); guidelines saved on a revision someone else's save
made stale are refused (409), through the SDK and the CLI."""

from __future__ import annotations

import asyncio
import io
import json

import httpx
import pytest

from client import AsyncHeurist
from client.errors import Conflict, NotFound
from client.sdk import Heurist
from tests.client.test_cli_attributes import rows
from tests.workers.conftest import Stack

GUIDELINES = ("Label what the writer wants from the reader.\n"
              "\n"
              "  • Selling, or asking for a click: spam — see https://example.org/spam.\n"
              "Sarcasm: label what is meant, not what is said.  \n")


def a_task(stack: Stack, sdk: Heurist) -> tuple[int, int]:
    """A project with a classification task "spam" of ham (hotkey h) and spam: their ids."""
    project = stack.project_with_texts(["win a prize now", "see you at noon"])
    task = sdk.tasks.create(project, "spam", labels=["ham"])
    sdk.tasks.update_label(project, task.id, "ham", hotkey="h")
    sdk.tasks.add_label(project, task.id, "spam")
    return project, task.id


def test_the_sdk_sets_guidelines_and_label_descriptions(served: Stack, sdk: Heurist):
    project, task_id = a_task(served, sdk)
    task = sdk.tasks.get(project, "spam")
    assert task.guidelines == "" and [label.description for label in task.labels] == ["", ""]

    assert sdk.tasks.update(project, task_id, guidelines=GUIDELINES).guidelines == GUIDELINES
    renamed = sdk.tasks.update(project, task_id, name="junk")
    assert (renamed.name, renamed.guidelines) == ("junk", GUIDELINES), "a rename keeps them"

    described = sdk.tasks.update_label(project, task_id, "spam", description="Sells something.")
    assert (described.name, described.description) == ("spam", "Sells something.")
    ham = sdk.tasks.update_label(project, task_id, task.labels[0].id, color="#00aa00")
    assert (ham.name, ham.hotkey, ham.color, ham.description) == ("ham", "h", "#00aa00", "")
    added = sdk.tasks.add_label(project, task_id, "mixed", description="Both at once.")
    assert added.description == "Both at once."
    with pytest.raises(NotFound, match="no label 'eggs'"):
        sdk.tasks.update_label(project, task_id, "eggs", description="?")

    async def cleared() -> None:
        async with AsyncHeurist() as hc:
            await hc.tasks.update_label(project, task_id, "mixed", description="")
            await hc.tasks.update(project, task_id, guidelines="")

    asyncio.run(cleared())
    seen = sdk.tasks.list(project)[0]
    assert seen.guidelines == ""
    assert [(label.name, label.description) for label in seen.labels] == [
        ("ham", ""), ("spam", "Sells something."), ("mixed", "")]
    assert sdk.tasks.update_label(project, task_id, "ham", hotkey="").hotkey is None


def test_guidelines_set_from_a_file_print_as_written_and_clear(served: Stack, sdk: Heurist,
                                                               heurist, tmp_path, monkeypatch):
    project, task_id = a_task(served, sdk)
    where = ("-p", str(project))
    written = tmp_path / "guidelines.txt"
    written.write_bytes(GUIDELINES.encode("utf-8"))

    none = heurist("tasks", "guidelines", *where, "spam")
    assert (none.code, none.out, none.err.strip()) == (0, "", "Task spam has no guidelines.")

    set_ = heurist("tasks", "guidelines", *where, "spam", "--from-file", str(written))
    assert set_.code == 0, set_.err
    assert set_.out.strip() == \
        f"Guidelines of task spam set: 4 lines, {len(GUIDELINES)} characters (revision 1)."
    assert sdk.tasks.get(project, task_id).guidelines == GUIDELINES
    for task in ("spam", str(task_id)):
        shown = heurist("tasks", "guidelines", *where, task)
        assert (shown.code, shown.out) == (0, GUIDELINES), shown.err
    as_json = heurist("--json", "tasks", "guidelines", *where, "spam")
    assert json.loads(as_json.out)["guidelines"] == GUIDELINES

    unended = tmp_path / "short.txt"
    unended.write_bytes("\ufeffOne line, no line break".encode())   # a byte order mark too
    assert heurist("tasks", "guidelines", *where, "spam", "--from-file", str(unended)).code == 0
    assert sdk.tasks.get(project, task_id).guidelines == "One line, no line break"
    assert heurist("tasks", "guidelines", *where, "spam").out == "One line, no line break\n"

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"From a pipe.\n")))
    piped = heurist("tasks", "guidelines", *where, "spam", "--from-file", "-")
    assert piped.code == 0, piped.err
    assert sdk.tasks.get(project, task_id).guidelines == "From a pipe.\n"
    missing = heurist("tasks", "guidelines", *where, "spam", "--from-file", "nowhere.txt")
    assert missing.code == 2 and "nowhere.txt" in missing.err

    cleared = heurist("tasks", "guidelines", *where, "spam", "--clear")
    assert (cleared.code, cleared.out.strip()) == (
        0, "Guidelines of task spam cleared (revision 4).")
    assert sdk.tasks.get(project, task_id).guidelines == ""


def test_guidelines_refused(served: Stack, sdk: Heurist, heurist, tmp_path):
    project, task_id = a_task(served, sdk)
    where = ("-p", str(project))
    sdk.tasks.update(project, task_id, guidelines="Keep these.")
    latin1, too_long = tmp_path / "latin1.txt", tmp_path / "long.txt"
    latin1.write_bytes("caf\xe9".encode("latin-1"))
    too_long.write_text("x" * 100_001, encoding="utf-8")

    both = heurist("tasks", "guidelines", *where, "spam", "--from-file", str(latin1), "--clear")
    assert both.code == 2 and "--from-file or --clear, not both" in both.err
    not_utf8 = heurist("tasks", "guidelines", *where, "spam", "--from-file", str(latin1))
    assert not_utf8.code == 2 and "utf-8" in not_utf8.err
    long = heurist("tasks", "guidelines", *where, "spam", "--from-file", str(too_long))
    assert long.code == 3 and "error 422" in long.err
    missing = heurist("tasks", "guidelines", *where, "eggs")
    assert missing.code == 3 and "error 404" in missing.err and "no task 'eggs'" in missing.err
    assert sdk.tasks.get(project, task_id).guidelines == "Keep these."


def test_the_sdk_refuses_guidelines_written_on_a_stale_revision(served: Stack, sdk: Heurist):
    project, task_id = a_task(served, sdk)
    opened = sdk.tasks.get(project, task_id)
    assert opened.guidelines_revision == 0
    theirs = sdk.tasks.update(project, task_id, guidelines="Theirs.",
                              guidelines_revision=opened.guidelines_revision)
    assert (theirs.guidelines, theirs.guidelines_revision) == ("Theirs.", 1)

    with pytest.raises(Conflict) as refused:
        sdk.tasks.update(project, task_id, guidelines="Mine.",
                         guidelines_revision=opened.guidelines_revision)
    assert (refused.value.status, refused.value.field) == (409, "guidelines_revision")
    assert "revision 1 now" in refused.value.detail
    assert sdk.tasks.get(project, task_id).guidelines == "Theirs.", "nothing saved"

    same = sdk.tasks.update(project, task_id, guidelines="Theirs.", guidelines_revision=0)
    assert same.guidelines_revision == 1, "the same text: no conflict, no new revision"
    mine = sdk.tasks.update(project, task_id, guidelines="Mine.", guidelines_revision=1)
    assert (mine.guidelines, mine.guidelines_revision) == ("Mine.", 2)
    last_wins = sdk.tasks.update(project, task_id, guidelines="Without a revision.")
    assert last_wins.guidelines_revision == 3

    async def stale() -> None:
        async with AsyncHeurist() as hc:
            await hc.tasks.update(project, task_id, guidelines="Async.", guidelines_revision=2)

    with pytest.raises(Conflict):
        asyncio.run(stale())


def test_cli_guidelines_saved_on_a_stale_revision_are_refused(served: Stack, sdk: Heurist,
                                                              heurist, tmp_path):
    project, task_id = a_task(served, sdk)
    where = ("-p", str(project))
    mine = tmp_path / "mine.txt"
    mine.write_text("Mine.\n", encoding="utf-8")
    sdk.tasks.update(project, task_id, guidelines="First.\n")

    shown = heurist("--json", "tasks", "guidelines", *where, "spam")
    assert shown.code == 0, shown.err
    opened = json.loads(shown.out)
    assert (opened["guidelines"], opened["guidelines_revision"]) == ("First.\n", 1)
    sdk.tasks.update(project, task_id, guidelines="Someone else's.\n")   # revision 2

    refused = heurist("tasks", "guidelines", *where, "spam", "--from-file", str(mine),
                      "--revision", "1")
    said = " ".join(refused.err.split())   # the console wraps long lines
    assert refused.code == 3 and refused.out == ""
    assert said == ("error 409: the guidelines of task spam were changed since revision 1 "
                    "(revision 2 now): nothing saved. Print them with `heurist tasks "
                    f"guidelines -p {project} spam`, then save again with --revision 2.")
    assert "Traceback" not in refused.err
    cleared = heurist("tasks", "guidelines", *where, "spam", "--clear", "--revision", "1")
    assert cleared.code == 3 and "changed since revision 1" in cleared.err
    assert sdk.tasks.get(project, task_id).guidelines == "Someone else's.\n"

    saved = heurist("tasks", "guidelines", *where, "spam", "--from-file", str(mine),
                    "--revision", "2")
    assert (saved.code, saved.out.strip()) == (
        0, "Guidelines of task spam set: 1 line, 6 characters (revision 3)."), saved.err
    again = heurist("tasks", "guidelines", *where, "spam", "--from-file", str(mine))
    assert (again.code, again.out.strip()) == (
        0, "Guidelines of task spam unchanged: the same text (revision 3)."), again.err
    as_json = heurist("--json", "tasks", "guidelines", *where, "spam", "--clear")
    assert json.loads(as_json.out)["guidelines_revision"] == 4, as_json.err

    alone = heurist("tasks", "guidelines", *where, "spam", "--revision", "4")
    assert alone.code == 2 and "goes with --from-file or --clear" in alone.err


def test_describe_sets_a_labels_description_and_list_shows_it(served: Stack, sdk: Heurist,
                                                              heurist):
    project, task_id = a_task(served, sdk)
    where = ("-p", str(project))
    sdk.tasks.update(project, task_id, guidelines="One.\nTwo.\n")

    described = heurist("tasks", "describe", *where, "spam", "spam", "Sells something.")
    assert (described.code, described.out.strip()) == (0, "spam/spam: Sells something.")
    by_ids = heurist("tasks", "describe", *where, str(task_id),
                     str(sdk.tasks.get(project, task_id).labels[0].id), "Anything else.")
    assert (by_ids.code, by_ids.out.strip()) == (0, "spam/ham: Anything else."), by_ids.err

    listed = heurist("tasks", "list", *where)
    assert listed.code == 0, listed.err
    assert rows(listed.out) == [
        [str(task_id), "spam", "classification", "2 lines", "ham", "h", "Anything else."],
        ["", "", "", "", "spam", "", "Sells something."]]
    as_json = json.loads(heurist("--json", "tasks", "list", *where).out)
    assert [label["description"] for label in as_json[0]["labels"]] == [
        "Anything else.", "Sells something."]

    cleared = heurist("tasks", "describe", *where, "spam", "ham", "--clear")
    assert (cleared.code, cleared.out.strip()) == (0, "spam/ham has no description now.")
    assert [label.description for label in sdk.tasks.get(project, task_id).labels] == [
        "", "Sells something."]

    unknown = heurist("tasks", "describe", *where, "spam", "eggs", "?")
    assert unknown.code == 2 and "no label 'eggs' (its labels: ham, spam)" in unknown.err
    assert heurist("tasks", "describe", *where, "spam", "ham").code == 2
    assert heurist("tasks", "describe", *where, "spam", "ham", "x", "--clear").code == 2
    empty = served.post("/projects", json={"name": "empty"}).json()["id"]
    assert heurist("tasks", "list", "-p", str(empty)).out.strip() == "No tasks."


def test_an_annotator_reads_the_guidelines_and_may_not_change_them(served: Stack, sdk: Heurist,
                                                                   heurist):
    project, task_id = a_task(served, sdk)
    where = ("-p", str(project))
    sdk.tasks.update(project, task_id, guidelines="Read me.\n")
    made = served.post("/users", json={"name": "ann"})
    assert made.status_code == 201, made.text
    member = httpx.put(f"{served.api}/projects/{project}/members", headers=served.headers,
                       json={"user": "ann", "role": "annotator"}, timeout=30)
    assert member.status_code == 200, member.text
    ann = ("--key", made.json()["api_key"])

    assert heurist(*ann, "tasks", "guidelines", *where, "spam").out == "Read me.\n"
    refused = heurist(*ann, "tasks", "guidelines", *where, "spam", "--clear")
    assert refused.code == 3 and "error 403" in refused.err
    refused = heurist(*ann, "tasks", "describe", *where, "spam", "ham", "Mine.")
    assert refused.code == 3 and "error 403" in refused.err
    task = sdk.tasks.get(project, task_id)
    assert task.guidelines == "Read me.\n" and task.labels[0].description == ""
