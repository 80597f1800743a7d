from __future__ import annotations

import stat
from pathlib import Path

from egov.identity.tokens import KeyPair, TokenSettings, issue_token, validate_token


def test_key_file_is_created_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "dev-idp.pem"

    KeyPair.load_or_create(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")


def test_existing_key_file_is_reused(tmp_path: Path) -> None:
    path = tmp_path / "dev-idp.pem"
    first = KeyPair.load_or_create(path)
    content = path.read_bytes()

    second = KeyPair.load_or_create(path)

    assert second.kid == first.kid
    assert path.read_bytes() == content


def test_tokens_from_a_reloaded_key_validate_against_the_original_jwks(tmp_path: Path) -> None:
    path = tmp_path / "dev-idp.pem"
    original = KeyPair.load_or_create(path)
    settings = TokenSettings(issuer="http://idp", audience="api")

    token = issue_token(KeyPair.load_or_create(path), settings, {"sub": "x"})

    assert validate_token(token, original.jwks(), settings)["sub"] == "x"


def test_kid_is_the_rfc7638_thumbprint_and_jwks_has_no_private_parts() -> None:
    key = KeyPair.generate()
    jwk = key.public_jwk()

    assert key.kid == jwk["kid"]
    assert len(key.kid) == 43  # base64url SHA-256
    assert {"n", "e", "kty"} <= jwk.keys()
    assert not {"d", "p", "q", "dp", "dq", "qi"} & jwk.keys()
    assert (jwk["alg"], jwk["use"]) == ("RS256", "sig")
    assert key.jwks() == {"keys": [jwk]}


def test_distinct_keys_have_distinct_kids() -> None:
    assert KeyPair.generate().kid != KeyPair.generate().kid
