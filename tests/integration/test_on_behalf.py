"""A portal files a JSON application for a citizen it authenticated: with its own
client-credentials token and the citizen's identity in an applicant assertion it signed
(header Egov-Applicant-Assertion), verified against the portal's JWKS over real HTTP. The
case is the citizen's, the audit trail names both; identity is never taken from the body."""

from __future__ import annotations

import base64
import dataclasses
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from egov.app import create_app
from egov.container import Container
from egov.identity.tokens import KeyPair, TokenSettings, issue_token
from tests.builders import proposal
from tests.conftest import Api, make_settings
from tests.support.idp import LoopbackIdp

AUDIENCE = "egov-api"
HEADER = "Egov-Applicant-Assertion"
EIDAS = "http://eidas.europa.eu/LoA/"
ERIKA = {"sub": "erika", "name": "Erika Mustermann", "acr": EIDAS + "substantial"}


@pytest.fixture(scope="module")
def machines() -> Iterator[LoopbackIdp]:
    """The issuer of the portals' client-credentials tokens."""
    idp = LoopbackIdp("maschinen", [KeyPair.generate()]).start()
    yield idp
    idp.stop()


@pytest.fixture(scope="module")
def portal_keys() -> Iterator[LoopbackIdp]:
    """The portal's own signing keys, published as its JWKS."""
    idp = LoopbackIdp("portal", [KeyPair.generate()]).start()
    yield idp
    idp.stop()


def on_behalf(portal_keys: LoopbackIdp) -> dict[str, Any]:
    return {
        "issuer": portal_keys.issuer,
        "jwks_uri": portal_keys.base + portal_keys.jwks_path,
        "audience": AUDIENCE,
        "subject_namespace": "dev",  # its citizens log in at the dev IdP to see their cases
        "max_lifetime_seconds": 300,
    }


def oidc_config(machines: LoopbackIdp, portal_keys: LoopbackIdp) -> dict[str, Any]:
    issuer = {
        "name": "maschinen",
        "issuer": machines.issuer,
        "audience": AUDIENCE,
        "allowed_roles": ["client"],
        "claims": {"roles": {"static": []}, "client_id": "azp"},
    }
    client = {"issuer": "maschinen", "procedures": ["buergerbudget"], "postfach_namespace": "dev"}
    return {
        "issuers": [issuer],
        "clients": {
            "portal": {
                **client,
                "scopes": ["applications:write"],
                "on_behalf": on_behalf(portal_keys),
            },
            "xml-portal": {
                **client,
                "scopes": ["submissions:write"],
                "on_behalf": on_behalf(portal_keys),
            },
            "plain-client": {**client, "scopes": ["applications:write"]},
        },
    }


@pytest.fixture
def app(
    database_url: str, tmp_path: Path, machines: LoopbackIdp, portal_keys: LoopbackIdp
) -> Iterator[Flask]:
    config = tmp_path / "oidc.json"
    config.write_text(json.dumps(oidc_config(machines, portal_keys)))
    settings = make_settings(tmp_path / "var", database_url)
    application = create_app(dataclasses.replace(settings, oidc_config=str(config)))
    yield application
    application.extensions["egov"].db.dispose()


def assertion(
    keys: LoopbackIdp,
    *,
    key: KeyPair | None = None,
    audience: str = AUDIENCE,
    lifetime: int = 120,
    issued: int | None = None,
    **claims: Any,
) -> str:
    body = {**ERIKA, "azp": "portal", **claims}
    settings = TokenSettings(issuer=keys.issuer, audience=audience)
    return issue_token(key or keys.keys[0], settings, body, lifetime_seconds=lifetime, now=issued)


