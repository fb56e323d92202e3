"""Comments on records end to end: an annotator, signed in with their own key, asks about a
record from the labeling view (``C`` puts the cursor in the box, the keys typed there label
nothing, what was typed outlives a reload, Ctrl+Enter sends); an owner, in a tab beside it,
finds the open comments in the data browser (the count on the conditions' line, each row's
beside its id, the newest ones listed, the filter they apply), opens the record at its
comments, answers and resolves the question; the annotator's view shows the answer as it is
made, the question resolved; the owner's list counts a comment made meanwhile."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_heuristics_ui import reviews_project
from tests.e2e.test_ui import go, key_of, manual_labels, shot, sign_in, toolbar_height
from tests.workers.conftest import Stack

QUESTION = ("Is 1 really positive? \"great\" reads like sarcasm to me:\n<b>the rest</b> of "
            "the review?")
URL = "https://example.org/imports/reviews-2026-03/cut-off-records-and-how-to-spot-them?record=1"
LONG = ("The text looks cut off after the first clause; the import may have split it at a comma. "
        f"Compare with the source file before labelling it, and see {URL} for the other records "
        "that lost their ending in the same import.")
ANSWER = "Not sarcasm: label it positive.\nThe stars say 2, but the text decides."


def sign_in_as(page: Page, key: str, name: str) -> None:
    page.goto("/")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("user name")).to_have_text(name)


def test_annotator_asks_owner_answers_and_resolves(page: Page, browser: Browser,
                                                   app_stack: Stack, artifacts: Path):
    stack = app_stack
    project, task = reviews_project(stack, "Comments e2e")
    carla = stack.member(project, "carla", "annotator")
    first = stack.get(f"/projects/{project}/records", limit=1)["data"][0]

    # the annotator labels; C opens the comments with the cursor in the box
    sign_in_as(page, carla, "carla")
    go(page, f"/projects/{project}/label")
    expect(page.get_by_label("record id")).to_have_text(first["external_id"])
    toggle = page.get_by_role("button", name=re.compile(r"^Comments"))
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_label("keyboard")).to_contain_text("comment on the record")
    page.keyboard.press("c")
    panel = page.get_by_role("region", name="comments")
    expect(panel).to_contain_text("No comments on this record yet.")
    box = panel.get_by_role("textbox", name="New comment")
    expect(box).to_be_focused()

    # typed there, label keys are text: nothing labelled, the same record shown
    page.keyboard.type(QUESTION.split("\n")[0])
    page.keyboard.press("Shift+Enter")
    page.keyboard.type(QUESTION.split("\n")[1])
    expect(box).to_have_value(QUESTION)
    expect(page.get_by_label("record id")).to_have_text(first["external_id"])
    assert manual_labels(stack, project, first["id"], task) == []

    # what was typed outlives a reload (the page asks first)
    dialogs: list[str] = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.reload()
    expect(box).to_have_value(QUESTION)
    assert dialogs == ["beforeunload"]
    assert stack.get(f"/projects/{project}/records/{first['id']}/comments")["count"] == 0
    shot(page, artifacts, "56-labeling-comment-draft")

    # Ctrl+Enter sends; a second, long one wraps in the panel
    box.focus()
    page.keyboard.press("Control+Enter")
    asked = panel.get_by_role("listitem", name="comment by carla")
    expect(asked).to_have_count(1)
    expect(box).to_have_value("")
    expect(asked.locator(".comment-text")).to_have_text(QUESTION)
    box.fill(LONG)
    panel.get_by_role("button", name="Comment", exact=True).click()
    expect(asked).to_have_count(2)
    expect(asked.nth(1).get_by_role("link")).to_have_attribute("href", URL)
    expect(toggle).to_contain_text("Comments (2)")
    box.focus()
    page.keyboard.press("Escape")   # out of the box: the keys label again
    expect(box).not_to_be_focused()
    assert manual_labels(stack, project, first["id"], task) == []
    assert page.evaluate("() => document.querySelectorAll('.comment-text b').length") == 0
    wraps = page.evaluate("""() => [...document.querySelectorAll('.comment-text')].every(
      (e) => e.scrollWidth <= e.clientWidth)""")
    assert wraps, "a comment runs out of its panel"
    shot(page, artifacts, "56-labeling-comment-asked")

    # another record's only comment, resolved: its row counts it, muted
    second = stack.get(f"/projects/{project}/records", limit=2)["data"][1]
    made = stack.post(f"/projects/{project}/records/{second['id']}/comments",
                      json={"text": "Checked: the stars match."})
    assert made.status_code == 201, made.text
    done = stack.patch(f"/projects/{project}/comments/{made.json()['id']}", json={"resolved": True})
    assert done.status_code == 200, done.text

    # the owner, in a tab beside it: the open comments in the data browser
    context = browser.new_context(viewport={"width": 1400, "height": 860}, base_url=stack.base)
    owner = context.new_page()
    errors: list[str] = []
    owner.on("pageerror", lambda error: errors.append(str(error)))
    try:
        sign_in(owner, key_of(stack))
        go(owner, f"/projects/{project}/data")
        expect(owner.get_by_label("count")).to_have_text("30 records")
        count = owner.get_by_role("button", name="2 open comments")
        expect(count).to_be_visible()
        expect(owner.get_by_role("button", name="Actions", exact=True)).to_be_enabled()
        assert toolbar_height(owner) <= 32
        shot(owner, artifacts, "56-data-open-comments")
        # each row: its record's open comments beside its id (accented), or all resolved
        asked_row = owner.get_by_role("link", name="2 open comments", exact=True)
        expect(asked_row).to_have_text("2")
        expect(asked_row).to_have_attribute("title", "2 open comments")
        resolved_row = owner.get_by_role("link", name="1 resolved comment", exact=True)
        expect(resolved_row).to_have_text("1")
        expect(owner.get_by_role("row").filter(has=resolved_row)).to_contain_text(
            second["external_id"])
        expect(owner.locator(".dt-body .comment-count")).to_have_count(2)
        shot(owner, artifacts, "59-data-row-comments")

        owner.get_by_role("button", name="Newest open comments").click()
        newest = owner.get_by_role("dialog", name="newest open comments")
        items = newest.get_by_role("listitem")
        expect(items).to_have_count(2)
        expect(items.nth(0)).to_contain_text("The text looks cut off after the first clause")
        expect(items.nth(1)).to_contain_text("Is 1 really positive?")
        expect(items.nth(1).get_by_role("link", name=first["external_id"], exact=True)
               ).to_have_attribute("href", f"/projects/{project}/records/{first['id']}")
        shot(owner, artifacts, "56-data-newest-comments")
        owner.keyboard.press("Escape")
        expect(newest).to_have_count(0)

        # the filter: the records with open comments
        count.click()
        expect(owner.get_by_label("count")).to_have_text("1 record")
        expect(owner.get_by_label("Filter conditions")).to_contain_text("has open comments")
        expect(count).to_have_attribute("aria-pressed", "true")
        assert toolbar_height(owner) <= 32
        shot(owner, artifacts, "56-data-filtered-by-comments")
        owner.set_viewport_size({"width": 1000, "height": 760})   # narrower: still readable
        expect(count).to_be_visible()
        shot(owner, artifacts, "56-data-filtered-by-comments-1000")
        owner.set_viewport_size({"width": 1400, "height": 860})

        # the record, at its comments: the owner answers and resolves the question
        owner.get_by_role("link", name="2 open comments", exact=True).click()
        expect(owner).to_have_url(re.compile(rf"/records/{first['id']}\?.*#comments$"))
        thread = owner.get_by_role("region", name="comments")
        expect(thread).to_be_in_viewport()
        question = thread.get_by_role("listitem", name="comment by carla").first
        expect(question).to_contain_text("Is 1 really positive?")
        expect(question.get_by_role("button", name="Edit")).to_have_count(0)   # carla's to edit
        owner_box = thread.get_by_role("textbox", name="New comment")
        owner_box.fill(ANSWER)
        owner_box.press("Control+Enter")
        answer = thread.get_by_role("listitem", name="comment by admin")
        expect(answer.locator(".comment-text")).to_have_text(ANSWER)
        question.get_by_role("button", name="Resolve").click()
        expect(question).to_contain_text("resolved by admin")
        expect(question.get_by_role("button", name="Show comment")).to_be_visible()
        shot(owner, artifacts, "56-record-answered")

        # the annotator's view shows the answer as it is made, the question resolved
        answered = panel.get_by_role("listitem", name="comment by admin")
        expect(answered.locator(".comment-text")).to_have_text(ANSWER)
        expect(asked.nth(0)).to_contain_text("resolved by admin")
        expect(asked.nth(0).locator(".comment-line")).to_have_text(QUESTION.split("\n")[0])
        expect(toggle).to_contain_text("Comments (3)")
        shot(page, artifacts, "56-labeling-answer-arrived")

        # the data browser counts what is open now
        owner.get_by_role("link", name="← Records").click()
        expect(owner.get_by_role("button", name="2 open comments")).to_be_visible()
        owner.get_by_role("button", name="Newest open comments").click()
        expect(owner.get_by_role("dialog", name="newest open comments").get_by_role("listitem")
               ).to_have_count(2)
        owner.keyboard.press("Escape")
        expect(owner.get_by_role("link", name="2 open comments, 1 resolved")).to_have_text("2")

        # a comment made meanwhile: the owner's list counts it as it comes
        box.fill("Same question for the stars: 2 of 5 with a \"great\"?")
        box.press("Control+Enter")
        expect(asked).to_have_count(3)
        expect(owner.get_by_role("link", name="3 open comments, 1 resolved")).to_have_text("3")
        shot(owner, artifacts, "59-data-row-comments-live")
    finally:
        context.close()
    assert not errors, errors
    comments = stack.get(f"/projects/{project}/comments", state="all")
    assert (comments["count"], comments["open"]) == (5, 3)
    assert manual_labels(stack, project, first["id"], task) == []
