"""The shared pieces of the web frontends (ADR 0046, docs/frontends.md): the base layout and
the form macros (`templates/ui/`), the own CSS and JavaScript (`static/ui/`), the languages
(`i18n.py`), the headers and the CSRF check of pages (`security.py`), who views a page and
its login (`access.py`), rendering, error pages and links (`pages.py`).

`egov.portal` (`/`) and `egov.workspace` (`/arbeitsplatz`) stand on this floor; `init_app`
is called last in `create_app`, with the blueprints whose answers are pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from flask import Blueprint, Flask, Response

from egov.container import Container
from egov.ui import i18n, security
from egov.ui.pages import error_page, url_if
from egov.ui.routes import bp

HTMX = Path(__file__).resolve().parent / "static" / "vendor" / "htmx.org" / "htmx.min.js"


def init_app(app: Flask, egov: Container, pages: Iterable[Blueprint]) -> None:
    app.register_blueprint(bp)
    names = frozenset({bp.name, *(page.name for page in pages)})
    i18n.init_app(app)
    security.init_app(app, names, egov.issuers)
    settings = egov.settings
    app.jinja_env.globals.update(
        city_name=settings.city_name,
        imprint_url=settings.ui_imprint_url,
        privacy_url=settings.ui_privacy_url,
        accessibility_url=settings.ui_accessibility_url,
        languages=i18n.LANGUAGES,
        current_language=i18n.current_language,
        back_here=i18n.back_here,
        csrf_token=security.csrf_token,
        url_if=url_if,
        htmx=HTMX.exists(),
    )
    app.jinja_env.filters["day"] = i18n.day
    app.after_request(_finish)


def _finish(response: Response) -> Response:
    """A page's refusal as its error page, then the headers of a page."""
    if security.is_page():
        response = error_page(response)
    return security.page_headers(response)
