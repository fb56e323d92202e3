"""Agreement between annotators end to end: several annotators label overlapping reviews (some
disagreeing, one record with a gold label); the Tasks & members page's "Annotators…" shows
Krippendorff's alpha as the API computes it, with its reading, each pair of annotators in a
matrix, each label, each annotator against the others and against gold, the labels they split
records over, and follows a new label as it is made; an extraction task shows the span F1
between its annotators."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.test_heuristics_ui import reviews_project
from tests.e2e.test_ui import WORDS, go, key_of, shot, sign_in
from tests.workers.conftest import Stack


def truth(i: int) -> str:
    """The review's sentiment as the file has it."""
    return "positive" if i % 3 else "negative"


def flipped(i: int) -> str:
    return "negative" if i % 3 else "positive"


ANNOTATIONS = {
    "ines": {i: truth(i) for i in range(1, 13)},
    "jon": {i: flipped(i) if i in (2, 7) else truth(i) for i in range(1, 11)},
    "kai": {i: flipped(i) if i in (6, 9, 11) else truth(i) for i in range(5, 13)},
    "lea": {i: truth(i) for i in (11, 12)},   # shares records with ines and kai, none with jon
}
"""Each annotator's labels of the reviews (by external id)."""


def bulk_label(stack: Stack, project: int, task: int, items: list[dict]) -> None:
    response = stack.post(f"/projects/{project}/tasks/{task}/labels/bulk",
                          json={"labels": items})
    assert response.status_code == 201, response.text


def percent(value: float) -> str:
    """As the web UI writes a share."""
    return f"{100 * value:.1f}%"


def decimal(value: float) -> str:
    """As the web UI writes an alpha or an F1."""
    return f"{value:.3f}".replace("-", "−")


