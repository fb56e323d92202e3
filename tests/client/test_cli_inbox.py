"""``heurist inbox`` and ``hc.notifications``: a member mentioned in a comment, and the earlier
authors of a record's comments, notified; the notifications listed newest first, paged back,
marked read (one by one, or all) and counted; the inbox table, its footer, --json, --read
and the exit codes of ``inbox read``."""

from __future__ import annotations

import asyncio
import io
import json
import re

import pytest
from rich.console import Console

from client import AsyncHeurist
from client.cli import inbox_table
from client.errors import NotFound, ValidationFailed
from client.models import NotificationPage
from client.sdk import Heurist
from tests.client.test_cli_comments import member, records, squeezed
from tests.workers.conftest import Stack

WHEN = re.compile(r"today \d\d:\d\d|\d{4}-\d\d-\d\d")


def cells(printed: str) -> list[list[str]]:
    """The inbox table's rows (a table without vertical rules, each column starting where its
    header does), each cell's folded lines joined and its whitespace dropped; the lines
    after the table (their "when" is no time) left out."""
    lines = printed.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("─"))
    starts = [match.start() for match in re.finditer(r"\S+", lines[rule - 1])]
    found: list[list[str]] = []
    for line in lines[rule + 1:]:
        row = [line[start:end].strip() for start, end in zip(starts, [*starts[1:], None],
                                                              strict=True)]
        if row[1] and not WHEN.fullmatch(row[1]):
            break
        if row[0]:
            found.append(row)
        else:
            found[-1] = [before + more for before, more in zip(found[-1], row, strict=True)]
    return [[squeezed(cell) for cell in row] for row in found]


NOTE = {"id": 4242, "reason": "mention", "created_at": "2026-01-01T10:00:00Z",
        "read_at": None, "project_id": 12, "project_name": "YouTube spam comments",
        "record_id": 17345, "record_external_id": "z13uwn2heqndtr5gh22gz3hwuuvmphoma04",
        "comment_id": 9, "author": "Annabelle Leeworthington", "excerpt": "@bob spam? " * 30,
        "resolved": True}


@pytest.mark.parametrize("width", [80, 100, 160])
def test_the_inbox_table_fits_the_terminal_and_cuts_long_excerpts(width: int):
    page = NotificationPage.model_validate({"count": 2, "unread": 1, "data": [
        NOTE, {**NOTE, "id": 41, "reason": "reply", "read_at": "2026-01-02T10:00:00Z",
               "record_external_id": None, "author": "cy", "excerpt": "Short.\nMore.",
               "resolved": False}]})
    console = Console(width=width, record=True, highlight=False, file=io.StringIO())
    console.print(inbox_table(page, with_state=True, width=width))
    printed = console.export_text()
    assert max(len(line) for line in printed.splitlines()) <= width
    rows = cells(printed)
    assert [row[0] for row in rows] == ["4242", "41"]
    assert [row[3] for row in rows] == ["mentionedyou", "replied"]
    assert [row[4:6] for row in rows] == [
        ["12(YouTubespamcomments)", "17345(z13uwn2heqndtr5gh22gz3hwuuvmphoma04)"],
        ["12(YouTubespamcomments)", "17345"]]
    assert rows[0][6] == squeezed(("@bob spam? " * 10)[:99].rstrip() + "…(resolved)")
    assert rows[1][6] == "Short.…" and [row[7] for row in rows] == ["unread", "read"]
    if width >= 160:
        assert len(printed.splitlines()) < 10, "no folding where the terminal is wide"


