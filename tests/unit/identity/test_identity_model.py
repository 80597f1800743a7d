from __future__ import annotations

import dataclasses

import pytest

from egov.identity.model import Principal, Role, Vertrauensniveau

V = Vertrauensniveau


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("low", V.LOW),
        ("substantial", V.SUBSTANTIAL),
        ("high", V.HIGH),
        ("http://eidas.europa.eu/LoA/low", V.LOW),
        ("http://eidas.europa.eu/LoA/substantial", V.SUBSTANTIAL),
        ("http://eidas.europa.eu/LoA/high", V.HIGH),
        ("STORK-QAA-Level-1", V.LOW),
        ("STORK-QAA-Level-2", V.LOW),
        ("STORK-QAA-Level-3", V.SUBSTANTIAL),
        ("STORK-QAA-Level-4", V.HIGH),
        (V.HIGH, V.HIGH),
    ],
)
def test_vertrauensniveau_is_parsed_from_names_eidas_uris_and_stork_levels(
    claim: object, expected: Vertrauensniveau
) -> None:
    assert V.from_claim(claim) is expected


@pytest.mark.parametrize(
    "claim",
    [
        "",
        "medium",
        "HIGH",
        "http://eidas.europa.eu/LoA/",
        "http://eidas.europa.eu/LoA/medium",
        "https://eidas.europa.eu/LoA/high",
        "STORK-QAA-Level-0",
        "STORK-QAA-Level-5",
        3,
        None,
    ],
)
def test_unknown_vertrauensniveau_claims_are_rejected(claim: object) -> None:
    with pytest.raises(ValueError):
        V.from_claim(claim)


def test_vertrauensniveau_levels_are_ordered_low_substantial_high() -> None:
    assert V.LOW < V.SUBSTANTIAL < V.HIGH
    assert V.HIGH >= V.SUBSTANTIAL >= V.SUBSTANTIAL
    assert V.LOW <= V.LOW
    assert V.HIGH > V.LOW
    assert not V.LOW >= V.SUBSTANTIAL
    assert max([V.SUBSTANTIAL, V.HIGH, V.LOW]) is V.HIGH


def test_vertrauensniveau_refuses_comparison_with_plain_strings() -> None:
    with pytest.raises(TypeError):
        assert V.LOW < "substantial"


def test_vertrauensniveau_exposes_its_eidas_uri() -> None:
    assert V.SUBSTANTIAL.eidas_uri == "http://eidas.europa.eu/LoA/substantial"
    assert V.SUBSTANTIAL.value == "substantial"


def _principal(**changes: object) -> Principal:
    base = Principal(subject="s", roles=frozenset({Role.CITIZEN}), name="Erika")
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_principal_satisfies_required_level_only_if_authenticated_at_least_that_high() -> None:
    substantial = _principal(vertrauensniveau=V.SUBSTANTIAL)
    assert substantial.satisfies(V.LOW)
    assert substantial.satisfies(V.SUBSTANTIAL)
    assert not substantial.satisfies(V.HIGH)


def test_principal_without_vertrauensniveau_satisfies_no_level() -> None:
    assert not _principal().satisfies(V.LOW)


def test_principal_role_helpers_reflect_roles() -> None:
    clerk = _principal(roles=frozenset({Role.CLERK, Role.ADMIN}))
    assert clerk.is_clerk and clerk.is_admin
    assert not clerk.is_citizen and not clerk.is_client
    assert _principal().is_citizen


def test_client_with_wildcard_may_use_every_procedure() -> None:
    client = _principal(roles=frozenset({Role.CLIENT}), procedures=frozenset({"*"}))
    assert client.may_use_procedure("buergerbudget")
    limited = _principal(roles=frozenset({Role.CLIENT}), procedures=frozenset({"a"}))
    assert limited.may_use_procedure("a")
    assert not limited.may_use_procedure("b")


def test_principal_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        _principal().name = "Mallory"  # type: ignore[misc]


def test_roles_are_plain_strings() -> None:
    assert Role("citizen") is Role.CITIZEN
    assert str(Role.CLERK) == "clerk"
