"""Headers of every response and of downloads, and the flags of the session cookie.

Every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
`Cache-Control: no-store` (answers of the API carry personal data), a Content-Security-Policy
that forbids framing (loading nothing, except what a page of egov's own needs) and
`X-Frame-Options: DENY`; over HTTPS, directly or
through the trusted proxy of EGOV_PROXY_HOPS, `Strict-Transport-Security`. Documents are
downloaded as `attachment` with a safe file name."""

from __future__ import annotations

import base64
import dataclasses
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from flask import Flask, session

from egov.app import create_app
from egov.web.downloads import attachment
from tests.builders import proposal
from tests.conftest import Api, make_settings

SAFE_FALLBACK = re.compile(
    r'^attachment; filename="([A-Za-z0-9 ._()+-]+)"; filename\*=UTF-8\'\'(\S+)$'
)
# accepted by the intake (which refuses control and bidi characters), but nothing a header
# may carry as it is: quotes, a semicolon, a letter outside ASCII
HOSTILE_NAME = 'Bericht "final"; äexe.txt'


def assert_security_headers(response: Any, where: str) -> None:
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "no-referrer", where
    public = ("/api/v1/public/", "/api/v1/open-data")  # ETag, no personal data
    if (
        where.split(" ")[0] in ("GET", "HEAD")
        and where.split(" ")[1].startswith(public)
        and (response.status_code in (200, 304))
    ):
        assert headers.get("Cache-Control") == "public, no-cache", where
    else:
        assert "no-store" in headers.get("Cache-Control", ""), where
    assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""), where
    assert headers.get("X-Frame-Options") == "DENY", where


def test_an_api_answer_may_load_nothing_and_swagger_ui_only_its_own_files(api: Api) -> None:
    answer = api.client.get("/api/v1/procedures")
    assert answer.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    policy = api.client.get("/api/v1/docs").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_every_response_carries_the_security_headers(app: Flask, api: Api) -> None:
    token = {"Authorization": f"Bearer {api.token('admin')}"}
    probed = 0
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<[^>]+>", "no-such-id", rule.rule)
        for method in sorted((rule.methods or set()) - {"OPTIONS"}):
            for headers in (token, {}):
                response = api.client.open(path, method=method, headers=headers, json={})
                assert_security_headers(response, f"{method} {path} -> {response.status_code}")
                probed += 1
    assert probed > 80
    for path in ("/no-such-route", "/api/v1/no-such-route"):
        assert_security_headers(api.client.get(path), path)


def test_answers_with_personal_data_are_never_stored(api: Api) -> None:
    body = {**proposal(), "attachments": [document("plan.txt")]}
    case_id = api.post("/applications", "erika", json=body).get_json()["case_id"]
    document_id = api.get(f"/cases/{case_id}/documents", "erika").get_json()["items"][0]["id"]
    for path, user in (
        (f"/cases/{case_id}", "anna"),
        (f"/me/cases/{case_id}", "erika"),
        ("/me/messages", "erika"),
        (f"/documents/{document_id}/content", "erika"),
    ):
        response = api.get(path, user)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path


# --- HSTS ----------------------------------------------------------------------------------------


@pytest.fixture
def behind_proxy(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    settings = dataclasses.replace(make_settings(tmp_path / "proxied", database_url), proxy_hops=1)
    application = create_app(settings)
    yield application
    application.extensions["egov"].db.dispose()


def test_hsts_is_sent_over_https_only(api: Api) -> None:
    secure = api.client.get("/healthz", base_url="https://egov.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in api.client.get("/healthz").headers


def test_hsts_trusts_x_forwarded_proto_only_from_the_configured_proxy(
    api: Api, behind_proxy: Flask
) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    assert "Strict-Transport-Security" not in api.client.get("/healthz", headers=forwarded).headers
    proxied = behind_proxy.test_client().get("/healthz", headers=forwarded)
    assert proxied.headers["Strict-Transport-Security"].startswith("max-age=")


# --- downloads -----------------------------------------------------------------------------------


def document(filename: str) -> dict[str, str]:
    content = base64.b64encode(b"Inhalt").decode()
    return {"filename": filename, "media_type": "text/plain", "content_base64": content}


def assert_safe_disposition(header: str) -> str:
    """The header is `attachment`, its fallback and its RFC 5987 name are safe; the name."""
    match = SAFE_FALLBACK.match(header)
    assert match, header
    name = unquote(match.group(2), errors="strict")
    assert not re.search(r"[/\\]", name), name
    assert all(unicodedata.category(ch)[0] != "C" for ch in name), name
    assert not name.startswith("."), name
    return name


def test_a_download_is_an_attachment_with_a_safe_file_name(api: Api) -> None:
    body = {**proposal(), "attachments": [document(HOSTILE_NAME)]}
    created = api.post("/applications", "erika", json=body)
    assert created.status_code == 201, created.get_json()
    items = api.get(f"/cases/{created.get_json()['case_id']}/documents", "erika").get_json()
    response = api.get(f"/documents/{items['items'][0]['id']}/content", "erika")
    assert response.status_code == 200
    name = assert_safe_disposition(response.headers["Content-Disposition"])
    assert name == 'Bericht "final"; äexe.txt'


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Benutzer\\erika\\antrag.pdf", "antrag.pdf"),
        ("zeile\r\nX-Injected: 1.txt", "zeileX-Injected: 1.txt"),
        ("..", "dokument"),
        (".htaccess", "htaccess"),
        ("Stra\u00dfe\u00a0Nr.\u200b5.pdf", "Stra\u00dfe Nr.5.pdf"),
        ("", "dokument"),
    ],
)
def test_a_file_name_loses_path_parts_and_invisible_characters(stored: str, shown: str) -> None:
    assert assert_safe_disposition(attachment(stored)) == shown


def test_the_ascii_fallback_folds_german_letters() -> None:
    assert attachment("Übersicht Straße.pdf").startswith(
        'attachment; filename="Ubersicht Strasse.pdf";'
    )


# --- the session cookie --------------------------------------------------------------------------


def session_cookie(app: Flask) -> str:
    with app.test_request_context("/"):
        session["probe"] = 1
        response = app.make_response("")
        app.session_interface.save_session(app, session, response)
    [cookie] = response.headers.getlist("Set-Cookie")
    return str(cookie)


def test_the_session_cookie_is_secure_outside_development(
    database_url: str, tmp_path: Path
) -> None:
    settings = dataclasses.replace(
        make_settings(tmp_path / "prod", database_url),
        env="production",
        dev_idp=False,
        secret_key="k" * 40,
        buergerbudget_ballot_key="b" * 40,
        audit_signing_key="AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",  # 32 bytes of 0x01
    )
    application = create_app(settings)
    try:
        flags = {part.strip() for part in session_cookie(application).split(";")[1:]}
    finally:
        application.extensions["egov"].db.dispose()
    assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/"} <= flags


def test_the_session_cookie_is_http_only_and_same_site_in_development(app: Flask) -> None:
    flags = {part.strip() for part in session_cookie(app).split(";")[1:]}
    assert {"HttpOnly", "SameSite=Lax"} <= flags and "Secure" not in flags
