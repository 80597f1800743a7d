from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from joserfc import jws, jwt

from egov.identity.errors import AuthenticationError
from egov.identity.model import Role, Vertrauensniveau
from egov.identity.tokens import (
    KeyPair,
    TokenSettings,
    issue_token,
    principal_from_claims,
    validate_token,
)
from egov.identity.users import DEMO_USERS

from .conftest import AUDIENCE, ISSUER, NOW


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64json(value: Any) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def _claims(**extra: Any) -> dict[str, Any]:
    return {
        "sub": "erika",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + 3600,
        **extra,
    }


def _expect_refusal(code: str, token: str, key_pair: KeyPair, settings: TokenSettings) -> None:
    with pytest.raises(AuthenticationError) as caught:
        validate_token(token, key_pair.jwks(), settings, now=NOW)
    assert caught.value.code == code
    assert caught.value.message  # German text for humans


def _expect_refusal_at(
    code: str, token: str, key_pair: KeyPair, settings: TokenSettings, now: int
) -> None:
    with pytest.raises(AuthenticationError) as caught:
        validate_token(token, key_pair.jwks(), settings, now=now)
    assert caught.value.code == code


def test_a_valid_token_round_trips_to_a_principal(
    key_pair: KeyPair, settings: TokenSettings
) -> None:
    token = issue_token(key_pair, settings, DEMO_USERS["erika"], now=NOW)

    claims = validate_token(token, key_pair.jwks(), settings, now=NOW + 10)
    principal = principal_from_claims(claims, "dev")

    assert principal.subject == "dev:erika"  # qualified by the issuer
    assert principal.issuer == "dev"
    assert principal.name == "Erika Mustermann"
    assert principal.roles == frozenset({Role.CITIZEN})
    assert principal.vertrauensniveau is Vertrauensniveau.SUBSTANTIAL
    assert principal.postfach == "dev:postfach:erika"
    assert principal.is_citizen


def test_issued_tokens_carry_registered_claims_and_kid_header(
    key_pair: KeyPair, settings: TokenSettings
) -> None:
    token = issue_token(key_pair, settings, {"sub": "x", "iss": "evil"}, 60, now=NOW)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    claims = validate_token(token, key_pair.jwks(), settings, now=NOW)

    assert header == {"alg": "RS256", "kid": key_pair.kid, "typ": "JWT"}
    assert claims["iss"] == ISSUER
    assert claims["aud"] == AUDIENCE
    assert (claims["iat"], claims["nbf"], claims["exp"]) == (NOW, NOW, NOW + 60)
    assert isinstance(claims["jti"], str) and claims["jti"]


def test_every_token_gets_a_fresh_jti(key_pair: KeyPair, settings: TokenSettings) -> None:
    first = validate_token(
        issue_token(key_pair, settings, {}, now=NOW), key_pair.jwks(), settings, now=NOW
    )
    second = validate_token(
        issue_token(key_pair, settings, {}, now=NOW), key_pair.jwks(), settings, now=NOW
    )
    assert first["jti"] != second["jti"]


def test_alg_none_is_refused(key_pair: KeyPair, settings: TokenSettings) -> None:
    token = f"{_b64json({'alg': 'none', 'kid': key_pair.kid})}.{_b64json(_claims())}."
    _expect_refusal("token-algorithm-not-allowed", token, key_pair, settings)


