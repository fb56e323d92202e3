"""Deleting records end to end: the records a filter matches go from the data browser after
a confirmation that says what goes with them (the others and their labels stay), one record
goes from its page, and a record page open elsewhere says its record was deleted."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, Route, expect

from tests.e2e.test_heuristics_ui import reviews_project
from tests.e2e.test_ui import choose_action, go, key_of, manual_labels, shot, sign_in
from tests.workers.conftest import Stack


def row(page: Page, external_id: str):
    """The data browser's row of a record."""
    return page.get_by_role("row").filter(
        has=page.locator(".mono", has_text=re.compile(rf"^{external_id}$")))


def labels(stack: Stack, project: int, record: int, task: int) -> list[str]:
    return [label["label"] for label in manual_labels(stack, project, record, task)]


def test_delete_filtered_records_and_one_record(page: Page, app_stack: Stack, artifacts: Path):
    stack = app_stack
    project, task = reviews_project(stack, "Deletion e2e")
    records = {int(r["external_id"]): r for r in
               stack.get(f"/projects/{project}/records", limit=100)["data"]}
    # reviews 3, 6, 9, ... 30 are awful; labels on two of them and on two great ones
    for review, label in ((3, "negative"), (6, "negative"), (1, "positive"), (2, "positive")):
        response = stack.post(f"/projects/{project}/records/{records[review]['id']}/labels",
                              json={"task_id": task, "label": label})
        assert response.status_code == 201, response.text
    awful = {review for review in records if review % 3 == 0}
    assert len(awful) == 10

    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/data")
    expect(page.get_by_label("count")).to_have_text("30 records")
    page.get_by_role("button", name="Actions", exact=True).click()
    expect(page.get_by_role("menuitem", name="Delete all 30 records…")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("menu")).to_have_count(0)
    page.get_by_label("Search", exact=True).fill("awful")
    expect(page.get_by_label("count")).to_have_text("10 records")
    address = page.url

    # the confirmation says how many, what goes with them, and where a copy is kept
    choose_action(page, "Delete 10 records…")
    dialog = page.get_by_role("dialog")   # the open one: closed dialogs are hidden
    expect(dialog.get_by_role("heading")).to_have_text("Delete 10 records?")
    expect(dialog).to_contain_text(
        "The 10 records that match the filter search “awful” are deleted; the other records stay.")
    expect(dialog).to_contain_text("heuristics' votes, weak labels, tokens, vectors and computed "
                                   "attribute values go with them")
    expect(dialog).to_contain_text("Their 2 manual labels")   # a dry run of the deletion
    expect(dialog).to_contain_text("This cannot be undone.")
    expect(dialog.get_by_role("link", name="Tasks & members")).to_be_visible()
    shot(page, artifacts, "47-records-delete-confirm")

    # held on its way, the deletion shows its progress
    held: list[Route] = []
    page.route("**/records/delete", lambda route: held.append(route))
    dialog.get_by_role("button", name="Delete 10 records").click()
    expect(dialog.get_by_role("button", name="Deleting…")).to_be_disabled()
    expect(dialog.get_by_role("status")).to_have_text("Deleting 10 records…")
    shot(page, artifacts, "47-records-delete-busy")
    held[0].continue_()
    expect(dialog).to_be_hidden()
    expect(page.get_by_label("count")).to_have_text("0 records")
    expect(page.get_by_text("No records match.")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Deleted 10 records")).to_contain_text(
        "Deleted 10 records and 2 manual labels; 20 records left.")
    assert page.url == address   # the filter stays in the address
    shot(page, artifacts, "47-records-deleted")

    # exactly those went; the others and their labels stay
    left = {int(r["external_id"]): r for r in
            stack.get(f"/projects/{project}/records", limit=100)["data"]}
    assert set(left) == set(records) - awful
    assert labels(stack, project, left[1]["id"], task) == ["positive"]
    assert labels(stack, project, left[2]["id"], task) == ["positive"]
    gone = httpx.get(f"{stack.api}/projects/{project}/records/{records[3]['id']}",
                     headers=stack.headers)
    assert gone.status_code == 404

    # one record from its page: back to the list it came from
    page.get_by_label("Search", exact=True).fill("great")
    expect(page.get_by_label("count")).to_have_text("20 records")
    row(page, "2").click()
    expect(page).to_have_url(re.compile(rf"/records/{records[2]['id']}\?q=great$"))
    page.get_by_role("button", name="Delete record").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading")).to_have_text("Delete record 2?")
    expect(dialog).to_contain_text("Its manual label, reviews, heuristics' votes")
    expect(dialog).to_contain_text("This cannot be undone.")
    shot(page, artifacts, "48-record-delete-confirm")
    dialog.get_by_role("button", name="Delete record").click()
    expect(page).to_have_url(re.compile(rf"/projects/{project}/data\?q=great$"))
    expect(page.get_by_label("count")).to_have_text("19 records")
    remaining = {int(r["external_id"]) for r in
                 stack.get(f"/projects/{project}/records", limit=100)["data"]}
    assert remaining == set(records) - awful - {2}
    assert labels(stack, project, left[1]["id"], task) == ["positive"]

    # a record page open while its record is deleted elsewhere says so
    row(page, "4").click()
    expect(page.get_by_text("The camera is great, review 4")).to_be_visible()
    response = httpx.delete(f"{stack.api}/projects/{project}/records/{records[4]['id']}",
                            headers=stack.headers)
    assert response.status_code == 204, response.text
    expect(page.get_by_text("This record was deleted.")).to_be_visible()
    expect(page.get_by_role("button", name="Delete record")).to_have_count(0)
    shot(page, artifacts, "48-record-deleted-elsewhere")

    # a labeling session passes over a record deleted while it is on screen
    go(page, f"/projects/{project}/label?q=great")
    position = page.get_by_label("position")
    expect(position).to_have_text("1 of 18")
    expect(page.get_by_label("record id")).to_have_text("1")
    response = httpx.delete(f"{stack.api}/projects/{project}/records/{records[1]['id']}",
                            headers=stack.headers)
    assert response.status_code == 204, response.text
    expect(page.get_by_text("This record was deleted meanwhile")).to_be_visible()
    expect(position).to_have_text("1 of 18 · 1 deleted meanwhile")
    shot(page, artifacts, "48-labeling-record-deleted")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_label("record id")).to_have_text("5")
    expect(position).to_contain_text("2 of 18")
