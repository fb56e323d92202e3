"""The heuristics workspace end to end: write a labeling function, see the server's check
mark its line, try it, run it on every record and watch its statistics follow a label."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.test_ui import CONLL, REVIEWS, conll_sample_project, go, key_of, shot, sign_in
from tests.workers.conftest import Stack

BROKEN = ("def lf(record):\n"
          "    if 'awful' in record['text']:\n"
          "        return 'negative'\n"
          "    x = (\n")
FIXED = ("def lf(record):\n"
         "    if 'awful' in record['text']:\n"
         "        print('awful:', record['text'])\n"
         "        return 'negative'\n")


def replace_code(page: Page, source: str) -> None:
    """Replace the editor's text as pasting would (no auto-indent, no closing brackets)."""
    page.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(source)


def stats_total(stack: Stack, project: int, task: int) -> dict:
    return stack.get(f"/projects/{project}/tasks/{task}/stats")["data"][0]["total"]


def latest_run(stack: Stack, project: int, heuristic: int) -> dict:
    return stack.get(f"/projects/{project}/heuristics/{heuristic}")["last_run"]


def succeeded_after(stack: Stack, project: int, heuristic: int, run: int) -> dict:
    """The heuristic's newest run once one newer than ``run`` succeeded (30 s at most)."""
    deadline = time.monotonic() + 30
    while (latest := latest_run(stack, project, heuristic))["id"] == run or (
            latest["status"] != "succeeded"):
        assert time.monotonic() < deadline, latest
        time.sleep(0.2)
    return latest


def reviews_project(stack: Stack, name: str) -> tuple[int, int]:
    """A project of the review texts and its positive/negative task: (project, task)."""
    project = stack.post("/projects", json={"name": name}).json()["id"]
    response = stack.post(f"/projects/{project}/records/import",
                          files={"file": ("reviews.csv", REVIEWS.encode())},
                          data={"id_column": "id"})
    assert response.status_code == 201, response.text
    task = stack.post(f"/projects/{project}/tasks", json={
        "name": "sentiment", "kind": "classification",
        "labels": ["positive", "negative"]}).json()["id"]
    return project, task


