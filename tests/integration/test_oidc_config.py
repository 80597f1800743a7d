"""The container builds the issuers from EGOV_OIDC_CONFIG (plus the dev IdP) and exposes one
verifier for all of them; the external issuer is a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from egov.container import Container, build
from egov.identity.errors import AuthenticationError
from egov.identity.issuers import OidcConfigError
from egov.identity.model import Role
from egov.identity.tokens import KeyPair
from egov.settings import Settings
from tests.conftest import make_settings
from tests.support.idp import LoopbackIdp


@pytest.fixture(scope="module")
def idp() -> Iterator[LoopbackIdp]:
    server = LoopbackIdp("buerger", [KeyPair.generate()]).start()
    yield server
    server.stop()


def oidc_file(
    tmp_path: Path, idp: LoopbackIdp, clients: dict[str, Any] | None = None, **issuer_changes: Any
) -> Path:
    issuer = {
        "name": "buerger",
        "issuer": idp.issuer,
        "audience": "egov-api",
        "allowed_roles": ["citizen"],
        "required_scopes": ["egov"],
        "claims": {"roles": {"static": ["citizen"]}, "client_id": "azp"},
        **issuer_changes,
    }
    config = {"issuers": [issuer], "clients": clients or {}}
    path = tmp_path / "oidc.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def container_for(tmp_path: Path, **changes: Any) -> Iterator[Container]:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'egov.sqlite3'}")
    container = build(dataclasses.replace(settings, **changes))
    yield container
    container.db.dispose()


@pytest.fixture
def container(tmp_path: Path, idp: LoopbackIdp) -> Iterator[Container]:
    yield from container_for(tmp_path, oidc_config=str(oidc_file(tmp_path, idp)))


def test_the_configured_issuer_and_the_dev_idp_are_accepted_side_by_side(
    container: Container, idp: LoopbackIdp
) -> None:
    assert container.dev_idp is not None
    assert [issuer.name for issuer in container.issuers] == ["buerger", "dev"]

    citizen = container.verifier.verify(idp.token(sub="b-7", scope="openid egov"))
    clerk = container.verifier.verify(container.dev_idp.token_for("anna"))

    assert (citizen.subject, citizen.roles) == ("buerger:b-7", frozenset({Role.CITIZEN}))
    assert clerk.roles == frozenset({Role.CLERK})


def test_the_dev_portal_gets_its_procedures_from_the_demo_client_registration(
    container: Container,
) -> None:
    assert container.dev_idp is not None
    portal = container.verifier.verify(container.dev_idp.token_for("portal"))

    assert portal.is_client and portal.may_use_procedure("anything")


def test_a_client_of_an_issuer_that_does_not_allow_clients_stops_the_build(
    tmp_path: Path, idp: LoopbackIdp
) -> None:
    path = oidc_file(tmp_path, idp, clients={"portal-b": {"issuer": "buerger"}})

    with pytest.raises(OidcConfigError, match=r"clients\.portal-b\.issuer: 'buerger' grants no"):
        list(container_for(tmp_path, oidc_config=str(path)))


def test_a_citizen_token_naming_a_portal_as_its_client_stays_a_citizen(
    container: Container, idp: LoopbackIdp
) -> None:
    citizen = container.verifier.verify(idp.token(sub="svc", azp="portal", scope="egov"))

    assert citizen.is_citizen and not citizen.is_client  # `portal` is a client of `dev` only
    assert citizen.subject == "buerger:svc"


def test_a_citizen_issuer_token_signed_by_the_dev_idp_key_is_refused(
    container: Container, idp: LoopbackIdp
) -> None:
    assert container.dev_idp is not None
    forged = idp.token(key=container.dev_idp.key, scope="egov")

    with pytest.raises(AuthenticationError) as caught:
        container.verifier.verify(forged)

    assert caught.value.code == "token-unknown-key"


def test_without_the_dev_idp_only_the_configured_issuers_are_accepted(
    tmp_path: Path, idp: LoopbackIdp
) -> None:
    path = oidc_file(tmp_path, idp)
    for container in container_for(tmp_path, oidc_config=str(path), dev_idp=False):
        assert [issuer.name for issuer in container.issuers] == ["buerger"]
        assert container.verifier.verify(idp.token(scope="egov")).is_citizen


def test_the_oidc_config_setting_is_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {"EGOV_OIDC_CONFIG": "/etc/egov/oidc.json", "EGOV_OIDC_JWKS_COOLDOWN_SECONDS": "5"}
    )

    assert settings.oidc_config == "/etc/egov/oidc.json"
    assert settings.oidc_jwks_cooldown_seconds == 5.0


def test_a_broken_configuration_stops_the_build_naming_the_key(
    tmp_path: Path, idp: LoopbackIdp
) -> None:
    path = oidc_file(tmp_path, idp, algorithms=["HS256"])

    with pytest.raises(OidcConfigError, match=r"issuers\[0\]\.algorithms"):
        list(container_for(tmp_path, oidc_config=str(path)))


def test_the_legacy_issuer_and_jwks_url_settings_still_work_without_a_config_file(
    tmp_path: Path, idp: LoopbackIdp
) -> None:
    changes = {
        "dev_idp": False,
        "token_issuer": idp.issuer,
        "jwks_url": idp.base + idp.jwks_path,
    }
    for container in container_for(tmp_path, **changes):
        principal = container.verifier.verify(idp.token(sub="legacy", roles=["clerk"]))
        assert principal.roles == frozenset({Role.CLERK})
