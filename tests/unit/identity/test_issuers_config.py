"""The OIDC configuration file: the documented example parses, every mistake names its key."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from egov.identity.builtin_issuers import dev_clients, dev_issuer, single_issuer
from egov.identity.claims import ClaimMapping, RoleSource
from egov.identity.issuers import (
    DEV_ISSUER_NAME,
    ClientConfig,
    OidcConfigError,
    load_issuers,
    parse_issuers,
)
from egov.identity.model import Role
from egov.identity.tokens import TokenSettings
from egov.identity.users import DEMO_USERS

EXAMPLE: dict[str, Any] = {
    "_comment": "comments are keys starting with an underscore",
    "issuers": [
        {
            "name": "buerger",
            "issuer": "https://id.example/realms/buerger",
            "audience": "egov-api",
            "algorithms": ["RS256"],
            "allowed_roles": ["citizen"],
            "required_scopes": ["egov"],
            "claims": {
                "subject": "sub",
                "name": "name",
                "email": "email",
                "postfach": "postfach",
                "roles": {"static": ["citizen"]},
                "org_units": None,
                "vertrauensniveau": "acr",
            },
            "browser": {
                "client_id": "egov-web",
                "client_secret_env": "EGOV_OIDC_BUERGER_SECRET",
                "redirect_uri": "https://egov.example/auth/callback/buerger",
                "scopes": ["openid", "profile", "email"],
                "post_logout_redirect_uri": "https://egov.example/",
            },
        },
        {
            "name": "verwaltung",
            "issuer": "https://id.example/realms/verwaltung",
            "audience": "egov-api",
            "allowed_roles": ["clerk", "admin", "client"],
            "claims": {
                "roles": {"claim": "realm_access.roles", "map": {"egov-clerk": "clerk"}},
                "client_id": "azp",
            },
        },
    ],
    "clients": {"portal": {"procedures": ["*"], "scopes": ["egov.submit"]}},
}


def with_change(path: str, value: Any) -> dict[str, Any]:
    """A copy of EXAMPLE with the dotted ``path`` (list indices as numbers) set to ``value``."""
    data = copy.deepcopy(EXAMPLE)
    *parents, last = path.split(".")
    target: Any = data
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    target[last] = value
    return data


def error_of(data: Any) -> str:
    with pytest.raises(OidcConfigError) as caught:
        parse_issuers(data)
    return str(caught.value)


def test_the_documented_example_parses_into_issuers_and_clients() -> None:
    issuers = parse_issuers(EXAMPLE)

    buerger = issuers.named("buerger")
    assert buerger.allowed_roles == frozenset({Role.CITIZEN})
    assert buerger.required_scopes == frozenset({"egov"})
    assert buerger.claims.roles == RoleSource(static=frozenset({Role.CITIZEN}))
    assert buerger.claims.org_units is None
    assert buerger.browser is not None and buerger.browser.scopes[0] == "openid"
    verwaltung = issuers.for_iss("https://id.example/realms/verwaltung")
    assert verwaltung is not None
    assert verwaltung.claims.roles.map == {"egov-clerk": Role.CLERK}
    assert verwaltung.claims.client_id == "azp"
    assert verwaltung.algorithms == ("RS256",)
    assert verwaltung.leeway_seconds == 30
    # a client belongs to the one issuer that may grant role client
    assert issuers.client("verwaltung", "portal") == ClientConfig(
        frozenset({"*"}), frozenset({"egov.submit"})
    )
    assert issuers.client("buerger", "portal") is None


def test_omitted_claims_use_the_standard_names() -> None:
    issuers = parse_issuers(EXAMPLE)

    assert issuers.named("verwaltung").claims.email == "email"
    assert issuers.named("verwaltung").claims.subject == "sub"


def test_an_issuer_is_found_only_by_its_exact_url() -> None:
    issuers = parse_issuers(EXAMPLE)

    assert issuers.for_iss("https://id.example/realms/buerger/") is None
    assert issuers.for_iss(None) is None


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("issuers.0.audiance", "x", "issuers[0].audiance: unknown key"),
        ("issuers.0.algorithms", ["HS256"], "issuers[0].algorithms: 'HS256' not allowed"),
        ("issuers.0.algorithms", ["none"], "issuers[0].algorithms: 'none' not allowed"),
        ("issuers.0.algorithms", [], "issuers[0].algorithms: name at least one"),
        ("issuers.0.allowed_roles", ["mayor"], "issuers[0].allowed_roles[0]: 'mayor' is not"),
        ("issuers.0.issuer", "ftp://id.example", "issuers[0].issuer: expected an http(s) URL"),
        ("issuers.0.name", "Bürger", "issuers[0].name: use a-z"),
        ("issuers.0.audience", "", "issuers[0].audience: expected a non-empty string"),
        ("issuers.0.required_scopes", "egov", "issuers[0].required_scopes: expected a list"),
        ("issuers.0.leeway_seconds", -1, "issuers[0].leeway_seconds: expected a non-negative"),
        ("issuers.0.claims.rolez", {}, "issuers[0].claims.rolez: unknown key"),
        (
            "issuers.1.claims.roles.map",
            {"egov-clerk": "sachbearbeiter"},
            "issuers[1].claims.roles.map.egov-clerk: 'sachbearbeiter' is not a role",
        ),
        (
            "issuers.0.claims.roles",
            {"static": ["citizen"], "claim": "roles"},
            "issuers[0].claims.roles: give either 'claim'",
        ),
        ("issuers.0.claims.roles", {}, "issuers[0].claims.roles: give either 'claim'"),
        ("issuers.0.browser.client_secret", "s3cr3t", "issuers[0].browser.client_secret: unknown"),
        ("issuers.0.browser.redirect_uri", None, "issuers[0].browser.redirect_uri: required"),
        ("clients.portal.procedure", ["*"], "clients.portal.procedure: unknown key"),
        ("clients.portal", ["*"], "clients.portal: expected an object"),
        ("issuers", [], "issuers: required"),
    ],
)
def test_a_bad_configuration_is_refused_naming_the_key(path: str, value: Any, message: str) -> None:
    assert message in error_of(with_change(path, value))


def test_a_missing_allowed_roles_is_refused_because_it_decides_who_may_be_what() -> None:
    data = copy.deepcopy(EXAMPLE)
    del data["issuers"][0]["allowed_roles"]

    assert "issuers[0].allowed_roles: required" in error_of(data)


def test_two_issuers_with_the_same_name_or_url_are_refused() -> None:
    same_name = with_change("issuers.1.name", "buerger")
    same_url = with_change("issuers.1.issuer", "https://id.example/realms/buerger")

    assert "name 'buerger' configured twice" in error_of(same_name)
    assert "configured twice" in error_of(same_url)


def test_a_browser_client_that_is_also_a_technical_client_is_refused() -> None:
    data = with_change("issuers.1.browser", EXAMPLE["issuers"][0]["browser"])
    data["clients"]["egov-web"] = {"procedures": ["*"]}

    assert "issuers[1].browser.client_id: 'egov-web' is also a technical client" in error_of(data)


def test_a_client_names_its_issuer_when_several_issuers_grant_role_client() -> None:
    data = with_change("issuers.0.allowed_roles", ["citizen", "client"])

    assert "clients.portal.issuer: required, since 2 issuers may grant" in error_of(data)
    data["clients"]["portal"]["issuer"] = "buerger"
    assert parse_issuers(data).client("buerger", "portal") is not None
    assert parse_issuers(data).client("verwaltung", "portal") is None


def test_a_client_of_an_issuer_that_grants_no_client_role_is_refused() -> None:
    data = with_change("clients.portal.issuer", "buerger")

    assert "clients.portal.issuer: 'buerger' grants no role client" in error_of(data)


@pytest.mark.parametrize("name", ["system", "cli"])
def test_the_names_of_egovs_own_actors_are_reserved(name: str) -> None:
    assert f"{name!r} is reserved" in error_of(with_change("issuers.0.name", name))


def test_a_top_level_unknown_key_is_refused() -> None:
    assert "client: unknown key" in error_of({**EXAMPLE, "client": {}})


def test_the_client_secret_comes_only_from_the_named_environment_variable() -> None:
    browser = parse_issuers(EXAMPLE).named("buerger").browser
    assert browser is not None

    assert browser.client_secret({"EGOV_OIDC_BUERGER_SECRET": "s"}) == "s"
    with pytest.raises(OidcConfigError, match="EGOV_OIDC_BUERGER_SECRET is not set"):
        browser.client_secret({})
    assert "s3cr3t" not in repr(browser)


def test_a_configuration_file_is_loaded_and_its_errors_name_the_file(tmp_path: Path) -> None:
    good = tmp_path / "oidc.json"
    good.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")

    assert len(load_issuers(good)) == 2
    with pytest.raises(OidcConfigError, match=r"broken\.json is not valid JSON"):
        load_issuers(broken)
    with pytest.raises(OidcConfigError, match="cannot read OIDC configuration"):
        load_issuers(tmp_path / "missing.json")


def test_the_dev_idp_is_an_issuer_allowing_every_role_with_its_demo_clients() -> None:
    issuer = dev_issuer(TokenSettings(issuer="http://127.0.0.1:8000/dev-idp", audience="egov-api"))
    clients = dev_clients(DEMO_USERS)

    assert issuer.name == DEV_ISSUER_NAME
    assert issuer.allowed_roles == frozenset(Role)
    assert issuer.claims.client_id == "sub"
    assert clients == {
        "portal": ClientConfig(
            procedures=frozenset({"*"}), scopes=frozenset({"submissions:write"})
        ),
        "fachverfahren": ClientConfig(
            procedures=frozenset({"*"}), scopes=frozenset({"inbound:write"})
        ),
    }


def test_a_dev_client_and_a_configured_client_of_the_same_id_are_two_clients() -> None:
    issuers = parse_issuers(EXAMPLE)
    dev = dev_issuer(TokenSettings(issuer="http://127.0.0.1:8000/dev-idp", audience="egov-api"))

    combined = issuers.with_issuer(dev, {"portal": ClientConfig(), "other": ClientConfig()})

    assert len(combined) == 3
    assert combined.client("verwaltung", "portal") == issuers.client("verwaltung", "portal")
    assert combined.client("dev", "portal") == ClientConfig()
    assert combined.client("dev", "other") is not None
    assert combined.client("verwaltung", "other") is None


def test_a_single_legacy_issuer_uses_the_dev_claim_layout_and_its_jwks_url() -> None:
    issuer = single_issuer("https://id.example", "egov-api", "https://id.example/jwks")

    assert issuer.jwks_uri == "https://id.example/jwks"
    assert issuer.claims == ClaimMapping(client_id="sub")
    with pytest.raises(OidcConfigError, match="EGOV_JWKS_URL"):
        single_issuer("https://id.example", "egov-api", "file:///etc/jwks")