def test_write_check_try_run_and_watch_statistics(page: Page, app_stack: Stack,
                                                   artifacts: Path):
    stack = app_stack
    project, task = reviews_project(stack, "Heuristics e2e")
    records = stack.get(f"/projects/{project}/records", limit=100)["data"]
    for record in records[1:13]:   # reference labels on records 2..13; record 1 stays open
        response = stack.post(f"/projects/{project}/records/{record['id']}/labels", json={
            "task_id": task, "label": record["data"]["sentiment"]})
        assert response.status_code == 201, response.text

    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/heuristics")
    expect(page.get_by_text("No heuristics yet")).to_be_visible()
    page.get_by_role("button", name="Labeling function").click()
    expect(page.get_by_role("heading", name="keyword labeling function")).to_be_visible()
    expect(page.get_by_label("check")).to_contain_text("function found")

    # a syntax error is marked on its line while typing; fixed, the mark goes
    replace_code(page, BROKEN)
    expect(page.locator('[data-error-line="4"]')).to_be_visible()
    expect(page.locator(".cm-lint-marker-error")).to_have_count(1)
    expect(page.get_by_label("check")).to_contain_text("line 4")
    shot(page, artifacts, "20-editor-syntax-error")
    replace_code(page, FIXED)
    expect(page.locator("[data-error-line]")).to_have_count(0)
    expect(page.get_by_label("check")).to_contain_text("function found")

    # tried before saving: per record text, output, reference, printed logs
    page.get_by_role("button", name="Try on 10 records").click()
    results = page.get_by_label("sample results")
    expect(results.get_by_role("row")).to_have_count(11)
    expect(results.get_by_label("sample summary")).to_contain_text("10 records")
    shot(page, artifacts, "21-editor-sample")

    # unsaved code outlives a reload (after the browser asks)
    dialogs: list[str] = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.reload()
    notice = page.get_by_label("unsaved changes")
    expect(notice).to_contain_text("restored (edited from revision #1)")
    expect(page.locator(".cm-content")).to_contain_text("print('awful:', record['text'])")
    assert dialogs == ["beforeunload"]
    shot(page, artifacts, "21-editor-restored")

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("button", name="Saved")).to_be_disabled()
    page.get_by_role("button", name="Run on all records").click()
    expect(page.get_by_label("latest run")).to_contain_text("succeeded", timeout=30_000)
    page.get_by_label("revisions").get_by_role("button", name="#1").click()
    expect(page.get_by_label("diff").locator(".add").filter(has_text="print('awful:'")).to_have_count(1)
    shot(page, artifacts, "22-editor-run")

    # the statistics row, then a label in the labeling view changes it live
    page.get_by_role("link", name="← Heuristics of sentiment").click()
    row = page.locator('tr[data-heuristic="keyword labeling function"]')
    before = stats_total(stack, project, task)
    expect(row).to_contain_text("succeeded")
    false_positives = row.locator("td").nth(4)
    expect(false_positives).to_have_text(str(before["fp"]), timeout=15_000)
    shot(page, artifacts, "23-heuristics-stats")
    labeling = page.context.new_page()
    sign_in(labeling, key_of(stack))   # the key is kept per tab
    go(labeling, f"/projects/{project}/label?task={task}&labelled=no&q=review%2015")
    expect(labeling.get_by_label("position")).to_contain_text("1 of 1")
    expect(labeling.get_by_text("The phone is awful, review 15", exact=True)).to_be_visible()
    labeling.keyboard.press("1")   # "positive": the function voted negative, one more FP
    expect(false_positives).to_have_text(str(before["fp"] + 1), timeout=10_000)
    labeling.close()
    assert stats_total(stack, project, task)["fp"] == before["fp"] + 1
    shot(page, artifacts, "24-heuristics-stats-live")

    # weak supervision: run, its metrics and confusion, then two exports parsed
    panel = page.get_by_label("weak supervision", exact=True)
    panel.get_by_role("button", name="Run weak supervision").click()
    metrics = panel.get_by_label("weak supervision metrics")
    expect(metrics).to_contain_text("Coverage", timeout=30_000)
    expect(metrics).to_contain_text("33.3%")   # 10 of 30 records have the function's vote
    expect(metrics).to_contain_text("8 with no weak label count 1/2 each")
    expect(panel.get_by_label("confusion matrix")).to_be_visible()
    expect(panel.get_by_label("label model abstentions")).to_have_text(
        "Label model: abstentions ignored: 30 records (fewer than 3,000)")
    shot(page, artifacts, "25-weak-supervision")
    with page.expect_download() as csv_download:
        panel.get_by_role("button", name="csv", exact=True).click()
    rows = list(csv.DictReader(io.StringIO(Path(csv_download.value.path()).read_text())))
    assert len(rows) == 30
    assert sum(1 for r in rows if "awful" in r["text"]) == 10
    with page.expect_download() as studio_download:
        panel.get_by_role("button", name="label-studio", exact=True).click()
    tasks = json.loads(Path(studio_download.value.path()).read_text())
    assert len(tasks) == 10
    assert {t["predictions"][0]["result"][0]["value"]["choices"][0] for t in tasks} == \
        {"negative"}

    # auto said why it chose; then the 20 records without a vote get the class prior's
    # label, and the run repeats itself: settings the page shows again after a reload
    expect(panel.get_by_label("auto choice")).to_contain_text(
        "auto chose label model: too few reference labels")
    panel.get_by_label("Records no heuristic voted on").select_option("prior")
    panel.get_by_label("Run again whenever a heuristic's output changes").check()
    panel.get_by_role("button", name="Run weak supervision").click()
    expect(metrics).to_contain_text("20 from the class prior", timeout=30_000)
    expect(metrics.locator(".metric").filter(has_text="Weakly labelled")).to_contain_text("30")
    latest = stack.get(f"/projects/{project}/tasks/{task}/weak-supervision")
    assert (latest["params"]["no_vote"], latest["params"]["auto_rerun"]) == ("prior", True)
    assert latest["metrics"]["from_prior"] == 20
    page.reload()
    panel = page.get_by_label("weak supervision", exact=True)
    expect(panel.get_by_label("Records no heuristic voted on")).to_have_value("prior")
    expect(panel.get_by_label("Run again whenever a heuristic's output changes")).to_be_checked()
    shot(page, artifacts, "25-weak-supervision-prior")

    # the label model anchored on the reference labels: its accuracies are cross-fitted
    panel.get_by_label("Method").select_option("anchored_label_model")
    panel.get_by_role("button", name="Run weak supervision").click()
    expect(panel.get_by_label("cross-fitted")).to_contain_text(
        "anchored label model learns from the reference labels", timeout=30_000)
    expect(metrics.locator(".metric").filter(has_text="Method")).to_contain_text(
        "anchored label model")
    latest = stack.get(f"/projects/{project}/tasks/{task}/weak-supervision")
    assert latest["metrics"]["cross_fitted"] == ["anchored_label_model"] * 2
    assert latest["metrics"]["compared_all"] == 13
    shot(page, artifacts, "25-weak-supervision-anchored")


