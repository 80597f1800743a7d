"""Debian's Chromium for the browser tests, and what goes wrong on a page that no assertion
asks about: console errors, uncaught exceptions, Content-Security-Policy violations, requests
to other sites (docs/testing.md, "Browser tests and vendored assets")."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    Response,
    Route,
)

from tests.support.servers import unavailable

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    """`EGOV_CHROMIUM`, else Debian's /usr/bin/chromium; missing: skip, fail under CI=true."""
    path = os.environ.get("EGOV_CHROMIUM") or "/usr/bin/chromium"
    found = shutil.which(path)
    if found is None:
        unavailable("Chromium", f"{path} not found (apt-get install chromium, or EGOV_CHROMIUM)")
    return found


def launch(playwright: Playwright) -> Browser:
    path = chromium_path()
    try:
        return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
    except Error as error:
        unavailable("Chromium", error.message)


# Chromium's console line for an answer with an error status
FAILED_TO_LOAD = "Failed to load resource: the server responded with a status of"
# Reports CSP violations to the test through a binding: it survives navigations and no
# page's Content-Security-Policy applies to it.
_REPORT_CSP = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__egovCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"}` +
    ` at ${event.sourceFile || document.location.href}:${event.lineNumber}`);
});
"""


@dataclass
class PageProblems:
    """What went wrong on the pages of one test: console errors, uncaught exceptions, CSP
    violations, requests to other sites. A page answered with an error status is the test's
    to check (it asserts the status): the console line Chromium writes for it is left out."""

    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    _console_lines: list[tuple[str, str]] = field(default_factory=list)
    _failed_pages: set[str] = field(default_factory=set)

    @property
    def console_errors(self) -> list[str]:
        return [
            f"{url}: {text}"
            for url, text in self._console_lines
            if not (url in self._failed_pages and text.startswith(FAILED_TO_LOAD))
        ]

    def watch(self, context: BrowserContext, origin: str) -> None:
        """Every page of `context`, opened from now on (popups too); a request to anywhere
        but `origin` (a CDN, a font service) is recorded and refused."""
        context.route(lambda url: not allowed(url, origin), self._refuse)
        context.expose_binding(
            "__egovCspViolation",
            lambda source, text: self.csp_violations.append(f"{source['frame'].url}: {text}"),
        )
        context.add_init_script(_REPORT_CSP)
        context.on("page", self._watch_page)

    def _watch_page(self, page: Page) -> None:
        page.on("console", self._console)
        page.on(
            "pageerror", lambda e: self.page_errors.append(f"{page.url}: {e.name}: {e.message}")
        )
        page.on("response", lambda response: self._response(page, response))

    def _response(self, page: Page, response: Response) -> None:
        request = response.request
        navigation = request.is_navigation_request() and request.frame == page.main_frame
        if navigation and response.status >= 400:
            self._failed_pages.add(response.url)

    def _refuse(self, route: Route) -> None:
        self.foreign_requests.append(route.request.url)
        route.abort("blockedbyclient")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url") or (message.page and message.page.url) or ""
            self._console_lines.append((where, message.text))

    def report(self) -> str:
        parts = [
            ("console errors", self.console_errors),
            ("uncaught exceptions", self.page_errors),
            ("Content-Security-Policy violations", self.csp_violations),
            (
                "requests to other sites (everything is served by egov itself)",
                self.foreign_requests,
            ),
        ]
        return "\n".join(
            f"{title}:\n" + "\n".join(f"  {line}" for line in lines)
            for title, lines in parts
            if lines
        )


# Chromium's own resources (its PDF viewer shows a PDF in a frame with these): not a site
BROWSER_OWN = ("chrome://", "chrome-extension://", "devtools://")


def same_origin(url: str, origin: str) -> bool:
    return url == origin or url.startswith(origin + "/")


def allowed(url: str, origin: str) -> bool:
    return same_origin(url, origin) or url.startswith(BROWSER_OWN)
