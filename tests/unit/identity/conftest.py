from __future__ import annotations

import pytest

from egov.identity.tokens import KeyPair, TokenSettings

ISSUER = "http://127.0.0.1:8000/dev-idp"
AUDIENCE = "egov-api"
NOW = 1_760_000_000


@pytest.fixture(scope="session")
def key_pair() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture(scope="session")
def other_key_pair() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture
def settings() -> TokenSettings:
    return TokenSettings(issuer=ISSUER, audience=AUDIENCE, leeway_seconds=30)
