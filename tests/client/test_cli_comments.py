"""``heurist comments`` and ``hc.comments``: a record's thread written, rewritten, resolved,
reopened and deleted, and who may do which (403 otherwise); a project's comments by state,
newest first, paged back; the tables, their footers, --json and the exit codes; a comment
read from standard input; the terminal labeler showing a record's open comments and taking
one with c."""

from __future__ import annotations

import asyncio
import io
import json
import re

import httpx
import pytest

from client import AsyncHeurist
from client.errors import Forbidden, NotFound, ValidationFailed
from client.sdk import Heurist
from tests.client.test_cli_attributes import rows
from tests.workers.conftest import Stack

TEXTS = ["win a prize now", "see you at noon", "click here", "lunch?", "free money"]


def cells(printed: str) -> list[list[str]]:
    """A Rich table's rows, each cell's folded lines joined and its whitespace dropped."""
    found: list[list[str]] = []
    for line in rows(printed):
        if line[0] or not found:
            found.append(line)
        else:
            found[-1] = [before + more for before, more in zip(found[-1], line, strict=True)]
    return [[squeezed(cell) for cell in row] for row in found]


def squeezed(text: str) -> str:
    return re.sub(r"\s", "", text)


def records(stack: Stack, sdk: Heurist) -> tuple[int, dict[str, int]]:
    """A project of five records r0..r4: its id, and the records' ids by external id."""
    project = stack.project_with_texts(TEXTS)
    return project, {r.external_id: r.id for r in sdk.projects.records(project)}


def member(stack: Stack, project: int, name: str, role: str = "annotator") -> str:
    """A new user with ``role`` in the project: their API key."""
    made = stack.post("/users", json={"name": name})
    assert made.status_code == 201, made.text
    added = httpx.put(f"{stack.api}/projects/{project}/members", headers=stack.headers,
                      json={"user": name, "role": role}, timeout=30)
    assert added.status_code == 200, added.text
    return made.json()["api_key"]


def test_the_sdk_keeps_a_thread_and_says_who_may_do_what(served: Stack, sdk: Heurist):
    project, ids = records(served, sdk)
    with Heurist(key=member(served, project, "ann")) as ann, \
            Heurist(key=member(served, project, "bob")) as bob:
        asked = ann.comments.add(project, ids["r1"], "Spam or a real question?\nBoth?")
        assert (asked.author, asked.record_id, asked.record_external_id, asked.text) == (
            "ann", ids["r1"], "r1", "Spam or a real question?\nBoth?")
        assert (asked.edited_at, asked.resolved_at, asked.resolved, asked.resolved_by) == (
            None, None, False, None)
        answered = sdk.comments.add(project, ids["r1"], "A real one: no link.")
        thread = bob.comments.list(project, record_id=ids["r1"])
        assert [(c.author, c.text) for c in thread.data] == [
            ("ann", "Spam or a real question?\nBoth?"), ("admin", "A real one: no link.")]
        assert (thread.count, thread.open) == (2, None)

        with pytest.raises(Forbidden) as refused:
            bob.comments.edit(project, asked.id, "mine now")
        assert refused.value.status == 403 and "only its author" in refused.value.detail
        with pytest.raises(Forbidden):
            sdk.comments.edit(project, asked.id, "owners do not rewrite either")
        with pytest.raises(Forbidden):
            bob.comments.resolve(project, asked.id)
        with pytest.raises(Forbidden):
            bob.comments.delete(project, asked.id)
        rewritten = ann.comments.edit(project, asked.id, "Spam, or a real question?")
        assert rewritten.text == "Spam, or a real question?" and rewritten.edited_at is not None

        resolved = sdk.comments.resolve(project, asked.id)
        assert (resolved.resolved, resolved.resolved_by) == (True, "admin")
        assert [c.id for c in bob.comments.list(project, record_id=ids["r1"]).data] == [
            answered.id], "the thread's open comments by default"
        every = bob.comments.list(project, record_id=ids["r1"], state="all")
        assert [c.id for c in every.data] == [asked.id, answered.id] and every.count == 2
        done = bob.comments.list(project, record_id=ids["r1"], state="resolved")
        assert [c.id for c in done.data] == [asked.id] and done.count == 1
        reopened = ann.comments.resolve(project, asked.id, resolved=False)
        assert (reopened.resolved, reopened.resolved_by) == (False, None)

        with pytest.raises(ValidationFailed):
            ann.comments.add(project, ids["r1"], "  \n")
        with pytest.raises(ValueError, match="a thread comes whole"):
            ann.comments.list(project, record_id=ids["r1"], before=asked.id)
        other = served.project_with_texts(["elsewhere"], name="other")
        with pytest.raises(NotFound):
            sdk.comments.resolve(other, asked.id)
        ann.comments.delete(project, asked.id)
        sdk.comments.delete(project, answered.id)   # an owner deletes anyone's

    async def left() -> list[int]:
        async with AsyncHeurist() as hc:
            page = await hc.comments.list(project, record_id=ids["r1"], state="all")
            return [c.id for c in page.data]

    assert asyncio.run(left()) == []


