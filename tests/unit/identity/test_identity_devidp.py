from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from egov.identity.devidp import DevIdentityProvider, create_blueprint, ensure_allowed
from egov.identity.errors import AuthenticationError
from egov.identity.model import Principal, Role, Vertrauensniveau
from egov.identity.tokens import KeyPair, TokenSettings, principal_from_claims, validate_token
from egov.identity.users import DEMO_USERS, demo_org_units, demo_users
from egov.triage.model import ORG_UNITS

from .conftest import ISSUER


@pytest.fixture
def idp(key_pair: KeyPair, settings: TokenSettings) -> DevIdentityProvider:
    return DevIdentityProvider(key_pair, settings, demo_users())


@pytest.fixture
def client(idp: DevIdentityProvider) -> Iterator[FlaskClient]:
    app = Flask(__name__)
    app.register_blueprint(create_blueprint(idp), url_prefix="/dev-idp")
    with app.test_client() as test_client:
        yield test_client


def _principal_of(token: str, idp: DevIdentityProvider) -> Principal:
    return principal_from_claims(validate_token(token, idp.jwks(), idp.settings), "dev")


def test_ensure_allowed_refuses_production() -> None:
    with pytest.raises(RuntimeError, match="never run in production"):
        ensure_allowed("production")
    with pytest.raises(RuntimeError):
        ensure_allowed(" Production ")


@pytest.mark.parametrize("env", ["development", "test", "demo"])
def test_ensure_allowed_accepts_non_production_environments(env: str) -> None:
    ensure_allowed(env)


def test_token_for_issues_a_valid_token_for_a_demo_user(idp: DevIdentityProvider) -> None:
    principal = _principal_of(idp.token_for("anna"), idp)

    assert principal.is_clerk
    assert principal.org_units == frozenset({"buero-buergerbudget"})


def test_token_for_an_unknown_user_is_refused(idp: DevIdentityProvider) -> None:
    with pytest.raises(AuthenticationError) as caught:
        idp.token_for("mallory")
    assert caught.value.code == "unknown-user"


def test_discovery_document_points_to_jwks_and_token_endpoint(client: FlaskClient) -> None:
    response = client.get("/dev-idp/.well-known/openid-configuration")

    assert response.status_code == 200
    body = response.get_json()
    assert body["issuer"] == ISSUER
    assert body["jwks_uri"] == f"{ISSUER}/jwks.json"
    assert body["token_endpoint"] == f"{ISSUER}/token"
    assert body["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(body["grant_types_supported"]) == {"password", "client_credentials"}


def test_jwks_endpoint_publishes_the_public_key(client: FlaskClient, key_pair: KeyPair) -> None:
    response = client.get("/dev-idp/jwks.json")

    assert response.status_code == 200
    assert response.get_json() == key_pair.jwks()


def test_password_grant_returns_a_bearer_token_for_the_user(
    client: FlaskClient, idp: DevIdentityProvider
) -> None:
    response = client.post(
        "/dev-idp/token",
        data={"grant_type": "password", "username": "erika", "password": "erika"},
    )

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    principal = _principal_of(body["access_token"], idp)
    assert principal.subject == "dev:erika"
    assert principal.vertrauensniveau is Vertrauensniveau.SUBSTANTIAL


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "password", "username": "erika", "password": "wrong"},
        {"grant_type": "password", "username": "mallory", "password": "mallory"},
        {"grant_type": "password", "username": "portal", "password": "portal"},
    ],
)
def test_password_grant_with_bad_credentials_is_invalid_grant(
    client: FlaskClient, form: dict[str, str]
) -> None:
    response = client.post("/dev-idp/token", data=form)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_password_grant_without_credentials_is_invalid_request(client: FlaskClient) -> None:
    response = client.post("/dev-idp/token", data={"grant_type": "password"})

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_client_credentials_grant_returns_a_client_token(
    client: FlaskClient, idp: DevIdentityProvider
) -> None:
    response = client.post(
        "/dev-idp/token",
        data={"grant_type": "client_credentials", "client_id": "portal", "client_secret": "portal"},
    )

    assert response.status_code == 200
    principal = _principal_of(response.get_json()["access_token"], idp)
    assert principal.roles == frozenset({Role.CLIENT})
    assert principal.may_use_procedure("irgendein-verfahren")


def test_client_credentials_grant_accepts_http_basic_authentication(client: FlaskClient) -> None:
    basic = base64.b64encode(b"portal:portal").decode()
    response = client.post(
        "/dev-idp/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "client_credentials", "client_id": "portal", "client_secret": "x"},
        {"grant_type": "client_credentials", "client_id": "erika", "client_secret": "erika"},
        {"grant_type": "client_credentials"},
    ],
)
def test_client_credentials_grant_with_bad_credentials_is_invalid_client(
    client: FlaskClient, form: dict[str, str]
) -> None:
    response = client.post("/dev-idp/token", data=form)

    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


@pytest.mark.parametrize("grant_type", ["authorization_code", "implicit"])
def test_other_grant_types_are_unsupported(client: FlaskClient, grant_type: str) -> None:
    response = client.post("/dev-idp/token", data={"grant_type": grant_type})

    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_grant_type"


def test_missing_grant_type_is_invalid_request(client: FlaskClient) -> None:
    response = client.post("/dev-idp/token", data={})

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_token_endpoint_only_accepts_post(client: FlaskClient) -> None:
    assert client.get("/dev-idp/token").status_code == 405


def test_every_demo_user_maps_to_a_valid_principal(idp: DevIdentityProvider) -> None:
    principals = {name: _principal_of(idp.token_for(name), idp) for name in DEMO_USERS}

    assert principals["erika"].satisfies(Vertrauensniveau.SUBSTANTIAL)
    assert principals["max"].vertrauensniveau is Vertrauensniveau.LOW
    assert principals["ben"].org_units == frozenset({"fachdienst-stadtplanung"})
    assert principals["admin"].is_admin
    assert principals["portal"].is_client


def test_demo_users_belong_to_known_org_units() -> None:
    known = {unit for unit, _ in demo_org_units()}
    assert known == {
        "buero-buergerbudget",
        "fachdienst-stadtplanung",
        "fachdienst-stadtgruen",
        "untere-bauaufsicht",
        "buergeramt",
        "ordnungsamt",
        "strassen-verkehr",
        "allgemein",
    }
    for claims in DEMO_USERS.values():
        assert set(claims.get("org_units", [])) <= known


def test_the_demo_units_are_named_as_the_triage_categories() -> None:
    assert sorted(name for _, name in demo_org_units()) == sorted(ORG_UNITS)


def test_demo_users_copy_is_independent() -> None:
    copy = demo_users()
    copy["erika"]["roles"].append("admin")
    assert DEMO_USERS["erika"]["roles"] == ["citizen"]
