"""The web UI end to end: what a user does, in a real browser, on the real stack."""

from __future__ import annotations

import re
import statistics
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from services.demo import FIXTURES
from tests.workers.conftest import Stack

WORDS = ["phone", "battery", "screen", "price", "camera"]
VERDICTS = {i: "positive" if i % 3 else "negative" for i in range(1, 31) if i % 5}
"""Labels in the file for all but the phone reviews (those are labelled in the browser)."""
REVIEWS = "id,text,stars,sentiment,verdict\n" + "".join(
    f'{i},"The {WORDS[i % 5]} is {"great" if i % 3 else "awful"}, review {i}",{1 + i % 5},'
    f'{"positive" if i % 3 else "negative"},{VERDICTS.get(i, "")}\n' for i in range(1, 31))
CONLL = FIXTURES / "conll_sample.txt"


def key_of(stack: Stack) -> str:
    return stack.headers["Authorization"].split()[1]


def shot(page: Page, artifacts: Path, name: str) -> None:
    page.wait_for_timeout(150)  # let transitions settle
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def sign_in(page: Page, key: str) -> None:
    page.goto("/")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("user name")).to_have_text("admin")


def go(page: Page, path: str) -> None:
    """Move inside the app as a link does (the session's key stays)."""
    page.evaluate("p => { history.pushState(null, '', p); "
                  "dispatchEvent(new PopStateEvent('popstate')) }", path)


def choose_action(page: Page, name: str) -> None:
    """Choose ``name`` (e.g. "Delete 10 records…") in the data browser's menu of actions."""
    page.get_by_role("button", name="Actions", exact=True).click()
    page.get_by_role("menu", name="Actions").get_by_role("menuitem", name=name, exact=True).click()


def toolbar_height(page: Page) -> float:
    """The height the data browser's toolbar takes: from the top of its highest control to
    the bottom of its lowest (one line of controls is 30 px)."""
    return page.evaluate("""() => {
      const controls = [...document.querySelectorAll('.page-head .filterbar > .row:first-child > *,'
        + ' .page-head > .btn, .page-head > .menu-wrap')];
      const boxes = controls.map((c) => c.getBoundingClientRect())
        .filter((b) => b.height > 0);
      return Math.max(...boxes.map((b) => b.bottom)) - Math.min(...boxes.map((b) => b.top));
    }""")


def manual_labels(stack: Stack, project: int, record: int, task: int) -> list[dict]:
    detail = stack.get(f"/projects/{project}/records/{record}")
    return next(t for t in detail["tasks"] if t["task_id"] == task)["manual_labels"]