GAZETTEERS = {
    "places": (["Australia", "England", "LONDON", "Lithuania", "London", "Romania", "Scotland"],
               "LOC"),
    "counties": (["Derbyshire", "England", "Essex", "Kent", "Leicestershire", "Somerset",
                  "Surrey", "Worcestershire"], "ORG"),
}


def test_weak_supervision_of_spans_reads_as_spans(page: Page, app_stack: Stack,
                                                  artifacts: Path):
    stack = app_stack
    project, task = conll_sample_project(stack, "span weak supervision e2e")
    for name, (words, label) in GAZETTEERS.items():
        heuristic = stack.post(f"/projects/{project}/heuristics", json={
            "task_id": task, "name": name, "source": (
                f"WORDS = {words!r}\n\ndef lf(record):\n"
                f"    for i, token in enumerate(record.tokens('text')):\n"
                f"        if token.text in WORDS:\n            yield {label!r}, i, i + 1\n")})
        assert heuristic.status_code == 201, heuristic.text
        run = stack.post(f"/projects/{project}/heuristics/{heuristic.json()['id']}/runs")
        assert stack.wait_run(project, run.json()["id"])["status"] == "succeeded"

    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/heuristics")
    panel = page.get_by_label("weak supervision", exact=True)
    method = panel.get_by_label("Method")
    expect(method.locator("option")).to_have_text(
        ["auto", "majority", "weighted", "label model", "anchored label model"])
    method.select_option("weighted")
    panel.get_by_role("button", name="Run weak supervision").click()
    metrics = panel.get_by_label("weak supervision metrics")
    expect(metrics.locator(".metric").filter(has_text="Method")).to_contain_text(
        "weighted", timeout=30_000)
    latest = stack.get(f"/projects/{project}/tasks/{task}/weak-supervision")
    f1 = latest["metrics"]["micro_f1"]
    expect(metrics.locator(".metric").filter(has_text="Exact-span F1")).to_contain_text(
        f"{100 * f1:.1f}%of {latest['metrics']['compared']} with a reference")
    expect(metrics).not_to_contain_text("Accuracy on covered")
    expect(panel.get_by_label("cross-fitted")).to_contain_text(
        "weighted learns from the reference labels: the scores shown are cross-fitted")
    expect(panel.get_by_text("Confusion of tokens (rows: reference, columns: weak)")
           ).to_be_visible()
    expect(panel.get_by_label("confusion matrix").locator("thead th")).to_have_text(
        ["", "OUTSIDE", *[label["name"] for label in stack.get(
            f"/projects/{project}/tasks/{task}")["labels"]]])
    shot(page, artifacts, "25-weak-supervision-spans")


