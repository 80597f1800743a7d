"""A real OpenID provider for integration tests: panva's certified ``oidc-provider`` on Node.

``OidcProvider`` installs the pinned npm package (``npm ci`` in tests/oidc when node_modules is
missing or stale), writes a config JSON into a temp dir, starts ``node provider.mjs`` on a free
loopback port and waits for discovery. ``oidc_provider`` is a session-scoped pytest fixture that
other conftest files can import::

    from tests.oidc.fixture import oidc_provider  # noqa: F401  (re-exported fixture)

When node/npm is missing or the provider does not start, the fixture skips -- except with
``CI=true``, where it fails. See README.md in this folder for the login form, the clients, the
users and key rotation.
"""

from __future__ import annotations

import base64
import copy
import fcntl
import hashlib
import http.cookiejar
import json
import os
import queue
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Any

import pytest

from tests.support.servers import unavailable

HERE = Path(__file__).resolve().parent
EXAMPLE_CONFIG = HERE / "config.example.json"
START_TIMEOUT = 60.0


class OidcProviderUnavailable(RuntimeError):
    """node/npm missing, npm ci failed, or the provider did not come up."""


def _pinned_version() -> str:
    return str(json.loads((HERE / "package.json").read_text())["dependencies"]["oidc-provider"])


def _installed_version() -> str | None:
    manifest = HERE / "node_modules" / "oidc-provider" / "package.json"
    try:
        return str(json.loads(manifest.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def ensure_node_modules() -> None:
    """``npm ci`` in tests/oidc unless the pinned oidc-provider is already installed."""
    if shutil.which("node") is None:
        raise OidcProviderUnavailable("node not found on PATH (Node.js >= 20 is needed)")
    if _installed_version() == _pinned_version():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise OidcProviderUnavailable(
            "npm not found on PATH; install Node.js/npm or run `npm ci` in tests/oidc"
        )
    lock_path = Path(tempfile.gettempdir()) / "egov-oidc-npm-ci.lock"
    with open(lock_path, "w") as lock:  # serialise parallel sessions (xdist workers)
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed_version() == _pinned_version():
            return
        result = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    if result.returncode != 0 or _installed_version() != _pinned_version():
        raise OidcProviderUnavailable(
            f"`npm ci` in {HERE} failed (exit {result.returncode}):\n{result.stderr[-2000:]}"
        )


def example_config() -> dict[str, Any]:
    config: dict[str, Any] = json.loads(EXAMPLE_CONFIG.read_text())
    config.pop("_comment", None)
    return config


def b64url_json(segment: str) -> dict[str, Any]:
    padded = segment + "=" * (-len(segment) % 4)
    value: dict[str, Any] = json.loads(base64.urlsafe_b64decode(padded))
    return value


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, payload) of a compact JWS -- decoded only, NOT verified."""
    header, payload, _signature = token.split(".")
    return b64url_json(header), b64url_json(payload)


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


class OidcProvider:
    """One ``node provider.mjs`` process. Use as a context manager or call start()/stop()."""

    def __init__(
        self,
        config: Mapping[str, Any] | None = None,
        *,
        redirect_uris: list[str] | None = None,
        post_logout_redirect_uris: list[str] | None = None,
        admin: bool = True,
    ) -> None:
        self.config: dict[str, Any] = copy.deepcopy(dict(config or example_config()))
        web = self.client("egov-web") if self._has_client("egov-web") else None
        if web is not None and redirect_uris is not None:
            web["redirect_uris"] = list(redirect_uris)
        if web is not None and post_logout_redirect_uris is not None:
            web["post_logout_redirect_uris"] = list(post_logout_redirect_uris)
        self.admin = admin
        self.workdir: Path | None = None
        self.process: subprocess.Popen[str] | None = None
        self.issuer = ""
        self.admin_url: str | None = None
        self.startup_seconds = 0.0
        self._stderr: IO[str] | None = None
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._reader: threading.Thread | None = None

    # -- configuration ------------------------------------------------------------------------

    def _has_client(self, client_id: str) -> bool:
        return any(c.get("client_id") == client_id for c in self.config.get("clients", []))

    def client(self, client_id: str) -> dict[str, Any]:
        """The client's metadata from the config (``client_secret``, ``redirect_uris``...)."""
        for client in self.config.get("clients", []):
            if client.get("client_id") == client_id:
                return dict_any(client)
        raise KeyError(client_id)

    @property
    def users(self) -> dict[str, Any]:
        return dict_any(self.config.get("users", {}))

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> OidcProvider:
        ensure_node_modules()
        started = time.monotonic()
        self.workdir = Path(tempfile.mkdtemp(prefix="egov-oidc-"))
        config_path = self.workdir / "config.json"
        config_path.write_text(json.dumps(self.config, indent=2))
        node = shutil.which("node") or "node"
        cmd = [node, str(HERE / "provider.mjs"), "--config", str(config_path), "--port", "0"]
        if self.admin:
            cmd += ["--admin-port", "0"]
        self._stderr = open(self.workdir / "provider.log", "w")  # noqa: SIM115 - closed in stop()
        env = {**os.environ, "NODE_ENV": "test"}
        self.process = subprocess.Popen(
            cmd,
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=env,
        )
        self._reader = threading.Thread(target=self._read_events, daemon=True)
        self._reader.start()
        try:
            ready = self._wait_event("ready", START_TIMEOUT)
            self.issuer = str(ready["issuer"])
            self.admin_url = ready.get("admin")
            self.discovery()  # provider answers
        except BaseException as error:
            log = self.log()
            self.stop()
            raise OidcProviderUnavailable(
                f"oidc provider did not start ({error!r}):\n{log[-3000:]}"
            ) from None
        self.startup_seconds = time.monotonic() - started
        return self

    def _read_events(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                self._events.put(event)

    def _wait_event(self, name: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self._events.get(timeout=0.1)
            except queue.Empty:
                if self.process is not None and self.process.poll() is not None:
                    raise OidcProviderUnavailable(
                        f"provider exited with {self.process.returncode}"
                    ) from None
                continue
            if event.get("event") == name:
                return event
        raise OidcProviderUnavailable(f"no {name!r} event from the provider within {timeout} s")

    def log(self) -> str:
        if self.workdir is None:
            return ""
        try:
            return (self.workdir / "provider.log").read_text()
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
            if self._reader is not None:
                self._reader.join(timeout=5)
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self) -> OidcProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- provider endpoints -------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        return http_json("GET", f"{self.issuer}/.well-known/openid-configuration")

    def jwks(self) -> dict[str, Any]:
        return http_json("GET", str(self.discovery()["jwks_uri"]))

    def client_credentials(
        self, client_id: str, scope: str | None = None, **extra: str
    ) -> dict[str, Any]:
        """Token response for the client-credentials grant (client_secret_basic or _post)."""
        form = {"grant_type": "client_credentials", **extra}
        if scope is not None:
            form["scope"] = scope
        return self.token_request(client_id, form)

    def token_request(self, client_id: str, form: Mapping[str, str]) -> dict[str, Any]:
        client = self.client(client_id)
        form = dict(form)
        headers = {}
        if client.get("token_endpoint_auth_method") == "client_secret_post":
            form.update(client_id=client_id, client_secret=client["client_secret"])
        else:
            raw = f"{quote(client_id)}:{quote(client['client_secret'])}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
        token_endpoint = str(self.discovery()["token_endpoint"])
        return http_json("POST", token_endpoint, form=form, headers=headers)

    # -- key rotation -------------------------------------------------------------------------

    def key_state(self) -> dict[str, Any]:
        """``{"issuer", "signing_kid", "published_kids"}`` from the admin endpoint."""
        return http_json("GET", f"{self._admin()}/state")

    def rotate_keys(self, *, keep_previous: bool = True) -> dict[str, Any]:
        """Sign from now on with the next RSA key; the JWKS lists it (and the previous one
        unless ``keep_previous=False``). Returns the new key state."""
        return http_json("POST", f"{self._admin()}/rotate", body={"keep_previous": keep_previous})

    def set_jwks(self, private_keys: list[dict[str, Any]]) -> dict[str, Any]:
        """Publish exactly these private RSA JWKs; the first one signs."""
        return http_json("PUT", f"{self._admin()}/jwks", body={"keys": private_keys})

    def _admin(self) -> str:
        if not self.admin_url:
            raise RuntimeError("provider started without admin endpoint")
        return self.admin_url

    # -- browser-like login -------------------------------------------------------------------

    def browser(self) -> Browser:
        return Browser()

    def authorize_url(self, client_id: str, **params: str) -> str:
        endpoint = str(self.discovery()["authorization_endpoint"])
        query = {"client_id": client_id, "response_type": "code", **params}
        return f"{endpoint}?{urllib.parse.urlencode(query)}"

    def login(
        self,
        authorize_url: str,
        login: str,
        password: str | None = None,
        *,
        stop_at: str,
        browser: Browser | None = None,
    ) -> str:
        """Drive authorize -> login form -> (consent) until a redirect to ``stop_at``.

        Returns that redirect URL (e.g. ``<redirect_uri>?code=...&state=...&iss=...``).
        ``password`` defaults to the user's configured password.
        """
        browser = browser or Browser()
        if password is None:
            password = str(self.users.get(login, {}).get("password", login))
        response = browser.follow("GET", authorize_url, stop_at=stop_at)
        for _ in range(5):
            if response.url.startswith(stop_at):
                return response.url
            forms = parse_forms(response.body)
            if "login" in forms:
                action, fields = forms["login"]
                fields.update(login=login, password=password)
            elif "consent" in forms:
                action, fields = forms["consent"]
            else:
                raise AssertionError(f"unexpected page at {response.url}:\n{response.body[:2000]}")
            target = urllib.parse.urljoin(response.url, action)
            response = browser.follow("POST", target, form=fields, stop_at=stop_at)
        raise AssertionError("login did not finish")


def dict_any(value: Any) -> dict[str, Any]:
    assert isinstance(value, dict)
    return value


def quote(value: str) -> str:
    return urllib.parse.quote(value, safe="")


# -- minimal HTTP helpers (stdlib only) ---------------------------------------------------------


class HttpError(RuntimeError):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:500]}")
        self.status = status
        self.body = body

    def json(self) -> dict[str, Any]:
        return dict_any(json.loads(self.body))


