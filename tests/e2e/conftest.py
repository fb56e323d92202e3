"""End-to-end: the built web UI in Debian's Chromium (headless), against the real app on
PostgreSQL and Redis with a real worker. Screenshots of every page go to ``artifacts/``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import Settings
from tests.conftest import empty_database
from tests.workers.conftest import (
    REDIS_SERVER,
    ROOT,
    STALE_AFTER_S,
    Stack,
    _stack,
    claim_redis_database,
)

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="package")
def app_stack(tmp_path_factory, postgres_url) -> Iterator[Stack]:
    """One server and one worker for all end-to-end tests, on the run's PostgreSQL
    database, emptied afterwards for the tests that follow."""
    if not (ROOT / "frontend" / "dist" / "index.html").exists():
        pytest.fail("the web UI is not built: run `make test` (or `npm ci && npm run build` "
                    "in frontend/)")
    client = claim_redis_database()   # claimed: checkouts testing side by side never meet
    redis_url = f"{REDIS_SERVER}/{client.connection_pool.connection_kwargs['db']}"
    tmp_path = tmp_path_factory.mktemp("e2e")
    settings = Settings(data_dir=tmp_path / "var", database_url=postgres_url,
                        broker_url=redis_url, run_stale_after_s=STALE_AFTER_S)
    stacks = _stack(settings, tmp_path)
    stack = next(stacks)
    stack.start_worker("e2e")
    stack.wait_ready("e2e")
    try:
        yield stack
    finally:
        stacks.close()
        client.flushdb()
        empty_database(postgres_url)


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the end-to-end tests, stopped after them: Playwright's event loop
    stays out of the tests that follow."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is needed at /usr/bin/chromium (apt-get install chromium; "
                    "`make test` installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture
def page(browser, app_stack):
    """A fresh browser tab on the app; fails the test on any script error or on a request
    that leaves the app's origin (everything is bundled)."""
    context = browser.new_context(viewport={"width": 1400, "height": 860}, base_url=app_stack.base)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    tab.on("request", lambda request: None if request.url.startswith(
        (app_stack.base, "data:", "blob:")) else problems.append(f"outside request: {request.url}"))
    tab.on("requestfailed", lambda request: print(f"request failed: {request.url} "
                                                   f"{request.failure}"))
    tab.on("response", lambda response: response.status >= 500 and problems.append(
        f"{response.status} from {response.url}"))
    yield tab
    context.close()
    assert not problems, problems
