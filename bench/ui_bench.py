"""The web UI at 100k records, measured in Debian's Chromium: the data browser's first page,
and key press -> next record in a labeling session.

Run: ``.venv/bin/python bench/ui_bench.py [--records 100000]``. Needs the local PostgreSQL
server (makes and drops its own database), the built UI (``frontend/dist``) and
``/usr/bin/chromium``. The server is ``api.server`` in a process of its own; no worker.

Measured in the page, against a baseline from this process over the same loopback:

- first page: navigation start -> the first row of records shown in the data browser,
  each time a fresh navigation (``performance.now()`` at the row, so from the navigation's
  time origin); baseline ``GET /records?limit=50`` timed with httpx.
- key press: keydown of a label hotkey -> the next record's id and text in the document
  (no spinner); baseline the same label's ``POST .../labels`` round trip.

Goals (the web UI issue): first page <= 1 s, key press -> next record <= 150 ms, at p95.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import youtube_comments  # noqa: E402
from bench.load_bench import POSTGRES, start_server, wait_ready  # noqa: E402
from services.users import ensure_admin  # noqa: E402
from store.db import create_db_engine, migrate, session_factory  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
LABELS = [("spam", "s"), ("ham", "h"), ("unsure", "u")]
FIRST_ROW = ".dt-body [role=row].clickable"
# Key press -> next record, timed in the page: the press's time, then the first moment
# the record id differs and the record's panel holds its text, not a spinner.
WATCH_KEYS = """() => {
    window.delays = []; let pressed = 0, before = '';
    const id = () => document.querySelector('[aria-label="record id"]')?.textContent ?? '';
    const ready = () => {
        const body = document.querySelector('.labeling .panel-body');
        return body && !body.querySelector('[role=status]') && body.textContent.trim() !== '';
    };
    addEventListener('keydown', () => { pressed = performance.now(); before = id(); }, true);
    new MutationObserver(() => {
        if (pressed && id() !== before && ready()) {
            window.delays.push(performance.now() - pressed); pressed = 0;
        }
    }).observe(document.querySelector('.labeling'),
               {subtree: true, childList: true, characterData: true});
}"""


def summary(ms: list[float]) -> tuple[float, float]:
    """Median and p95 (nearest rank) of ``ms``."""
    ranked = sorted(ms)
    return statistics.median(ranked), ranked[max(0, -(-95 * len(ranked) // 100) - 1)]


def show(name: str, ms: list[float]) -> tuple[float, float]:
    median, p95 = summary(ms)
    print(f"{name:<44} median {median:7.1f} ms   p95 {p95:7.1f} ms   (n={len(ms)})", flush=True)
    return median, p95


def records_jsonl(n: int) -> bytes:
    out = io.StringIO()
    for i, text in enumerate(youtube_comments(n)):
        out.write(json.dumps({"id": f"r{i}", "text": text}) + "\n")
    return out.getvalue().encode()


def prepare(api: httpx.Client, n: int) -> tuple[int, int, list[int]]:
    """A project of ``n`` records, a classification task with hotkeys: (project, task,
    label ids)."""
    project = api.post("/projects", json={"name": "ui bench"}).raise_for_status().json()["id"]
    start = time.perf_counter()
    api.post(f"/projects/{project}/records/import", files={"file": ("r.jsonl", records_jsonl(n))},
             data={"id_column": "id"}, timeout=600).raise_for_status()
    print(f"import of {n:,} records over the API: {time.perf_counter() - start:.1f} s", flush=True)
    task = api.post(f"/projects/{project}/tasks", json={
        "name": "spam", "kind": "classification", "labels": [name for name, _ in LABELS]},
    ).raise_for_status().json()
    hotkeys = dict(LABELS)
    for label in task["labels"]:
        api.patch(f"/projects/{project}/tasks/{task['id']}/labels/{label['id']}",
                  json={"hotkey": hotkeys[label["name"]]}).raise_for_status()
    return project, task["id"], [label["id"] for label in task["labels"]]


def time_api(api: httpx.Client, project: int, task: int, runs: int, presses: int,
             records: int) -> tuple[list[float], list[float]]:
    """Baselines: the first page of records, and one label POST each on the last records
    (not those labelled in the browser), over httpx."""
    pages, posts = [], []
    for _ in range(runs):
        start = time.perf_counter()
        page = api.get(f"/projects/{project}/records", params={"limit": 50}).raise_for_status()
        pages.append((time.perf_counter() - start) * 1000)
        assert page.json()["count"] == records, page.json()["count"]
    last = {"offset": max(0, records - presses), "limit": presses}
    rows = api.get(f"/projects/{project}/records", params=last).raise_for_status().json()["data"]
    for row in rows:
        start = time.perf_counter()
        api.post(f"/projects/{project}/records/{row['id']}/labels",
                 json={"task_id": task, "label": LABELS[0][0]}).raise_for_status()
        posts.append((time.perf_counter() - start) * 1000)
    return pages, posts


def time_browser(base: str, key: str, project: int, task: int, runs: int, presses: int
                 ) -> tuple[list[float], list[float]]:
    """In Chromium: the data browser's first page ``runs`` times, then ``presses`` label
    hotkeys in a labeling session."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox"])
        tab = browser.new_context(viewport={"width": 1400, "height": 860},
                                  base_url=base).new_page()
        tab.goto("/")
        tab.get_by_label("API key").fill(key)
        tab.get_by_role("button", name="Sign in").click()
        expect(tab.get_by_label("user name")).to_have_text("admin")

        pages = []
        for _ in range(runs):
            tab.goto(f"/projects/{project}/data", wait_until="commit")
            pages.append(tab.wait_for_function(
                f"() => document.querySelector('{FIRST_ROW}') && performance.now()",
                polling="raf", timeout=30_000).json_value())
        expect(tab.get_by_label("count")).to_contain_text("records")

        tab.goto(f"/projects/{project}/label?lt={task}")
        position = tab.get_by_label("position")
        expect(position).to_contain_text("1 of")
        expect(tab.locator(".labeling .panel-body [role=status]")).to_have_count(0)
        tab.evaluate(WATCH_KEYS)
        for n in range(1, presses + 1):
            tab.keyboard.press(LABELS[n % 2][1])
            expect(position).to_contain_text(f"{n + 1} of")
            tab.wait_for_function(f"() => window.delays.length >= {n}", timeout=10_000)
        delays = tab.evaluate("window.delays")
        browser.close()
    return pages, delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10, help="navigations to the data browser")
    parser.add_argument("--presses", type=int, default=50, help="label hotkeys pressed")
    args = parser.parse_args()
    if not (ROOT / "frontend" / "dist" / "index.html").exists():
        sys.exit("the web UI is not built: `npm ci && npm run build` in frontend/")
    name = f"heurist_ui_{uuid.uuid4().hex[:8]}"
    with (tempfile.TemporaryDirectory() as tmp,
          psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin):
        admin.execute(f'CREATE DATABASE "{name}"')
        server = None
        try:
            url = f"{POSTGRES}/{name}"
            engine = create_db_engine(url)
            migrate(engine)
            with session_factory(engine)() as session:
                key = ensure_admin(session=session, key_file=Path(tmp) / "admin.key")
            engine.dispose()
            server, base = start_server(url, Path(tmp), workers=1, concurrency=8)
            asyncio.run(wait_ready(base))
            with httpx.Client(base_url=f"{base}/api/v1", timeout=60,
                              headers={"Authorization": f"Bearer {key}"}) as api:
                project, task, _ = prepare(api, args.records)
                ui_pages, ui_keys = time_browser(base, key, project, task, args.runs,
                                                 args.presses)
                api_pages, api_posts = time_api(api, project, task, args.runs, args.presses,
                                                args.records)
            print(f"\n{args.records:,} records")
            _, page_p95 = show("data browser: navigation -> first rows", ui_pages)
            show("baseline: GET /records?limit=50 (httpx)", api_pages)
            _, key_p95 = show("labeling: key press -> next record shown", ui_keys)
            show("baseline: POST .../labels (httpx)", api_posts)
            print(f"goals: first page <= 1000 ms p95: {'met' if page_p95 <= 1000 else 'missed'}; "
                  f"key press <= 150 ms p95: {'met' if key_p95 <= 150 else 'missed'}")
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
