"""Editing a record's values end to end: a text edited on its record page, the manual span
whose own text changed listed before it is dropped and the spans around the edit moved with
their text; an edit made elsewhere meanwhile keeps what was typed until the owner chooses;
a value of the wrong type marked on its field, what was typed kept through a reload, and
the computed attribute that reads the text computed again."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, Route, expect

from tests.e2e.test_attributes_ui import LENGTH
from tests.e2e.test_heuristics_ui import reviews_project
from tests.e2e.test_ui import conll_sample_project, go, key_of, manual_labels, shot, sign_in
from tests.workers.conftest import Stack


def spans(stack: Stack, project: int, record: int, task: int) -> dict[str, tuple[int, int]]:
    """The record's manual spans: their text -> (char_start, char_end)."""
    return {m["text"]: (m["char_start"], m["char_end"])
            for m in manual_labels(stack, project, record, task)}


def wait_computed(stack: Stack, project: int, name: str, timeout: float = 120) -> None:
    """Wait until the computed attribute's latest run has succeeded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        attribute = next(a for a in stack.get(f"/projects/{project}/attributes")
                         if a["name"] == name)
        if (attribute.get("run") or {}).get("status") == "succeeded":
            return
        time.sleep(0.3)
    raise AssertionError(f"{name} was not computed: {attribute}\n{stack.logs()}")


def test_edit_a_text_its_spans_follow(page: Page, app_stack: Stack, artifacts: Path):
    stack = app_stack
    project, task = conll_sample_project(stack, "Editing e2e")
    record = next(r for r in stack.get(f"/projects/{project}/records", limit=100)["data"]
                  if "Phil Simmons" in r["data"]["text"])
    old = record["data"]["text"]
    new = old.replace("Phil Simmons", "Philip Simmons")
    before = spans(stack, project, record["id"], task)
    assert {"West Indian", "Phil Simmons", "Leicestershire", "Somerset"} <= set(before)

    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/records/{record['id']}")
    labels = page.get_by_label("labels of the record")
    expect(labels).to_contain_text("“Phil Simmons”")
    page.get_by_role("button", name="Edit values").click()
    form = page.get_by_label("edit values")
    text = form.get_by_label("text", exact=True)
    expect(text).to_have_value(old)
    text.fill(new)
    expect(form.get_by_text("1 value changed")).to_be_visible()
    shot(page, artifacts, "49-record-edit-form")

    # a dry run first: the span whose text changed is listed before anything is saved
    held: list[Route] = []

    def hold_the_edit(route: Route) -> None:
        request = route.request
        if request.method == "PATCH" and not (request.post_data_json or {}).get("dry_run"):
            held.append(route)
        else:
            route.continue_()

    page.route(f"**/projects/{project}/records/{record['id']}", hold_the_edit)
    form.get_by_role("button", name="Save").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading")).to_have_text("Save and drop 1 span?")
    rows = dialog.get_by_role("table", name="dropped spans").get_by_role("row")
    expect(rows).to_have_count(2)
    expect(rows.nth(1).get_by_role("cell")).to_have_text(["ner", "PER", "“Phil Simmons”", "conll"])
    expect(dialog).to_contain_text("Spans whose text is unchanged follow the edit (2 spans move).")
    assert spans(stack, project, record["id"], task) == before   # nothing saved yet
    shot(page, artifacts, "49-record-edit-confirm")

    # held on its way, the save shows its progress
    dialog.get_by_role("button", name="Save and drop 1 span").click()
    expect(dialog.get_by_role("button", name="Saving…")).to_be_disabled()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_disabled()
    shot(page, artifacts, "49-record-edit-saving")
    held[0].continue_()
    expect(dialog).to_be_hidden()
    expect(page.get_by_label("edit result")).to_contain_text(
        "Saved. text changed; 2 spans moved; 1 span dropped.")
    expect(page.get_by_label("values", exact=True)).to_contain_text("Philip Simmons took four")
    expect(labels).not_to_contain_text("Phil Simmons")
    expect(labels).to_contain_text("“Leicestershire”")
    shot(page, artifacts, "49-record-edited")

    # the spans after the edit moved with their text; the one before stayed; one went
    after = spans(stack, project, record["id"], task)
    assert set(after) == {"West Indian", "Leicestershire", "Somerset"}
    assert after["West Indian"] == before["West Indian"]
    for name in ("Leicestershire", "Somerset"):
        assert after[name] == (before[name][0] + 2, before[name][1] + 2)
        assert new[slice(*after[name])] == name
    assert stack.get(f"/projects/{project}/records/{record['id']}")["revision"] == 1

    # a value of the wrong type is marked on its field; what else was typed stays
    page.unroute(f"**/projects/{project}/records/{record['id']}")
    page.get_by_role("button", name="Edit values").click()
    document = form.get_by_label("document", exact=True)
    expect(document).to_have_value("0")
    expect(document).to_have_attribute("type", "number")
    document.fill("2.5")
    text.fill(new.replace("took four", "took five"))
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_role("alert")).to_have_text(
        "field 'document': expected integer, got '2.5'")
    expect(document).to_have_attribute("aria-invalid", "true")
    expect(document).to_be_focused()
    expect(text).to_have_value(new.replace("took four", "took five"))
    shot(page, artifacts, "49-record-edit-refused")
    document.fill("0")
    expect(document).not_to_have_attribute("aria-invalid", "true")
    expect(form.get_by_role("alert")).to_have_count(0)

    # edited elsewhere while the owner types: said, and what was typed stays until chosen
    theirs = new.replace("two days", "three days")
    response = httpx.patch(f"{stack.api}/projects/{project}/records/{record['id']}",
                           headers=stack.headers, json={"data": {"text": theirs}, "revision": 1})
    assert response.status_code == 200, response.text
    conflict = page.get_by_label("edited meanwhile")
    expect(conflict).to_contain_text("This record was edited meanwhile (revision 2 now: text "
                                     "changed). Your unsaved values are kept here until you "
                                     "choose. You both changed text")
    expect(text).to_have_value(new.replace("took four", "took five"))
    expect(form.get_by_role("button", name="Save")).to_be_disabled()
    shot(page, artifacts, "49-record-edited-meanwhile")
    conflict.get_by_role("button", name="Load their version").click()
    expect(text).to_have_value(theirs)
    expect(conflict).to_be_hidden()
    form.get_by_role("button", name="Cancel").click()
    expect(page.get_by_label("values", exact=True)).to_contain_text("in three days")


def test_typed_values_outlive_a_reload_and_computed_ones_follow(page: Page, app_stack: Stack,
                                                                 artifacts: Path):
    stack = app_stack
    project, _ = reviews_project(stack, "Editing values e2e")
    response = stack.post(f"/projects/{project}/attributes/computed",
                          json={"name": "length", "data_type": "integer", "source": LENGTH})
    assert response.status_code == 201, response.text
    wait_computed(stack, project, "length")
    record = next(r for r in stack.get(f"/projects/{project}/records", limit=100)["data"]
                  if r["external_id"] == "1")
    assert record["data"]["stars"] == 2
    edited = "The phone is fine, review 1"

    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/records/{record['id']}")
    page.get_by_role("button", name="Edit values").click()
    form = page.get_by_label("edit values")
    stars = form.get_by_label("stars", exact=True)
    text = form.get_by_label("text", exact=True)
    expect(stars).to_have_value("2")
    expect(form.get_by_label("sentiment", exact=True)).to_have_value("positive")
    # the computed attribute is shown, not edited
    expect(form.get_by_label("computed attributes")).to_contain_text(
        f"length{len(record['data']['text'])}")
    expect(form.get_by_label("length", exact=True)).to_have_count(0)
    text.fill(edited)
    stars.fill("4")

    # what was typed outlives a reload (after the browser asks)
    dialogs: list[str] = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.reload()
    restored = page.get_by_label("unsaved values")
    expect(restored).to_contain_text("restored.")
    expect(restored.get_by_role("button", name="Discard")).to_be_visible()
    expect(text).to_have_value(edited)
    expect(stars).to_have_value("4")
    assert dialogs == ["beforeunload"]
    shot(page, artifacts, "49-record-edit-restored")

    # saved at once (no span to drop); the computed value follows when computed again
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_label("edit result")).to_contain_text(
        "Saved. stars and text changed; length is computed again.")
    values = page.get_by_label("values", exact=True)
    expect(values).to_contain_text(edited)
    expect(values).to_contain_text(f"length{len(edited)}", timeout=60_000)
    shot(page, artifacts, "49-record-edit-saved")
    shown = stack.get(f"/projects/{project}/records/{record['id']}")
    assert (shown["data"]["stars"], shown["data"]["text"], shown["data"]["length"],
            shown["revision"]) == (4, edited, len(edited), 1)
