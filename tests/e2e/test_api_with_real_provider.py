"""Bearer tokens minted by a real OpenID provider (oidc-provider on loopback) at the API:
client credentials, users, key rotation with exactly one refetch, issuers kept apart."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from egov.app import create_app
from tests.builders import example
from tests.conftest import make_settings
from tests.oidc.fixture import OidcProvider, http_json, pkce_pair, start_or_skip

REDIRECT = "http://127.0.0.1:8000/auth/callback"


def egov_config(provider: OidcProvider, allowed_roles: list[str]) -> dict[str, Any]:
    return {
        "issuers": [
            {
                "name": "stadt",
                "issuer": provider.issuer,
                "audience": "egov-api",
                "algorithms": ["RS256"],
                "allowed_roles": allowed_roles,
                "claims": {
                    "subject": "sub",
                    "name": "name",
                    "email": "email",
                    "postfach": "postfach",
                    "org_units": "org_units",
                    "vertrauensniveau": "acr",
                    "client_id": "client_id",
                    "roles": {"claim": "roles"},
                },
            }
        ],
        "clients": (
            {"portal": {"procedures": ["*"], "scopes": ["submissions:write"]}}
            if "client" in allowed_roles
            else {}
        ),
    }


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    started = start_or_skip(OidcProvider(redirect_uris=[REDIRECT]))
    yield started
    started.stop()


def make_app(tmp_path: Path, database_url: str, config: dict[str, Any]) -> Flask:
    path = tmp_path / "oidc.json"
    path.write_text(json.dumps(config))
    settings = make_settings(tmp_path / "var", database_url)
    return create_app(settings.__class__(**{**settings.__dict__, "oidc_config": str(path)}))


def user_access_token(provider: OidcProvider, login: str) -> str:
    verifier, challenge = pkce_pair()
    url = provider.authorize_url(
        "egov-web",
        redirect_uri=REDIRECT,
        scope="openid profile",
        state="s",
        nonce="n",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    back = provider.login(url, login, stop_at=REDIRECT)
    code = urllib.parse.parse_qs(urllib.parse.urlparse(back).query)["code"][0]
    tokens = provider.token_request(
        "egov-web",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
    )
    return str(tokens["access_token"])


def call(app: Flask, method: str, path: str, token: str, **kwargs: Any) -> Any:
    return app.test_client().open(
        f"/api/v1{path}", method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_portal_submits_with_a_client_credentials_token_of_the_real_provider(
    provider: OidcProvider, tmp_path: Path, database_url: str
) -> None:
    app = make_app(tmp_path, database_url, egov_config(provider, ["citizen", "clerk", "client"]))
    token = provider.client_credentials("portal", scope="submissions:write")["access_token"]
    response = call(
        app,
        "POST",
        "/submissions",
        token,
        data=example("buergerbudget-zwei-anhaenge.xml"),
        content_type="application/xml",
    )
    assert response.status_code == 201, response.get_json()
    assert call(app, "GET", "/tasks", token).status_code == 403  # a client is no clerk
    app.extensions["egov"].db.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_clerk_logged_in_at_the_real_provider_works_the_inbox(
    provider: OidcProvider, tmp_path: Path, database_url: str
) -> None:
    app = make_app(tmp_path, database_url, egov_config(provider, ["citizen", "clerk", "client"]))
    token = user_access_token(provider, "anna")
    response = call(app, "GET", "/tasks", token)
    assert response.status_code == 200, response.get_json()
    app.extensions["egov"].db.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_clerk_token_from_an_issuer_allowed_only_citizens_is_refused(
    provider: OidcProvider, tmp_path: Path, database_url: str
) -> None:
    app = make_app(tmp_path, database_url, egov_config(provider, ["citizen"]))
    response = call(app, "GET", "/tasks", user_access_token(provider, "anna"))
    assert response.status_code == 401
    assert response.get_json()["code"] == "token-role-not-allowed"
    app.extensions["egov"].db.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_after_key_rotation_the_new_key_is_fetched_exactly_once(
    provider: OidcProvider, tmp_path: Path, database_url: str
) -> None:
    app = make_app(tmp_path, database_url, egov_config(provider, ["citizen", "clerk", "client"]))
    keys = app.extensions["egov"].verifier.keys["stadt"]
    first = provider.client_credentials("portal", scope="submissions:write")["access_token"]
    assert call(app, "GET", "/me/messages", first).status_code == 403  # authenticated
    fetches_before = keys.fetch_count

    provider.rotate_keys()
    rotated = provider.client_credentials("portal", scope="submissions:write")["access_token"]
    for _ in range(5):
        assert call(app, "GET", "/me/messages", rotated).status_code == 403
        assert call(app, "GET", "/me/messages", first).status_code == 403

    assert keys.fetch_count - fetches_before == 1  # the JWKS once, not once per request
    app.extensions["egov"].db.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_token_signed_by_the_dev_idp_but_naming_the_real_issuer_is_refused(
    provider: OidcProvider, tmp_path: Path, database_url: str
) -> None:
    app = make_app(tmp_path, database_url, egov_config(provider, ["citizen", "clerk", "client"]))
    container = app.extensions["egov"]
    forged_settings = container.token_settings.__class__(
        issuer=provider.issuer, audience="egov-api"
    )
    from egov.identity.tokens import issue_token

    forged = issue_token(
        container.dev_idp.key,
        forged_settings,
        {"sub": "anna", "roles": ["clerk"], "org_units": ["buero-buergerbudget"]},
    )
    response = call(app, "GET", "/tasks", forged)
    assert response.status_code == 401
    assert response.get_json()["code"] in {"token-unknown-key", "token-signature-invalid"}
    assert http_json("GET", provider.issuer + "/.well-known/openid-configuration")["issuer"]
    container.db.dispose()