def test_learner_threshold_changes_votes_without_a_new_run(page: Page, app_stack: Stack,
                                                           artifacts: Path):
    stack = app_stack
    project, task = reviews_project(stack, "Learner e2e")
    for record in stack.get(f"/projects/{project}/records", limit=100)["data"][:16]:
        stack.post(f"/projects/{project}/records/{record['id']}/labels", json={
            "task_id": task, "label": record["data"]["sentiment"]})
    response = stack.post(f"/projects/{project}/embeddings", json={"attribute": "text",
                                                                   "level": "record"})
    assert response.status_code == 202, response.text
    deadline = time.monotonic() + 90
    while stack.get(f"/projects/{project}/embeddings")["data"][0]["state"] != "succeeded":
        assert time.monotonic() < deadline, "the embedding did not finish"
        time.sleep(0.5)

    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/heuristics")
    page.get_by_role("button", name="Learner on text-all-MiniLM-L6-v2").click()
    expect(page.get_by_label("check")).to_contain_text("learner found")
    page.get_by_role("button", name="Run on all records").click()
    expect(page.get_by_label("latest run")).to_contain_text("succeeded", timeout=60_000)
    learner = page.get_by_label("learner", exact=True)
    expect(learner.get_by_label("held-out metrics")).to_contain_text("negative")
    heuristic = stack.get(f"/projects/{project}/heuristics")["data"][0]
    runs = stack.get(f"/projects/{project}/runs")["count"]

    # the preview follows the slider: every record votes at 0, none above every confidence
    preview = learner.get_by_label("vote preview")
    slider = learner.get_by_label("Vote threshold")
    slider.focus()
    page.keyboard.press("Home")
    swept = stack.get(f"/projects/{project}/heuristics/{heuristic['id']}/threshold-preview")
    at_zero = swept["points"][0]
    assert (at_zero["votes"], at_zero["judged"]) == (30, 16)
    expect(preview).to_contain_text("30 votes at 0.00 · precision ")
    expect(preview).to_contain_text(f"% ({at_zero['correct']} of 16 with a reference)")
    shot(page, artifacts, "26-learner-threshold")
    slider.focus()   # the key goes to the slider whatever took focus meanwhile
    page.keyboard.press("End")
    expect(preview).to_contain_text("at 1.00")
    high = int(preview.inner_text().split()[0])
    assert high < 30
    learner.get_by_role("button", name="Apply threshold").click()
    expect(learner).to_contain_text(f"({high} now)")
    after = stack.get(f"/projects/{project}/heuristics/{heuristic['id']}")
    assert after["vote_threshold"] == 1.0
    assert after["last_run"]["id"] == heuristic["last_run"]["id"]
    assert stack.get(f"/projects/{project}/runs")["count"] == runs   # no refit
    votes = stack.get(f"/projects/{project}/heuristics/{heuristic['id']}/outputs",
                      limit=5000)["data"]
    assert sum(any(o["vote"] for o in r["outputs"]) for r in votes) == high


LOOKUP_LF = ("from knowledge import bad_words\n"
             "\n"
             "def lf(record):\n"
             "    words = record['text'].lower().replace(',', ' ').split()\n"
             "    if any(word in bad_words for word in words):\n"
             "        return 'negative'\n")


