"""The languages of the pages (egov/ui/i18n.py): German by default, English by `?lang=en`,
the language form's cookie or Accept-Language; the catalogues complete and compiled."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask

from egov.ui.i18n import TRANSLATIONS
from tests.support.pages import form_token, text_of


def page(app: Flask, path: str = "/", **kwargs: object) -> str:
    return str(app.test_client().get(path, **kwargs).get_data(as_text=True))


def test_the_pages_are_german_by_default(app: Flask) -> None:
    html = page(app)

    assert '<html lang="de">' in html and "Was möchten Sie beantragen?" in html


def test_lang_en_in_the_query_shows_the_page_in_english(app: Flask) -> None:
    html = page(app, "/?lang=en")

    assert '<html lang="en">' in html
    text = text_of(html)
    assert "What would you like to apply for?" in text and "Skip to content" in text
    assert "Legal notice" in text and "Was möchten Sie" not in text


def test_the_language_form_keeps_the_choice_in_a_cookie(app: Flask) -> None:
    client = app.test_client()
    token = form_token(client.get("/").get_data(as_text=True))

    client.post("/sprache", data={"lang": "en", "next": "/", "csrf_token": token})
    html = client.get("/").get_data(as_text=True)

    assert '<html lang="en">' in html


def test_an_unknown_language_leaves_the_page_german(app: Flask) -> None:
    client = app.test_client()
    token = form_token(client.get("/").get_data(as_text=True))

    client.post("/sprache", data={"lang": "xx", "csrf_token": token})

    assert '<html lang="de">' in client.get("/?lang=fr").get_data(as_text=True)


def test_accept_language_picks_english_when_german_is_not_wanted(app: Flask) -> None:
    english = page(app, headers={"Accept-Language": "en-GB,en;q=0.8"})
    german = page(app, headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})

    assert '<html lang="en">' in english and '<html lang="de">' in german


def test_the_language_form_returns_to_the_page_without_its_lang(app: Flask) -> None:
    html = page(app, "/?q=bau&lang=en")

    assert 'name="next" value="/?q=bau"' in html


def catalogue(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES"


def test_every_text_of_the_pages_has_its_english_translation() -> None:
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = {message.id for message in read_po(handle) if message.id}
    with (catalogue("en") / "messages.po").open("rb") as handle:
        english = {message.id: message.string for message in read_po(handle) if message.id}

    assert template <= set(english), "run `make messages`"
    assert sorted(k for k in template if not english[k]) == [], "translate en/messages.po"


def test_the_compiled_catalogues_match_their_sources() -> None:
    for language in ("de", "en"):
        with (catalogue(language) / "messages.po").open("rb") as handle:
            source = {m.id: m.string for m in read_po(handle) if m.id and m.string}
        with (catalogue(language) / "messages.mo").open("rb") as handle:
            compiled = {m.id: m.string for m in read_mo(handle) if m.id and m.string}
        assert compiled == source, f"run `make messages` ({language})"
