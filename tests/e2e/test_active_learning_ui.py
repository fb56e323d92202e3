"""The Labeling page's "Next by active learning" mode in a real browser, on the real stack."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
from playwright.sync_api import Locator, Page, expect

from tests.e2e.test_ui import conll_sample_project, go, key_of, shot, sign_in
from tests.workers.conftest import Stack

GOOD = ["great battery", "lovely screen", "works perfectly", "fast and light", "superb camera",
        "best phone ever", "very happy with it", "excellent value", "brilliant sound",
        "fantastic display"]
BAD = ["broke in a week", "awful battery", "screen cracked", "terrible support", "very slow",
       "waste of money", "stopped charging", "camera is blurry", "returned it", "poor sound"]

MARGIN = re.compile(r"^margin \d\.\d\d between (good and bad|bad and good)")


def reviews_with_vectors(stack: Stack, name: str) -> tuple[int, int, dict[str, int]]:
    """A project of the twenty reviews with their MiniLM vectors and a good/bad task:
    (project, task, record id by external id)."""
    texts = [f"{t}, review {i}" for i, t in enumerate(GOOD + BAD)]
    project = stack.project_with_texts(texts, name=name)
    task = stack.post(f"/projects/{project}/tasks", json={
        "name": "sentiment", "kind": "classification", "labels": ["good", "bad"]}).json()["id"]
    created = stack.post(f"/projects/{project}/embeddings", json={"attribute": "text"})
    assert created.status_code == 202, created.text
    assert stack.wait_run(project, created.json()["run"]["id"])["status"] == "succeeded"
    return project, task, {r["external_id"]: r["id"] for r in stack.get(
        f"/projects/{project}/records", limit=100)["data"]}


def refitted(stack: Stack, project: int, task: int) -> dict:
    """Wait until the queue's model has been refitted after the labels so far and no refit
    is under way; the queue's state then."""
    deadline = time.monotonic() + 120
    while (state := stack.get(f"/projects/{project}/tasks/{task}/active-learning")) and (
            state["model_run_id"] is None or state["refit_run_id"] is not None):
        assert time.monotonic() < deadline, f"no refit: {state}\n{stack.logs()}"
        time.sleep(0.3)
    return state


def test_label_three_records_through_the_queue(page: Page, app_stack: Stack, artifacts: Path):
    stack = app_stack
    project, task, ids = reviews_with_vectors(stack, "queue e2e")
    seed = [("r0", "good"), ("r1", "good"), ("r10", "bad"), ("r11", "bad")]
    for external, label in seed:
        response = stack.post(f"/projects/{project}/records/{ids[external]}/labels",
                              json={"task_id": task, "label": label})
        assert response.status_code == 201, response.text
    state = refitted(stack, project, task)

    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/label")
    page.get_by_role("button", name="Next by active learning").click()
    # the task's default strategy keeps to cold start below 60 labels, though a model exists
    expect(page.get_by_label("model")).to_have_text("cold start")
    expect(page.get_by_label("Strategy")).to_contain_text(
        "the task's strategy (cold start, then margin)")
    expect(page.get_by_label("reason")).to_contain_text("cold start: nearest to the centre")
    shot(page, artifacts, "19-active-learning-cold-start")
    page.get_by_label("Strategy").select_option("margin")
    expect(page.get_by_label("model")).to_have_text(
        f"default logistic regression (run {state['model_run_id']})")
    expect(page.get_by_label("stop hint")).to_contain_text("keep labelling")
    labelled = []
    for _ in range(3):
        reason = page.get_by_label("reason")
        expect(reason).to_contain_text(MARGIN)
        external = page.get_by_label("record id").inner_text()
        labelled.append(external)
        if len(labelled) == 1:
            shot(page, artifacts, "20-active-learning-queue")
        # the page moves on at once; the label is stored when its request answers
        with page.expect_response(lambda r: r.url.endswith("/labels")
                                  and r.request.method == "POST") as stored:
            page.keyboard.press("1")
        assert stored.value.status == 201
        expect(page.get_by_label("record id")).not_to_have_text(external)
    assert len(set(labelled)) == 3 and not set(labelled) & {e for e, _ in seed}
    for external in labelled:
        detail = stack.get(f"/projects/{project}/records/{ids[external]}")
        mine = next(t for t in detail["tasks"] if t["task_id"] == task)["manual_labels"]
        assert [(m["label"], m["annotator"]) for m in mine] == [("good", "admin")]
    shot(page, artifacts, "21-active-learning-after-three-labels")
    # what the annotator labelled leaves the queue, for the API as for the page
    queue = stack.get(f"/projects/{project}/tasks/{task}/next", n=5)
    assert not {ids[e] for e in labelled} & {item["record"]["id"] for item in queue["data"]}
    print(json.dumps(queue["stop"]))
    # an owner makes the strategy tried in the session the task's own
    settings = f"/projects/{project}/tasks/{task}/active-learning"
    assert stack.get(settings)["strategy"] == "margin_after_cold_start"
    page.get_by_label("Strategy").select_option("entropy")
    page.get_by_role("button", name="Make it the task's").click()
    expect(page.get_by_label("Strategy")).to_contain_text("the task's strategy (entropy)")
    assert stack.get(settings)["strategy"] == "entropy"


