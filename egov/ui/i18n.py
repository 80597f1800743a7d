"""The language of the pages: Flask-Babel with German as default and the catalogues of
`egov/ui/translations/` (`de`, `en`; `make messages` extracts and updates them, the compiled
`.mo` files are checked in, docs/frontends.md). The locale comes from `?lang=`, then the
cookie `egov_lang` (the header's language form), then Accept-Language."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, current_app, request
from flask_babel import Babel, format_date, get_locale
from werkzeug.wrappers import Response as BaseResponse

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
DEFAULT = "de"
LANGUAGES = {"de": "Deutsch", "en": "English"}  # each named in itself, for the language form
COOKIE = "egov_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    Babel(
        app,
        default_locale=DEFAULT,
        default_translation_directories=str(TRANSLATIONS),
        locale_selector=select_locale,
    )


def select_locale() -> str:
    asked = request.args.get("lang") or request.cookies.get(COOKIE)
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def current_language() -> str:
    """The page's language (for `<html lang>`), German outside a request."""
    locale = get_locale()
    return DEFAULT if locale is None else locale.language


def back_here() -> str:
    """This page without `?lang=`, where the language form returns to."""
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return f"{request.path}?{urlencode(kept)}" if kept else request.path


def day(value: date | str | None) -> str:
    """A day as the page's language writes it ("31. Mai 2026"); an ISO day string too."""
    if value is None or value == "":
        return ""
    moment = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return str(format_date(moment, format="long"))


def remember(response: BaseResponse, language: str) -> None:
    """Keep a language the pages offer for a year (an unknown one is ignored)."""
    if language in LANGUAGES:
        response.set_cookie(
            COOKIE,
            language,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),  # as the session's
        )