def test_a_lookup_list_made_in_the_ui_feeds_a_labeling_function(page: Page, app_stack: Stack,
                                                                 artifacts: Path):
    stack = app_stack
    project, task = reviews_project(stack, "Lookup lists e2e")
    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/lists")
    expect(page.get_by_text("No lookup lists yet")).to_be_visible()
    form = page.get_by_role("form", name="new lookup list")
    form.get_by_label("List name").fill("bad words")
    form.get_by_label("New list terms").fill("awful\n dreadful \nawful\n")
    expect(form).to_contain_text("Terms, one per line (2)")
    form.get_by_role("button", name="Create list").click()
    expect(form.get_by_role("alert")).to_contain_text("must be a Python identifier")
    form.get_by_label("List name").fill("bad_words")
    form.get_by_role("button", name="Create list").click()
    editor = page.get_by_label("lookup list bad_words")
    expect(editor.get_by_label("term count")).to_have_text("2 terms · version 1")
    expect(editor).to_contain_text("from knowledge import bad_words")
    expect(page.locator('tr[data-list="bad_words"]')).to_contain_text("2")
    shot(page, artifacts, "32-lookup-list")

    go(page, f"/projects/{project}/heuristics")
    starters = page.get_by_role("group", name="new heuristic")
    expect(starters.get_by_role("button", name="Lookup of bad_words")).to_be_visible()
    starters.get_by_role("button", name="Labeling function").click()
    expect(page.get_by_label("check")).to_contain_text("function found")
    replace_code(page, LOOKUP_LF)
    page.get_by_role("button", name="Try on 10 records").click()
    expect(page.get_by_label("sample results").get_by_role("row")).to_have_count(11)
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Run on all records").click()
    expect(page.get_by_label("latest run")).to_contain_text("succeeded", timeout=30_000)
    [heuristic] = stack.get(f"/projects/{project}/heuristics")["data"]
    outputs = stack.get(f"/projects/{project}/heuristics/{heuristic['id']}/outputs",
                        limit=100)["data"]
    texts = {r["id"]: r["data"]["text"]
             for r in stack.get(f"/projects/{project}/records", limit=100)["data"]}
    assert {row["record_id"] for row in outputs} == {
        rid for rid, text in texts.items() if "awful" in text}
    assert stack.get(f"/projects/{project}/tasks/{task}/stats")["data"][0]["hits"] == 10

    # the list changes after the run: the editor says the votes are older than the list
    [listed] = stack.get(f"/projects/{project}/lookup-lists")["data"]
    changed = stack.patch(f"/projects/{project}/lookup-lists/{listed['id']}",
                          json={"add": ["great"]})
    assert changed.status_code == 200, changed.text
    page.reload()
    expect(page.get_by_label("out of date", exact=True)).to_contain_text(
        "Its votes are out of date: lookup list bad_words changed since its run")
    shot(page, artifacts, "34-lookup-list-changed")
    read = page.get_by_label("lookup lists read")
    expect(read).to_contain_text(
        "Its saved code reads the lookup list bad_words (3 terms, version 2)")
    expect(read.get_by_role("link", name="bad_words")).to_have_attribute(
        "href", f"/projects/{project}/lists?list={listed['id']}")
    page.get_by_role("link", name="← Heuristics of sentiment").click()
    row = page.locator('tr[data-heuristic="keyword labeling function"]')
    expect(row).to_contain_text("lookup list bad_words changed since its run")
    shot(page, artifacts, "36-run-out-of-date")
    ran = latest_run(stack, project, heuristic["id"])["id"]
    page.get_by_role("button", name="Run 1 out of date").click()
    expect(page.get_by_text("1 run started")).to_be_visible()
    ran = succeeded_after(stack, project, heuristic["id"], ran)["id"]
    expect(row).to_contain_text("succeeded", timeout=15_000)
    expect(row).not_to_contain_text("changed since")
    expect(page.get_by_role("button", name="All up to date")).to_be_disabled()

    # kept current by themselves: a change of the list runs the function again, unasked
    keep = page.get_by_label("Run labeling functions by themselves")
    keep.check()
    expect(keep).to_be_checked()
    assert stack.get(f"/projects/{project}/tasks")["data"][0]["auto_run"] is True
    assert stack.patch(f"/projects/{project}/lookup-lists/{listed['id']}",
                       json={"add": ["terrible"]}).status_code == 200
    succeeded_after(stack, project, heuristic["id"], ran)
    expect(row).to_contain_text("succeeded", timeout=15_000)   # the page follows the run
    expect(row).not_to_contain_text("changed since")
    shot(page, artifacts, "40-run-by-themselves")
    go(page, f"/projects/{project}/heuristics/{heuristic['id']}")
    page.get_by_label("lookup lists read").get_by_role("link", name="bad_words").click()
    expect(page.get_by_label("lookup list bad_words")).to_be_visible()   # opened by the link
    expect(page.locator('tr[data-list="bad_words"]').get_by_role(
        "link", name="keyword labeling function")).to_be_visible()

    # words selected in a record on the labeling page join a list
    go(page, f"/projects/{project}/label")
    adding = page.get_by_role("group", name="add to a lookup list")
    expect(adding).to_contain_text("Select words of the text")
    word = page.evaluate("""() => {
        const node = document.querySelector(".text-block").firstChild;
        const found = /[A-Za-z]{4,}/.exec(node.textContent);
        const range = document.createRange();
        range.setStart(node, found.index);
        range.setEnd(node, found.index + found[0].length);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        return found[0];
    }""")
    expect(adding).to_contain_text(f"Add “{word}” to")
    shot(page, artifacts, "37-add-selection-to-list")
    adding.get_by_role("button", name="Add").click()
    expect(page.get_by_text(f"Added “{word}” to bad_words")).to_be_visible()
    terms = stack.get(f"/projects/{project}/lookup-lists/{listed['id']}")["terms"]
    assert terms[-1] == word

    # with the records labelled, and "great" taken out of the list, the list's term
    # statistics suggest it for positive
    assert stack.patch(f"/projects/{project}/lookup-lists/{listed['id']}",
                       json={"remove": ["great"]}).status_code == 200
    records = stack.get(f"/projects/{project}/records", limit=100)["data"]
    assert stack.post(f"/projects/{project}/tasks/{task}/labels/bulk", json={"labels": [
        {"record_id": r["id"], "label": r["data"]["sentiment"]} for r in records]}
    ).status_code == 201
    go(page, f"/projects/{project}/lists")
    page.locator('tr[data-list="bad_words"]').get_by_role("button", name="bad_words").click()
    editor = page.get_by_label("lookup list bad_words")
    editor.get_by_role("button", name="Term statistics").click()
    expect(editor.get_by_label("term statistics summary")).to_contain_text(
        "30 records of sentiment have a reference label", timeout=15_000)
    suggestions = editor.get_by_label("term suggestions")
    suggestions.get_by_label("Suggest for label").select_option("positive")
    suggestions.get_by_role("button", name="Suggest terms").click()
    first = suggestions.get_by_role("row").nth(1)
    expect(first).to_have_attribute("data-suggestion", "great", timeout=15_000)
    expect(first).to_contain_text("great20100 %20")   # 20 labelled, all positive; 20 records
    suggestions.scroll_into_view_if_needed()
    shot(page, artifacts, "39-term-suggestions")
    first.get_by_role("button", name="Add").click()
    expect(suggestions).to_contain_text(    # the list holds it now: nothing else signals
        "No word or word pair held by three or more of the 30 labelled records signals "
        "positive that the list lacks.")
    assert "great" in stack.get(f"/projects/{project}/lookup-lists/{listed['id']}")["terms"]