def test_sign_in_import_browse_label(page: Page, app_stack: Stack, artifacts: Path, tmp_path):
    stack = app_stack
    bob = stack.post("/users", json={"name": "bob"}).json()

    page.goto("/")
    shot(page, artifacts, "01-sign-in")
    page.get_by_label("API key").fill("hk_wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("key")
    expect(page.get_by_label("API key")).to_have_value("hk_wrong")  # what was typed stays
    sign_in(page, key_of(stack))
    expect(page.get_by_text("admin").last).to_be_visible()

    # a project, created and then shown
    page.get_by_label("Project name").fill("Reviews e2e")
    page.get_by_label("Project description").fill("Phone reviews")
    shot(page, artifacts, "02-projects")
    page.get_by_role("button", name="Create project").click()
    expect(page).to_have_url(re.compile(r"/projects/\d+/import$"))
    expect(page.get_by_role("heading", name="Import")).to_be_visible()
    project = next(p["id"] for p in stack.get("/projects")["data"] if p["name"] == "Reviews e2e")

    # a task with two labels, and bob as annotator
    page.get_by_role("link", name="Tasks & members").click()
    page.get_by_label("Task name").fill("sentiment")
    page.get_by_label("Labels").fill("positive, negative")
    page.get_by_role("button", name="Create task").click()
    expect(page.get_by_label("task sentiment")).to_contain_text("negative")
    page.get_by_label("Member name").fill("bob")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_label("Role of bob")).to_have_value("annotator")
    shot(page, artifacts, "05-tasks-and-members")
    task = stack.get(f"/projects/{project}/tasks")["data"][0]["id"]
    exports = page.get_by_label("exports")
    with page.expect_download() as config:
        exports.get_by_role("button", name="Label Studio config").click()
    assert '<Choices name="sentiment"' in Path(config.value.path()).read_text()
    with page.expect_download() as snapshot:
        exports.get_by_role("button", name="Snapshot").click()
    archive = tmp_path / "reviews.heurist.zip"
    snapshot.value.save_as(archive)
    page.get_by_role("link", name="Projects").click()
    restore = page.get_by_label("restore a snapshot")
    restore.get_by_label("Snapshot file").set_input_files(archive)
    restore.get_by_label("Name of the restored project").fill("Reviews e2e copy")
    restore.get_by_role("button", name="Restore").click()
    expect(page).to_have_url(re.compile(r"/projects/\d+/data$"))
    copied = next(p["id"] for p in stack.get("/projects")["data"]
                  if p["name"] == "Reviews e2e copy")
    assert stack.get(f"/projects/{copied}/tasks")["data"][0]["name"] == "sentiment"
    page.goto(f"/projects/{project}/settings")

    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import")).to_be_visible()

    # import: a bad file's error names row and field; the good file is previewed first
    bad = tmp_path / "bad.csv"
    bad.write_text("id,text\n1,a\n1,b\n")
    page.get_by_label("File").set_input_files(str(bad))
    page.get_by_label("Id column").select_option("id")
    expect(page.get_by_role("alert")).to_contain_text("Row 2")
    expect(page.get_by_role("alert")).to_contain_text("duplicate id")
    good = tmp_path / "reviews.csv"
    good.write_text(REVIEWS)
    page.get_by_label("File").set_input_files(str(good))
    expect(page.get_by_label("preview")).to_contain_text("The phone is great, review 1")
    expect(page.get_by_label("Type of stars")).to_have_value("integer")
    expect(page.get_by_label("Type of sentiment")).to_have_value("category")
    page.get_by_label("Id column").select_option("id")
    # an option the server refuses: its error says so, and nothing chosen or typed is lost
    page.get_by_label("Encoding").fill("klingon")
    expect(page.get_by_role("alert")).to_contain_text("unknown encoding")
    expect(page.get_by_label("Encoding")).to_have_value("klingon")
    expect(page.get_by_label("Id column")).to_have_value("id")
    page.get_by_label("Encoding").fill("")
    expect(page.get_by_label("preview")).to_contain_text("The phone is great, review 5")
    # the verdict column becomes manual labels of the task, not an attribute
    page.get_by_label("Label column").select_option("verdict")
    expect(page.get_by_role("button", name="Import 30 records")).to_be_disabled()  # no task
    page.get_by_label("Label task").select_option(label="sentiment (classification)")
    expect(page.get_by_label("preview")).to_contain_text("verdict labels")
    expect(page.get_by_label("Type of verdict")).to_have_count(0)
    expect(page.get_by_label("notes")).to_contain_text("delimiter")  # what was assumed
    expect(page.get_by_role("button", name="Import 30 records")).to_be_enabled()
    shot(page, artifacts, "03-import-preview")
    page.get_by_role("button", name="Import 30 records").click()
    expect(page.get_by_role("status").filter(has_text="Imported")).to_contain_text(
        "Imported 30 records")
    expect(page.get_by_role("status").filter(has_text="Imported")).to_contain_text(
        f"{len(VERDICTS)} manual labels")
    shot(page, artifacts, "04-import-done")
    records = stack.get(f"/projects/{project}/records", limit=100)["data"]
    assert len(records) == 30
    assert "verdict" not in records[0]["data"]
    imported = {int(r["external_id"]): [(m["label"], m["annotator"], m["is_gold"])
                                        for m in manual_labels(stack, project, r["id"], task)]
                for r in records}
    assert imported == {i: [(VERDICTS[i], "admin", False)] if i in VERDICTS else []
                        for i in range(1, 31)}

    # browse with two filters: text and "not labelled"
    page.get_by_role("link", name="Data").click()
    expect(page.get_by_label("count")).to_have_text("30 records")
    shot(page, artifacts, "06-data")
    page.get_by_label("Search", exact=True).fill("phone")
    expect(page.get_by_label("count")).to_have_text("6 records")
    page.get_by_role("button", name="+ Add filter").click()
    page.get_by_label("Filter task").select_option(label="sentiment")
    page.get_by_label("Label state").select_option(label="has none")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_label("count")).to_have_text("6 records")
    rows = page.get_by_role("row").filter(has_text="review")
    expect(rows).to_have_count(6)
    shot(page, artifacts, "07-data-filtered")

    # label five records with hotkeys; each key press moves on at once
    page.get_by_role("button", name="Label these records").click()
    position = page.get_by_label("position")
    expect(position).to_contain_text("1 of 6")
    expect(page.get_by_label("record id")).to_be_visible()
    shot(page, artifacts, "08-labeling")
    # measured in the page: from the key press to the next record in the document (its
    # text fetched ahead, not a spinner)
    page.evaluate("""() => {
        window.delays = []; let pressed = 0;
        addEventListener('keydown', () => { pressed = performance.now(); }, true);
        new MutationObserver(() => {
            const ready = !document.querySelector('.labeling .panel-body [role=status]');
            if (pressed && ready) { window.delays.push(performance.now() - pressed); pressed = 0; }
        }).observe(document.querySelector('.labeling'),
                   {subtree: true, childList: true, characterData: true});
    }""")
    loading = page.locator(".labeling .panel-body [role=status]")
    for n in range(1, 6):
        page.keyboard.press("1")
        expect(position).to_contain_text(f"{n + 1} of 6")
        expect(loading).to_have_count(0)
    delays = page.evaluate("window.delays")
    print(f"key press to next record: median {statistics.median(delays):.0f} ms, "
          f"max {max(delays):.0f} ms")
    assert len(delays) == 5 and statistics.median(delays) <= 150, delays
    session = stack.get(f"/projects/{project}/records", search="phone")["data"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        labelled = [r for r in session if manual_labels(stack, project, r["id"], task)]
        if len(labelled) == 5:
            break
        time.sleep(0.2)
    assert [manual_labels(stack, project, r["id"], task)[0]["label"] for r in labelled] == \
        ["positive"] * 5

    # gold on the sixth record, then undo it
    sixth = session[5]["id"]
    page.keyboard.press("g")
    expect(page.get_by_label("Gold")).to_be_checked()
    page.keyboard.press("2")
    expect(page.get_by_label("labels of the record")).to_contain_text("gold")
    assert [(m["label"], m["is_gold"]) for m in manual_labels(stack, project, sixth, task)] == \
        [("negative", True)]
    shot(page, artifacts, "09-labeling-gold")
    page.keyboard.press("Control+z")
    expect(page.get_by_text("Undone: Label negative")).to_be_visible()
    expect(page.get_by_label("labels of the record")).to_contain_text("No labels yet.")
    assert manual_labels(stack, project, sixth, task) == []

    # another annotator's label arrives while the record is open
    page.keyboard.press("ArrowLeft")
    expect(position).to_contain_text("5 of 6")
    fifth = session[4]["id"]
    page.wait_for_timeout(500)  # the event stream is connected
    response = httpx.post(f"{stack.api}/projects/{project}/records/{fifth}/labels",
                          headers={"Authorization": f"Bearer {bob['api_key']}"},
                          json={"task_id": task, "label": "negative"})
    assert response.status_code == 201, response.text
    live = page.get_by_label("labels of the record").locator("[data-fresh]")
    expect(live).to_contain_text("bob", timeout=5000)
    expect(live).to_contain_text("negative")
    shot(page, artifacts, "10-labeling-live")

    # embeddings: create one, watch it finish, then similar records
    page.get_by_role("link", name="Embeddings").click()
    expect(page.get_by_label("Embedding model")).to_have_value("default")
    expect(page.get_by_text("all-MiniLM-L6-v2, bundled (384 dimensions)")).to_be_visible()
    page.get_by_role("button", name="Compute embedding").click()
    expect(page.get_by_role("row").filter(has_text="text-all-MiniLM")).to_contain_text(
        "succeeded", timeout=90_000)
    shot(page, artifacts, "11-embeddings")
    go(page, f"/projects/{project}/records/{fifth}")
    similar = page.get_by_label("similar records").get_by_role("row")
    expect(similar).to_have_count(10, timeout=20_000)
    shot(page, artifacts, "12-record")


def test_a_first_import_brings_its_labels_as_a_new_task(page: Page, app_stack: Stack,
                                                       artifacts: Path, tmp_path):
    """A new project has no task: its first file's label column makes one, named by the
    user, of the column's values; the next import of labels finds it chosen."""
    stack = app_stack
    project = stack.post("/projects", json={"name": "First import e2e"}).json()["id"]
    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/import")
    reviews = tmp_path / "first.csv"
    reviews.write_text(REVIEWS)
    page.get_by_label("File").set_input_files(str(reviews))
    expect(page.get_by_label("preview")).to_contain_text("The phone is great, review 1")
    page.get_by_label("Id column").select_option("id")
    page.get_by_label("Label column").select_option("sentiment")
    expect(page.get_by_label("Label task")).to_contain_text("no classification task yet")
    expect(page.get_by_role("button", name="Import 30 records")).to_be_disabled()
    page.get_by_label("Label task").select_option(label="new task of the column's values…")
    expect(page.get_by_label("New task name")).to_have_value("sentiment")   # the column's
    page.get_by_label("New task name").fill("opinion")
    expect(page.get_by_label("preview")).to_contain_text("sentiment labels")
    expect(page.get_by_role("button", name="Import 30 records")).to_be_enabled()  # previewed
    expect(page.get_by_label("Id column")).to_have_value("id")   # kept by every preview
    shot(page, artifacts, "28-import-new-task")
    page.get_by_role("button", name="Import 30 records").click()
    done = page.get_by_role("status").filter(has_text="Imported")
    expect(done).to_contain_text("Imported 30 records")
    expect(done).to_contain_text("30 manual labels")
    expect(page.get_by_label("notes")).to_contain_text(
        "new classification task 'opinion' with the labels 'positive', 'negative'")
    (task,) = stack.get(f"/projects/{project}/tasks")["data"]
    assert task["name"] == "opinion" and [label["name"] for label in task["labels"]] == [
        "positive", "negative"]
    expect(page.get_by_label("Label task")).to_have_value(str(task["id"]))
    shot(page, artifacts, "29-import-new-task-done")


def conll_sample_project(stack: Stack, name: str) -> tuple[int, int]:
    """A project of the CoNLL sample's sentences, their spans imported as manual labels:
    (project, task)."""
    project = stack.post("/projects", json={"name": name}).json()["id"]
    response = stack.post(f"/projects/{project}/records/import-conll",
                          files={"file": ("sample.conll", CONLL.read_bytes())},
                          data={"annotator": "conll"})
    assert response.status_code == 201, response.text
    return project, response.json()["task_id"]


def test_span_labeling_by_mouse(page: Page, app_stack: Stack, artifacts: Path):
    stack = app_stack
    project, task = conll_sample_project(stack, "CoNLL e2e")
    first = stack.get(f"/projects/{project}/records", limit=1)["data"][0]
    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/label")
    text = page.get_by_test_id("span-text")
    expect(text).to_contain_text("LEICESTERSHIRE")

    def drag(from_token: int, to_token: int) -> None:
        a = text.locator(f'[data-token="{from_token}"]').bounding_box()
        b = text.locator(f'[data-token="{to_token}"]').bounding_box()
        page.mouse.move(a["x"] + a["width"] * 0.6, a["y"] + a["height"] / 2)
        page.mouse.down()
        page.mouse.move(b["x"] + b["width"] * 0.4, b["y"] + b["height"] / 2, steps=5)
        page.mouse.up()

    # "AT TOP" (tokens 5-6), selected from inside "AT" to inside "TOP": snaps to both
    drag(5, 6)
    expect(text.locator(".pending")).to_have_count(3)  # two tokens and the gap
    page.keyboard.press("3")  # MISC
    expect(page.get_by_label("labels of the record")).to_contain_text("“AT TOP”")
    spans = [(m["label"], m["token_start"], m["token_end"])
             for m in manual_labels(stack, project, first["id"], task) if m["annotator"] == "admin"]
    assert spans == [("MISC", 5, 7)]
    shot(page, artifacts, "13-span-labeled")

    # an overlapping span of one's own is refused with a message
    drag(6, 7)
    page.keyboard.press("2")
    expect(page.get_by_role("alert").filter(has_text="overlaps")).to_be_visible()
    shot(page, artifacts, "14-span-overlap-refused")
    page.keyboard.press("Escape")

    # the span is relabelled by clicking it then a label, and undone
    text.locator('[data-token="5"]').click()
    page.keyboard.press("2")  # LOC
    expect(page.get_by_label("labels of the record")).to_contain_text("LOC")
    page.keyboard.press("Control+z")
    expect(page.get_by_text("Undone: Relabel span as LOC")).to_be_visible()
    assert [m["label"] for m in manual_labels(stack, project, first["id"], task)
            if m["annotator"] == "admin"] == ["MISC"]

    # done with this record; the next has nothing to mark
    page.keyboard.press("Enter")
    expect(page.get_by_label("position")).to_contain_text("2 of")
    # the page moves on at once; the review is stored when its request answers
    with page.expect_response(lambda r: r.url.endswith("/reviews")
                              and r.request.method == "POST") as review:
        page.keyboard.press("Enter")
    assert review.value.status == 201
    expect(page.get_by_label("position")).to_contain_text("3 of")
    second = stack.get(f"/projects/{project}/records", limit=2)["data"][1]["id"]
    detail = stack.get(f"/projects/{project}/records/{second}")
    assert "admin" in next(t for t in detail["tasks"] if t["task_id"] == task)["reviewed_by"]


@pytest.mark.parametrize("path, ready", [("/docs", ".swagger-ui .info"),
                                         ("/redoc", "[role=navigation], .menu-content")])
def test_api_docs_offline(page: Page, artifacts: Path, path: str, ready: str):
    page.goto(path)
    expect(page.locator(ready).first).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Heurist").first).to_be_visible()
    shot(page, artifacts, f"15-api{path.replace('/', '-')}")


def test_a_corrected_file_updates_the_records_it_names(page: Page, app_stack: Stack,
                                                       artifacts: Path, tmp_path):
    """A file naming records the project has is refused until the user says what its rows
    do: here they update those records' values, and its new row is added."""
    stack = app_stack
    project = stack.post("/projects", json={"name": "Corrected import e2e"}).json()["id"]
    first = stack.post(f"/projects/{project}/records/import", data={"id_column": "id"},
                       files={"file": ("first.csv", REVIEWS.encode())})
    assert first.status_code == 201, first.text
    corrected = tmp_path / "corrected.csv"
    corrected.write_text("id,text,stars\n2,\"The screen is great, review 2 (fixed)\",5\n"
                         "3,\"The battery is awful, review 3\",4\n31,\"A new review\",3\n")
    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/import")
    page.get_by_label("File").set_input_files(str(corrected))
    expect(page.get_by_label("preview")).to_contain_text("A new review")
    page.get_by_label("Id column").select_option("id")
    expect(page.get_by_role("alert")).to_contain_text("a record with id '2' exists already")
    page.get_by_label("Rows naming existing records").select_option("update")
    expect(page.get_by_label("notes")).to_contain_text(
        "2 rows name records the project has: their values will be updated")
    shot(page, artifacts, "50-import-update-preview")
    page.get_by_role("button", name="Import 3 rows").click()
    done = page.get_by_role("status").filter(has_text="Imported")
    expect(done).to_contain_text("Imported 1 records")
    expect(done).to_contain_text("2 records updated")
    shot(page, artifacts, "51-import-update-done")
    rows = {r["external_id"]: r["data"] for r in stack.get(
        f"/projects/{project}/records", limit=100)["data"]}
    assert rows["2"]["text"] == "The screen is great, review 2 (fixed)"
    assert rows["3"]["stars"] == 4 and rows["3"]["sentiment"] == "negative"
    assert len(rows) == 31
