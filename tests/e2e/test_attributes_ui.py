"""Computed attributes end to end: try code that fails on its line, then code that works,
create the attribute and watch the worker compute it, read its values in the data browser,
save code that fails for some records (the values stay) and good code again."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.test_heuristics_ui import replace_code, reviews_project
from tests.e2e.test_ui import go, key_of, shot, sign_in
from tests.workers.conftest import Stack

MISSPELT = ("def ac(record):\n"
            "    words = record[\"txt\"].split()\n"
            "    return len(words)\n")
WORDS = ("def ac(record):\n"
         "    print('words of', record['text'][:12])\n"
         "    return len(record['text'].split())\n")
BY_STARS = ("def ac(record):\n"
            "    return 10 // (record['stars'] - 1)\n")   # stars 1: a division by zero
LENGTH = ("def ac(record):\n"
          "    return len(record['text'])\n")


def values(stack: Stack, project: int, name: str) -> dict[str, object]:
    """The attribute's value of every record, by external id."""
    records = stack.get(f"/projects/{project}/records", limit=100)["data"]
    return {r["external_id"]: r["data"].get(name) for r in records}


def test_try_create_compute_fail_and_fix_a_computed_attribute(page: Page, app_stack: Stack,
                                                              artifacts: Path):
    stack = app_stack
    project, _ = reviews_project(stack, "Attributes e2e")
    texts = {r["external_id"]: r["data"]["text"]
             for r in stack.get(f"/projects/{project}/records", limit=100)["data"]}
    assert len(texts) == 30

    page.set_viewport_size({"width": 1400, "height": 1100})   # a tried sample shows whole
    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/data")
    page.get_by_role("navigation", name="project").get_by_role("link", name="Attributes").click()
    table = page.get_by_role("table", name="attributes")
    expect(table.locator('tr[data-attribute="text"]')).to_contain_text("imported")
    page.get_by_role("button", name="New computed attribute").click()
    form = page.get_by_role("form", name="new computed attribute")
    expect(form.locator(".cm-content")).to_contain_text('text = record["text"]')

    # a misspelt attribute: every record tried fails on line 2, which is marked
    replace_code(page, MISSPELT)
    form.get_by_role("button", name="Try on 10 records").click()
    sample = form.get_by_label("sample values")
    expect(sample.get_by_role("row")).to_have_count(11)
    expect(sample.get_by_label("sample summary")).to_contain_text("10 failed")
    expect(sample.get_by_role("row").nth(1)).to_contain_text("line 2: KeyError")
    expect(form.locator('[data-error-line="2"]')).to_be_visible()
    shot(page, artifacts, "44-computed-attribute-try-error")

    # fixed: each record's word count, and what the code printed
    replace_code(page, WORDS)
    form.get_by_role("button", name="Try on 10 records").click()
    expect(sample.get_by_label("sample summary")).to_contain_text("10 with a value")
    expect(sample.get_by_role("row").nth(1)).to_contain_text("6")
    expect(sample).to_contain_text("words of The")
    expect(form.locator("[data-error-line]")).to_have_count(0)

    # the code typed outlives a reload (after the browser asks)
    dialogs: list[str] = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.reload()
    form = page.get_by_role("form", name="new computed attribute")
    expect(form.get_by_label("unsaved changes")).to_contain_text("Unsaved code from")
    expect(form.locator(".cm-content")).to_contain_text("print('words of'")
    assert dialogs == ["beforeunload"]
    form.get_by_label("Attribute name").fill("n_words")
    form.get_by_role("button", name="Try on 10 records").click()
    expect(form.get_by_label("sample summary")).to_contain_text("10 with a value")
    shot(page, artifacts, "42-computed-attribute-tried")

    # created: selected, its run computes every record
    form.get_by_role("button", name="Create and compute").click()
    editor = page.get_by_label("attribute n_words")
    expect(editor.locator(".cm-content")).to_contain_text("print('words of'")
    assert "?attribute=" in page.url
    state = editor.get_by_label("latest run")
    expect(state).to_contain_text("30 of 30 records have a value", timeout=30_000)
    expect(table.locator('tr[data-attribute="n_words"]')).to_contain_text(
        "30 of 30 records have a value")
    assert values(stack, project, "n_words") == {i: len(t.split()) for i, t in texts.items()}
    shot(page, artifacts, "41-computed-attribute")

    # the data browser shows the new column
    editor.get_by_role("link", name="Show in the data browser").click()
    expect(page.get_by_role("columnheader").filter(has_text="n_words")).to_be_visible()
    expect(page.locator(".dt-body [role=row]").first).to_contain_text("6")
    page.go_back()

    # code that fails for some records: the run fails, readably; the values stay
    editor = page.get_by_label("attribute n_words")
    replace_code(page, BY_STARS)
    editor.get_by_role("button", name="Save and compute again").click()
    expect(editor.get_by_role("button", name="Saved")).to_be_disabled()
    error = editor.get_by_label("run error")
    expect(error).to_contain_text("6 record(s) failed: record '5' (line 2): ZeroDivisionError",
                                  timeout=30_000)
    expect(editor.locator('[data-error-line="2"]')).to_be_visible()
    expect(state).to_contain_text("The records keep the values they had before this run.")
    expect(table.locator('tr[data-attribute="n_words"]')).to_contain_text("failed")
    assert values(stack, project, "n_words") == {i: len(t.split()) for i, t in texts.items()}
    box = error.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1400, "the error wraps on the page"
    shot(page, artifacts, "43-computed-attribute-failed")

    # good code again: every value computed anew
    replace_code(page, LENGTH)
    editor.get_by_role("button", name="Save and compute again").click()
    expect(state).to_contain_text("30 of 30 records have a value", timeout=30_000)
    expect(editor.locator("[data-error-line]")).to_have_count(0)
    assert values(stack, project, "n_words") == {i: len(t) for i, t in texts.items()}

    # deleted, once confirmed: the attribute and its values go
    editor.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("its value in every record")
    shot(page, artifacts, "45-computed-attribute-delete")
    dialog.get_by_role("button", name="Delete attribute").click()
    expect(editor).to_have_count(0)
    expect(table.locator('tr[data-attribute="n_words"]')).to_have_count(0)
    assert set(values(stack, project, "n_words").values()) == {None}
    assert "n_words" not in {a["name"] for a in stack.get(f"/projects/{project}/attributes")}

    # an imported attribute is deleted from the list the same way
    table.get_by_role("button", name="Delete stars").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("only importing the records again brings it back")
    shot(page, artifacts, "46-imported-attribute-delete")
    dialog.get_by_role("button", name="Delete attribute").click()
    expect(table.locator('tr[data-attribute="stars"]')).to_have_count(0)
    assert set(values(stack, project, "stars").values()) == {None}
    assert "stars" not in {a["name"] for a in stack.get(f"/projects/{project}/attributes")}