def test_a_gazetteer_grows_from_the_annotated_spans(page: Page, app_stack: Stack,
                                                     artifacts: Path):
    stack = app_stack
    project, _ = conll_sample_project(stack, "Gazetteer e2e")
    places, tokens = set(), []
    for line in [*CONLL.read_text(encoding="utf-8").splitlines(), ""]:
        if line.strip() and not line.startswith("-DOCSTART-"):
            tokens.append(line.split())
            continue
        tags = [t[-1] for t in tokens] + ["O"]
        start = None
        for i, tag in enumerate(tags):
            if start is not None and not tag.startswith("I-"):
                places.add(" ".join(t[0] for t in tokens[start:i]))
                start = None
            if tag == "B-LOC" or (tag == "I-LOC" and start is None):
                start = i
        tokens = []
    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/lists")
    form = page.get_by_role("form", name="new lookup list")
    form.get_by_label("List name").fill("places")
    form.get_by_role("button", name="Create list").click()
    editor = page.get_by_label("lookup list places")
    expect(editor.get_by_label("term count")).to_have_text("0 terms · version 1")
    spans = editor.get_by_label("terms from labelled spans")
    spans.get_by_label("Span label").select_option("LOC")
    spans.get_by_role("button", name="Add spans").click()
    expect(spans.get_by_role("status")).to_have_text(f"{len(places)} new terms added")
    expect(editor.get_by_label("term count")).to_have_text(f"{len(places)} terms · version 2")
    shot(page, artifacts, "33-lookup-list-from-spans")
    listed = stack.get(f"/projects/{project}/lookup-lists")["data"][0]
    terms = stack.get(f"/projects/{project}/lookup-lists/{listed['id']}")["terms"]
    assert set(terms) == places

    # the term statistics show the terms that are no place, or nowhere; one goes
    terms_box = editor.get_by_label("Terms", exact=True)
    terms_box.fill(terms_box.input_value() + "\nthe\nAtlantis")
    editor.get_by_role("button", name="Save terms").click()
    expect(editor.get_by_label("term count")).to_have_text(f"{len(places) + 2} terms · version 3")
    counted = stack.get(f"/projects/{project}/lookup-lists/{listed['id']}/term-stats")
    noisy = [t for t in counted["terms"] if t["noisy"]]
    assert noisy[0]["term"] == "the" and noisy[0]["agreement"] == 0, noisy[0]
    assert [t["term"] for t in counted["terms"] if t["found"] == 0] == ["Atlantis"]
    editor.get_by_role("button", name="Term statistics").click()
    panel = editor.get_by_label("term statistics")
    expect(panel.get_by_label("term statistics summary")).to_have_text(
        f"{len(places) + 2} terms searched in text; {counted['labelled']} records of ner have "
        f"a reference label. {len(noisy)} noisy (their labelled places carry mixed labels), "
        "1 found nowhere.", timeout=15_000)
    panel.get_by_label("Show").select_option("noisy")
    rows = panel.get_by_role("row")
    expect(rows).to_have_count(len(noisy) + 1)
    worst = noisy[0]["term"]
    expect(rows.nth(1)).to_contain_text(worst)
    panel.get_by_label("Show").select_option("all")
    panel.get_by_role("table", name="terms").scroll_into_view_if_needed()
    shot(page, artifacts, "38-term-statistics")
    panel.get_by_label("Show").select_option("noisy")
    rows.nth(1).get_by_role("button", name="Remove").click()
    expect(rows).to_have_count(len(noisy) if len(noisy) > 1 else 0)   # the rest, a header
    expect(editor.get_by_label("term count")).to_have_text(
        f"{len(places) + 1} terms · version 4")
    assert worst not in stack.get(f"/projects/{project}/lookup-lists/{listed['id']}")["terms"]