def test_the_sdk_lists_a_projects_comments_by_state_newest_first(served: Stack, sdk: Heurist):
    project, ids = records(served, sdk)
    made = [sdk.comments.add(project, ids[f"r{i}"], f"comment {i}") for i in range(5)]
    for comment in made[:2]:
        sdk.comments.resolve(project, comment.id)
    newest_first = [c.id for c in reversed(made)]

    open_ = sdk.comments.list(project)
    assert [c.id for c in open_.data] == newest_first[:3]
    assert (open_.count, open_.open) == (3, 3)
    resolved = sdk.comments.list(project, state="resolved")
    assert [c.id for c in resolved.data] == newest_first[3:]
    assert (resolved.count, resolved.open) == (2, 3)
    first = sdk.comments.list(project, state="all", limit=2)
    assert [c.id for c in first.data] == newest_first[:2] and first.count == 5
    older = sdk.comments.list(project, state="all", limit=2, before=first.data[-1].id)
    assert [c.id for c in older.data] == newest_first[2:4]
    assert [c.id for c in sdk.comments.iter(project, state="all", page_size=2)] == newest_first
    assert [c.id for c in sdk.comments.iter(project)] == newest_first[:3]
    assert list(sdk.comments.iter(served.project_with_texts(["x"], name="quiet"))) == []
    with pytest.raises(ValidationFailed):
        sdk.comments.list(project, limit=501)