def test_hs256_signed_with_the_public_key_pem_is_refused(
    key_pair: KeyPair, settings: TokenSettings
) -> None:
    signing_input = f"{_b64json({'alg': 'HS256', 'kid': key_pair.kid})}.{_b64json(_claims())}"
    mac = hmac.new(key_pair.public_pem(), signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{_b64(mac)}"
    _expect_refusal("token-algorithm-not-allowed", token, key_pair, settings)


def test_a_token_without_alg_header_is_refused(key_pair: KeyPair, settings: TokenSettings) -> None:
    token = f"{_b64json({'kid': key_pair.kid})}.{_b64json(_claims())}.c2ln"
    _expect_refusal("token-algorithm-not-allowed", token, key_pair, settings)


def test_a_token_from_another_issuer_is_refused(key_pair: KeyPair, settings: TokenSettings) -> None:
    other = TokenSettings(issuer="https://evil.example", audience=AUDIENCE)
    token = issue_token(key_pair, other, {"sub": "erika"}, now=NOW)
    _expect_refusal("token-issuer-invalid", token, key_pair, settings)


def test_a_token_for_another_audience_is_refused(
    key_pair: KeyPair, settings: TokenSettings
) -> None:
    other = TokenSettings(issuer=ISSUER, audience="some-other-api")
    token = issue_token(key_pair, other, {"sub": "erika"}, now=NOW)
    _expect_refusal("token-audience-invalid", token, key_pair, settings)


def test_an_audience_list_containing_our_audience_is_accepted(
    key_pair: KeyPair, settings: TokenSettings
) -> None:
    header = {"alg": "RS256", "kid": key_pair.kid}
    token = jwt.encode(header, _claims(aud=["other", AUDIENCE]), key_pair.signing_key)
    assert validate_token(token, key_pair.jwks(), settings, now=NOW)["sub"] == "erika"


def test_an_expired_token_is_refused(key_pair: KeyPair, settings: TokenSettings) -> None:
    token = issue_token(key_pair, settings, {"sub": "erika"}, lifetime_seconds=60, now=NOW)
    _expect_refusal_at("token-expired", token, key_pair, settings, NOW + 60 + 30)


def test_expiry_tolerates_clock_skew_within_leeway(
    key_pair: KeyPair, settings: TokenSettings
) -> None:
    token = issue_token(key_pair, settings, {"sub": "erika"}, lifetime_seconds=60, now=NOW)
    assert validate_token(token, key_pair.jwks(), settings, now=NOW + 60 + 29)["sub"] == "erika"


def test_a_token_that_is_not_yet_valid_is_refused(
    key_pair: KeyPair, settings: TokenSettings
) -> None:
    token = issue_token(key_pair, settings, {"sub": "erika"}, now=NOW + 31)
    _expect_refusal("token-not-yet-valid", token, key_pair, settings)


def test_not_before_tolerates_clock_skew_within_leeway(
    key_pair: KeyPair, settings: TokenSettings
) -> None:
    token = issue_token(key_pair, settings, {"sub": "erika"}, now=NOW + 30)
    assert validate_token(token, key_pair.jwks(), settings, now=NOW)["sub"] == "erika"


def test_a_token_signed_by_an_unknown_kid_is_refused(
    key_pair: KeyPair, other_key_pair: KeyPair, settings: TokenSettings
) -> None:
    token = issue_token(other_key_pair, settings, {"sub": "erika"}, now=NOW)
    _expect_refusal("token-unknown-key", token, key_pair, settings)


def test_a_token_without_kid_is_refused(key_pair: KeyPair, settings: TokenSettings) -> None:
    token = issue_token(key_pair, settings, {"sub": "erika"}, now=NOW)
    _, payload, signature = token.split(".")
    headerless = f"{_b64json({'alg': 'RS256', 'typ': 'JWT'})}.{payload}.{signature}"
    _expect_refusal("token-unknown-key", headerless, key_pair, settings)


def test_a_foreign_signature_under_our_kid_is_refused(
    key_pair: KeyPair, other_key_pair: KeyPair, settings: TokenSettings
) -> None:
    forged = issue_token(other_key_pair, settings, {"sub": "erika"}, now=NOW)
    _, payload, signature = forged.split(".")
    header = _b64json({"alg": "RS256", "kid": key_pair.kid, "typ": "JWT"})
    _expect_refusal(
        "token-signature-invalid", f"{header}.{payload}.{signature}", key_pair, settings
    )


def test_a_tampered_payload_is_refused(key_pair: KeyPair, settings: TokenSettings) -> None:
    token = issue_token(key_pair, settings, DEMO_USERS["max"], now=NOW)
    header, _, signature = token.split(".")
    promoted = _claims(sub="max", roles=["admin"])
    _expect_refusal(
        "token-signature-invalid", f"{header}.{_b64json(promoted)}.{signature}", key_pair, settings
    )


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "garbage",
        "a.b",
        "a.b.c.d",
        "!!!.###.$$$",
        f"{_b64(b'not json')}.e30.c2ln",
        f"{_b64json(['alg', 'RS256'])}.e30.c2ln",
    ],
)
def test_garbage_is_refused_as_malformed(
    garbage: str, key_pair: KeyPair, settings: TokenSettings
) -> None:
    _expect_refusal("token-malformed", garbage, key_pair, settings)