def simulated_in_browser(page: Page, stack: Stack, project: int, *, seed_size: int,
                         batch_size: int, budget: int) -> Locator:
    """Sign in, open the project's queue and run a simulation from its panel: the panel."""
    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/label")
    page.get_by_role("button", name="Next by active learning").click()
    page.get_by_role("button", name="Simulate…").click()
    panel = page.get_by_label("simulation", exact=True)
    panel.get_by_label("Seed labels").fill(str(seed_size))
    panel.get_by_label("Batch size").fill(str(batch_size))
    panel.get_by_label("Budget").fill(str(budget))
    panel.get_by_role("button", name="Run simulation").click()
    return panel


def test_simulate_the_queue_and_see_its_learning_curves(page: Page, app_stack: Stack,
                                                        artifacts: Path):
    stack = app_stack
    texts = [f"{t}, review {i}" for i in range(3) for t in GOOD + BAD]
    project = stack.project_with_texts(texts, name="simulation e2e")
    task = stack.post(f"/projects/{project}/tasks", json={
        "name": "sentiment", "kind": "classification", "labels": ["good", "bad"]}).json()["id"]
    created = stack.post(f"/projects/{project}/embeddings", json={"attribute": "text"})
    assert stack.wait_run(project, created.json()["run"]["id"])["status"] == "succeeded"
    rows = stack.get(f"/projects/{project}/records", limit=100)["data"]
    response = stack.post(f"/projects/{project}/tasks/{task}/labels/bulk", json={"labels": [
        {"record_id": r["id"], "label": "good" if r["data"]["text"].split(",")[0] in GOOD
         else "bad"} for r in rows]})
    assert response.status_code == 201, response.text

    panel = simulated_in_browser(page, stack, project, seed_size=4, batch_size=4, budget=16)
    chart = panel.get_by_role("img", name=re.compile("held-out accuracy against labels used"))
    expect(chart).to_be_visible(timeout=120_000)
    expect(panel.get_by_label("final scores")).to_contain_text("at 16 labels:")
    shot(page, artifacts, "22-active-learning-simulation")
    [run] = stack.get(f"/projects/{project}/runs", kind="simulation")["data"]
    assert run["status"] == "succeeded" and run["params"]["budget"] == 16
    # beside the chart, its numbers: a row per budget, the strategy's score against random's
    curves = run["metrics"]["curves"]
    table = panel.get_by_role("table", name="accuracy per budget")
    expect(table.locator("tbody tr")).to_have_count(len(curves["strategy"]["labels_used"]))
    ours, random = (curves[name]["accuracy"][-1] for name in ("strategy", "random"))
    expect(table.locator("tbody tr").last.locator("td")).to_have_text([
        "16", f"{ours:.3f}", f"{random:.3f}",
        re.compile(r"^[+−]\d\.\d{3}$")])


