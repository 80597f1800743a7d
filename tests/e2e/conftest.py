"""Browser login end to end: egov served over HTTP on loopback (werkzeug, in a thread) next to
the real OpenID provider of tests/oidc, and one cookie-jar ``Browser`` for both.

``login_world`` (per module): a migrated SQLite copy, the provider with egov's redirect URIs,
an EGOV_OIDC_CONFIG naming it as issuer ``oidc`` (browser client ``egov-web``), and egov with
the dev IdP too (issuer ``dev``), as two apps that take turns answering requests (two web
processes behind a balancer: a login started at one ends at the other; a module sets
``WEB_PROCESSES = 1`` for one). Its clock can be moved (``world.clock.shift``).
"""

from __future__ import annotations

import itertools
import json
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from egov.app import create_app
from egov.clock import utcnow
from egov.container import Container
from tests.conftest import make_settings
from tests.oidc.fixture import Browser, OidcProvider, Response, parse_forms, start_or_skip

SECRET_ENV = "EGOV_TEST_OIDC_WEB_SECRET"


class MovableClock:
    """egov's clock, shifted by ``offset`` (the provider keeps real time)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def shift(self, seconds: float) -> None:
        self.offset = timedelta(seconds=seconds)


class LiveServer:
    """egov on a free loopback port; the app is plugged in once the port is known. With
    `others`, requests go round-robin to `app` and `others` like a balancer in front of
    several web processes (each app has its own container: nothing shared but the database)."""

    def __init__(self) -> None:
        self.app: Flask | None = None
        self.others: list[Flask] = []
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._turn = itertools.count()

    def _dispatch(self, environ: dict[str, Any], start_response: Any) -> Any:
        assert self.app is not None
        apps = [self.app, *self.others]
        return apps[next(self._turn) % len(apps)](environ, start_response)

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


@dataclass
class LoginWorld:
    url: str
    provider: OidcProvider
    app: Flask
    container: Container
    clock: MovableClock

    def login_url(self, issuer: str = "oidc", next_path: str = "/api/v1/me/cases") -> str:
        return f"{self.url}/auth/login/{issuer}?{urllib.parse.urlencode({'next': next_path})}"

    @property
    def callback_prefix(self) -> str:
        return f"{self.url}/auth/callback/"


def oidc_config(provider: OidcProvider, url: str) -> dict[str, Any]:
    return {
        "issuers": [
            {
                "name": "oidc",
                "issuer": provider.issuer,
                "audience": "egov-api",
                "allowed_roles": ["citizen", "clerk", "admin"],
                "browser": {
                    "client_id": "egov-web",
                    "client_secret_env": SECRET_ENV,
                    "redirect_uri": f"{url}/auth/callback/oidc",
                    "scopes": ["openid", "profile", "email"],
                    "post_logout_redirect_uri": f"{url}/",
                },
            }
        ]
    }


@pytest.fixture(scope="module")
def login_world(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LoginWorld]:
    folder = tmp_path_factory.mktemp("browser-login")
    shutil.copy(sqlite_template, folder / "egov.sqlite3")
    server = LiveServer()
    provider = OidcProvider(
        redirect_uris=[f"{server.url}/auth/callback/oidc"],
        post_logout_redirect_uris=[f"{server.url}/"],
    )
    start_or_skip(provider)
    config = folder / "oidc.json"
    config.write_text(json.dumps(oidc_config(provider, server.url)))
    settings = replace(
        make_settings(folder / "var", f"sqlite:///{folder / 'egov.sqlite3'}"),
        public_url=server.url,
        oidc_config=str(config),
    )
    clock = MovableClock()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SECRET_ENV, str(provider.client("egov-web")["client_secret"]))
        server.app = create_app(settings, clock=clock)
        processes = getattr(request.module, "WEB_PROCESSES", 2)
        server.others = [create_app(settings, clock=clock) for _ in range(processes - 1)]
    server.thread.start()
    try:
        yield LoginWorld(server.url, provider, server.app, server.app.extensions["egov"], clock)
    finally:
        server.stop()
        for app in (server.app, *server.others):
            app.extensions["egov"].db.dispose()
        provider.stop()


@pytest.fixture
def world(login_world: LoginWorld) -> Iterator[LoginWorld]:
    """The module's world, with its clock back at real time after the test."""
    yield login_world
    login_world.clock.shift(0)


# --- a browser that also speaks to egov's API --------------------------------------------------


def send(
    browser: Browser,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    form: Mapping[str, str] | None = None,
) -> Response:
    """One request with the browser's cookies (no redirects followed)."""
    data = None
    all_headers = dict(headers or {})
    if json_body is not None:
        data = json.dumps(json_body).encode()
        all_headers["Content-Type"] = "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with browser.opener.open(request, timeout=30) as response:
            body = response.read().decode(errors="replace")
            return Response(response.status, url, body, dict(response.headers.items()))
    except urllib.error.HTTPError as error:
        with error:
            body = error.read().decode(errors="replace")
            return Response(error.code, url, body, dict(error.headers.items()))


def body_json(response: Response) -> Any:
    return json.loads(response.body)


def cookie_names(browser: Browser) -> set[str]:
    return {cookie.name for cookie in browser.cookies}


def up_to_callback(world: LoginWorld, browser: Browser, user: str, **login: str) -> str:
    """egov login -> provider login form -> the callback URL (not yet opened)."""
    return world.provider.login(
        world.login_url(**login), user, stop_at=world.callback_prefix, browser=browser
    )


def log_in(world: LoginWorld, browser: Browser, user: str, **login: str) -> Response:
    """The whole login; returns the page behind ``next`` (by default /api/v1/me/cases)."""
    return browser.follow("GET", up_to_callback(world, browser, user, **login))


def dev_login(world: LoginWorld, browser: Browser, user: str, **login: str) -> Response:
    """The dev IdP's login page: press the button of ``user``; returns the page behind next."""
    page = browser.follow("GET", world.login_url("dev", **login))
    action, fields = parse_forms(page.body)[f"login-{user}"]
    return browser.follow("POST", urllib.parse.urljoin(page.url, action), form=fields)


def session_info(world: LoginWorld, browser: Browser) -> Any:
    response = send(browser, "GET", f"{world.url}/auth/session")
    assert response.status == 200, response.body
    return body_json(response)
