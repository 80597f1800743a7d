"""The same browser login at the built-in development IdP (issuer ``dev``): no provider needed
for the flow itself; re-authentication for deploying a process; logout."""

from __future__ import annotations

import urllib.parse

from egov.workflow.deploy import read_bundle
from tests.builders import ROOT
from tests.e2e.conftest import (
    LoginWorld,
    body_json,
    dev_login,
    send,
    session_info,
)
from tests.oidc.fixture import Browser, parse_forms, pkce_pair

# The dev IdP keeps its one-time codes in its own process: development only, one process.
WEB_PROCESSES = 1


def shipped_bundle() -> dict[str, dict[str, str]]:
    files = read_bundle(ROOT / "bpmn" / "buergerbudget")
    return {"files": {name: content.decode() for name, content in files.items()}}


def deploy(world: LoginWorld, browser: Browser) -> tuple[int, dict[str, object]]:
    csrf = {"X-CSRF-Token": session_info(world, browser)["csrf_token"]}
    response = send(
        browser,
        "POST",
        f"{world.url}/api/v1/process-definitions",
        json_body=shipped_bundle(),
        headers=csrf,
    )
    return response.status, body_json(response)


def test_a_citizen_logs_in_at_the_dev_idp_and_sees_her_cases(world: LoginWorld) -> None:
    browser = Browser()

    page = dev_login(world, browser, "erika")

    assert page.status == 200, page.body
    assert page.url == f"{world.url}/api/v1/me/cases"
    info = session_info(world, browser)
    assert (info["subject"], info["issuer"], info["roles"]) == ("dev:erika", "dev", ["citizen"])


def test_the_dev_idp_login_page_offers_the_demo_people_but_no_technical_client(
    world: LoginWorld,
) -> None:
    page = Browser().follow("GET", world.login_url("dev"))

    forms = parse_forms(page.body)
    assert {"login-erika", "login-anna", "login-admin"} <= set(forms)
    assert "login-portal" not in forms
    assert page.headers["x-frame-options"] == "DENY"


def test_deploying_a_process_needs_a_recent_login(world: LoginWorld) -> None:
    browser = Browser()
    world.clock.shift(-1000)  # the login happened 1000 s ago ...
    dev_login(world, browser, "admin")
    world.clock.shift(0)

    status, problem = deploy(world, browser)

    assert status == 401 and problem["code"] == "reauthentication-required"
    login_url = str(problem["login_url"])
    assert login_url.startswith("/auth/login/dev?") and "reauth=1" in login_url
    page = browser.follow("GET", world.url + login_url)
    action, fields = parse_forms(page.body)["login-admin"]
    browser.follow("POST", urllib.parse.urljoin(page.url, action), form=fields)
    assert deploy(world, browser)[0] in (200, 201)


def test_an_erasure_request_needs_a_recent_login(world: LoginWorld) -> None:
    browser = Browser()
    world.clock.shift(-1000)  # the login happened 1000 s ago ...
    dev_login(world, browser, "erika")
    world.clock.shift(0)
    csrf = {"X-CSRF-Token": session_info(world, browser)["csrf_token"]}

    response = send(browser, "POST", f"{world.url}/api/v1/me/erasure-requests", headers=csrf)

    assert response.status == 401
    assert body_json(response)["code"] == "reauthentication-required"


def test_activating_a_version_needs_a_recent_login_like_deploying(world: LoginWorld) -> None:
    browser = Browser()
    world.clock.shift(-1000)  # the login happened 1000 s ago ...
    dev_login(world, browser, "admin")
    world.clock.shift(0)
    csrf = {"X-CSRF-Token": session_info(world, browser)["csrf_token"]}
    versions = send(browser, "GET", f"{world.url}/api/v1/process-definitions", headers=csrf)
    active = next(d for d in body_json(versions)["items"] if d["active"])

    response = send(
        browser,
        "POST",
        f"{world.url}/api/v1/process-definitions/{active['id']}/activate",
        json_body={"reason": "Rücknahme"},
        headers=csrf,
    )

    assert response.status == 401
    assert body_json(response)["code"] == "reauthentication-required"


def test_logout_at_the_dev_idp_returns_to_the_site_without_a_session(world: LoginWorld) -> None:
    browser = Browser()
    dev_login(world, browser, "anna")
    csrf = {"X-CSRF-Token": session_info(world, browser)["csrf_token"]}
    logged_in = {c.value for c in browser.cookies if c.name == "egov_session"}

    left = send(browser, "POST", f"{world.url}/auth/logout", headers=csrf)
    back = browser.follow("GET", left.headers["location"], stop_at=f"{world.url}/?")

    assert left.headers["location"].startswith(f"{world.url}/dev-idp/logout?")
    assert back.url.startswith(f"{world.url}/")
    # the portal's start page gives the anonymous visitor a fresh session for its form token
    # (ADR 0046); the logged-in one is gone
    assert not logged_in & {c.value for c in browser.cookies if c.name == "egov_session"}
    assert send(browser, "GET", f"{world.url}/auth/session").status == 401


def code_for(world: LoginWorld, user: str) -> tuple[str, str, str]:
    """(code, redirect_uri, PKCE verifier) from the dev IdP for a login started by hand."""
    verifier, challenge = pkce_pair()
    redirect_uri = f"{world.url}/auth/callback/dev"
    query = {
        "client_id": "egov-web",
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "state": "s",
        "nonce": "n",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    browser = Browser()
    page = browser.follow("GET", f"{world.url}/dev-idp/authorize?{urllib.parse.urlencode(query)}")
    action, fields = parse_forms(page.body)[f"login-{user}"]
    url = urllib.parse.urljoin(page.url, action)
    done = browser.follow("POST", url, form=fields, stop_at=redirect_uri)
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(done.url).query))["code"]
    return code, redirect_uri, verifier


def redeem(world: LoginWorld, code: str, redirect_uri: str, verifier: str) -> tuple[int, str]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
        "client_id": "egov-web",
        "client_secret": "egov-web",
    }
    response = send(Browser(), "POST", f"{world.url}/dev-idp/token", form=form)
    return response.status, str(body_json(response).get("error", ""))


def test_the_dev_idp_refuses_a_code_with_the_wrong_pkce_verifier_and_a_used_code(
    world: LoginWorld,
) -> None:
    tried, redirect_uri, verifier = code_for(world, "erika")
    used, _, used_verifier = code_for(world, "erika")

    assert redeem(world, tried, redirect_uri, pkce_pair()[0]) == (400, "invalid_grant")
    assert redeem(world, tried, redirect_uri, verifier) == (400, "invalid_grant")
    assert redeem(world, used, redirect_uri, used_verifier) == (200, "")
    assert redeem(world, used, redirect_uri, used_verifier) == (400, "invalid_grant")


def test_the_dev_idp_refuses_an_unregistered_redirect_uri_without_redirecting(
    world: LoginWorld,
) -> None:
    query = {
        "client_id": "egov-web",
        "redirect_uri": "https://evil.example/callback",
        "response_type": "code",
        "state": "s",
        "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256",
    }

    response = Browser().request("GET", f"{world.url}/dev-idp/authorize?{urlencode(query)}")

    assert response.status == 400 and "location" not in response.headers


def urlencode(query: dict[str, str]) -> str:
    return urllib.parse.urlencode(query)