def file(api: Api, machines: LoopbackIdp, client: str = "portal", signed: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {machines.token(sub='svc-' + client, azp=client)}"}
    if signed is not None:
        headers[HEADER] = signed
    return api.client.post("/api/v1/applications", json=proposal(), headers=headers)


def refusal(response: Any) -> tuple[int, str]:
    return response.status_code, response.get_json()["code"]


def test_a_portal_files_for_a_citizen_who_then_owns_the_case(
    api: Api, container: Container, machines: LoopbackIdp, portal_keys: LoopbackIdp
) -> None:
    response = file(api, machines, signed=assertion(portal_keys))

    assert response.status_code == 201, response.get_json()
    case_id = response.get_json()["case_id"]
    mine = api.get("/me/cases", "erika").get_json()["items"]
    assert [c["id"] for c in mine] == [case_id]
    assert api.get(f"/me/cases/{case_id}", "max").status_code == 404


def test_the_audit_trail_names_the_citizen_and_the_portal(
    api: Api, machines: LoopbackIdp, portal_keys: LoopbackIdp
) -> None:
    case_id = file(api, machines, signed=assertion(portal_keys)).get_json()["case_id"]

    events = api.get(f"/cases/{case_id}/events", "admin").get_json()["items"]
    opened = next(e for e in events if e["action"] == "case.opened")
    assert opened["actor"] == "dev:erika via maschinen:portal"
    received = next(e for e in events if e["action"] == "submission.received")
    assert received["actor"] == "dev:erika via maschinen:portal"


def test_the_applicant_and_the_level_come_from_the_assertion_not_the_body(
    api: Api, machines: LoopbackIdp, portal_keys: LoopbackIdp
) -> None:
    headers = {
        "Authorization": f"Bearer {machines.token(sub='svc-portal', azp='portal')}",
        HEADER: assertion(portal_keys, name="Erika Beispiel"),
    }
    body = {**proposal(), "applicant": {"name": "Max Fälscher", "vertrauensniveau": "high"}}
    response = api.client.post("/api/v1/applications", json=body, headers=headers)

    case = api.get(f"/cases/{response.get_json()['case_id']}", "admin").get_json()
    assert (case["applicant_name"], case["vertrauensniveau"]) == ("Erika Beispiel", "substantial")


def test_an_expired_assertion_is_refused(
    api: Api, machines: LoopbackIdp, portal_keys: LoopbackIdp
) -> None:
    old = assertion(portal_keys, issued=int(time.time()) - 600, lifetime=120)

    assert refusal(file(api, machines, signed=old)) == (401, "assertion-expired")


def test_an_assertion_that_would_live_longer_than_allowed_is_refused(
    api: Api, machines: LoopbackIdp, portal_keys: LoopbackIdp
) -> None:
    lasting = assertion(portal_keys, lifetime=3600)

    assert refusal(file(api, machines, signed=lasting)) == (401, "assertion-expired")


def test_an_altered_assertion_is_refused(
    api: Api, machines: LoopbackIdp, portal_keys: LoopbackIdp
) -> None:
    header, payload, signature = assertion(portal_keys).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "max"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    assert refusal(file(api, machines, signed=f"{header}.{forged}.{signature}")) == (
        401,
        "assertion-invalid",
    )


def test_an_assertion_signed_with_a_key_the_portal_does_not_publish_is_refused(
    api: Api, machines: LoopbackIdp, portal_keys: LoopbackIdp
) -> None:
    stranger = assertion(portal_keys, key=KeyPair.generate())

    assert refusal(file(api, machines, signed=stranger)) == (401, "assertion-invalid")


def test_an_assertion_for_another_audience_is_refused(
    api: Api, machines: LoopbackIdp, portal_keys: LoopbackIdp
) -> None:
    elsewhere = assertion(portal_keys, audience="other-api")

    assert refusal(file(api, machines, signed=elsewhere)) == (401, "assertion-audience-invalid")


def test_an_assertion_made_for_another_portal_is_refused(
    api: Api, machines: LoopbackIdp, portal_keys: LoopbackIdp
) -> None:
    theirs = assertion(portal_keys, azp="xml-portal")

    assert refusal(file(api, machines, signed=theirs)) == (401, "assertion-invalid")


def test_a_portal_without_an_assertion_is_refused(api: Api, machines: LoopbackIdp) -> None:
    assert refusal(file(api, machines)) == (401, "assertion-missing")


def test_a_portal_without_the_scope_is_refused(
    api: Api, machines: LoopbackIdp, portal_keys: LoopbackIdp
) -> None:
    signed = assertion(portal_keys, azp="xml-portal")

    assert refusal(file(api, machines, "xml-portal", signed)) == (403, "insufficient-scope")


def test_a_client_not_set_up_to_file_for_citizens_is_refused(
    api: Api, machines: LoopbackIdp, portal_keys: LoopbackIdp
) -> None:
    signed = assertion(portal_keys, azp="plain-client")

    assert refusal(file(api, machines, "plain-client", signed)) == (403, "on-behalf-not-allowed")


def test_a_citizen_whose_level_is_too_low_for_the_procedure_is_refused(
    api: Api, machines: LoopbackIdp, portal_keys: LoopbackIdp
) -> None:
    low = assertion(portal_keys, acr=EIDAS + "low")

    assert refusal(file(api, machines, signed=low)) == (422, "assurance-level-too-low")


def test_nothing_is_filed_when_the_assertion_is_refused(
    api: Api, container: Container, machines: LoopbackIdp, portal_keys: LoopbackIdp
) -> None:
    file(api, machines, signed=assertion(portal_keys, audience="other-api"))

    assert api.get("/me/cases", "erika").get_json()["items"] == []
