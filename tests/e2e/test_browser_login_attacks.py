"""Attacks on the browser login, each refused with a stable code and logged on egov.security."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from tests.builders import proposal
from tests.e2e.conftest import (
    LoginWorld,
    body_json,
    cookie_names,
    log_in,
    send,
    session_info,
    up_to_callback,
)
from tests.oidc.fixture import Browser, Response, pkce_pair

SECURITY = "egov.security"


def refused(response: Response, status: int, code: str) -> None:
    assert response.status == status, response.body
    assert response.headers["content-type"] == "application/problem+json"
    assert body_json(response)["code"] == code


def logged(caplog: pytest.LogCaptureFixture, code: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == SECURITY and f"code={code}" in r.getMessage()
    ]


def state_of(callback: str) -> str:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))["state"]


def tamper(world: LoginWorld, callback: str, **changes: str) -> None:
    """Change what egov stored for this login (as if its state store were corrupted)."""
    key = f"_state_oidc_{state_of(callback)}"
    stored = json.loads(world.container.login_cache.get(key) or "{}")
    stored["data"].update(changes)
    world.container.login_cache.set(key, json.dumps(stored), 600)


def copy_cookies(source: Browser) -> Browser:
    other = Browser()
    for cookie in source.cookies:
        other.cookies.set_cookie(cookie)
    return other


def test_a_replayed_callback_is_refused_as_an_invalid_state(
    world: LoginWorld, caplog: pytest.LogCaptureFixture
) -> None:
    browser = Browser()
    callback = up_to_callback(world, browser, "erika")
    replayer = copy_cookies(browser)  # the cookie as it was before the callback
    assert browser.follow("GET", callback).status == 200

    again = send(browser, "GET", callback)
    with_old_cookie = send(replayer, "GET", callback)

    refused(again, 400, "login-state-invalid")
    refused(with_old_cookie, 400, "login-state-invalid")
    assert len(logged(caplog, "login-state-invalid")) == 2


def test_a_callback_with_the_state_of_another_browser_is_refused(
    world: LoginWorld, caplog: pytest.LogCaptureFixture
) -> None:
    victim, attacker = Browser(), Browser()
    callback = up_to_callback(world, victim, "erika")
    up_to_callback(world, attacker, "max")  # the attacker has a login of his own going

    response = send(attacker, "GET", callback)

    refused(response, 400, "login-state-invalid")
    assert send(attacker, "GET", f"{world.url}/auth/session").status == 401
    assert logged(caplog, "login-state-invalid")
    assert victim.follow("GET", callback).status == 200, "the victim's own login still works"


def test_a_code_exchange_with_the_wrong_pkce_verifier_is_refused_by_the_provider(
    world: LoginWorld, caplog: pytest.LogCaptureFixture
) -> None:
    browser = Browser()
    callback = up_to_callback(world, browser, "erika")
    tamper(world, callback, code_verifier=pkce_pair()[0])

    response = send(browser, "GET", callback)

    refused(response, 400, "login-failed")
    assert any("code exchange refused" in line for line in logged(caplog, "login-failed"))
    assert send(browser, "GET", f"{world.url}/api/v1/me/cases").status == 401


def test_a_login_without_the_stored_pkce_verifier_fails(world: LoginWorld) -> None:
    browser = Browser()
    callback = up_to_callback(world, browser, "erika")
    tamper(world, callback, code_verifier="")

    refused(send(browser, "GET", callback), 400, "login-failed")


def test_an_id_token_with_another_nonce_is_refused(
    world: LoginWorld, caplog: pytest.LogCaptureFixture
) -> None:
    browser = Browser()
    callback = up_to_callback(world, browser, "erika")
    tamper(world, callback, nonce="not-the-nonce-of-this-login")

    response = send(browser, "GET", callback)

    refused(response, 400, "login-failed")
    assert any("ID token refused" in line for line in logged(caplog, "login-failed"))
    assert send(browser, "GET", f"{world.url}/api/v1/me/cases").status == 401


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "http:evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "evil.example",
    ],
)
def test_login_refuses_to_return_anywhere_but_a_path_on_this_site(
    world: LoginWorld, caplog: pytest.LogCaptureFixture, target: str
) -> None:
    response = Browser().request("GET", world.login_url(next_path=target))

    refused(response, 400, "redirect-not-allowed")
    assert logged(caplog, "redirect-not-allowed")


def test_logout_refuses_an_open_redirect_and_ignores_a_foreign_post_logout_uri(
    world: LoginWorld, caplog: pytest.LogCaptureFixture
) -> None:
    browser = Browser()
    log_in(world, browser, "erika")
    csrf = {"X-CSRF-Token": session_info(world, browser)["csrf_token"]}
    logout = f"{world.url}/auth/logout"

    foreign_next = send(browser, "POST", f"{logout}?next=https://evil.example/", headers=csrf)
    foreign_uri = send(
        browser, "POST", f"{logout}?post_logout_redirect_uri=https://evil.example/", headers=csrf
    )

    refused(foreign_next, 400, "redirect-not-allowed")
    assert logged(caplog, "redirect-not-allowed")
    assert foreign_uri.status == 303
    assert "evil.example" not in foreign_uri.headers["location"]


def test_logout_without_the_csrf_token_keeps_the_session(
    world: LoginWorld, caplog: pytest.LogCaptureFixture
) -> None:
    browser = Browser()
    log_in(world, browser, "erika")

    response = send(browser, "POST", f"{world.url}/auth/logout")

    refused(response, 403, "csrf-token-invalid")
    assert logged(caplog, "csrf-token-invalid")
    assert send(browser, "GET", f"{world.url}/api/v1/me/cases").status == 200


def test_an_expired_session_is_refused_and_its_cookie_removed(
    world: LoginWorld, caplog: pytest.LogCaptureFixture
) -> None:
    browser = Browser()
    log_in(world, browser, "erika")
    world.clock.shift(world.container.settings.session_lifetime_seconds + 1)

    response = send(browser, "GET", f"{world.url}/api/v1/me/cases")

    refused(response, 401, "session-expired")
    assert logged(caplog, "session-expired")
    assert "egov_session" not in cookie_names(browser)


@pytest.mark.parametrize("token", [None, "", "guessed-token"])
def test_a_session_post_without_the_right_csrf_token_is_refused_and_changes_nothing(
    world: LoginWorld, caplog: pytest.LogCaptureFixture, token: str | None
) -> None:
    browser = Browser()
    log_in(world, browser, "erika")
    before = body_json(send(browser, "GET", f"{world.url}/api/v1/me/cases"))["items"]
    headers = {} if token is None else {"X-CSRF-Token": token}

    response = send(
        browser, "POST", f"{world.url}/api/v1/applications", json_body=proposal(), headers=headers
    )

    refused(response, 403, "csrf-token-invalid")
    assert logged(caplog, "csrf-token-invalid")
    assert body_json(send(browser, "GET", f"{world.url}/api/v1/me/cases"))["items"] == before


def test_a_bearer_token_request_needs_no_csrf_token(world: LoginWorld) -> None:
    token = world.container.dev_idp.token_for("erika") if world.container.dev_idp else ""

    response = send(
        Browser(),
        "POST",
        f"{world.url}/api/v1/applications",
        json_body=proposal(),
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status == 201, response.body


def test_a_login_at_an_unknown_issuer_is_not_found(world: LoginWorld) -> None:
    refused(Browser().request("GET", world.login_url("nowhere")), 404, "issuer-not-found")


def test_a_provider_error_on_the_callback_fails_the_login(world: LoginWorld) -> None:
    browser = Browser()
    callback = up_to_callback(world, browser, "erika")
    denied = callback.split("?")[0] + f"?error=access_denied&state={state_of(callback)}"

    refused(send(browser, "GET", denied), 400, "login-failed")
