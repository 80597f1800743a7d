"""The `on_behalf` part of a client's configuration: where its applicant assertions come from;
errors name the key."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from egov.identity.issuers import OidcConfigError, parse_issuers

from .test_issuers_config import EXAMPLE

ON_BEHALF = {
    "issuer": "https://portal.example/assertions",
    "jwks_uri": "https://portal.example/jwks.json",
    "audience": "egov-api",
    "subject_namespace": "buerger",
}


def with_on_behalf(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(EXAMPLE)
    data["clients"]["portal"]["on_behalf"] = {**ON_BEHALF, **changes}
    return data


def test_a_client_may_name_where_its_applicant_assertions_come_from() -> None:
    issuers = parse_issuers(with_on_behalf())

    config = issuers.client("verwaltung", "portal")
    assert config is not None and config.on_behalf is not None
    assert config.on_behalf.subject_namespace == "buerger"
    assert config.on_behalf.max_lifetime_seconds == 300
    assert config.on_behalf.token_settings.algorithms == ("RS256",)


def test_a_client_without_on_behalf_files_for_nobody() -> None:
    config = parse_issuers(copy.deepcopy(EXAMPLE)).client("verwaltung", "portal")

    assert config is not None and config.on_behalf is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"subject_namespace": None}, "clients.portal.on_behalf.subject_namespace: required"),
        ({"subject_namespace": "Bürger"}, "on_behalf.subject_namespace: use a-z"),
        ({"jwks_uri": "file:///keys"}, "on_behalf.jwks_uri: expected an http(s) URL"),
        ({"algorithms": ["HS256"]}, "on_behalf.algorithms: one or more of"),
        ({"max_lifetime_seconds": 86400}, "on_behalf.max_lifetime_seconds: 1 to 3600"),
        ({"max_lifetime_seconds": 0}, "on_behalf.max_lifetime_seconds: 1 to 3600"),
        ({"audiance": "x"}, "on_behalf.audiance: unknown key"),
    ],
)
def test_a_bad_on_behalf_configuration_is_refused_naming_the_key(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(OidcConfigError) as caught:
        parse_issuers(with_on_behalf(**changes))

    assert message in str(caught.value)