def test_a_list_that_follows_a_label_grows_as_spans_are_marked(page: Page, app_stack: Stack,
                                                               artifacts: Path):
    stack = app_stack
    project, _ = conll_sample_project(stack, "Following list e2e")
    task = stack.post(f"/projects/{project}/tasks", json={
        "name": "sports", "kind": "extraction", "target_attribute": "text",
        "labels": ["SPORT"]}).json()["id"]
    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/lists")
    form = page.get_by_role("form", name="new lookup list")
    form.get_by_label("List name").fill("sports")
    form.get_by_label("Follow a label").select_option(label="sports / SPORT")
    form.get_by_role("button", name="Create list").click()
    editor = page.get_by_label("lookup list sports")
    expect(editor.get_by_label("follows a label")).to_contain_text(
        "Follows the reference spans of SPORT in sports: 0 terms come from them")
    expect(page.locator('tr[data-list="sports"]')).to_contain_text("sports / SPORT")

    # "CRICKET" (token 0) marked in the labeling page joins the list
    go(page, f"/projects/{project}/label?lt={task}")
    text = page.get_by_test_id("span-text")
    expect(text).to_contain_text("LEICESTERSHIRE")
    box = text.locator('[data-token="0"]').bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    with page.expect_response(lambda r: r.url.endswith("/labels")
                              and r.request.method == "POST") as labelled:
        page.keyboard.press("1")
    assert labelled.value.status == 201, labelled.value.text()
    expect(page.get_by_label("labels of the record")).to_contain_text("“CRICKET”")
    go(page, f"/projects/{project}/lists")
    page.locator('tr[data-list="sports"]').get_by_role("button", name="sports").click()
    editor = page.get_by_label("lookup list sports")
    expect(editor.get_by_label("Terms")).to_have_value("CRICKET")
    expect(editor.get_by_label("term count")).to_have_text("1 term, 1 from spans · version 2")
    shot(page, artifacts, "35-lookup-list-follows")

    # the span deleted, the term leaves the list
    go(page, f"/projects/{project}/label?lt={task}")
    with page.expect_response(lambda r: "/manual-labels/" in r.url
                              and r.request.method == "DELETE") as deleted:
        page.get_by_label("labels of the record").get_by_role(
            "button", name="Delete SPORT").click()
    assert deleted.value.status == 204
    [listed] = stack.get(f"/projects/{project}/lookup-lists")["data"]
    assert (listed["n_terms"], listed["n_from_labels"], listed["version"]) == (0, 0, 3)
