"""What a browser test does on a page (docs/testing.md, "Browser tests and vendored assets"):
log in through the dev IdP's chooser, screenshots at 1280 and 390 px, and what every page must
pass: axe-core at WCAG 2.1 AA, reflow when zoomed, a visible focus. The server is in
server.py, the browser and the problems every page is watched for in chromium.py, the
fixtures in conftest.py."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from playwright.sync_api import Page

from tests.browser.server import ROOT
from tests.browser.server import EgovServer as EgovServer  # for the tests that import it here
from tests.browser.server import free_port as free_port

SCREENSHOTS = ROOT / "build" / "screenshots"
AXE = ROOT / "egov" / "ui" / "static" / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 390)  # desktop and a small phone; every page is checked and shot at both
HEIGHTS = {1280: 800, 390: 844}
# CSS widths of 1280 px zoomed to 200 % and to 400 % (WCAG 2.1 1.4.4 and 1.4.10: no horizontal
# scrolling, nothing cut off)
ZOOMED_WIDTHS = (640, 320)
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


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


# the focused element, and whether its focus shows (an outline or a shadow; WCAG 2.4.7); in a
# frame (the PDF preview) the focus is in the frame's own document, which draws it (Chromium's
# PDF viewer rings its buttons), out of this page's reach
_FOCUSED = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  if (element.tagName === "IFRAME") return {element: `iframe ${element.title}`, shows: true};
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


def api_call(server: EgovServer, user: str, method: str, path: str, body: Any = None) -> Any:
    """The server's API as `user`, with a token of its dev IdP (the password is the name):
    what a test seeds or checks behind the pages."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + "/api/v1" + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {dev_token(server, user)}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def dev_token(server: EgovServer, user: str) -> str:
    grant = urlencode({"grant_type": "password", "username": user, "password": user})
    request = urllib.request.Request(server.url + "/dev-idp/token", data=grant.encode())
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.loads(response.read())["access_token"])
