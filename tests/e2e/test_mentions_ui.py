"""Mentions and notifications end to end: an annotator, labeling, mentions a colleague in a
comment with the completion (``@`` and a letter list the members; the arrows choose, Enter
puts the name in; Escape closes the list only, and the keys label nothing); the colleague,
in another browser, sees the unread count on the bell as the comment is made, opens the
notifications, follows the one about it to the record's page (the mention marked there) and
the count goes to zero; the colleague's answer tells the annotator "noah replied"."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_comments_ui import sign_in_as
from tests.e2e.test_heuristics_ui import reviews_project
from tests.e2e.test_ui import go, manual_labels, shot
from tests.workers.conftest import Stack

QUESTION = " is this one spam or a real complaint? 1 and 2 both fit."
ANSWER = "A real complaint: label it negative."
POLL_MS = 35_000   # the bell reads the notifications every 30 s at the latest


def inside_viewport(page: Page, selector: str) -> bool:
    return page.evaluate("""(selector) => {
      const box = document.querySelector(selector).getBoundingClientRect();
      return box.left >= 0 && box.top >= 0 && box.right <= innerWidth && box.bottom <= innerHeight
        && box.width > 0;
    }""", selector)


def test_mention_notifies_and_leads_to_the_record(page: Page, browser: Browser,
                                                  app_stack: Stack, artifacts: Path):
    stack = app_stack
    project, task = reviews_project(stack, "Mentions e2e")
    mia = stack.member(project, "mia", "annotator")
    noah = stack.member(project, "noah", "annotator")
    stack.member(project, "nell", "viewer")
    first = stack.get(f"/projects/{project}/records", limit=1)["data"][0]

    # noah, in another browser, looks at the project's records: nothing new
    context = browser.new_context(viewport={"width": 1400, "height": 860}, base_url=stack.base)
    other = context.new_page()
    errors: list[str] = []
    other.on("pageerror", lambda error: errors.append(str(error)))
    try:
        sign_in_as(other, noah, "noah")
        go(other, f"/projects/{project}/data")
        expect(other.get_by_label("count")).to_have_text("30 records")
        bell = other.get_by_role("button", name=re.compile(r"^Notifications"))
        expect(bell).to_have_accessible_name("Notifications")

        # mia labels; C puts the cursor in the comment box; @n lists nell and noah
        sign_in_as(page, mia, "mia")
        go(page, f"/projects/{project}/label")
        expect(page.get_by_label("record id")).to_have_text(first["external_id"])
        page.keyboard.press("c")
        panel = page.get_by_role("region", name="comments")
        box = panel.get_by_role("textbox", name="New comment")
        expect(box).to_be_focused()
        page.keyboard.type("@n")
        choices = panel.get_by_role("listbox", name="Members to mention")
        expect(choices.get_by_role("option")).to_have_text([re.compile("^@nell"),
                                                            re.compile("^@noah")])
        expect(box).to_have_attribute("aria-expanded", "true")
        assert inside_viewport(page, ".mention-pop")
        shot(page, artifacts, "58-labeling-mention-list")

        # Escape closes the list only; the arrows choose, Enter puts the name in
        page.keyboard.press("Escape")
        expect(choices).to_have_count(0)
        expect(box).to_be_focused()
        page.keyboard.press("Backspace")
        page.keyboard.type("n")   # a new mention: the list again
        expect(choices.get_by_role("option")).to_have_count(2)
        page.keyboard.press("ArrowDown")
        expect(choices.get_by_role("option", selected=True)).to_have_text(re.compile("^@noah"))
        page.keyboard.press("Enter")
        expect(box).to_have_value("@noah ")
        expect(choices).to_have_count(0)
        page.keyboard.type(QUESTION.strip())
        expect(box).to_have_value("@noah" + QUESTION)
        expect(page.get_by_label("record id")).to_have_text(first["external_id"])
        assert manual_labels(stack, project, first["id"], task) == []

        page.keyboard.press("Control+Enter")
        asked = panel.get_by_role("listitem", name="comment by mia")
        expect(asked.locator(".comment-text")).to_have_text("@noah" + QUESTION)
        expect(asked.locator(".mention")).to_have_text("@noah")
        expect(box).to_have_value("")
        shot(page, artifacts, "58-labeling-mention-sent")

        # noah's bell counts it as it is made (the project's events), else at the next poll
        expect(bell).to_have_accessible_name("Notifications, 1 unread", timeout=POLL_MS)
        expect(bell.locator(".inbox-count")).to_have_text("1")
        shot(other, artifacts, "58-data-bell-unread")
        bell.click()
        inbox = other.get_by_role("dialog", name="Notifications")
        item = inbox.get_by_role("listitem")
        expect(item).to_have_count(1)
        expect(item).to_contain_text("mia mentioned you")
        expect(item).to_contain_text("Mentions e2e")
        expect(item).to_contain_text("just now")
        expect(item).to_contain_text("@noah" + QUESTION)
        assert inside_viewport(other, ".inbox-pop")
        shot(other, artifacts, "58-inbox-open")
        other.keyboard.press("Escape")   # closed, the bell focused
        expect(inbox).to_have_count(0)
        expect(bell).to_be_focused()
        other.keyboard.press("Enter")   # the keyboard opens it again
        expect(item).to_have_count(1)

        # the notification leads to the record's page; read now, the count goes
        item.get_by_role("link").click()
        expect(other).to_have_url(re.compile(rf"/projects/{project}/records/{first['id']}$"))
        thread = other.get_by_role("region", name="comments")
        mention = thread.get_by_role("listitem", name="comment by mia")
        expect(mention.locator(".comment-text")).to_have_text("@noah" + QUESTION)
        expect(mention.locator(".mention.mention-me")).to_have_text("@noah")
        expect(bell).to_have_accessible_name("Notifications")
        expect(bell.locator(".inbox-count")).to_have_count(0)
        shot(other, artifacts, "58-record-from-notification")
        assert notifications_of(stack, noah)["unread"] == 0

        # read ones on demand; on a narrow window the panel stays on screen
        bell.click()
        expect(inbox).to_contain_text("Nothing new.")
        inbox.get_by_label("Show read ones too").check()
        expect(item).to_have_count(1)
        expect(item).not_to_have_class(re.compile(r"\bunread\b"))
        other.set_viewport_size({"width": 420, "height": 760})
        assert inside_viewport(other, ".inbox-pop")
        shot(other, artifacts, "58-inbox-read-narrow")
        other.mouse.click(5, 400)   # a click elsewhere closes it
        expect(inbox).to_have_count(0)
        other.set_viewport_size({"width": 1400, "height": 860})

        # noah answers: mia, labeling, is told "noah replied"
        answer_box = thread.get_by_role("textbox", name="New comment")
        answer_box.fill(ANSWER)
        answer_box.press("Control+Enter")
        expect(thread.get_by_role("listitem", name="comment by noah")).to_have_count(1)
        ann_bell = page.get_by_role("button", name=re.compile(r"^Notifications"))
        expect(ann_bell).to_have_accessible_name("Notifications, 1 unread", timeout=POLL_MS)
        ann_bell.click()
        replied = page.get_by_role("dialog", name="Notifications").get_by_role("listitem")
        expect(replied).to_contain_text("noah replied")
        expect(replied).to_contain_text(ANSWER)
        shot(page, artifacts, "58-labeling-inbox-replied")
        page.get_by_role("button", name="Mark all read").click()
        expect(page.get_by_role("dialog", name="Notifications")).to_contain_text("Nothing new.")
        expect(ann_bell).to_have_accessible_name("Notifications")
    finally:
        context.close()
    assert not errors, errors
    assert manual_labels(stack, project, first["id"], task) == []


def notifications_of(stack: Stack, key: str) -> dict:
    """The unread notifications of the user of ``key``, as the API tells them."""
    response = httpx.get(f"{stack.api}/me/notifications", timeout=30,
                         headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text
    return response.json()