def test_a_signed_token_with_non_json_payload_is_refused_as_malformed(
    key_pair: KeyPair, settings: TokenSettings
) -> None:
    header = {"alg": "RS256", "kid": key_pair.kid}
    token = jws.serialize_compact(header, b"not json", key_pair.signing_key)
    _expect_refusal("token-malformed", token, key_pair, settings)


def test_a_token_without_exp_is_refused_as_malformed(
    key_pair: KeyPair, settings: TokenSettings
) -> None:
    header = {"alg": "RS256", "kid": key_pair.kid}
    claims = {"sub": "erika", "iss": ISSUER, "aud": AUDIENCE}
    token = jwt.encode(header, claims, key_pair.signing_key)
    _expect_refusal("token-malformed", token, key_pair, settings)


def test_a_jwks_entry_for_another_algorithm_is_not_used(
    key_pair: KeyPair, settings: TokenSettings
) -> None:
    token = issue_token(key_pair, settings, {"sub": "erika"}, now=NOW)
    jwks = {"keys": [{**key_pair.public_jwk(), "alg": "PS256"}]}
    with pytest.raises(AuthenticationError) as caught:
        validate_token(token, jwks, settings, now=NOW)
    assert caught.value.code == "token-unknown-key"


def test_an_empty_or_broken_jwks_knows_no_keys(key_pair: KeyPair, settings: TokenSettings) -> None:
    token = issue_token(key_pair, settings, {"sub": "erika"}, now=NOW)
    for jwks in ({}, {"keys": "x"}, {"keys": [{"kid": key_pair.kid, "kty": "RSA"}]}):
        with pytest.raises(AuthenticationError) as caught:
            validate_token(token, jwks, settings, now=NOW)
        assert caught.value.code == "token-unknown-key"


def test_principal_mapping_reads_all_dev_idp_claims() -> None:
    principal = principal_from_claims(
        {
            "sub": "portal",
            "name": "Portal",
            "email": "p@example.org",
            "roles": ["client", "clerk"],
            "org_units": ["a", "b"],
            "acr": "STORK-QAA-Level-4",
            "procedures": ["*"],
            "postfach": "postfach:portal",
        },
        "dev",
    )
    assert principal.roles == frozenset({Role.CLIENT, Role.CLERK})
    assert principal.org_units == frozenset({"a", "b"})
    assert principal.vertrauensniveau is Vertrauensniveau.HIGH
    assert principal.procedures == frozenset({"*"})
    assert principal.email == "p@example.org"
    assert principal.postfach == "dev:postfach:portal"  # qualified by the issuer


def test_principal_mapping_defaults_optional_claims() -> None:
    principal = principal_from_claims({"sub": "s"}, "dev")
    assert principal.roles == frozenset()
    assert principal.name == "s"
    assert principal.email is None
    assert principal.vertrauensniveau is None
    assert principal.org_units == frozenset() and principal.procedures == frozenset()


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"sub": ""},
        {"sub": 42},
        {"sub": "s", "roles": ["superuser"]},
        {"sub": "s", "roles": "admin"},
        {"sub": "s", "org_units": [1]},
        {"sub": "s", "acr": "http://eidas.europa.eu/LoA/ultra"},
        {"sub": "s", "email": ["a@b"]},
    ],
)
def test_principal_mapping_rejects_invalid_claims(claims: dict[str, Any]) -> None:
    with pytest.raises(AuthenticationError) as caught:
        principal_from_claims(claims, "dev")
    assert caught.value.code == "token-claims-invalid"
