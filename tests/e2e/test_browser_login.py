"""The browser login against a real OpenID provider, over HTTP: login, session, API calls with
the session cookie and CSRF token, logout at egov and at the provider."""

from __future__ import annotations

import urllib.parse

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
from tests.oidc.fixture import Browser, parse_forms


def test_a_citizen_logs_in_at_the_provider_and_sees_her_cases_with_the_session_cookie(
    world: LoginWorld,
) -> None:
    browser = Browser()

    page = log_in(world, browser, "erika")

    assert page.status == 200, page.body
    assert page.url == f"{world.url}/api/v1/me/cases"
    assert "items" in body_json(page)
    assert "egov_session" in cookie_names(browser)
    info = session_info(world, browser)
    assert info["subject"] == "oidc:erika" and info["roles"] == ["citizen"]
    assert info["issuer"] == "oidc" and info["csrf_token"] and info["expires_at"]


def test_the_session_cookie_is_http_only_same_site_lax_and_small(world: LoginWorld) -> None:
    browser = Browser()
    callback = up_to_callback(world, browser, "erika")

    response = browser.request("GET", callback)

    assert response.status == 302 and response.headers["location"] == "/api/v1/me/cases"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("egov_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # EGOV_ENV=test serves plain http on loopback
    assert len(cookie) < 4096


def test_the_login_request_uses_pkce_state_nonce_and_the_configured_redirect_uri(
    world: LoginWorld,
) -> None:
    response = Browser().request("GET", world.login_url())

    assert response.status == 302
    location = urllib.parse.urlsplit(response.headers["location"])
    query = dict(urllib.parse.parse_qsl(location.query))
    assert location.geturl().startswith(world.provider.discovery()["authorization_endpoint"])
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["state"] and query["nonce"] and query["response_type"] == "code"
    assert query["redirect_uri"] == f"{world.url}/auth/callback/oidc"
    assert query["client_id"] == "egov-web"


def test_a_citizen_files_an_application_with_the_session_and_its_csrf_token(
    world: LoginWorld,
) -> None:
    browser = Browser()
    log_in(world, browser, "erika")
    token = session_info(world, browser)["csrf_token"]

    filed = send(
        browser,
        "POST",
        f"{world.url}/api/v1/applications",
        json_body=proposal(),
        headers={"X-CSRF-Token": token},
    )

    assert filed.status == 201, filed.body
    case_id = body_json(filed)["case_id"]
    mine = body_json(send(browser, "GET", f"{world.url}/api/v1/me/cases"))
    assert case_id in {item["id"] for item in mine["items"]}


def test_a_clerk_logs_in_and_sees_the_tasks_of_her_unit(world: LoginWorld) -> None:
    citizen = Browser()
    log_in(world, citizen, "erika")
    csrf = {"X-CSRF-Token": session_info(world, citizen)["csrf_token"]}
    filed = send(
        citizen, "POST", f"{world.url}/api/v1/applications", json_body=proposal(), headers=csrf
    )
    assert filed.status == 201, filed.body
    clerk = Browser()

    page = log_in(world, clerk, "anna", next_path="/api/v1/tasks")

    assert page.status == 200, page.body
    assert page.url == f"{world.url}/api/v1/tasks"
    case_ids = {task["case_id"] for task in body_json(page)["items"]}
    assert body_json(filed)["case_id"] in case_ids


def test_a_citizen_gets_no_clerk_tasks_through_her_session(world: LoginWorld) -> None:
    browser = Browser()
    log_in(world, browser, "erika")

    response = send(browser, "GET", f"{world.url}/api/v1/tasks")

    assert response.status == 403


def test_logout_ends_the_session_here_and_at_the_provider(world: LoginWorld) -> None:
    browser = Browser()
    log_in(world, browser, "erika")
    token = session_info(world, browser)["csrf_token"]

    left = send(browser, "POST", f"{world.url}/auth/logout", headers={"X-CSRF-Token": token})
    assert left.status == 303
    end_session = left.headers["location"]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(end_session).query))
    assert end_session.startswith(world.provider.discovery()["end_session_endpoint"])
    assert query["post_logout_redirect_uri"] == f"{world.url}/" and query["id_token_hint"]
    confirm = browser.follow("GET", end_session)
    action, fields = parse_forms(confirm.body)["op.logoutForm"]
    back = browser.follow("POST", action, form={**fields, "logout": "yes"}, stop_at=f"{world.url}/")

    assert back.url.startswith(f"{world.url}/")
    assert "egov_session" not in cookie_names(browser)
    assert send(browser, "GET", f"{world.url}/api/v1/me/cases").status == 401
    again = browser.follow("GET", world.login_url())
    assert "login" in parse_forms(again.body), "the provider must ask for credentials again"


def test_a_logged_out_session_cookie_replayed_later_is_refused(world: LoginWorld) -> None:
    browser = Browser()
    log_in(world, browser, "erika")
    token = session_info(world, browser)["csrf_token"]
    thief = Browser()
    for cookie in browser.cookies:
        thief.cookies.set_cookie(cookie)

    send(browser, "POST", f"{world.url}/auth/logout", headers={"X-CSRF-Token": token})
    response = send(thief, "GET", f"{world.url}/api/v1/me/cases")

    assert response.status == 401
    assert body_json(response)["code"] == "session-expired"


def test_a_login_while_logged_in_at_the_provider_needs_no_password(world: LoginWorld) -> None:
    browser = Browser()
    log_in(world, browser, "erika")

    again = browser.follow("GET", world.login_url())

    assert again.status == 200 and again.url == f"{world.url}/api/v1/me/cases"


def test_reauthentication_makes_the_provider_ask_for_the_password_again(
    world: LoginWorld,
) -> None:
    browser = Browser()
    log_in(world, browser, "erika")

    page = browser.follow("GET", world.login_url() + "&reauth=1")

    assert "login" in parse_forms(page.body)