def test_simulate_a_span_task_and_read_its_span_f1(page: Page, app_stack: Stack,
                                                   artifacts: Path):
    stack = app_stack
    project, _ = conll_sample_project(stack, "span simulation e2e")
    created = stack.post(f"/projects/{project}/embeddings",
                         json={"attribute": "text", "level": "token"})
    assert stack.wait_run(project, created.json()["run"]["id"])["status"] == "succeeded"

    panel = simulated_in_browser(page, stack, project, seed_size=10, batch_size=20, budget=50)
    chart = panel.get_by_role("img", name=re.compile("held-out span F1 against labels used"))
    expect(chart).to_be_visible(timeout=120_000)
    expect(panel.get_by_label("final scores")).to_contain_text("at 50 labels:")
    expect(panel.get_by_label("Curve metric").locator("option")).to_have_text(
        ["span F1", "macro-F1"])
    shot(page, artifacts, "31-span-simulation")
    [run] = stack.get(f"/projects/{project}/runs", kind="simulation")["data"]
    assert run["metrics"]["curves"]["metrics"] == ["span_f1", "macro_f1"]


def test_annotator_quality_and_disagreements_on_the_tasks_page(page: Page, app_stack: Stack,
                                                               artifacts: Path):
    stack = app_stack
    project, task, ids = reviews_with_vectors(stack, "annotators e2e")
    eve = stack.member(project, "eve", "annotator")
    for i in (0, 1, 2, 3, 10, 11, 12, 13):   # admin right everywhere; eve wrong on r1 and r12
        truth = "good" if i < 10 else "bad"
        eves = {"good": "bad", "bad": "good"}[truth] if i in (1, 12) else truth
        for headers, label in ((stack.headers, truth), ({"Authorization": f"Bearer {eve}"},
                                                         eves)):
            response = httpx.post(f"{stack.api}/projects/{project}/records/{ids[f'r{i}']}/labels",
                                  headers=headers, json={"task_id": task, "label": label})
            assert response.status_code == 201, response.text
    # carl sides with admin where eve differs: two against one, not a tie that only the
    # model (fitted on 8 labels here) could settle
    carl = stack.member(project, "carl", "annotator")
    for external, label in (("r1", "good"), ("r12", "bad")):
        response = httpx.post(f"{stack.api}/projects/{project}/records/{ids[external]}/labels",
                              headers={"Authorization": f"Bearer {carl}"},
                              json={"task_id": task, "label": label})
        assert response.status_code == 201, response.text
    refitted(stack, project, task)

    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/settings")
    page.get_by_role("button", name="Annotators…").click()
    quality = page.get_by_role("table", name="annotator quality")
    expect(quality.get_by_role("row")).to_have_count(4)
    report = stack.get(f"/projects/{project}/tasks/{task}/annotators")
    scores = {a["name"]: a["quality"] for a in report["annotators"]}
    assert scores["eve"] < scores["admin"]
    expect(quality.get_by_role("row").nth(3)).to_contain_text(f"eve8{100 * scores['eve']:.1f}%")
    disputed = page.get_by_role("table", name="disagreements")
    expect(disputed.get_by_role("row")).to_have_count(3)
    expect(disputed).to_contain_text("admin: good, eve: bad")
    expect(page.get_by_label("annotators of sentiment")).to_contain_text(
        "2 records where annotators disagree, settled by CROWDLAB with default logistic "
        "regression")
    shot(page, artifacts, "27-annotators")


def test_an_annotator_done_with_a_task_can_ask_for_their_labelled_records(
        page: Page, app_stack: Stack, artifacts: Path):
    stack = app_stack
    project = stack.project_with_texts(["good phone", "bad phone", "fine phone"],
                                       name="relabel e2e")
    task = stack.post(f"/projects/{project}/tasks", json={
        "name": "sentiment", "kind": "classification", "labels": ["good", "bad"]}).json()["id"]
    records = stack.get(f"/projects/{project}/records")["data"]
    for record, label in zip(records, ["good", "bad", "good"], strict=True):
        response = stack.post(f"/projects/{project}/records/{record['id']}/labels",
                              json={"task_id": task, "label": label})
        assert response.status_code == 201, response.text
    sign_in(page, key_of(stack))
    go(page, f"/projects/{project}/label")
    page.get_by_role("button", name="Next by active learning").click()
    expect(page.get_by_text("Nothing left to label in this task")).to_be_visible()
    page.get_by_role("button", name="Ask for records I labelled").click()
    expect(page.get_by_label("records I labelled too")).to_be_checked()
    expect(page.get_by_label("record id")).to_have_text(
        re.compile("|".join(r["external_id"] for r in records)))
    expect(page.get_by_label("position")).to_contain_text("of 3")
    shot(page, artifacts, "30-active-learning-relabel")
