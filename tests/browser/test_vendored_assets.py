"""The vendored bpmn-js and Leaflet work as egov serves them: from /static/vendor/, under the
Content-Security-Policy egov's pages carry (no inline script or style), with no console error
and no request to another site. The test pages are served by the browser's router on egov's
origin; their scripts are files too, as the policy demands."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, Route

from tests.browser.server import ROOT

# a shipped model whose diagram (BPMN DI) draws every element; a case waits at `catch_status`
DIAGRAM = ROOT / "bpmn" / "bauantrag" / "bauantrag.bpmn"
CURRENT = "catch_status"
VENDOR = "/static/vendor"

SHOW_DIAGRAM = """
const viewer = new BpmnJS({container: "#diagram"});
fetch("/harness/diagram.bpmn").then((answer) => answer.text()).then(async (xml) => {
  await viewer.importXML(xml);
  viewer.get("canvas").addMarker(document.body.dataset.current, "highlight");
  document.body.dataset.shapes = String(document.querySelectorAll(".djs-shape").length);
});
"""
SHOW_MAP = """
const map = L.map("map").setView([50.927, 11.586], 15);
L.geoJSON({type: "Feature", properties: {}, geometry: {type: "Polygon", coordinates: [[
  [11.58, 50.925], [11.59, 50.925], [11.59, 50.93], [11.58, 50.93], [11.58, 50.925]]]}})
  .addTo(map);
L.marker([50.927, 11.586], {alt: "Ort des Vorschlags"}).addTo(map);
document.body.dataset.paths = String(document.querySelectorAll("path.leaflet-interactive").length);
"""


def page_html(
    title: str, styles: list[str], scripts: list[str], body: str, body_data: str = ""
) -> str:
    links = "".join(f'<link rel="stylesheet" href="{href}">' for href in styles)
    tags = "".join(f'<script src="{src}" defer></script>' for src in scripts)
    return (
        f'<!doctype html><html lang="de"><head><meta charset="utf-8"><title>{title}</title>'
        f"{links}{tags}</head><body {body_data}><main><h1>{title}</h1>{body}</main></body></html>"
    )


def serve(page: Page, files: dict[str, tuple[str, str]]) -> None:
    """Answer `path: (content type, body)` on egov's origin with the policy of egov's pages."""
    policy = page.request.get("/").headers["content-security-policy"]
    assert "unsafe-inline" not in policy

    def answer(content_type: str, body: str) -> Callable[[Route], None]:
        return lambda route: route.fulfill(
            status=200,
            content_type=content_type,
            headers={"Content-Security-Policy": policy},
            body=body,
        )

    for path, (content_type, body) in files.items():
        page.route(f"**{path}", answer(content_type, body))


def test_bpmn_js_shows_a_shipped_diagram_with_the_current_task_highlighted(page: Page) -> None:
    html = page_html(
        "Prozess",
        [f"{VENDOR}/bpmn-js/diagram-js.css", f"{VENDOR}/bpmn-js/bpmn-js.css"],
        [f"{VENDOR}/bpmn-js/bpmn-navigated-viewer.production.min.js", "/harness/show.js"],
        '<div id="diagram"></div>',
        body_data=f'data-current="{CURRENT}"',
    )
    serve(
        page,
        {
            "/harness/bpmn": ("text/html; charset=utf-8", html),
            "/harness/show.js": ("text/javascript", SHOW_DIAGRAM),
            "/harness/diagram.bpmn": ("application/xml", DIAGRAM.read_text(encoding="utf-8")),
        },
    )
    page.goto("/harness/bpmn")

    page.wait_for_selector("body[data-shapes]")
    assert int(page.get_attribute("body", "data-shapes") or 0) > 10
    highlighted = page.locator(f'.djs-element.highlight[data-element-id="{CURRENT}"]')
    assert highlighted.count() == 1


def test_leaflet_shows_a_plan_area_and_a_marker_without_any_tile_server(page: Page) -> None:
    html = page_html(
        "Karte",
        [f"{VENDOR}/leaflet/leaflet.css"],
        [f"{VENDOR}/leaflet/leaflet.js", "/harness/map.js"],
        '<div id="map"></div>',
    )
    serve(
        page,
        {
            "/harness/map": ("text/html; charset=utf-8", html),
            "/harness/map.js": ("text/javascript", SHOW_MAP),
        },
    )
    page.goto("/harness/map")

    page.wait_for_selector("body[data-paths]")
    assert page.get_attribute("body", "data-paths") == "1"
    assert page.get_by_alt_text("Ort des Vorschlags").count() == 1
