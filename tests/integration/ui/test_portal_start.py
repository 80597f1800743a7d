"""The portal's start page at `/` (egov/portal/views.py): the procedure catalogue, searchable
and paged, the login or the logged-in citizen with the logout, the open participations and the
current Bürgerbudget round; hostile search input shown back inert."""

from __future__ import annotations

import re
from dataclasses import replace

from flask import Flask

from egov.app import create_app
from egov.container import Container
from tests.conftest import Api
from tests.integration.test_authorization_matrix import open_participation
from tests.support.pages import log_in, text_of

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE


def links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_the_start_page_is_german_html_with_the_catalogue(app: Flask) -> None:
    response = app.test_client().get("/")

    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<html lang="de">' in html
    text = text_of(html)
    assert "Was möchten Sie beantragen?" in text
    assert "Vorschlag zum Bürgerbudget" in text and "Büro Bürgerbudget" in text
    assert "Stadt Jena" in text and "Zum Inhalt springen" in text
    assert {"Impressum", "Datenschutz", "Barrierefreiheit"} <= set(text.split())


def test_every_link_of_the_start_page_on_this_site_answers(app: Flask) -> None:
    client = app.test_client()
    html = client.get("/").get_data(as_text=True)

    local = [link for link in links(html) if link.startswith("/")]
    assert "/auth/login/dev?next=/" in local
    for link in local:
        with client.get(link.replace("&amp;", "&")) as response:
            assert response.status_code in (200, 302), link


def test_the_search_finds_procedures_by_name_and_says_when_none_matches(app: Flask) -> None:
    client = app.test_client()

    found = text_of(client.get("/?q=bürgerbudget").get_data(as_text=True))
    none = text_of(client.get("/?q=Hundesteuer").get_data(as_text=True))

    assert "Vorschlag zum Bürgerbudget" in found and "Bauantrag (XBau)" not in found
    assert "keine Leistung gefunden" in none and "Bauantrag (XBau)" not in none


def test_percent_and_underscore_in_a_search_are_taken_literally(app: Flask) -> None:
    text = text_of(app.test_client().get("/?q=%25").get_data(as_text=True))

    assert "keine Leistung gefunden" in text


def test_the_catalogue_pages_with_a_link_to_the_next_page(app: Flask) -> None:
    client = app.test_client()
    first = client.get("/?q=a&limit=1").get_data(as_text=True)
    [more] = [link for link in links(first) if "cursor=" in link]

    second = client.get(more.replace("&amp;", "&")).get_data(as_text=True)

    assert "q=a" in more
    assert text_of(first).count("Zuständig") == 1 and text_of(second).count("Zuständig") == 1
    assert text_of(first).split("Zuständig")[0] != text_of(second).split("Zuständig")[0]


def test_a_bad_cursor_is_an_error_page(app: Flask) -> None:
    response = app.test_client().get("/?cursor=kaputt")

    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "bad-cursor" in response.get_data(as_text=True)


def test_a_script_tag_in_the_search_is_shown_as_text(app: Flask) -> None:
    hostile = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'

    html = app.test_client().get("/", query_string={"q": hostile}).get_data(as_text=True)

    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(" in html
    assert 'value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&#34;&gt;' in html


def test_a_right_to_left_override_in_the_search_stays_inside_its_own_box(app: Flask) -> None:
    html = app.test_client().get("/", query_string={"q": f"Bau{RLO}gnu"}).get_data(as_text=True)

    assert f"<bdi>Bau{RLO}gnu</bdi>" in html
    assert html.count(RLO) == 2  # the heading and the search field; elsewhere percent-encoded
    assert f'value="Bau{RLO}gnu"' in html


def test_an_overlong_search_is_refused_cleanly(app: Flask) -> None:
    client = app.test_client()

    too_long = client.get("/", query_string={"q": "x" * 201})
    huge = client.get("/", query_string={"q": "x" * 1_000_000})

    assert too_long.status_code == 400 and too_long.mimetype == "text/html"
    html = too_long.get_data(as_text=True)
    assert "höchstens 200 Zeichen" in html and "x" * 201 not in html
    assert huge.status_code == 400 and huge.mimetype == "text/html"  # a server: 414 before
    assert "x" * 1000 not in huge.get_data(as_text=True)  # Flask (egov.web.limits)


def test_a_logged_in_citizen_sees_her_name_and_a_logout_form(
    app: Flask, container: Container
) -> None:
    client = app.test_client()
    web = log_in(client, container, "erika")

    html = client.get("/").get_data(as_text=True)

    assert "Angemeldet als Erika Mustermann" in text_of(html)
    assert 'action="/auth/logout"' in html and f'value="{web.csrf_token}"' in html
    assert "/auth/login/dev?next=/" not in html


def test_the_logout_form_of_the_page_ends_the_session(app: Flask, container: Container) -> None:
    client = app.test_client()
    web = log_in(client, container, "erika")

    response = client.post("/auth/logout", data={"csrf_token": web.csrf_token, "next": "/"})
    after = client.get("/").get_data(as_text=True)

    assert response.status_code == 303
    assert "Angemeldet als" not in after and "/auth/login/dev?next=/" in after


def test_an_expired_session_shows_the_page_logged_out(app: Flask, container: Container) -> None:
    client = app.test_client()
    log_in(client, container, "erika", lifetime=-1)

    response = client.get("/")

    assert response.status_code == 200
    assert "Angemeldet als" not in response.get_data(as_text=True)


def test_the_open_participations_and_the_current_round_are_linked(api: Api, app: Flask) -> None:
    before = text_of(app.test_client().get("/").get_data(as_text=True))
    participation = open_participation(api)

    html = app.test_client().get("/").get_data(as_text=True)
    text = text_of(html)

    assert "Zurzeit läuft keine Beteiligung." in before
    assert "Zurzeit läuft keine Beteiligung." not in text and "Stellungnahmen bis zum" in text
    assert f"/beteiligung/{participation}" in links(html)
    assert "/buergerbudget/2026" in links(html)  # the portal's round page
    assert "Bürgerbudget 2026 : Vorschläge können bis zum" in text  # text_of: tags as spaces


def test_without_the_dev_idp_the_page_offers_no_dev_login(app: Flask) -> None:
    settings = replace(
        app.extensions["egov"].settings,
        dev_idp=False,
        token_issuer="https://idp.example.invalid/realms/egov",
        jwks_url="https://idp.example.invalid/realms/egov/certs",
    )
    other = create_app(settings)
    try:
        html = other.test_client().get("/").get_data(as_text=True)
    finally:
        other.extensions["egov"].db.dispose()
    assert "/auth/login/dev" not in html and "dev-token" not in html
    assert "/api/v1/openapi.json" in links(html)


def test_the_start_page_ignores_a_bearer_token_it_does_not_need(app: Flask) -> None:
    response = app.test_client().get("/", headers={"Authorization": "Bearer kaputt"})
    assert response.status_code == 200
