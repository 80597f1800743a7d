"""The test OpenID provider itself: discovery, client credentials, code + PKCE, rotation, logout.

Tokens are decoded here (not verified) except where the signature is checked with the JWKS via
``cryptography``, to prove the published keys really match what signed.
"""

from __future__ import annotations

import base64
import secrets
import urllib.parse
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.oidc.fixture import Browser, HttpError, OidcProvider, jwt_parts, parse_forms, pkce_pair

REDIRECT_URI = "http://127.0.0.1:8000/auth/callback"
LOA_SUBSTANTIAL = "http://eidas.europa.eu/LoA/substantial"


def _b64int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def verify_rs256(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    header, payload = jwt_parts(token)
    assert header["alg"] == "RS256"
    [jwk] = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    assert "d" not in jwk, "private key material published"
    public = rsa.RSAPublicNumbers(_b64int(jwk["e"]), _b64int(jwk["n"])).public_key()
    signing_input, _, signature = token.rpartition(".")
    public.verify(
        base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)),
        signing_input.encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    return payload


def code_flow(
    provider: OidcProvider,
    login: str,
    *,
    scope: str = "openid profile email egov:cases.read",
    browser: Browser | None = None,
) -> tuple[dict[str, Any], str]:
    """Full authorization code + PKCE flow; returns (token response, nonce)."""
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    url = provider.authorize_url(
        "egov-web",
        redirect_uri=REDIRECT_URI,
        scope=scope,
        state=state,
        nonce=nonce,
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    final = provider.login(url, login, stop_at=REDIRECT_URI, browser=browser)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(final).query)
    assert query["state"] == [state]
    assert query["iss"] == [provider.issuer]
    tokens = provider.token_request(
        "egov-web",
        {
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
    )
    return tokens, nonce


def test_discovery(oidc_provider: OidcProvider) -> None:
    meta = oidc_provider.discovery()
    assert meta["issuer"] == oidc_provider.issuer
    assert oidc_provider.issuer.startswith("http://127.0.0.1:")
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "client_credentials" in meta["grant_types_supported"]
    assert meta["end_session_endpoint"] == f"{oidc_provider.issuer}/session/end"
    assert LOA_SUBSTANTIAL in meta["acr_values_supported"]
    assert {"roles", "org_units", "postfach"} <= set(meta["claims_supported"])
    keys = oidc_provider.jwks()["keys"]
    assert [k["kty"] for k in keys] == ["RSA"]
    assert not any("d" in k for k in keys)


def test_client_credentials_jwt_access_token(oidc_provider: OidcProvider) -> None:
    tokens = oidc_provider.client_credentials("portal", scope="egov:intake.submit")
    assert tokens["token_type"] == "Bearer"
    assert tokens["scope"] == "egov:intake.submit"
    header, claims = jwt_parts(tokens["access_token"])
    assert header["alg"] == "RS256"
    assert header["typ"] == "at+jwt"
    assert header["kid"] in {k["kid"] for k in oidc_provider.jwks()["keys"]}
    verify_rs256(tokens["access_token"], oidc_provider.jwks())
    assert claims["aud"] == "egov-api"
    assert claims["iss"] == oidc_provider.issuer
    assert claims["client_id"] == claims["sub"] == "portal"
    assert claims["scope"] == "egov:intake.submit"
    assert claims["roles"] == ["portal"]


def test_client_credentials_post_auth_and_scope_allowlist(oidc_provider: OidcProvider) -> None:
    tokens = oidc_provider.client_credentials("fachverfahren", scope="egov:cases.read")
    assert jwt_parts(tokens["access_token"])[1]["scope"] == "egov:cases.read"
    with pytest.raises(HttpError) as denied:
        oidc_provider.client_credentials("portal", scope="egov:cases.write")
    assert denied.value.status == 400
    assert denied.value.json()["error"] == "invalid_scope"


def test_authorization_code_pkce_flow(oidc_provider: OidcProvider) -> None:
    tokens, nonce = code_flow(oidc_provider, "anna")
    jwks = oidc_provider.jwks()
    id_token = verify_rs256(tokens["id_token"], jwks)
    assert id_token["nonce"] == nonce
    assert id_token["aud"] == "egov-web"
    assert id_token["sub"] == "anna"
    assert id_token["acr"] == LOA_SUBSTANTIAL
    assert id_token["roles"] == ["clerk"]
    assert id_token["org_units"] == ["buero-buergerbudget"]
    assert id_token["name"] == "Anna Sachbearbeiterin"

    access = verify_rs256(tokens["access_token"], jwks)
    assert jwt_parts(tokens["access_token"])[0]["typ"] == "at+jwt"
    assert access["aud"] == "egov-api"
    assert access["sub"] == "anna"
    assert access["client_id"] == "egov-web"
    assert access["scope"] == "egov:cases.read"
    assert access["roles"] == ["clerk"]
    assert access["org_units"] == ["buero-buergerbudget"]
    assert access["acr"] == LOA_SUBSTANTIAL


def test_citizen_claims_and_refresh_token(oidc_provider: OidcProvider) -> None:
    tokens, _ = code_flow(
        oidc_provider, "max", scope="openid profile email offline_access egov:postfach"
    )
    access = jwt_parts(tokens["access_token"])[1]
    assert access["acr"] == "http://eidas.europa.eu/LoA/low"
    assert access["postfach"] == "postfach-max"
    assert access["roles"] == ["citizen"]
    refreshed = oidc_provider.token_request(
        "egov-web", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    again = jwt_parts(refreshed["access_token"])[1]
    assert again["aud"] == "egov-api"
    assert again["acr"] == "http://eidas.europa.eu/LoA/low"
    assert again["scope"] == "egov:postfach"


def test_pkce_is_required(oidc_provider: OidcProvider) -> None:
    url = oidc_provider.authorize_url(
        "egov-web", redirect_uri=REDIRECT_URI, scope="openid", state="s1"
    )
    response = oidc_provider.browser().follow("GET", url, stop_at=REDIRECT_URI)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(response.url).query)
    assert query["error"] == ["invalid_request"]
    assert "PKCE" in query["error_description"][0]


def test_wrong_password_shows_login_again(oidc_provider: OidcProvider) -> None:
    _, challenge = pkce_pair()
    url = oidc_provider.authorize_url(
        "egov-web",
        redirect_uri=REDIRECT_URI,
        scope="openid",
        state="s2",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    browser = oidc_provider.browser()
    page = browser.follow("GET", url, stop_at=REDIRECT_URI)
    action, fields = parse_forms(page.body)["login"]
    assert set(fields) == {"login", "password"}
    fields.update(login="erika", password="wrong")
    again = browser.follow("POST", urllib.parse.urljoin(page.url, action), form=fields)
    assert again.status == 200
    assert "login" in parse_forms(again.body)
    assert 'id="error"' in again.body


def test_key_rotation(fresh_oidc_provider: OidcProvider) -> None:
    provider = fresh_oidc_provider
    browser = provider.browser()
    first, _ = code_flow(provider, "erika", scope="openid", browser=browser)
    before = provider.key_state()
    old_kid = jwt_parts(provider.client_credentials("portal")["access_token"])[0]["kid"]
    assert old_kid == before["signing_kid"]
    assert [k["kid"] for k in provider.jwks()["keys"]] == [old_kid]

    state = provider.rotate_keys()
    new_kid = state["signing_kid"]
    assert new_kid != old_kid
    assert state["published_kids"] == [new_kid, old_kid]
    assert [k["kid"] for k in provider.jwks()["keys"]] == [new_kid, old_kid]
    token = provider.client_credentials("portal")["access_token"]
    assert jwt_parts(token)[0]["kid"] == new_kid
    verify_rs256(token, provider.jwks())
    id_token = code_flow(provider, "erika", scope="openid")[0]["id_token"]
    assert jwt_parts(id_token)[0]["kid"] == new_kid
    # sessions and refresh tokens from before the rotation stay valid
    sso, _ = code_flow(provider, "nobody", scope="openid", browser=browser)
    assert jwt_parts(sso["id_token"])[1]["sub"] == "erika"
    refreshed = provider.token_request(
        "egov-web", {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert jwt_parts(refreshed["access_token"])[0]["kid"] == new_kid

    third = provider.rotate_keys(keep_previous=False)
    assert third["signing_kid"] not in {old_kid, new_kid}
    assert [k["kid"] for k in provider.jwks()["keys"]] == [third["signing_kid"]]


def test_end_session(oidc_provider: OidcProvider) -> None:
    browser = oidc_provider.browser()
    tokens, _ = code_flow(oidc_provider, "erika", scope="openid", browser=browser)
    # single sign-on: the same browser gets a code without seeing the login form again
    code_flow(oidc_provider, "nobody", scope="openid", browser=browser)

    end_session = oidc_provider.discovery()["end_session_endpoint"]
    query = urllib.parse.urlencode(
        {
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "http://127.0.0.1:8000/",
            "state": "bye",
        }
    )
    page = browser.follow("GET", f"{end_session}?{query}")
    assert page.status == 200
    action, fields = parse_forms(page.body)["op.logoutForm"]
    assert set(fields) == {"xsrf"}
    fields["logout"] = "yes"
    done = browser.follow(
        "POST",
        urllib.parse.urljoin(page.url, action),
        form=fields,
        stop_at="http://127.0.0.1:8000/",
    )
    assert done.url == "http://127.0.0.1:8000/?state=bye"

    # session is gone: the next authorization shows the login form again
    _, challenge = pkce_pair()
    url = oidc_provider.authorize_url(
        "egov-web",
        redirect_uri=REDIRECT_URI,
        scope="openid",
        state="s3",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    again = browser.follow("GET", url, stop_at=REDIRECT_URI)
    assert "login" in parse_forms(again.body)
