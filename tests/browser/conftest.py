"""Browser tests: one egov server and one Chromium per session, a fresh page per test.

``egov_server`` serves the way `make run` does (embedded SQLite in a temp folder, migrated,
demo org units, bpmn/ deployed, the dev IdP) on 127.0.0.1 on a free port; ``page`` is a new
browser context at 1280 px whose console errors, uncaught exceptions, Content-Security-Policy
violations and requests to other sites fail the test. Missing Chromium or a server that does
not start: skipped, failed under CI=true. The helpers (login_as, check_page, ...) are in
harness.py. ``open_page()`` opens one more such page in a context of its own (a second
person: the citizen and the clerk of one case).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.browser.chromium import PageProblems, launch
from tests.browser.harness import SCREENSHOTS, set_width
from tests.browser.server import EgovServer
from tests.support.servers import started_or_skip


@pytest.fixture(scope="package")
def egov_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EgovServer]:
    server = EgovServer(tmp_path_factory.mktemp("browser") / "run")
    with started_or_skip(server, "egov serve (as make run)"):
        yield server


# package scope: Playwright's sync API keeps an event loop running in the main thread while
# it is open, and after the browser tests the suite goes on in the same process (pyHanko's
# asyncio.run in the seal and time-stamp tests cannot run inside a running loop)
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)  # the folder holds this run's screenshots
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser: Browser, egov_server: EgovServer) -> Iterator[Callable[[], Page]]:
    """A new page in a browser context of its own (its own cookies: another person) at each
    call, watched like `page`; the problems of all of them fail the test."""
    opened: list[tuple[BrowserContext, PageProblems]] = []

    def open_one() -> Page:
        context = browser.new_context(locale="de-DE", base_url=egov_server.url)
        problems = PageProblems()
        problems.watch(context, egov_server.url)
        opened.append((context, problems))
        page = context.new_page()
        set_width(page, 1280)
        return page

    yield open_one
    for context, _ in opened:
        context.close()
    report = "\n".join(problems.report() for _, problems in opened if problems.report())
    if report:
        pytest.fail(f"the pages of this test had problems:\n{report}", pytrace=False)


@pytest.fixture
def page(open_page: Callable[[], Page]) -> Page:
    """A fresh page (1280 px, German) whose problems fail the test; `open_page()` for more."""
    return open_page()
