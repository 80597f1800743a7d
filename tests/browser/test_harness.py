"""The harness finds what it is there to find: a page with an axe violation, a console error
or a script its Content-Security-Policy blocks fails the test. The pages are served by the
browser's router on egov's origin, under the policy egov's edge sets (loads nothing)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, Route

from tests.browser.chromium import PageProblems
from tests.browser.harness import assert_accessible, assert_focus_visible, assert_reflows
from tests.browser.server import MAKE_RUN_STEPS, ROOT, EgovServer

POLICY = "default-src 'none'; frame-ancestors 'none'"
BAD_PAGE = """<!doctype html><html lang="de"><head><meta charset="utf-8">
<title>Kaputt</title></head><body><main><h1>Kaputt</h1>
<img src="data:," width="10" height="10">
<script>console.error("inline script ran")</script>
</main></body></html>"""

CDN_PAGE = f"""<!doctype html><html lang="de"><head><meta charset="utf-8"><title>CDN</title>
<link rel="stylesheet" href="https://cdn.example.org/style.css"></head>
<body><main><h1>CDN</h1><pre>{"x" * 200}</pre>
</main></body></html>"""

NO_FOCUS_PAGE = """<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Fokus</title>
<style>.hidden:focus { outline: none; }</style></head>
<body><main><h1>Fokus</h1><a href="#a">sichtbar</a> <a class="hidden" href="#b">versteckt</a>
</main></body></html>"""


@pytest.fixture
def watched(browser: Browser, egov_server: EgovServer) -> Iterator[tuple[Page, PageProblems]]:
    """A page watched like the `page` fixture's, whose problems the test reads itself."""
    context = browser.new_context()
    problems = PageProblems()
    problems.watch(context, egov_server.url)
    page = context.new_page()
    page.route(f"{egov_server.url}/harness/bad", serve_bad_page)
    page.route(f"{egov_server.url}/harness/cdn", serve_cdn_page)
    page.route(f"{egov_server.url}/harness/nofocus", serve_page_hiding_focus)
    page.route(f"{egov_server.url}/harness/missing", serve_page_missing_its_style)
    yield page, problems
    context.close()


def serve_bad_page(route: Route) -> None:
    route.fulfill(
        status=200,
        content_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": POLICY},
        body=BAD_PAGE,
    )


def serve_cdn_page(route: Route) -> None:
    """A page without a policy of its own: a style sheet from a CDN, a line too wide."""
    route.fulfill(
        status=200,
        content_type="text/html; charset=utf-8",
        body=CDN_PAGE,
    )


def serve_page_hiding_focus(route: Route) -> None:
    route.fulfill(status=200, content_type="text/html; charset=utf-8", body=NO_FOCUS_PAGE)


def serve_page_missing_its_style(route: Route) -> None:
    body = '<!doctype html><title>x</title><link rel="stylesheet" href="/fehlt.css">'
    route.fulfill(status=404, content_type="text/html; charset=utf-8", body=body)


def settle(page: Page, done: Callable[[], bool]) -> None:
    """Let the browser's events reach the test (they arrive while Playwright waits)."""
    for _ in range(100):
        if done():
            return
        page.wait_for_timeout(20)


def test_an_image_without_alternative_text_fails_with_rule_and_selector(
    watched: tuple[Page, PageProblems], egov_server: EgovServer
) -> None:
    page, _ = watched
    page.goto(f"{egov_server.url}/harness/bad")

    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)

    assert "- image-alt (critical): Images must have alternative text" in str(failure.value)
    assert 'at ["img"]' in str(failure.value)


def test_an_inline_script_the_policy_blocks_is_reported(
    watched: tuple[Page, PageProblems], egov_server: EgovServer
) -> None:
    page, problems = watched
    page.goto(f"{egov_server.url}/harness/bad")
    settle(page, lambda: len(problems.csp_violations) >= 2)

    assert sorted(line.split(": ", 1)[1] for line in problems.csp_violations) == [
        f"img-src blocked data at {egov_server.url}/harness/bad:4",
        f"script-src-elem blocked inline at {egov_server.url}/harness/bad:4",
    ]
    assert any("Content Security Policy" in line for line in problems.console_errors)
    assert "Content-Security-Policy violations:" in problems.report()


def test_a_console_error_and_an_uncaught_exception_are_reported(
    watched: tuple[Page, PageProblems], egov_server: EgovServer
) -> None:
    page, problems = watched
    page.goto(f"{egov_server.url}/")

    page.evaluate(
        "() => { console.error('kaputt'); setTimeout(() => { throw new Error('weg'); }); }"
    )
    settle(page, lambda: bool(problems.page_errors))

    assert problems.console_errors == [f"{egov_server.url}/: kaputt"]
    assert problems.page_errors == [f"{egov_server.url}/: Error: weg"]


def test_the_server_is_started_with_the_steps_of_make_run() -> None:
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    commands = [line.split("$(EGOV) ", 1)[1] for line in recipe.splitlines() if "$(EGOV) " in line]
    assert commands == [*MAKE_RUN_STEPS, "serve --url-file var/egov.env"]


def test_a_request_to_another_site_is_refused_and_reported(
    watched: tuple[Page, PageProblems], egov_server: EgovServer
) -> None:
    page, problems = watched
    page.goto(f"{egov_server.url}/harness/cdn")

    assert problems.foreign_requests == ["https://cdn.example.org/style.css"]
    assert "requests to other sites" in problems.report()


def test_a_page_wider_than_a_zoomed_window_fails_the_reflow_check(
    watched: tuple[Page, PageProblems], egov_server: EgovServer
) -> None:
    page, _ = watched
    page.goto(f"{egov_server.url}/harness/cdn")  # holds a line of 200 characters

    with pytest.raises(AssertionError, match="scrolls sideways"):
        assert_reflows(page)


def test_a_link_whose_focus_does_not_show_fails_the_focus_check(
    watched: tuple[Page, PageProblems], egov_server: EgovServer
) -> None:
    page, _ = watched
    page.goto(f"{egov_server.url}/harness/nofocus")

    with pytest.raises(AssertionError) as failure:
        assert_focus_visible(page)

    assert str(failure.value).endswith("""at: ['a "versteckt"']""")


def test_a_missing_style_sheet_is_reported_but_not_the_status_of_the_page_itself(
    watched: tuple[Page, PageProblems], egov_server: EgovServer
) -> None:
    page, problems = watched
    page.goto(f"{egov_server.url}/harness/missing")  # answered 404, as the test expects
    settle(page, lambda: any("fehlt.css" in line for line in problems.console_errors))

    assert problems.console_errors, problems.report()
    assert all("fehlt.css" in line for line in problems.console_errors), problems.report()