def panel_shot(page: Page, panel: Locator, path: Path) -> None:
    """The whole panel, however tall (the page scrolls inside its frame)."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 2000})
    panel.screenshot(path=str(path))
    page.set_viewport_size(size)


def assert_fits(page: Page, panel: Locator) -> None:
    """Nothing in the panel runs out of it, nor the page sideways."""
    overflow = panel.evaluate("""(panel) => {
      const right = panel.getBoundingClientRect().right + 0.5;
      const out = [...panel.querySelectorAll('*')].filter(
        (e) => e.getBoundingClientRect().right > right).map((e) => e.outerHTML.slice(0, 80));
      const scrolled = [...panel.querySelectorAll('.table-scroll, .agreement-matrix-scroll')]
        .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.className);
      return [...out, ...scrolled];
    }""")
    assert overflow == [], overflow
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")


def test_agreement_of_a_classification_and_an_extraction_task(page: Page, app_stack: Stack,
                                                               artifacts: Path):
    stack = app_stack
    project, task = reviews_project(stack, "Agreement e2e")
    bulk_label(stack, project, task, [
        {"external_id": str(i), "label": label, "annotator": name}
        for name, labels in ANNOTATIONS.items() for i, label in labels.items()])
    bulk_label(stack, project, task, [{"external_id": "6", "label": truth(6), "is_gold": True}])
    expected = stack.get(f"/projects/{project}/tasks/{task}/agreement")
    assert expected["value"] is not None and expected["confusions"], expected

    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/settings")
    card = page.get_by_label("task sentiment")
    card.get_by_role("button", name="Annotators…").click()
    panel = page.get_by_label("annotators of sentiment")

    # the overall value as the API computes it, with its reading and what it is computed on
    overall = panel.get_by_label("overall agreement")
    expect(overall).to_have_text(
        f"Krippendorff's α {decimal(expected['value'])} — {expected['reading']}")
    expect(overall.get_by_text("Krippendorff's α")).to_have_attribute(
        "title", "Krippendorff's alpha (nominal) of the labels, over the records labelled by "
        "two annotators or more (gold labels left out). Readings, after Krippendorff (2004): "
        "α ≥ 0.800 reliable, ≥ 0.667 tentative conclusions only, below unreliable; 1 is "
        "perfect agreement, 0 what chance alone gives.")
    expect(panel).to_contain_text(
        f"on {expected['records']} records labelled by two annotators or more, of "
        f"{expected['labelled_records']} labelled")

    # each pair of annotators: its share, its title; "—" where two share no record
    matrix = panel.get_by_role("table", name="agreement between annotators")
    expect(matrix.get_by_role("row")).to_have_count(5)   # the names, then ines, jon, kai, lea
    assert len(expected["pairs"]) == 5
    for pair in expected["pairs"]:
        a, b, shown = pair["a"], pair["b"], percent(pair["agreement"])
        for x, y in ((a, b), (b, a)):
            expect(matrix.locator(f'td[title^="{x} and {y}:"]')).to_have_text(shown)
        kappa = "undefined" if pair["kappa"] is None else decimal(pair["kappa"])
        expect(matrix.locator(f'td[title^="{a} and {b}:"]')).to_have_attribute(
            "title", f"{a} and {b}: {pair['records']} records both labelled; {shown} with the "
            f"same label; Cohen's κ {kappa}")
    expect(matrix.locator('td[title="jon and lea share no record"]')).to_have_text("—")
    expect(matrix.locator("td.diagonal")).to_have_count(4)

    # the labels split over, each label, each annotator against the others and the gold label
    top = expected["confusions"][0]
    expect(panel.get_by_role("list", name="confusions").get_by_role("listitem").first).to_have_text(
        f"{top['a']} / {top['b']}: {top['count']} records split")
    labels = panel.get_by_role("table", name="agreement per label")
    for row, label in enumerate(expected["labels"], start=1):
        expect(labels.get_by_role("row").nth(row)).to_have_text(
            f"{label['label']}{label['count']}{percent(label['agreement'])}")
    people = panel.get_by_role("table", name="annotator quality")
    ines = next(a for a in expected["annotators"] if a["name"] == "ines")
    assert ines["gold_records"] == 1
    row = people.get_by_role("row").filter(has=page.get_by_role("cell", name="ines", exact=True))
    expect(row).to_contain_text(
        f"{ines['shared']}{percent(ines['agreement'])}{percent(ines['gold_agreement'])} on 1")
    expect(panel).to_contain_text("records where annotators disagree")   # CROWDLAB's
    shot(page, artifacts, "57-agreement-classification")
    panel_shot(page, panel, artifacts / "57-agreement-classification-panel.png")
    assert_fits(page, panel)
    page.set_viewport_size({"width": 1000, "height": 760})   # narrower: still no overflow
    shot(page, artifacts, "57-agreement-classification-1000")
    panel_shot(page, panel, artifacts / "57-agreement-classification-panel-1000.png")
    assert_fits(page, panel)
    page.set_viewport_size({"width": 1400, "height": 860})

    # a new label by lea (on a record jon labelled): the panel follows it
    bulk_label(stack, project, task, [{"external_id": "3", "label": flipped(3),
                                       "annotator": "lea"}])
    changed = stack.get(f"/projects/{project}/tasks/{task}/agreement")
    assert changed["value"] != expected["value"]
    expect(overall).to_contain_text(f"Krippendorff's α {decimal(changed['value'])}")
    expect(matrix.locator('td[title^="jon and lea:"]')).to_have_text(percent(0))

    # an extraction task: the span F1 between its annotators, without CROWDLAB
    aspects = stack.post(f"/projects/{project}/tasks", json={
        "name": "aspects", "kind": "extraction", "target_attribute": "text",
        "labels": ["ASPECT", "OPINION"]}).json()["id"]
    records = {r["external_id"]: r["id"]
               for r in stack.get(f"/projects/{project}/records", limit=100)["data"]}
    for i in range(1, 7):   # "The {word} is {great|awful}, review {i}"
        word = WORDS[i % 5]
        opinion = 8 + len(word)
        spans = {"ines": [("ASPECT", 4, 4 + len(word)), ("OPINION", opinion, opinion + 5)],
                 "jon": [("ASPECT", 4, 4 + len(word))] + (
                     [("OPINION", opinion, opinion + 5)] if i % 2 else []),
                 "kai": [("ASPECT", 0, 4 + len(word))] if i > 3 else []}
        for name, marked in spans.items():
            for label, start, end in marked:
                response = stack.post(f"/projects/{project}/records/{records[str(i)]}/labels",
                                      json={"task_id": aspects, "label": label, "annotator": name,
                                            "char_start": start, "char_end": end})
                assert response.status_code == 201, response.text
    response = stack.post(f"/projects/{project}/records/{records['1']}/labels", json={
        "task_id": aspects, "label": "ASPECT", "is_gold": True, "char_start": 4,
        "char_end": 4 + len(WORDS[1])})
    assert response.status_code == 201, response.text
    f1 = stack.get(f"/projects/{project}/tasks/{aspects}/agreement")
    assert f1["metric"] == "span_f1" and f1["value"] is not None, f1
    page.reload()   # the new task shows
    crowdlab: list[str] = []
    page.on("request", lambda r: r.url.endswith(f"/tasks/{aspects}/annotators")
            and crowdlab.append(r.url))
    with page.expect_response(lambda r: f"/tasks/{aspects}/agreement" in r.url):
        page.get_by_label("task aspects").get_by_role("button", name="Annotators…").click()
    spans = page.get_by_label("annotators of aspects")
    expect(spans.get_by_label("overall agreement")).to_have_text(
        f"Span F1 between annotators {decimal(f1['value'])}")
    expect(spans).to_contain_text(f"on {f1['records']} records annotated by two annotators or "
                                  f"more, of {f1['labelled_records']} annotated")
    expect(spans.get_by_role("table", name="agreement per label")).to_contain_text("Span F1")
    people = spans.get_by_role("table", name="annotator agreement")
    expect(people.get_by_role("row")).to_have_count(1 + len(f1["annotators"]))
    jon = next(a for a in f1["annotators"] if a["name"] == "jon")
    # on record 1 jon marked two spans, the gold label one of them: F1 2/3
    assert (jon["gold_records"], jon["gold_agreement"]) == (1, pytest.approx(2 / 3))
    expect(people.get_by_role("row").filter(has=page.get_by_role("cell", name="jon", exact=True))
           ).to_have_text(f"jon{jon['records']}{jon['shared']}{percent(jon['agreement'])}"
                          f"{percent(jon['gold_agreement'])} on 1")
    pair = f1["pairs"][0]
    expect(spans.locator(f'td[title^="{pair["a"]} and {pair["b"]}:"]')).to_have_attribute(
        "title", f"{pair['a']} and {pair['b']}: {pair['records']} records both annotated; "
        f"span F1 {percent(pair['agreement'])}")
    expect(spans).not_to_contain_text("CROWDLAB")
    assert crowdlab == [], "CROWDLAB reads classification tasks only"
    shot(page, artifacts, "57-agreement-extraction")
    panel_shot(page, spans, artifacts / "57-agreement-extraction-panel.png")
    assert_fits(page, spans)
