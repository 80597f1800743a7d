"""A portal files for a citizen with a client-credentials token of a real OpenID provider
(oidc-provider on loopback) and an applicant assertion signed with its own key, published as
a JWKS on another loopback port: the case is the citizen's; without the scope, refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from egov.identity.tokens import KeyPair, TokenSettings, issue_token
from tests.builders import proposal
from tests.e2e.test_api_with_real_provider import egov_config, make_app
from tests.oidc.fixture import OidcProvider, start_or_skip
from tests.support.idp import LoopbackIdp

REDIRECT = "http://127.0.0.1:8000/auth/callback"


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    started = start_or_skip(OidcProvider(redirect_uris=[REDIRECT]))
    yield started
    started.stop()


@pytest.fixture
def portal_keys() -> Iterator[LoopbackIdp]:
    idp = LoopbackIdp("portal", [KeyPair.generate()]).start()
    yield idp
    idp.stop()


def on_behalf_config(provider: OidcProvider, keys: LoopbackIdp) -> dict[str, Any]:
    config = egov_config(provider, ["citizen", "clerk", "client"])
    config["clients"]["portal"] = {
        "procedures": ["buergerbudget"],
        "scopes": ["submissions:write", "applications:write"],
        "on_behalf": {
            "issuer": keys.issuer,
            "jwks_uri": keys.base + keys.jwks_path,
            "audience": "egov-api",
            "subject_namespace": "dev",
        },
    }
    return config


def applicant_assertion(keys: LoopbackIdp) -> str:
    claims = {
        "sub": "erika",
        "azp": "portal",
        "name": "Erika Mustermann",
        "acr": "http://eidas.europa.eu/LoA/substantial",
    }
    settings = TokenSettings(issuer=keys.issuer, audience="egov-api")
    return issue_token(keys.keys[0], settings, claims, lifetime_seconds=120)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_portal_of_the_real_provider_files_for_a_citizen_who_then_sees_the_case(
    provider: OidcProvider, portal_keys: LoopbackIdp, tmp_path: Path, database_url: str
) -> None:
    app = make_app(tmp_path, database_url, on_behalf_config(provider, portal_keys))
    token = provider.client_credentials("portal", scope="applications:write")["access_token"]
    headers = {
        "Authorization": f"Bearer {token}",
        "Egov-Applicant-Assertion": applicant_assertion(portal_keys),
    }

    filed = app.test_client().post("/api/v1/applications", json=proposal(), headers=headers)

    assert filed.status_code == 201, filed.get_json()
    erika = app.extensions["egov"].dev_idp.token_for("erika")
    mine = app.test_client().get("/api/v1/me/cases", headers={"Authorization": f"Bearer {erika}"})
    assert [c["id"] for c in mine.get_json()["items"]] == [filed.get_json()["case_id"]]
    app.extensions["egov"].db.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_portal_token_without_the_applications_scope_is_refused(
    provider: OidcProvider, portal_keys: LoopbackIdp, tmp_path: Path, database_url: str
) -> None:
    app = make_app(tmp_path, database_url, on_behalf_config(provider, portal_keys))
    token = provider.client_credentials("portal", scope="submissions:write")["access_token"]
    headers = {
        "Authorization": f"Bearer {token}",
        "Egov-Applicant-Assertion": applicant_assertion(portal_keys),
    }

    refused = app.test_client().post("/api/v1/applications", json=proposal(), headers=headers)

    assert (refused.status_code, refused.get_json()["code"]) == (403, "insufficient-scope")
    app.extensions["egov"].db.dispose()
