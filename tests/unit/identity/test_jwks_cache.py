"""JWKS discovery and cache against a real HTTP server on 127.0.0.1 (``LoopbackIdp``).

The server counts every request, so "exactly one refetch" is measured on the wire.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from egov.identity.claims import ClaimMapping, RoleSource
from egov.identity.errors import AuthenticationError
from egov.identity.issuers import IssuerConfig, Issuers
from egov.identity.jwks import JsonFetcher, KeysUnavailable, RemoteKeys
from egov.identity.model import Role
from egov.identity.tokens import KeyPair
from egov.identity.verifier import TokenVerifier
from tests.support.idp import AUDIENCE, LoopbackIdp


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def keys() -> list[KeyPair]:
    return [KeyPair.generate() for _ in range(3)]


@pytest.fixture
def idp(keys: list[KeyPair]) -> Iterator[LoopbackIdp]:
    server = LoopbackIdp("buerger", [keys[0]]).start()
    yield server
    server.stop()


@pytest.fixture
def other_idp(keys: list[KeyPair]) -> Iterator[LoopbackIdp]:
    server = LoopbackIdp("verwaltung", [keys[2]]).start()
    yield server
    server.stop()


def issuer_config(
    idp: LoopbackIdp, name: str = "buerger", roles: tuple[Role, ...] = ()
) -> IssuerConfig:
    return IssuerConfig(
        name=name,
        issuer=idp.issuer,
        audience=AUDIENCE,
        allowed_roles=frozenset(roles or (Role.CITIZEN,)),
        claims=ClaimMapping(roles=RoleSource(claim="roles")),
    )


def remote_verifier(clock: FakeClock, *idps: LoopbackIdp, cooldown: float = 60.0) -> TokenVerifier:
    configs = tuple(issuer_config(idp, name=idp.realm) for idp in idps)
    fetcher = JsonFetcher(timeout=5)
    keys = {
        config.name: RemoteKeys(config.issuer, fetcher, cooldown=cooldown, clock=clock)
        for config in configs
    }
    return TokenVerifier(Issuers(configs, {}), keys)


def refusal_code(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(AuthenticationError) as caught:
        verifier.verify(token)
    return caught.value.code


def test_the_first_token_fetches_discovery_and_jwks_once_and_later_tokens_use_the_cache(
    idp: LoopbackIdp,
) -> None:
    verifier = remote_verifier(FakeClock(), idp)

    for _ in range(5):
        assert verifier.verify(idp.token()).subject == "buerger:u-1"

    assert (idp.discovery_fetches(), idp.jwks_fetches()) == (1, 1)
    assert verifier.keys["buerger"].fetch_count == 2  # type: ignore[attr-defined]


def test_a_rotated_key_causes_exactly_one_jwks_refetch(
    idp: LoopbackIdp, keys: list[KeyPair]
) -> None:
    clock = FakeClock()
    verifier = remote_verifier(clock, idp)
    verifier.verify(idp.token())
    idp.keys = [keys[1], keys[0]]
    clock.now += 61

    for _ in range(5):
        assert verifier.verify(idp.token(keys[1])).subject == "buerger:u-1"
    assert verifier.verify(idp.token(keys[0])).subject == "buerger:u-1"

    assert (idp.discovery_fetches(), idp.jwks_fetches()) == (1, 2)


def test_twenty_concurrent_tokens_with_a_new_kid_share_one_fetch(
    idp: LoopbackIdp, keys: list[KeyPair]
) -> None:
    clock = FakeClock()
    verifier = remote_verifier(clock, idp)
    verifier.verify(idp.token())
    idp.keys = [keys[1]]
    idp.jwks_delay = 0.2
    clock.now += 61
    token = idp.token(keys[1])
    barrier = threading.Barrier(20)
    results: list[str] = []

    def verify() -> None:
        barrier.wait()
        results.append(verifier.verify(token).subject)

    threads = [threading.Thread(target=verify) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert results == ["buerger:u-1"] * 20
    assert idp.jwks_fetches() == 2


def test_unknown_kids_cause_one_refetch_and_then_none_within_the_cooldown(
    idp: LoopbackIdp, keys: list[KeyPair]
) -> None:
    clock = FakeClock()
    verifier = remote_verifier(clock, idp)
    verifier.verify(idp.token())
    clock.now += 30

    for _ in range(10):
        assert refusal_code(verifier, idp.token(keys[1])) == "token-unknown-key"

    # the initial load does not start the cooldown (a rotation right after start is seen);
    # the refetch for the unknown kid does
    assert idp.jwks_fetches() == 2


def test_after_a_refetch_random_kids_do_not_refetch_until_the_cooldown_has_passed(
    idp: LoopbackIdp, keys: list[KeyPair]
) -> None:
    clock = FakeClock()
    verifier = remote_verifier(clock, idp)
    verifier.verify(idp.token())
    clock.now += 61
    assert refusal_code(verifier, idp.token(keys[1])) == "token-unknown-key"
    assert idp.jwks_fetches() == 2

    clock.now += 59
    assert refusal_code(verifier, idp.token(keys[1])) == "token-unknown-key"
    assert idp.jwks_fetches() == 2
    clock.now += 2
    assert refusal_code(verifier, idp.token(keys[1])) == "token-unknown-key"
    assert idp.jwks_fetches() == 3


def test_a_discovery_document_naming_another_issuer_is_refused(idp: LoopbackIdp) -> None:
    idp.discovery_issuer = "https://evil.example/realms/buerger"
    verifier = remote_verifier(FakeClock(), idp)

    assert refusal_code(verifier, idp.token()) == "token-keys-unavailable"
    assert idp.jwks_fetches() == 0


def test_a_discovery_issuer_with_an_extra_trailing_slash_is_refused(idp: LoopbackIdp) -> None:
    idp.discovery_issuer = idp.issuer + "/"
    verifier = remote_verifier(FakeClock(), idp)

    assert refusal_code(verifier, idp.token()) == "token-keys-unavailable"


def test_two_issuers_are_accepted_at_once_each_with_its_own_keys(
    idp: LoopbackIdp, other_idp: LoopbackIdp
) -> None:
    verifier = remote_verifier(FakeClock(), idp, other_idp)

    assert verifier.verify(idp.token(sub="a")).subject == "buerger:a"
    assert verifier.verify(other_idp.token(sub="b")).subject == "verwaltung:b"

    assert (idp.jwks_fetches(), other_idp.jwks_fetches()) == (1, 1)


def test_a_token_of_issuer_a_signed_with_issuer_bs_key_is_refused(
    idp: LoopbackIdp, other_idp: LoopbackIdp
) -> None:
    verifier = remote_verifier(FakeClock(), idp, other_idp)
    verifier.verify(other_idp.token())  # B's key is known to the verifier, for B only

    forged = idp.token(key=other_idp.keys[0])

    assert refusal_code(verifier, forged) == "token-unknown-key"


def test_a_token_of_an_unconfigured_issuer_causes_no_fetch_at_all(idp: LoopbackIdp) -> None:
    verifier = remote_verifier(FakeClock(), idp)

    code = refusal_code(verifier, idp.token(issuer="https://other.example/realms/x"))

    assert code == "token-issuer-invalid"
    assert idp.hits.total() == 0


def test_an_unreachable_issuer_is_refused_as_keys_unavailable_and_retried_after_cooldown(
    idp: LoopbackIdp,
) -> None:
    clock = FakeClock()
    verifier = remote_verifier(clock, idp)
    token = idp.token()
    idp.body_override = b"<html>maintenance</html>"

    assert refusal_code(verifier, token) == "token-keys-unavailable"
    assert refusal_code(verifier, token) == "token-keys-unavailable"
    assert idp.discovery_fetches() == 1

    idp.body_override = None
    clock.now += 61
    assert verifier.verify(token).subject == "buerger:u-1"


def test_a_stale_key_set_is_fetched_again_and_kept_when_that_fails(idp: LoopbackIdp) -> None:
    clock = FakeClock()
    verifier = remote_verifier(clock, idp)
    token = idp.token()
    verifier.verify(token)
    clock.now += 3601
    idp.body_override = b"not json"

    assert verifier.verify(token).subject == "buerger:u-1"
    assert idp.jwks_fetches() == 2


def test_the_fetcher_refuses_non_http_urls() -> None:
    with pytest.raises(KeysUnavailable):
        JsonFetcher().get("file:///etc/passwd")


def test_the_fetcher_refuses_responses_above_the_size_limit(idp: LoopbackIdp) -> None:
    with pytest.raises(KeysUnavailable, match="larger than"):
        JsonFetcher(max_bytes=100).get(idp.base + idp.jwks_path)


def test_the_fetcher_refuses_json_that_is_not_an_object(idp: LoopbackIdp) -> None:
    idp.body_override = b"[1, 2]"
    with pytest.raises(KeysUnavailable, match="not a JSON object"):
        JsonFetcher().get(idp.base + idp.jwks_path)


def test_a_configured_jwks_uri_skips_discovery(idp: LoopbackIdp) -> None:
    keys = RemoteKeys(idp.issuer, JsonFetcher(), jwks_uri=idp.base + idp.jwks_path)

    jwks = keys.jwks_for(idp.keys[0].kid)

    assert jwks["keys"][0]["kid"] == idp.keys[0].kid
    assert (idp.discovery_fetches(), idp.jwks_fetches()) == (0, 1)