def test_cli_lists_comments_in_a_table_with_a_footer(served: Stack, sdk: Heurist, heurist):
    project, ids = records(served, sdk)
    where = ("-p", str(project))
    question = sdk.comments.add(project, ids["r0"], "Is a prize spam?\nAlways?")
    answer = sdk.comments.add(project, ids["r0"], "Yes [bold]always[/bold].")
    cut = sdk.comments.add(project, ids["r2"], "The text is cut off")
    sdk.comments.resolve(project, question.id)

    listed = heurist("comments", "list", *where)
    assert listed.code == 0, listed.err
    table = cells(listed.out)
    assert [row[:3] + row[4:] for row in table] == [[squeezed(cell) for cell in row] for row in (
        [str(cut.id), f"{ids['r2']} (r2)", "admin", "The text is cut off", "open"],
        [str(answer.id), f"{ids['r0']} (r0)", "admin", "Yes [bold]always[/bold].", "open"])]
    assert all(re.fullmatch(r"today\d\d:\d\d|\d{4}-\d\d-\d\d", row[3]) for row in table)
    assert listed.out.rstrip().endswith(f"2 open comments in project {project}")

    resolved = heurist("comments", "list", *where, "--state", "resolved")
    assert [row[4:] for row in cells(resolved.out)] == [["Isaprizespam?…", "resolvedbyadmin"]]
    assert f"1 resolved comment in project {project} (2 open)" in resolved.out
    paged = heurist("comments", "list", *where, "--state", "all", "--limit", "2")
    assert [row[0] for row in cells(paged.out)] == [str(cut.id), str(answer.id)]
    assert (f"3 comments in project {project} (2 open); the newest 2 shown (older ones: "
            f"--before {answer.id})") in " ".join(paged.out.split())
    back = heurist("comments", "list", *where, "--state", "all", "--before", str(answer.id))
    assert [row[0] for row in cells(back.out)] == [str(question.id)]
    assert f"1 older than comment {answer.id} shown" in " ".join(back.out.split())

    thread = heurist("comments", "list", *where, "--record", str(ids["r0"]))
    assert thread.code == 0, thread.err
    assert [(row[0], row[3], row[4]) for row in cells(thread.out)] == [
        (str(question.id), "Isaprizespam?Always?", "resolvedbyadmin"),
        (str(answer.id), "Yes[bold]always[/bold].", "open")], "oldest first, in full"
    assert thread.out.rstrip().endswith(f"2 comments on record {ids['r0']} (r0), 1 open")
    only_open = heurist("comments", "list", *where, "-r", str(ids["r0"]), "--state", "open")
    assert [row[0] for row in cells(only_open.out)] == [str(answer.id)]
    assert f"1 open comment on record {ids['r0']} (r0)" in only_open.out

    as_json = heurist("--json", "comments", "list", *where)
    body = json.loads(as_json.out)
    assert (body["count"], body["open"]) == (2, 2)
    assert [c["id"] for c in body["data"]] == [cut.id, answer.id]
    assert body["data"][0]["record_external_id"] == "r2"

    quiet = served.project_with_texts(["x"], name="quiet")
    none = heurist("comments", "list", "-p", str(quiet))
    assert (none.code, none.out.strip()) == (0, f"0 open comments in project {quiet}")
    both = heurist("comments", "list", *where, "-r", str(ids["r0"]), "--before", "3")
    assert both.code == 2 and "a record's thread comes whole" in both.err
    missing = heurist("comments", "list", *where, "--record", "999999")
    assert missing.code == 3 and "error 404" in missing.err


def test_cli_adds_edits_resolves_and_deletes_comments(served: Stack, sdk: Heurist, heurist,
                                                      monkeypatch, tmp_path):
    project, ids = records(served, sdk)
    where = ("-p", str(project))
    added = heurist("comments", "add", *where, str(ids["r3"]), "Lunch: ham?")
    assert added.code == 0, added.err
    first = sdk.comments.list(project).data[0]
    assert added.out.strip() == (f"Comment {first.id} added to record {ids['r3']} (r3) of "
                                 f"project {project}.")

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(
        b"From a pipe,\nover two lines.\n\n")))
    piped = heurist("--json", "comments", "add", *where, str(ids["r3"]), "--from-file", "-")
    assert piped.code == 0, piped.err
    made = json.loads(piped.out)
    assert (made["text"], made["author"], made["record_id"]) == (
        "From a pipe,\nover two lines.", "admin", ids["r3"])
    written = tmp_path / "comment.txt"
    written.write_text("From a file.\n", encoding="utf-8")
    from_file = heurist("comments", "add", *where, str(ids["r4"]), "--from-file", str(written))
    assert from_file.code == 0, from_file.err
    assert sdk.comments.list(project, record_id=ids["r4"]).data[0].text == "From a file."

    missing = heurist("comments", "add", *where, str(ids["r3"]), "--from-file", "nowhere.txt")
    assert missing.code == 2 and "nowhere.txt" in missing.err
    neither = heurist("comments", "add", *where, str(ids["r3"]))
    assert neither.code == 2 and "give the comment (TEXT) or --from-file" in neither.err
    both = heurist("comments", "add", *where, str(ids["r3"]), "x", "--from-file", str(written))
    assert both.code == 2 and "TEXT or --from-file, not both" in both.err
    blank = heurist("comments", "add", *where, str(ids["r3"]), "   ")
    assert blank.code == 3 and "error 422" in blank.err
    nowhere = heurist("comments", "add", *where, "999999", "hello")
    assert nowhere.code == 3 and "error 404" in nowhere.err

    edited = heurist("comments", "edit", *where, str(first.id), "Lunch: surely ham.")
    assert edited.code == 0, edited.err
    assert edited.out.strip() == f"Comment {first.id} on record {ids['r3']} (r3) rewritten."
    assert "(edited)" in heurist("comments", "list", *where, "-r", str(ids["r3"])).out
    resolved = heurist("comments", "resolve", *where, str(first.id))
    assert resolved.out.strip() == (f"Comment {first.id} on record {ids['r3']} (r3): "
                                    "resolved by admin.")
    reopened = heurist("--json", "comments", "resolve", *where, str(first.id), "--reopen")
    assert json.loads(reopened.out)["resolved_at"] is None

    ann = ("--key", member(served, project, "ann"))
    refused = heurist(*ann, "comments", "edit", *where, str(first.id), "Mine now.")
    assert refused.code == 3 and "error 403" in refused.err and refused.out == ""
    refused = heurist(*ann, "comments", "resolve", *where, str(first.id))
    assert refused.code == 3 and "error 403" in refused.err
    refused = heurist(*ann, "comments", "delete", *where, str(first.id), "--yes")
    assert refused.code == 3 and "error 403" in refused.err
    viewer = ("--key", member(served, project, "vic", "viewer"))
    assert heurist(*viewer, "comments", "add", *where, str(ids["r3"]), "Me too.").code == 3
    read = heurist(*viewer, "comments", "list", *where)
    assert read.code == 0 and read.out.rstrip().endswith(f"3 open comments in project {project}")

    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    kept = heurist("comments", "delete", *where, str(first.id))
    assert kept.code == 1 and f"Delete comment {first.id} of project {project}?" in kept.err
    deleted = heurist("comments", "delete", *where, str(first.id), "--yes")
    assert deleted.out.strip() == f"Deleted comment {first.id} of project {project}."
    gone = heurist("comments", "resolve", *where, str(first.id))
    assert gone.code == 3 and "error 404" in gone.err
    assert sdk.comments.list(project).count == 2


