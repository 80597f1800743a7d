"""TokenVerifier: issuer choice, pinned algorithms, scopes, claim mapping, allowed roles,
technical clients, and the security log line of every refusal."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from egov.identity.claims import ClaimMapping, RoleSource
from egov.identity.errors import AuthenticationError
from egov.identity.issuers import ClientConfig, IssuerConfig, Issuers
from egov.identity.jwks import KeysUnavailable, LocalKeys
from egov.identity.model import Role, Vertrauensniveau
from egov.identity.tokens import KeyPair, TokenSettings, issue_token
from egov.identity.verifier import TokenVerifier

CITIZEN_ISS = "https://id.example/realms/buerger"
STAFF_ISS = "https://id.example/realms/verwaltung"
AUDIENCE = "egov-api"

KEYCLOAK = ClaimMapping(
    roles=RoleSource(
        claim="realm_access.roles",
        map={"egov-clerk": Role.CLERK, "egov-admin": Role.ADMIN},
    ),
    org_units="groups",
    client_id="azp",
)


@pytest.fixture(scope="module")
def citizen_key() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture(scope="module")
def staff_key() -> KeyPair:
    return KeyPair.generate()


def citizen_issuer(**changes: Any) -> IssuerConfig:
    values: dict[str, Any] = {
        "name": "buerger",
        "issuer": CITIZEN_ISS,
        "audience": AUDIENCE,
        "allowed_roles": frozenset({Role.CITIZEN}),
        "required_scopes": frozenset({"egov"}),
        "claims": ClaimMapping(roles=RoleSource(static=frozenset({Role.CITIZEN}))),
    }
    return IssuerConfig(**{**values, **changes})


def staff_issuer(**changes: Any) -> IssuerConfig:
    values: dict[str, Any] = {
        "name": "verwaltung",
        "issuer": STAFF_ISS,
        "audience": AUDIENCE,
        "allowed_roles": frozenset({Role.CLERK, Role.ADMIN, Role.CLIENT}),
        "claims": KEYCLOAK,
    }
    return IssuerConfig(**{**values, **changes})


CLIENTS = {
    ("verwaltung", "portal"): ClientConfig(
        procedures=frozenset({"buergerbudget"}), scopes=frozenset({"submissions:write"})
    )
}


def make_verifier(
    citizen_key: KeyPair,
    staff_key: KeyPair,
    citizen: IssuerConfig | None = None,
    staff: IssuerConfig | None = None,
) -> TokenVerifier:
    issuers = Issuers((citizen or citizen_issuer(), staff or staff_issuer()), CLIENTS)
    return TokenVerifier(
        issuers, {"buerger": LocalKeys(citizen_key.jwks), "verwaltung": LocalKeys(staff_key.jwks)}
    )


@pytest.fixture
def verifier(citizen_key: KeyPair, staff_key: KeyPair) -> TokenVerifier:
    return make_verifier(citizen_key, staff_key)


def token(key: KeyPair, iss: str, **claims: Any) -> str:
    return issue_token(key, TokenSettings(issuer=iss, audience=AUDIENCE), claims)


def citizen_token(key: KeyPair, **claims: Any) -> str:
    return token(key, CITIZEN_ISS, **{"sub": "b-1", "scope": "openid egov", **claims})


def refusal(verifier: TokenVerifier, token_text: str) -> str:
    with pytest.raises(AuthenticationError) as caught:
        verifier.verify(token_text)
    assert caught.value.message
    return caught.value.code


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unsigned(header: Mapping[str, Any], claims: Mapping[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


# --- issuer choice and signatures ----------------------------------------------------------


def test_a_citizen_token_becomes_a_citizen_principal_with_static_role(
    verifier: TokenVerifier, citizen_key: KeyPair
) -> None:
    principal = verifier.verify(
        citizen_token(citizen_key, name="Erika", acr="http://eidas.europa.eu/LoA/high")
    )

    assert principal.subject == "buerger:b-1"
    assert principal.roles == frozenset({Role.CITIZEN})
    assert principal.name == "Erika"
    assert principal.vertrauensniveau is Vertrauensniveau.HIGH


def test_a_token_of_an_unknown_issuer_is_refused(
    verifier: TokenVerifier, citizen_key: KeyPair
) -> None:
    assert refusal(verifier, token(citizen_key, "https://evil.example/")) == "token-issuer-invalid"


def test_a_citizen_token_signed_with_the_staff_key_is_refused(
    verifier: TokenVerifier, staff_key: KeyPair
) -> None:
    assert refusal(verifier, citizen_token(staff_key)) == "token-unknown-key"


def test_a_staff_key_under_the_citizen_kid_fails_the_signature_check(
    verifier: TokenVerifier, citizen_key: KeyPair, staff_key: KeyPair
) -> None:
    settings = TokenSettings(issuer=CITIZEN_ISS, audience=AUDIENCE)
    genuine = issue_token(citizen_key, settings, {"sub": "b-1", "scope": "egov"})
    header, payload, _ = genuine.split(".")
    forged_sig = issue_token(staff_key, settings, {"sub": "b-1", "scope": "egov"}).split(".")[2]

    assert refusal(verifier, f"{header}.{payload}.{forged_sig}") == "token-signature-invalid"


def test_alg_none_is_refused_before_any_key_is_looked_up(citizen_key: KeyPair) -> None:
    class Exploding:
        def jwks_for(self, kid: str) -> Mapping[str, Any]:
            raise AssertionError("no key lookup for alg none")

    verifier = TokenVerifier(Issuers((citizen_issuer(),), {}), {"buerger": Exploding()})
    unsigned = _unsigned({"alg": "none", "kid": citizen_key.kid}, {"iss": CITIZEN_ISS}) + "."

    assert refusal(verifier, unsigned) == "token-algorithm-not-allowed"


def test_hs256_signed_with_the_public_key_is_refused(
    verifier: TokenVerifier, citizen_key: KeyPair
) -> None:
    header = {"alg": "HS256", "kid": citizen_key.kid, "typ": "JWT"}
    claims = {"iss": CITIZEN_ISS, "aud": AUDIENCE, "sub": "x", "exp": time.time() + 60}
    signing_input = _unsigned(header, claims)
    mac = hmac.new(citizen_key.public_pem(), signing_input.encode(), hashlib.sha256).digest()

    assert refusal(verifier, f"{signing_input}.{_b64(mac)}") == "token-algorithm-not-allowed"


def test_an_issuer_pinned_to_es256_accepts_es256_and_refuses_rs256(
    citizen_key: KeyPair, staff_key: KeyPair
) -> None:
    ec_key = ECKey.generate_key("P-256", private=True)
    jwk = {**ec_key.as_dict(private=False), "kid": "ec-1", "alg": "ES256", "use": "sig"}
    verifier = TokenVerifier(
        Issuers((citizen_issuer(algorithms=("ES256",)),), {}),
        {"buerger": LocalKeys(lambda: {"keys": [jwk]})},
    )
    claims: dict[str, Any] = {"iss": CITIZEN_ISS, "aud": AUDIENCE, "sub": "ec", "scope": "egov"}
    claims["exp"] = int(time.time()) + 60
    es256 = jwt.encode({"alg": "ES256", "kid": "ec-1"}, claims, ec_key, algorithms=["ES256"])

    assert verifier.verify(es256).subject == "buerger:ec"
    assert refusal(verifier, citizen_token(citizen_key)) == "token-algorithm-not-allowed"


def test_a_token_for_another_audience_is_refused(
    verifier: TokenVerifier, citizen_key: KeyPair
) -> None:
    settings = TokenSettings(issuer=CITIZEN_ISS, audience="other-api")
    other = issue_token(citizen_key, settings, {"sub": "b-1", "scope": "egov"})

    assert refusal(verifier, other) == "token-audience-invalid"


def test_an_expired_token_is_refused(verifier: TokenVerifier, citizen_key: KeyPair) -> None:
    settings = TokenSettings(issuer=CITIZEN_ISS, audience=AUDIENCE)
    old = issue_token(citizen_key, settings, {"sub": "b", "scope": "egov"}, now=1_000_000)

    assert refusal(verifier, old) == "token-expired"


def test_unavailable_keys_are_refused_with_their_own_code(citizen_key: KeyPair) -> None:
    class Down:
        def jwks_for(self, kid: str) -> Mapping[str, Any]:
            raise KeysUnavailable("down")

    verifier = TokenVerifier(Issuers((citizen_issuer(),), {}), {"buerger": Down()})

    assert refusal(verifier, citizen_token(citizen_key)) == "token-keys-unavailable"


def test_garbage_is_refused_as_malformed(verifier: TokenVerifier) -> None:
    assert refusal(verifier, "not-a-token") == "token-malformed"
    assert refusal(verifier, "a.b.c") == "token-malformed"


# --- scopes -------------------------------------------------------------------------------------


def test_a_token_without_the_required_scope_is_refused(
    verifier: TokenVerifier, citizen_key: KeyPair
) -> None:
    assert refusal(verifier, citizen_token(citizen_key, scope="openid")) == "token-scope-missing"


def test_a_token_without_any_scope_claim_is_refused(
    verifier: TokenVerifier, citizen_key: KeyPair
) -> None:
    bare = token(citizen_key, CITIZEN_ISS, sub="b-1")

    assert refusal(verifier, bare) == "token-scope-missing"


def test_scopes_are_also_read_from_an_scp_list(
    verifier: TokenVerifier, citizen_key: KeyPair
) -> None:
    scp = token(citizen_key, CITIZEN_ISS, sub="b-1", scp=["openid", "egov"])

    assert verifier.verify(scp).subject == "buerger:b-1"


# --- roles per issuer ---------------------------------------------------------------------------


def test_a_citizen_issuer_token_claiming_clerk_is_refused(
    citizen_key: KeyPair, staff_key: KeyPair
) -> None:
    verifier = make_verifier(citizen_key, staff_key, citizen=citizen_issuer(claims=ClaimMapping()))

    assert refusal(verifier, citizen_token(citizen_key, roles=["clerk"])) == (
        "token-role-not-allowed"
    )
    assert verifier.verify(citizen_token(citizen_key, roles=["citizen"])).is_citizen


def test_keycloak_realm_roles_are_mapped_and_unmapped_roles_dropped(
    verifier: TokenVerifier, staff_key: KeyPair
) -> None:
    realm = {"roles": ["egov-clerk", "offline_access", "uma_authorization", "citizen"]}
    clerk = token(staff_key, STAFF_ISS, sub="k-9", realm_access=realm, groups=["fd-planung"])

    principal = verifier.verify(clerk)

    assert principal.roles == frozenset({Role.CLERK})
    assert principal.org_units == frozenset({"fd-planung"})


def test_a_token_claiming_role_client_without_registration_is_refused(
    staff_key: KeyPair, citizen_key: KeyPair
) -> None:
    mapping = ClaimMapping(roles=RoleSource(claim="roles"), client_id="azp")
    verifier = make_verifier(citizen_key, staff_key, staff=staff_issuer(claims=mapping))
    fake = token(staff_key, STAFF_ISS, sub="svc", azp="unregistered", roles=["client"])

    assert refusal(verifier, fake) == "token-role-not-allowed"


# --- technical clients --------------------------------------------------------------------------


def test_a_registered_client_gets_role_and_procedures_from_configuration_only(
    verifier: TokenVerifier, staff_key: KeyPair
) -> None:
    claims = {"realm_access": {"roles": ["egov-admin"]}, "procedures": ["*"]}
    client = token(staff_key, STAFF_ISS, sub="service-account-portal", azp="portal", **claims)

    principal = verifier.verify(client)

    assert principal.subject == "verwaltung:portal"
    assert principal.roles == frozenset({Role.CLIENT})
    assert principal.procedures == frozenset({"buergerbudget"})
    assert not principal.may_use_procedure("bauantrag")


def test_a_client_id_registered_at_another_issuer_does_not_make_a_token_that_client(
    citizen_key: KeyPair, staff_key: KeyPair
) -> None:
    citizen = citizen_issuer(claims=ClaimMapping(client_id="azp", roles=RoleSource(claim="roles")))
    verifier = make_verifier(citizen_key, staff_key, citizen=citizen)

    principal = verifier.verify(citizen_token(citizen_key, azp="portal", roles=["citizen"]))

    assert principal.subject == "buerger:b-1" and principal.roles == frozenset({Role.CITIZEN})
    assert not principal.is_client and principal.procedures == frozenset()
    # and claiming the client role itself is refused: buerger may not grant it
    forged = citizen_token(citizen_key, azp="portal", roles=["client"])
    assert refusal(verifier, forged) == "token-role-not-allowed"


def test_a_client_gets_the_scopes_of_its_configuration_narrowed_by_its_token(
    verifier: TokenVerifier, staff_key: KeyPair
) -> None:
    plain = token(staff_key, STAFF_ISS, sub="svc", azp="portal")
    narrowed = token(staff_key, STAFF_ISS, sub="svc", azp="portal", scope="openid")
    widened = token(staff_key, STAFF_ISS, sub="svc", azp="portal", scope="admin:all")

    assert verifier.verify(plain).scopes == frozenset({"submissions:write"})
    assert verifier.verify(narrowed).scopes == frozenset()
    assert verifier.verify(widened).scopes == frozenset()


# --- the security log -------------------------------------------------------------------------


def test_every_refusal_logs_code_issuer_and_kid_but_no_token_contents(
    verifier: TokenVerifier, citizen_key: KeyPair, caplog: pytest.LogCaptureFixture
) -> None:
    bad = citizen_token(citizen_key, scope="openid", name="Geheim Name")

    with caplog.at_level(logging.WARNING, logger="egov.security"):
        refusal(verifier, bad)

    [record] = [r for r in caplog.records if r.name == "egov.security"]
    line = record.getMessage()
    assert "code=token-scope-missing" in line
    assert "issuer=buerger" in line
    assert citizen_key.kid in line
    assert "Geheim" not in line and "b-1" not in line and bad.split(".")[1] not in line


def test_an_unknown_issuer_is_logged_without_its_value(
    verifier: TokenVerifier, citizen_key: KeyPair, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="egov.security"):
        refusal(verifier, token(citizen_key, "https://evil.example/\nforged"))

    assert "issuer=- " in caplog.text
    assert "evil" not in caplog.text
