"""The browser-test harness (docs/testing.md, "Browser tests and vendored assets"): egov served
the way `make run` serves it, Debian's Chromium driven by Playwright (never a downloaded
browser), and what every page must pass: axe-core at WCAG 2.1 AA, no console error, no
Content-Security-Policy violation. The fixtures over these are in conftest.py."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlencode, urlsplit

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

ROOT = Path(__file__).resolve().parents[2]
EGOV = str(Path(sys.executable).parent / "egov")
SCREENSHOTS = ROOT / "build" / "screenshots"
AXE = ROOT / "egov" / "ui" / "static" / "vendor" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = (1280, 390)  # desktop and a small phone; every page is checked and shot at both
HEIGHTS = {1280: 800, 390: 844}
# CSS widths of 1280 px zoomed to 200 % and to 400 % (WCAG 2.1 1.4.4 and 1.4.10: no horizontal
# scrolling, nothing cut off)
ZOOMED_WIDTHS = (640, 320)
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
READY_SECONDS = 120  # a loaded CI machine
MAKE_RUN_STEPS = ("migrate", "demo-setup", "deploy")  # then `serve --url-file var/egov.env`


# -- the server ---------------------------------------------------------------------------


@dataclass
class EgovServer:
    """`make run` in a folder of its own: migrate, demo-setup, deploy, `serve --url-file`."""

    folder: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log_file: BinaryIO | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("EGOV_")},
            "EGOV_DATA_DIR": str(self.folder / "var"),
            "EGOV_BPMN_DIR": str(ROOT / "bpmn"),
            "EGOV_SCHEMAS_DIR": str(ROOT / "schemas"),
            "EGOV_PORT": str(self.port),
            "EGOV_LOG_LEVEL": "WARNING",
        }

    def start(self) -> EgovServer:
        self.port = free_port()
        self.folder.mkdir(parents=True, exist_ok=True)
        env = self.environment()
        for step in MAKE_RUN_STEPS:
            done = subprocess.run([EGOV, step], cwd=self.folder, env=env, capture_output=True)
            if done.returncode != 0:
                raise OSError(f"egov {step} failed: {done.stderr.decode(errors='replace')}")
        self.log_file = (self.folder / "serve.log").open("wb")
        self.process = subprocess.Popen(
            [EGOV, "serve", "--url-file", "var/egov.env"],
            cwd=self.folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log_file,
        )
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise OSError(f"egov serve exited early: {self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise OSError(f"egov serve was not ready within {READY_SECONDS} s: {self.log()}")

    def log(self) -> str:
        path = self.folder / "serve.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the browser --------------------------------------------------------------------------


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


# Reports CSP violations to the test through a binding: it survives navigations and no
# page's Content-Security-Policy applies to it.
FAILED_TO_LOAD = "Failed to load resource: the server responded with a status of"
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
        context.route(lambda url: not same_origin(url, origin), self._refuse)
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


def same_origin(url: str, origin: str) -> bool:
    return url == origin or url.startswith(origin + "/")


# -- what a test does on a page -----------------------------------------------------------


def login_as(page: Page, user: str, next_path: str = "/") -> None:
    """Log in at the dev IdP's chooser by the person's button; ends on `next_path` of the
    context's base URL (the `page` fixture's is the server's)."""
    page.goto(f"/auth/login/dev?{urlencode({'next': next_path})}")
    page.locator(f"#login-{user}").get_by_role("button").click()
    page.wait_for_url(lambda url: local_part(url) == next_path)
    session = page.request.get("/auth/session").json()
    assert session["subject"] == f"dev:{user}", session


def local_part(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def set_width(page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": HEIGHTS.get(width, 800)})


def screenshot(page: Page, name: str) -> list[Path]:
    """Full-page screenshots at 1280 and 390 px into build/screenshots/<name>-<width>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    paths = []
    for width in WIDTHS:
        set_width(page, width)
        path = SCREENSHOTS / f"{name}-{width}.png"
        page.screenshot(path=path, full_page=True)
        paths.append(path)
    if before is not None:
        page.set_viewport_size(before)
    return paths


def assert_accessible(page: Page) -> None:
    """axe-core (vendored) at WCAG 2.1 A and AA on the page as it is: zero violations."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async (tags) => (await axe.run(document, {
             runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})).violations""",
        WCAG_AA,
    )
    assert not violations, f"axe found on {page.url}:\n{readable(violations)}"


def assert_reflows(page: Page) -> None:
    """At 200 % and 400 % zoom of a 1280 px window the page needs no horizontal scrolling."""
    before = page.viewport_size
    too_wide = {}
    for width in ZOOMED_WIDTHS:
        set_width(page, width)
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        if scroll > width:
            too_wide[width] = scroll
    if before is not None:
        page.set_viewport_size(before)
    assert not too_wide, f"{page.url} scrolls sideways (CSS width: content width): {too_wide}"


# the focused element, and whether its focus shows (an outline or a shadow; WCAG 2.4.7)
_FOCUSED = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const label = (element.innerText || element.value || element.getAttribute("aria-label") || "")
    .trim().slice(0, 40);
  return {element: `${element.tagName.toLowerCase()} ${JSON.stringify(label)}`,
          shows: outline || style.boxShadow !== "none"};
}"""
MAX_FOCUS_STEPS = 80


def focus_order(page: Page) -> list[dict[str, Any]]:
    """Tab through the page from its top once: every element the focus reaches, in order."""
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    order: list[dict[str, Any]] = []
    for _ in range(MAX_FOCUS_STEPS):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None or (order and focused == order[0]):
            break
        order.append(focused)
    return order


def assert_focus_visible(page: Page) -> None:
    """Tab reaches something, and the focus shows on every element it reaches."""
    order = focus_order(page)
    assert order, f"Tab reaches nothing on {page.url}"
    hidden = [step["element"] for step in order if not step["shows"]]
    assert not hidden, f"the focus does not show on {page.url} at: {hidden}"


def check_page(page: Page, name: str) -> None:
    """What every page test does: axe at 1280 and 390 px, reflow when zoomed, screenshots, the
    focus shown on everything Tab reaches."""
    for width in WIDTHS:
        set_width(page, width)
        assert_accessible(page)
    assert_reflows(page)
    screenshot(page, name)
    assert_focus_visible(page)


def readable(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    at {json.dumps(node['target'])}: {node['html'][:160]}")
            lines.extend(f"      {row}" for row in node.get("failureSummary", "").splitlines())
    return "\n".join(lines)