def test_a_mention_and_a_reply_reach_the_sdk_and_read_counts_them_down(served: Stack,
                                                                        sdk: Heurist):
    project, ids = records(served, sdk)
    ann_key = member(served, project, "ann")
    with Heurist(key=ann_key) as ann, \
            Heurist(key=member(served, project, "bob")) as bob, \
            Heurist(key=member(served, project, "cy")) as cy:
        asked = ann.comments.add(project, ids["r1"], "@bob is this spam?\nOr a question?")
        mentioned = bob.notifications.list()
        assert (mentioned.count, mentioned.unread) == (1, 1)
        [note] = mentioned.data
        assert (note.reason, note.author, note.comment_id, note.excerpt) == (
            "mention", "ann", asked.id, "@bob is this spam?\nOr a question?")
        assert (note.project_id, note.project_name, note.record_id,
                note.record_external_id) == (project, "texts", ids["r1"], "r1")
        assert (note.read_at, note.read, note.resolved) == (None, False, False)
        assert note.created_at.tzinfo is not None
        assert ann.notifications.list().count == 0, "not for the comment's own author"

        answered = cy.comments.add(project, ids["r1"], "A question: no link.")
        replied = ann.notifications.list()
        assert [(n.reason, n.author, n.comment_id) for n in replied.data] == [
            ("reply", "cy", answered.id)], "ann wrote on the record before"
        assert bob.notifications.list().unread == 1, "mentioned, never an author there"
        again = bob.comments.add(project, ids["r1"], "@ann @cy agreed.")
        assert [(n.reason, n.comment_id) for n in ann.notifications.list().data] == [
            ("mention", again.id), ("reply", answered.id)], "newest first; a mention wins"
        assert [n.reason for n in cy.notifications.list().data] == ["mention"]

        long = ann.comments.add(project, ids["r2"], "@bob " + "spam " * 100)
        newest = bob.notifications.list().data[0]
        assert newest.comment_id == long.id
        assert len(newest.excerpt) <= 300 and newest.excerpt.endswith("…")
        assert long.text.startswith(newest.excerpt[:-1].rstrip())
        sdk.comments.resolve(project, asked.id)
        assert [n.resolved for n in bob.notifications.list().data] == [False, True]

        first, second = bob.notifications.list().data
        assert bob.notifications.read([second.id]) == 1
        every = bob.notifications.list(state="all")
        assert (every.count, every.unread) == (2, 1)
        assert [n.read for n in every.data] == [False, True]
        assert every.data[1].read_at is not None
        assert bob.notifications.read([second.id]) == 1, "read already: unchanged"
        assert bob.notifications.read([]) == 1, "none marked"
        with pytest.raises(NotFound):
            ann.notifications.read([first.id])   # bob's, not ann's
        with pytest.raises(NotFound):
            bob.notifications.read([first.id, 999_999])
        assert bob.notifications.list().unread == 1, "nothing marked on a refusal"
        with pytest.raises(ValueError, match="give ids or all=True"):
            bob.notifications.read()
        with pytest.raises(ValueError, match="not both"):
            bob.notifications.read([first.id], all=True)
        with pytest.raises(ValidationFailed):
            bob.notifications.list(limit=201)
        assert bob.notifications.read(all=True) == 0
        left = bob.notifications.list()
        assert (left.data, left.count, left.unread) == ([], 0, 0)
        assert bob.notifications.list(state="all").count == 2

    async def unread_of_ann() -> tuple[int, int]:
        async with AsyncHeurist(key=ann_key) as hc:
            page = await hc.notifications.list(state="all")
            return page.unread, await hc.notifications.read(all=True)

    assert asyncio.run(unread_of_ann()) == (2, 0)


def test_iter_pages_back_through_every_notification(served: Stack, sdk: Heurist):
    project, ids = records(served, sdk)
    with Heurist(key=member(served, project, "bob")) as bob:
        made = [sdk.comments.add(project, ids[f"r{i}"], f"@bob look at r{i}")
                for i in range(5)]
        newest_first = [c.id for c in reversed(made)]
        first = bob.notifications.list(limit=2)
        assert [n.comment_id for n in first.data] == newest_first[:2]
        assert (first.count, first.unread) == (5, 5)
        older = bob.notifications.list(limit=2, before=first.data[-1].id)
        assert [n.comment_id for n in older.data] == newest_first[2:4]
        assert [n.comment_id for n in bob.notifications.iter(page_size=2)] == newest_first
        assert [n.comment_id for n in bob.notifications.iter(page_size=5)] == newest_first
        bob.notifications.read([n.id for n in first.data])
        assert [n.comment_id for n in bob.notifications.iter(page_size=2)] == newest_first[2:]
        assert [n.comment_id for n in bob.notifications.iter(state="all", page_size=3)] == \
            newest_first
        bob.notifications.read(all=True)
        assert list(bob.notifications.iter()) == []


