"""Each frontend logs in at the issuers of its audience (egov/ui/access.py): the portal at one
that may grant `citizen`, the workspace at one that may grant `clerk` or `admin`; the page's
policy lets the logout reach both providers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from egov.app import create_app


def issuer(name: str, url: str, roles: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "issuer": url,
        "audience": "egov-api",
        "allowed_roles": roles,
        "jwks_uri": f"{url}/certs",
        "browser": {
            "client_id": "egov-web",
            "client_secret_env": f"EGOV_TEST_{name.upper()}_SECRET",
            "redirect_uri": f"http://127.0.0.1:8000/auth/callback/{name}",
        },
    }


@pytest.fixture
def two_issuers(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Citizens log in at `buerger` (BundID-like), staff at `rathaus`; the dev IdP stays on."""
    config = {
        "issuers": [
            issuer("buerger", "https://id.buerger.example/realms/buerger", ["citizen"]),
            issuer("rathaus", "https://sso.rathaus.example/realms/staff", ["clerk", "admin"]),
        ]
    }
    path = tmp_path / "oidc.json"
    path.write_text(json.dumps(config))
    monkeypatch.setenv("EGOV_TEST_BUERGER_SECRET", "s1")
    monkeypatch.setenv("EGOV_TEST_RATHAUS_SECRET", "s2")
    other = create_app(replace(app.extensions["egov"].settings, oidc_config=str(path)))
    yield other
    other.extensions["egov"].db.dispose()


def test_the_portal_offers_the_citizens_login(two_issuers: Flask) -> None:
    html = two_issuers.test_client().get("/").get_data(as_text=True)

    assert 'href="/auth/login/buerger?next=/"' in html
    assert "/auth/login/rathaus" not in html


def test_the_workspace_sends_to_the_staff_login(two_issuers: Flask) -> None:
    response = two_issuers.test_client().get("/arbeitsplatz")

    assert response.status_code == 303
    assert response.location == "/auth/login/rathaus?next=/arbeitsplatz"


def test_the_policy_lets_forms_reach_both_providers(two_issuers: Flask) -> None:
    policy = two_issuers.test_client().get("/").headers["Content-Security-Policy"]

    assert "form-action 'self' http://127.0.0.1:8000 https://id.buerger.example " in policy
    assert "https://sso.rathaus.example;" in policy