def http_json(
    method: str,
    url: str,
    *,
    form: Mapping[str, str] | None = None,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    data = None
    all_headers = {"Accept": "application/json", **(headers or {})}
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return dict_any(json.loads(response.read()))
    except urllib.error.HTTPError as error:
        with error:
            raise HttpError(error.code, error.read().decode(errors="replace")) from None


class Response:
    def __init__(self, status: int, url: str, body: str, headers: Mapping[str, str]) -> None:
        self.status = status
        self.url = url
        self.body = body
        self.headers = {k.lower(): v for k, v in headers.items()}  # lower-case names


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """Cookie jar + manual redirects, stopping before leaving for ``stop_at`` (the RP)."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def request(self, method: str, url: str, form: Mapping[str, str] | None = None) -> Response:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(request, timeout=30) as response:
                body = response.read().decode(errors="replace")
                return Response(response.status, url, body, dict(response.headers.items()))
        except urllib.error.HTTPError as error:
            with error:
                body = error.read().decode(errors="replace")
                return Response(error.code, url, body, dict(error.headers.items()))

    def follow(
        self,
        method: str,
        url: str,
        *,
        form: Mapping[str, str] | None = None,
        stop_at: str | None = None,
        max_hops: int = 15,
    ) -> Response:
        """Request and follow redirects (303/302 -> GET). A redirect whose target starts with
        ``stop_at`` is not followed: returned as Response(status, url=target, ...)."""
        response = self.request(method, url, form)
        for _ in range(max_hops):
            location = response.headers.get("location")
            if response.status not in (301, 302, 303, 307, 308) or not location:
                return response
            target = urllib.parse.urljoin(url, location)
            if stop_at is not None and target.startswith(stop_at):
                return Response(response.status, target, response.body, response.headers)
            url = target
            response = self.request("GET", url)
        raise AssertionError("too many redirects")


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, tuple[str, dict[str, str]]] = {}
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = attributes.get("id", f"form{len(self.forms)}")
            self.forms[self._current] = (attributes.get("action", ""), {})
        elif tag == "input" and self._current is not None and attributes.get("name"):
            self.forms[self._current][1][attributes["name"]] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def parse_forms(html: str) -> dict[str, tuple[str, dict[str, str]]]:
    """``{form id: (action, {input name: value})}`` of an HTML page."""
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


# -- pytest fixture -----------------------------------------------------------------------------


def start_or_skip(provider: OidcProvider) -> OidcProvider:
    """Start ``provider``; skip the test if that is impossible (fail when CI=true)."""
    try:
        return provider.start()
    except OidcProviderUnavailable as error:
        unavailable("the OIDC test provider", error)


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[OidcProvider]:
    """panva/oidc-provider with config.example.json, shared by the whole session."""
    provider = start_or_skip(OidcProvider())
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture
def fresh_oidc_provider() -> Iterator[OidcProvider]:
    """A private provider for one test (key rotation, config changes via ``.config``)."""
    provider = start_or_skip(OidcProvider())
    try:
        yield provider
    finally:
        provider.stop()
