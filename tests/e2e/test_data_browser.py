"""The data browser's filters end to end: conditions on a manual label and a heuristic's
vote narrow the table, the filter lives in the URL (reload and back keep it), and a saved
filter comes back by name."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.e2e.test_heuristics_ui import reviews_project
from tests.e2e.test_ui import go, key_of, shot, sign_in
from tests.workers.conftest import Stack

AWFUL = "def lf(record):\n    return 'negative' if 'awful' in record['text'] else None\n"


def add_condition(page: Page, kind: str, **choices: str) -> None:
    """Add a condition in the filter bar's editor: ``choices`` by the fields' labels."""
    page.get_by_role("button", name="+ Add filter").click()
    page.get_by_label("Filter kind").select_option(label=kind)
    for label, value in choices.items():
        page.get_by_label(label.replace("_", " "), exact=True).select_option(label=value)
    page.get_by_role("button", name="Add", exact=True).click()


def test_filter_by_label_and_vote_save_and_reload(page: Page, app_stack: Stack,
                                                  artifacts: Path):
    stack = app_stack
    project, task = reviews_project(stack, "Browser e2e")
    records = {int(r["external_id"]): r for r in
               stack.get(f"/projects/{project}/records", limit=100)["data"]}
    # reviews 3, 6, 9 are awful (negative), 5 great; review 6 is mislabelled positive
    for review, label in ((3, "negative"), (5, "negative"), (6, "positive"), (9, "negative"),
                          (1, "positive")):
        response = stack.post(f"/projects/{project}/records/{records[review]['id']}/labels",
                              json={"task_id": task, "label": label})
        assert response.status_code == 201, response.text
    heuristic = stack.post(f"/projects/{project}/heuristics", json={
        "task_id": task, "name": "awful", "kind": "labeling_function", "source": AWFUL})
    assert heuristic.status_code == 201, heuristic.text
    run = stack.post(f"/projects/{project}/heuristics/{heuristic.json()['id']}/runs")
    assert run.status_code == 202, run.text
    assert stack.wait_run(project, run.json()["id"])["status"] == "succeeded"

    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/data")
    expect(page.get_by_label("count")).to_have_text("30 records")
    add_condition(page, "Manual label", Filter_task="sentiment", Label_state="is",
                  Filter_label="negative")
    expect(page.get_by_label("count")).to_have_text("3 records")
    add_condition(page, "Heuristic vote", Heuristic="awful", Vote="votes",
                  Filter_label="negative")
    expect(page.get_by_label("count")).to_have_text("2 records")
    chips = page.get_by_label("Filter conditions")
    expect(chips).to_contain_text("sentiment: manual label is negative")
    expect(chips).to_contain_text("awful votes negative")
    rows = page.get_by_role("row").filter(has_text="review")
    expect(rows).to_have_count(2)
    expect(rows.locator(".mono")).to_have_text(["3", "9"])  # the records' ids
    expect(rows.nth(0)).to_contain_text("The price is awful, review 3")
    expect(rows.get_by_label("sentiment reference")).to_have_text(["negative", "negative"])
    expect(page).to_have_url(re.compile(r"[?&]f="))

    # back: the filter before the vote condition
    page.go_back()
    expect(page.get_by_label("count")).to_have_text("3 records")
    page.go_forward()
    expect(page.get_by_label("count")).to_have_text("2 records")

    # save it; a name taken already is refused and stays typed
    page.get_by_role("button", name="Save filter…").click()
    page.get_by_label("Filter name").fill("awful negatives")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_label("Saved filters")).to_contain_text("awful negatives")
    page.get_by_role("button", name="Save filter…").click()
    page.get_by_label("Filter name").fill("awful negatives")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("exists already")
    expect(page.get_by_label("Filter name")).to_have_value("awful negatives")
    page.get_by_role("button", name="Cancel").click()
    saved = stack.get(f"/projects/{project}/filters")["data"]
    assert [s["name"] for s in saved] == ["awful negatives"]

    # a reload keeps the filter (it is in the URL), and the saved one loads by name
    page.reload()
    expect(page.get_by_label("count")).to_have_text("2 records")
    expect(rows).to_have_count(2)
    expect(page.get_by_label("Saved filters")).to_have_value(str(saved[0]["id"]))  # shown as such
    page.get_by_role("button", name="Clear filters").click()
    expect(page.get_by_label("count")).to_have_text("30 records")
    page.get_by_label("Saved filters").select_option(label="awful negatives")
    expect(page.get_by_label("count")).to_have_text("2 records")
    expect(chips).to_contain_text("awful votes negative")
    shot(page, artifacts, "16-data-filters")
    page.get_by_role("button", name="+ Add filter").click()
    page.get_by_label("Filter kind").select_option(label="Weak label")
    page.get_by_label("Min confidence").fill("0.8")
    shot(page, artifacts, "17-data-filter-editor")
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_label("New filter condition")).to_have_count(0)

    # a filter the server refuses says why, and its chip stays to be removed
    bad = json.dumps([{"kind": "manual_label", "task_id": task, "op": "is", "label": "nope"}])
    go(page, f"/projects/{project}/data?f={quote(bad)}")
    expect(page.get_by_role("alert")).to_contain_text(
        "task 'sentiment' has no label 'nope' (labels: positive, negative)")
    expect(page.get_by_label("Saved filters")).to_have_value("")  # not the saved one
    shot(page, artifacts, "18-data-filter-refused")
    page.get_by_label("Remove sentiment: manual label is nope").click()
    expect(page.get_by_label("count")).to_have_text("30 records")
