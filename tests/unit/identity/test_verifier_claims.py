"""Claim mapping (egov.identity.claims): dotted paths, role sources, levels, scopes."""

from __future__ import annotations

from typing import Any

import pytest

from egov.identity.claims import (
    DEV_IDP_MAPPING,
    ClaimMapping,
    RoleSource,
    claim_at,
    person_principal,
    token_scopes,
)
from egov.identity.errors import AuthenticationError
from egov.identity.model import Role, Vertrauensniveau
from egov.identity.users import DEMO_USERS

KEYCLOAK = ClaimMapping(
    name="preferred_username",
    roles=RoleSource(claim="realm_access.roles", map={"egov-clerk": Role.CLERK}),
    org_units="egov.org_units",
    client_id="azp",
)


def test_a_dotted_path_reads_nested_claims() -> None:
    claims = {"realm_access": {"roles": ["a"]}, "x": 1}

    assert claim_at(claims, "realm_access.roles") == ["a"]
    assert claim_at(claims, "realm_access.missing") is None
    assert claim_at(claims, "x.y") is None


def test_a_claim_whose_name_contains_dots_wins_over_the_nested_lookup() -> None:
    claims = {"https://egov.example/roles": ["clerk"]}

    assert claim_at(claims, "https://egov.example/roles") == ["clerk"]


def test_keycloak_nested_roles_are_renamed_by_the_map_and_unmapped_values_dropped() -> None:
    claims = {
        "sub": "f3a1",
        "preferred_username": "anna",
        "realm_access": {"roles": ["egov-clerk", "default-roles-egov", "admin"]},
        "egov": {"org_units": ["buero-buergerbudget"]},
    }

    principal = person_principal(claims, KEYCLOAK, "buerger")

    assert principal.roles == frozenset({Role.CLERK})
    assert principal.name == "anna"
    assert principal.org_units == frozenset({"buero-buergerbudget"})


def test_without_a_map_only_egov_role_names_are_kept() -> None:
    source = RoleSource(claim="roles")

    assert source.roles({"roles": ["citizen", "offline_access"]}) == frozenset({Role.CITIZEN})
    assert source.roles({"roles": "clerk"}) == frozenset({Role.CLERK})
    assert source.roles({}) == frozenset()


def test_static_roles_ignore_whatever_the_token_claims() -> None:
    source = RoleSource(static=frozenset({Role.CITIZEN}))

    assert source.roles({"roles": ["admin"]}) == frozenset({Role.CITIZEN})


@pytest.mark.parametrize(
    ("acr", "level"),
    [
        ("http://eidas.europa.eu/LoA/low", Vertrauensniveau.LOW),
        ("http://eidas.europa.eu/LoA/substantial", Vertrauensniveau.SUBSTANTIAL),
        ("http://eidas.europa.eu/LoA/high", Vertrauensniveau.HIGH),
        ("STORK-QAA-Level-1", Vertrauensniveau.LOW),
        ("STORK-QAA-Level-3", Vertrauensniveau.SUBSTANTIAL),
        ("STORK-QAA-Level-4", Vertrauensniveau.HIGH),
        ("substantial", Vertrauensniveau.SUBSTANTIAL),
        ("1", None),
        (None, None),
    ],
)
def test_eidas_and_stork_acr_values_map_to_levels_and_anything_else_to_none(
    acr: str | None, level: Vertrauensniveau | None
) -> None:
    claims: dict[str, Any] = {"sub": "b", "acr": acr}

    assert person_principal(claims, ClaimMapping(), "buerger").vertrauensniveau is level


def test_the_level_can_come_from_another_claim() -> None:
    mapping = ClaimMapping(vertrauensniveau="eid.level")
    claims = {"sub": "b", "acr": "1", "eid": {"level": "STORK-QAA-Level-4"}}

    assert person_principal(claims, mapping, "buerger").vertrauensniveau is Vertrauensniveau.HIGH


def test_fields_mapped_to_none_are_not_read() -> None:
    mapping = ClaimMapping(email=None, postfach=None, org_units=None)
    claims = {"sub": "b", "email": "x@example.org", "postfach": "p", "org_units": ["a"]}

    principal = person_principal(claims, mapping, "buerger")

    assert (principal.email, principal.postfach, principal.org_units) == (None, None, frozenset())


@pytest.mark.parametrize(
    "claims",
    [{}, {"sub": ""}, {"sub": 5}, {"sub": "b", "email": 5}, {"sub": "b", "org_units": [1]}],
)
def test_missing_subject_and_wrongly_typed_claims_are_refused(claims: dict[str, Any]) -> None:
    with pytest.raises(AuthenticationError) as caught:
        person_principal(claims, ClaimMapping(), "buerger")

    assert caught.value.code == "token-claims-invalid"


def test_the_dev_idp_mapping_reads_the_demo_users() -> None:
    principal = person_principal(DEMO_USERS["anna"], DEV_IDP_MAPPING, "dev")

    assert principal.subject == "dev:anna"
    assert principal.roles == frozenset({Role.CLERK})
    assert principal.org_units == frozenset({"buero-buergerbudget"})
    assert principal.name == "Anna Beispiel"


def test_scopes_come_from_a_space_separated_scope_or_an_scp_list_or_string() -> None:
    assert token_scopes({"scope": "openid  egov"}) == {"openid", "egov"}
    assert token_scopes({"scp": ["egov.submit", 3]}) == {"egov.submit"}
    assert token_scopes({"scp": "a b"}) == {"a", "b"}
    assert token_scopes({"scope": 5}) == frozenset()


def test_the_subject_is_qualified_by_the_issuer_and_the_postfach_by_its_namespace() -> None:
    claims = {"sub": "4711", "postfach": "pf-1"}

    alone = person_principal(claims, ClaimMapping(), "buerger")
    shared = person_principal(claims, ClaimMapping(), "buerger", "bundid")
    other = person_principal(claims, ClaimMapping(), "verwaltung")

    assert (alone.subject, alone.postfach, alone.issuer) == (
        "buerger:4711",
        "buerger:pf-1",
        "buerger",
    )
    assert shared.postfach == "bundid:pf-1"
    assert other.subject == "verwaltung:4711" != alone.subject  # same sub, two people