def test_label_shows_a_records_open_comments_and_c_adds_one(served: Stack, sdk: Heurist,
                                                             heurist, monkeypatch):
    project, ids = records(served, sdk)
    task = sdk.tasks.create(project, "spam", labels=["ham", "spam"])
    sdk.comments.add(project, ids["r0"], "Is a prize [red]spam[/red]?")
    for external_id, text in (("r0", "An old question."), ("r1", "Nothing to see.")):
        sdk.comments.resolve(project, sdk.comments.add(project, ids[external_id], text).id)
    # comment on the first record, then skip it; start one on the second and cancel it
    monkeypatch.setattr("sys.stdin", io.StringIO("c\nCut off?\ns\nc\n\n" + "s\n" * 4))
    shown = heurist("label", "-p", str(project), "-t", "spam", "--n", "5")
    assert shown.code == 0, shown.err
    assert "1 ham  2 spam  s skip  q quit  c comment" in shown.out
    parts = re.split(r"record (r\d) - random sample", shown.out)
    seen = dict(zip(parts[1::2], parts[2::2], strict=True))
    assert len(seen) == 5
    assert "1 open comment" in seen["r0"] and "Is a prize [red]spam[/red]?" in seen["r0"]
    assert "An old question." not in shown.out and "Nothing to see." not in shown.out
    assert "open comment" not in seen["r1"] + seen["r2"]
    commented = sdk.comments.list(project).data[0]
    assert (commented.text, commented.author) == ("Cut off?", "admin")
    first, second = parts[2], parts[4]
    assert f"comment {commented.id} added" in first and "no comment" in second
    assert seen[commented.record_external_id] == first
    assert sdk.comments.list(project, state="all").count == 4, "nothing added on cancel"
    assert not sdk.projects.records(project, task_id=task.id, labelled="true")

    hotkeys = sdk.tasks.create(project, "tidy", labels=["clean", "dirty"])
    sdk.tasks.update_label(project, hotkeys.id, "clean", hotkey="c")
    monkeypatch.setattr("sys.stdin", io.StringIO("c\nq\n"))
    labelled = heurist("label", "-p", str(project), "-t", "tidy", "--n", "1")
    assert labelled.code == 0, labelled.err
    assert "c comment" not in labelled.out, "a label's hotkey c wins"
    assert len(sdk.projects.records(project, task_id=hotkeys.id, labelled="true")) == 1
