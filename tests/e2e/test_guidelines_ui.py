"""Task guidelines and label descriptions end to end: an owner writes a task's guidelines
on the Tasks page (what was typed outliving a reload, the save's progress, the server's
refusal of too long a text in place) and a label's description; an annotator, signed in
with their own key, finds them beside the record as they label (the URL a link, markup as
text, the description on the label's button), hides them with ``?`` and finds them hidden
after a reload, and has them in the active-learning queue too. Two owners editing the
guidelines at once save in turn: the second is told, keeps their text, and chooses to keep
it on the first one's version or to load that version; nothing is overwritten unseen."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e.test_heuristics_ui import reviews_project
from tests.e2e.test_ui import go, key_of, shot, sign_in
from tests.workers.conftest import Stack

GUIDELINES = ("Judge the review as a whole, not its first sentence.\n"
              "Mixed reviews: the verdict of the last sentence wins.\n"
              "\n"
              "Examples and borderline cases: https://example.org/sentiment-guide.\n"
              "Markup is shown as typed: <script>alert('no')</script>")
POSITIVE = "Happy with the product overall (mostly happy counts)."


def test_owner_writes_guidelines_annotator_reads_them(page: Page, app_stack: Stack,
                                                      artifacts: Path):
    stack = app_stack
    project, task = reviews_project(stack, "Guidelines e2e")
    gwen = stack.member(project, "gwen", "annotator")

    # no guidelines yet: no panel where the owner labels, a word that they can write some
    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/label")
    hint = page.get_by_label("no guidelines")
    expect(hint).to_contain_text("No guidelines for annotators yet.")
    expect(page.get_by_role("region", name="guidelines")).to_have_count(0)
    expect(page.get_by_role("button", name="Guidelines")).to_have_count(0)
    shot(page, artifacts, "52-labeling-no-guidelines")
    hint.get_by_role("link", name="Write some on Tasks & members").click()

    # the owner writes the guidelines; what was typed outlives a reload
    card = page.get_by_label("task sentiment")
    box = card.get_by_label("guidelines of sentiment")
    area = box.get_by_label("Guidelines of sentiment")
    expect(area).to_be_focused()
    expect(box.get_by_role("button", name="Save guidelines")).to_be_disabled()
    area.fill(GUIDELINES)
    dialogs: list[str] = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.reload()
    restored = box.get_by_label("unsaved guidelines")
    expect(restored).to_contain_text("restored.")
    expect(restored.get_by_role("button", name="Discard")).to_be_visible()
    expect(area).to_have_value(GUIDELINES)
    assert dialogs == ["beforeunload"]
    assert stack.get(f"/projects/{project}/tasks/{task}")["guidelines"] == ""
    shot(page, artifacts, "52-guidelines-restored")

    # too long: the server's refusal in place, the text kept
    area.fill(GUIDELINES + "x" * 100_000)
    expect(box.get_by_label("length")).to_contain_text("/ 100,000 characters")
    box.get_by_role("button", name="Save guidelines").click()
    expect(box.get_by_role("alert")).to_contain_text("at most 100000 characters")
    expect(area).to_have_attribute("aria-invalid", "true")
    page.evaluate("() => document.activeElement.blur()")   # the textarea's end, not its top
    shot(page, artifacts, "52-guidelines-refused")

    # saved: its progress while on its way
    area.fill(GUIDELINES)
    expect(box.get_by_role("alert")).to_have_count(0)
    held: list[Route] = []
    page.route(f"**/api/v1/projects/{project}/tasks/{task}",
               lambda route: held.append(route) if route.request.method == "PATCH"
               else route.continue_())
    box.get_by_role("button", name="Save guidelines").click()
    expect(box.get_by_role("button", name="Saving…")).to_be_disabled()
    shot(page, artifacts, "52-guidelines-saving")
    held[0].continue_()
    expect(box.get_by_role("button", name="Saved")).to_be_disabled()
    expect(restored).to_be_hidden()
    page.unroute(f"**/api/v1/projects/{project}/tasks/{task}")
    assert stack.get(f"/projects/{project}/tasks/{task}")["guidelines"] == GUIDELINES

    # a label's description, saved on leaving the field
    description = card.get_by_label("Description of positive", exact=True)
    description.fill(POSITIVE)
    description.press("Tab")
    expect(card.get_by_label("description of positive unsaved")).to_be_hidden()
    labels = {label["name"]: label for label in
              stack.get(f"/projects/{project}/tasks/{task}")["labels"]}
    assert labels["positive"]["description"] == POSITIVE
    assert labels["negative"]["description"] == ""
    box.get_by_role("button", name="Preview").click()
    expect(box.get_by_label("preview").get_by_role("link")).to_have_attribute(
        "href", "https://example.org/sentiment-guide")
    shot(page, artifacts, "52-tasks-guidelines")

    # the annotator, with their own key: the panel is open the first time
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("API key").fill(gwen)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("user name")).to_have_text("gwen")
    go(page, f"/projects/{project}/label")
    panel = page.get_by_role("region", name="guidelines")
    expect(panel).to_contain_text("Judge the review as a whole, not its first sentence.")
    expect(panel).to_contain_text("<script>alert('no')</script>")
    link = panel.get_by_role("link", name="https://example.org/sentiment-guide")
    expect(link).to_have_attribute("target", "_blank")
    expect(panel.get_by_label("label descriptions")).to_contain_text(f"positive1{POSITIVE}")
    positive = page.get_by_role("group", name="labels").get_by_role("button", name="positive")
    expect(positive).to_have_attribute("title", POSITIVE)
    expect(positive).to_contain_text(POSITIVE)
    expect(page.get_by_label("no guidelines")).to_have_count(0)
    first = page.get_by_label("record id").inner_text()
    shot(page, artifacts, "52-labeling-guidelines")

    # hidden with ?, and still hidden after a reload
    page.keyboard.press("?")
    expect(panel).to_be_hidden()
    toggle = page.get_by_role("button", name="Guidelines")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    page.reload()
    expect(page.get_by_label("record id")).to_have_text(first)
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(panel).to_be_hidden()
    shot(page, artifacts, "52-labeling-guidelines-hidden")
    toggle.click()
    expect(panel).to_be_visible()

    # in the active-learning queue too, open as it was left
    page.get_by_role("button", name="Next by active learning").click()
    expect(page.get_by_label("reason")).to_be_visible(timeout=30_000)
    expect(panel).to_contain_text("Mixed reviews: the verdict of the last sentence wins.")
    page.keyboard.press("?")
    expect(panel).to_be_hidden()
    page.keyboard.press("?")
    expect(panel).to_be_visible()
    shot(page, artifacts, "52-labeling-guidelines-queue")
    assert page.evaluate("() => document.querySelectorAll('script:not([src])').length") == 0

    # on the Tasks page the annotator reads them, and the descriptions, without editing
    page.get_by_role("link", name="Tasks & members").click()
    box = page.get_by_label("guidelines of sentiment")
    expect(box).to_contain_text("Mixed reviews: the verdict of the last sentence wins.")
    expect(box.get_by_role("link")).to_have_attribute("href", "https://example.org/sentiment-guide")
    expect(page.get_by_role("textbox", name="Guidelines of sentiment")).to_have_count(0)
    expect(page.get_by_role("textbox", name="Description of positive")).to_have_count(0)
    expect(page.get_by_role("row", name="positive")).to_contain_text(POSITIVE)
    shot(page, artifacts, "52-tasks-guidelines-annotator")


def test_two_owners_save_guidelines_in_turn(page: Page, browser: Browser, app_stack: Stack,
                                            artifacts: Path):
    stack = app_stack
    project, task = reviews_project(stack, "Guidelines conflict e2e")
    olga = stack.member(project, "olga", "owner")
    response = stack.patch(f"/projects/{project}/tasks/{task}",
                           json={"guidelines": "Judge the review as a whole."})
    assert response.status_code == 200, response.text
    assert response.json()["guidelines_revision"] == 1

    def guidelines(tab: Page):
        box = tab.get_by_label("guidelines of sentiment")
        return box, box.get_by_label("Guidelines of sentiment")

    # the admin's tab, and olga's beside it
    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/settings")
    context = browser.new_context(viewport={"width": 1400, "height": 860}, base_url=stack.base)
    other = context.new_page()
    errors: list[str] = []
    other.on("pageerror", lambda error: errors.append(str(error)))
    try:
        other.goto("/")
        other.get_by_label("API key").fill(olga)
        other.get_by_role("button", name="Sign in").click()
        expect(other.get_by_label("user name")).to_have_text("olga")
        go(other, f"/projects/{project}/settings")
        box, area = guidelines(page)
        other_box, other_area = guidelines(other)
        expect(area).to_have_value("Judge the review as a whole.")
        expect(other_area).to_have_value("Judge the review as a whole.")

        # both type; the admin saves first
        area.fill("Judge the review as a whole.\nSarcasm counts as negative.")
        other_area.fill("Judge the review as a whole.\nMixed reviews: the last sentence wins.")
        box.get_by_role("button", name="Save guidelines").click()
        expect(box.get_by_role("button", name="Saved")).to_be_disabled()
        saved = stack.get(f"/projects/{project}/tasks/{task}")
        assert saved["guidelines"].endswith("Sarcasm counts as negative.")
        assert saved["guidelines_revision"] == 2

        # olga is told at once: her text is kept, Save waits for her choice
        notice = other_box.get_by_label("saved meanwhile")
        expect(notice).to_contain_text(
            "Another owner saved these guidelines meanwhile (revision 2 now).")
        expect(notice).to_contain_text("Your unsaved text is kept here until you choose")
        expect(other_area).to_have_value(
            "Judge the review as a whole.\nMixed reviews: the last sentence wins.")
        expect(other_box.get_by_role("button", name="Save guidelines")).to_be_disabled()
        expect(other_box.get_by_label("unsaved guidelines")).to_have_count(0)   # one notice
        shot(other, artifacts, "54-guidelines-saved-meanwhile")

        # she keeps her changes on their version: her save replaces it, knowingly
        notice.get_by_role("button", name="Keep my changes on their version").click()
        expect(notice).to_have_count(0)
        other_box.get_by_role("button", name="Save guidelines").click()
        expect(other_box.get_by_role("button", name="Saved")).to_be_disabled()
        saved = stack.get(f"/projects/{project}/tasks/{task}")
        assert saved["guidelines"].endswith("Mixed reviews: the last sentence wins.")
        assert saved["guidelines_revision"] == 3
        expect(area).to_have_value(saved["guidelines"])   # the admin's tab shows it (nothing typed)
        expect(box.get_by_label("saved meanwhile")).to_have_count(0)
        shot(page, artifacts, "54-guidelines-theirs-shown")

        # a tab that hears nothing of the admin's next save: the server refuses olga's
        other.route(f"**/api/v1/projects/{project}/events", lambda route: route.abort())
        other.reload()
        expect(other_area).to_have_value(saved["guidelines"])
        other_area.fill("Olga's third version.")
        area.fill("The admin's third version.")
        box.get_by_role("button", name="Save guidelines").click()
        expect(box.get_by_role("button", name="Saved")).to_be_disabled()
        expect(other_box.get_by_label("saved meanwhile")).to_have_count(0)   # not heard of
        with other.expect_response(lambda r: r.request.method == "PATCH") as answer:
            other_box.get_by_role("button", name="Save guidelines").click()
        assert answer.value.status == 409
        expect(notice).to_contain_text(
            "Another owner saved these guidelines meanwhile (revision 4 now).")
        expect(other_area).to_have_value("Olga's third version.")
        expect(other_area).not_to_have_attribute("aria-invalid", "true")
        shot(other, artifacts, "54-guidelines-refused-meanwhile")
        notice.get_by_role("button", name="Load their version").click()
        expect(other_area).to_have_value("The admin's third version.")
        expect(notice).to_have_count(0)
        expect(other_box.get_by_role("button", name="Saved")).to_be_disabled()
        saved = stack.get(f"/projects/{project}/tasks/{task}")
        assert saved["guidelines"] == "The admin's third version."
        assert saved["guidelines_revision"] == 4
    finally:
        context.close()
    assert not errors, errors
