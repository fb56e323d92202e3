"""Giving many records the same values end to end: the records a search matches get a
category value from the data browser (chosen among the project's values, shown with their
counts), after a dry run that says how many change (one has the value already); a value the
server refuses is marked on its field, what was typed kept; exactly those records change,
each by one revision. The owner's toolbar holds on one line, its actions in one menu; a
filter on the category offers the values as they are after the edit."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, Route, expect

from tests.e2e.test_ui import WORDS, choose_action, go, key_of, shot, sign_in, toolbar_height
from tests.workers.conftest import Stack

SPLITS = {i: "test" if i == 6 else "dev" if i % 4 == 0 else "train" for i in range(1, 13)}
"""Reviews 3, 6, 9 and 12 are awful; 6 is of the test split already."""
RECORDS = "id,text,split,stars\n" + "".join(
    f'{i},"The {WORDS[i % 5]} is {"great" if i % 3 else "awful"}, review {i}",{SPLITS[i]},'
    f'{1 + i % 5}\n' for i in range(1, 13))


def split_project(stack: Stack, name: str) -> int:
    """A project of twelve reviews with their split (a category) and stars."""
    project = stack.post("/projects", json={"name": name}).json()["id"]
    response = stack.post(f"/projects/{project}/records/import",
                          files={"file": ("reviews.csv", RECORDS.encode())},
                          data={"id_column": "id", "types": '{"split": "category"}'})
    assert response.status_code == 201, response.text
    return project


def records_by_review(stack: Stack, project: int) -> dict[int, dict]:
    return {int(r["external_id"]): r for r in
            stack.get(f"/projects/{project}/records", limit=100)["data"]}


def test_set_a_value_on_the_records_a_search_matches(page: Page, app_stack: Stack,
                                                     artifacts: Path):
    stack = app_stack
    project = split_project(stack, "Bulk edit e2e")
    before = records_by_review(stack, project)
    types = {a["name"]: a["data_type"] for a in stack.get(f"/projects/{project}/attributes")}
    assert types["split"] == "category", types
    awful = {review for review in before if review % 3 == 0}
    assert awful == {3, 6, 9, 12}

    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/data")
    expect(page.get_by_label("count")).to_have_text("12 records")
    # the owner's toolbar on one line at 1,400 px: the actions on the records in one menu
    actions = page.get_by_role("button", name="Actions", exact=True)
    expect(actions).to_be_enabled()
    shot(page, artifacts, "55-data-toolbar-1400")
    assert toolbar_height(page) <= 32
    actions.focus()
    page.keyboard.press("ArrowDown")   # opens the menu on its first action
    menu = page.get_by_role("menu", name="Actions")
    expect(menu.get_by_role("menuitem")).to_have_text(
        ["Set values of all 12 records…", "Delete all 12 records…"])
    expect(menu.get_by_role("menuitem").first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem").nth(1)).to_be_focused()
    shot(page, artifacts, "55-data-actions-menu")
    page.keyboard.press("Escape")
    expect(menu).to_have_count(0)
    expect(actions).to_be_focused()
    page.get_by_label("Search", exact=True).fill("awful")
    expect(page.get_by_label("count")).to_have_text("4 records")

    # the form: the attributes to set, each with an input by its type
    choose_action(page, "Set values of 4 records…")
    form = page.get_by_role("dialog")   # the open one: closed dialogs are hidden
    expect(form.get_by_role("heading")).to_have_text("Set values of 4 records")
    expect(form).to_contain_text("The 4 records that match the filter search “awful” get the "
                                 "values set here; the other records keep theirs.")
    form.get_by_label("Attribute", exact=True).select_option("split")
    form.get_by_label("Another attribute").select_option("stars")
    split = form.get_by_role("combobox", name="split", exact=True)
    expect(split).to_have_attribute("type", "text")
    expect(form.get_by_label("stars", exact=True)).to_have_attribute("type", "number")
    expect(form.get_by_role("button", name="Continue")).to_be_disabled()
    # to choose from: the category's values in the project, the most frequent first
    split.click()
    choices = form.get_by_role("listbox", name="values of split").get_by_role("option")
    expect(choices).to_have_text(["train (8)", "dev (3)", "test (1)"])
    shot(page, artifacts, "55-set-values-choices")
    split.press_sequentially("te")
    expect(choices).to_have_text(["test (1)"])
    split.press("ArrowDown")
    split.press("Enter")
    expect(split).to_have_value("test")
    expect(choices).to_have_count(0)
    expect(form).to_be_visible()   # Enter took the value, the form stays
    form.get_by_label("stars", exact=True).fill("1.5")   # not an integer
    shot(page, artifacts, "53-bulk-edit-form")

    # the dry run refuses the value: back in the form, marked on its field, nothing lost
    form.get_by_role("button", name="Continue").click()
    stars = form.get_by_label("stars", exact=True)
    expect(stars).to_have_attribute("aria-invalid", "true")
    expect(stars).to_be_focused()
    expect(form.get_by_role("alert")).to_contain_text("stars")
    expect(stars).to_have_value("1.5")
    expect(form.get_by_label("split", exact=True)).to_have_value("test")
    shot(page, artifacts, "53-bulk-edit-refused")
    form.get_by_role("button", name="remove stars").click()

    # the confirmation: what is set, and the dry run's count of what changes
    form.get_by_role("button", name="Continue").click()
    confirm = page.get_by_role("dialog")
    expect(confirm.get_by_role("heading")).to_have_text("Set split on 4 records?")
    expect(confirm.get_by_label("values set")).to_have_text("split = “test”")
    expect(confirm.get_by_label("what changes")).to_contain_text(
        "3 of 4 records change (1 has this value already).")
    shot(page, artifacts, "53-bulk-edit-confirm")
    assert records_by_review(stack, project)[3]["data"]["split"] == "train"   # a dry run

    # held on its way, the edit shows its progress
    held: list[Route] = []
    page.route("**/records/edit", lambda route: route.continue_()
               if '"dry_run":true' in (route.request.post_data or "") else held.append(route))
    confirm.get_by_role("button", name="Set values").click()
    expect(confirm.get_by_role("button", name="Setting…")).to_be_disabled()
    expect(confirm.get_by_role("status")).to_have_text("Setting values of 4 records…")
    shot(page, artifacts, "53-bulk-edit-busy")
    held[0].continue_()
    expect(confirm).to_be_hidden()
    expect(page.get_by_role("status").filter(has_text="Set split")).to_contain_text(
        "Set split on 3 records; 1 had it already.")
    expect(page.get_by_label("count")).to_have_text("4 records")
    rows = page.get_by_role("row").filter(has_text="awful")
    expect(rows).to_have_count(4)
    for i in range(4):
        expect(rows.nth(i)).to_contain_text("test")
    shot(page, artifacts, "53-bulk-edit-done")

    # exactly those changed, each by one revision; review 6 had the value and stays as it was
    after = records_by_review(stack, project)
    assert {review: r["data"]["split"] for review, r in after.items()} == {
        review: "test" if review in awful else split for review, split in SPLITS.items()}
    assert all(after[r]["data"]["stars"] == before[r]["data"]["stars"] for r in before)
    revisions = {review: stack.get(f"/projects/{project}/records/{r['id']}")["revision"]
                 for review, r in after.items()}
    assert revisions == {review: 1 if review in awful - {6} else 0 for review in before}

    # a filter on the category offers its values as they are now
    page.get_by_label("Search", exact=True).fill("")
    expect(page.get_by_label("count")).to_have_text("12 records")
    page.get_by_role("button", name="+ Add filter").click()
    editor = page.get_by_role("form", name="New filter condition")
    editor.get_by_label("Filter kind").select_option(label="Attribute")
    editor.get_by_label("Attribute", exact=True).select_option(label="split")
    value = editor.get_by_role("combobox", name="Value")
    value.click()
    choices = page.get_by_role("listbox", name="values of split").get_by_role("option")
    expect(choices).to_have_text(["train (6)", "test (4)", "dev (2)"])
    shot(page, artifacts, "55-data-filter-category-values")
    choices.filter(has_text="dev").click()
    expect(value).to_have_value("dev")
    editor.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_label("count")).to_have_text("2 records")
    expect(page.get_by_label("Filter conditions")).to_contain_text("split = dev")
    assert toolbar_height(page) <= 32

    # narrower: the toolbar still reads well
    page.set_viewport_size({"width": 1000, "height": 760})
    expect(page.get_by_role("button", name="Actions", exact=True)).to_be_visible()
    shot(page, artifacts, "55-data-toolbar-1000")