def test_cli_inbox_prints_a_table_and_marks_read(served: Stack, sdk: Heurist, heurist):
    project, ids = records(served, sdk)
    bob = ("--key", member(served, project, "bob"))
    ann_key = member(served, project, "ann")
    empty = heurist(*bob, "inbox")
    assert (empty.code, empty.out.strip()) == (0, "0 unread notifications")

    with Heurist(key=ann_key) as ann:
        asked = ann.comments.add(project, ids["r0"], "@bob is a [bold]prize[/bold] spam?\nSay.")
        handed = sdk.comments.add(project, ids["r0"], "@bob over to you")
        bob_said = heurist(*bob, "comments", "add", "-p", str(project), str(ids["r2"]),
                           "Cut off?")
        assert bob_said.code == 0, bob_said.err
        replied = ann.comments.add(project, ids["r2"], "It is.")
    with Heurist(key=bob[1]) as hc:
        notes = hc.notifications.list().data
    assert [n.comment_id for n in notes] == [replied.id, handed.id, asked.id]

    listed = heurist(*bob, "inbox")
    assert listed.code == 0, listed.err
    table = cells(listed.out)
    assert [row[:1] + row[2:] for row in table] == [[squeezed(cell) for cell in row] for row in (
        [str(notes[0].id), "ann", "replied", f"{project} (texts)", f"{ids['r2']} (r2)",
         "It is."],
        [str(notes[1].id), "admin", "mentioned you", f"{project} (texts)",
         f"{ids['r0']} (r0)", "@bob over to you"],
        [str(notes[2].id), "ann", "mentioned you", f"{project} (texts)",
         f"{ids['r0']} (r0)", "@bob is a [bold]prize[/bold] spam? …"])]
    assert all(re.fullmatch(r"today\d\d:\d\d|\d{4}-\d\d-\d\d", row[1]) for row in table)
    assert listed.out.rstrip().endswith("3 unread notifications")

    as_json = heurist("--json", *bob, "inbox")
    body = json.loads(as_json.out)
    assert (body["count"], body["unread"]) == (3, 3)
    assert [n["id"] for n in body["data"]] == [n.id for n in notes]
    assert body["data"][0]["reason"] == "reply" and body["data"][0]["read_at"] is None

    one = heurist(*bob, "inbox", "--limit", "1", "--read")
    assert one.code == 0, one.err
    assert [row[0] for row in cells(one.out)] == [str(notes[0].id)]
    said = " ".join(one.out.split())
    assert (f"3 unread notifications; the newest 1 shown (older ones: --before {notes[0].id})"
            in said)
    assert said.endswith("Marked 1 notification read; 2 unread left.")
    back = heurist(*bob, "inbox", "--before", str(notes[1].id))
    assert [row[0] for row in cells(back.out)] == [str(notes[2].id)]
    assert f"1 older than notification {notes[1].id} shown" in " ".join(back.out.split())

    every = heurist(*bob, "inbox", "--all")
    assert [(row[0], row[-1]) for row in cells(every.out)] == [
        (str(notes[0].id), "read"), (str(notes[1].id), "unread"),
        (str(notes[2].id), "unread")]
    assert every.out.rstrip().endswith("3 notifications, 2 unread")

    marked = heurist(*bob, "inbox", "read", str(notes[2].id))
    assert marked.code == 0, marked.err
    assert marked.out.strip() == "Marked 1 notification read; 1 unread left."
    missing = heurist(*bob, "inbox", "read", "999999")
    assert missing.code == 3 and "error 404" in missing.err
    neither = heurist(*bob, "inbox", "read")
    assert neither.code == 2 and "give notification ids (ID...) or --all" in neither.err
    both = heurist(*bob, "inbox", "read", str(notes[1].id), "--all")
    assert both.code == 2 and "notification ids or --all, not both" in both.err
    everything = heurist(*bob, "inbox", "read", "--all")
    assert everything.out.strip() == "Marked every notification read; 0 unread left."
    assert json.loads(heurist("--json", *bob, "inbox", "read", "--all").out) == {"unread": 0}
    done = heurist(*bob, "inbox")
    assert (done.code, done.out.strip()) == (0, "0 unread notifications")
    quiet = heurist(*bob, "inbox", "--read")
    assert quiet.out.strip() == "0 unread notifications", "nothing shown, nothing marked"
    nobody = heurist("--key", "hk_nobody", "inbox")
    assert nobody.code == 3 and "error 401" in nobody.err
