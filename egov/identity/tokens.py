"""RS256 JWT access tokens: signing keys, issuing, validating, claim mapping.

Built on ``joserfc`` (the successor of ``authlib.jose``, which is deprecated in
Authlib 1.7+ and emits a deprecation warning on import). The algorithm is pinned
before any cryptography runs (RS256 unless ``TokenSettings.algorithms`` names other
asymmetric ones): ``none``, ``HS*`` and every algorithm not pinned are refused with
``token-algorithm-not-allowed``; a key is only used for an algorithm of its own type.
"""

from __future__ import annotations

import base64
import binascii
import os
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import ECKey, RSAKey

from egov.identity.errors import AuthenticationError
from egov.identity.model import Principal, Role, Vertrauensniveau, qualified
from egov.jsoninput import JsonRefused, loads

ALGORITHM = "RS256"
_ALGORITHMS = [ALGORITHM]
# Asymmetric algorithms only, by key type: HS* (shared secret) and none can never be pinned.
KEY_TYPES: dict[str, str] = {
    **{f"{family}{bits}": "RSA" for family in ("RS", "PS") for bits in (256, 384, 512)},
    **{f"ES{bits}": "EC" for bits in (256, 384, 512)},
}
_KEY_SIZE = 2048
_KEY_FILE_MODE = 0o600
TOKEN_JSON_DEPTH = 16  # header and claims of a token not yet verified


@dataclass
class TokenSettings:
    """Who issues tokens, for whom, and how much clock skew is tolerated."""

    issuer: str
    audience: str
    leeway_seconds: int = 30
    algorithms: tuple[str, ...] = (ALGORITHM,)

    def __post_init__(self) -> None:
        unsupported = [name for name in self.algorithms if name not in KEY_TYPES]
        if unsupported or not self.algorithms:
            raise ValueError(f"unsupported token algorithms: {unsupported or 'none given'}")


class KeyPair:
    """An RSA signing key; ``kid`` is its RFC 7638 thumbprint."""

    def __init__(self, key: RSAKey) -> None:
        if not key.is_private:
            raise ValueError("KeyPair needs a private RSA key")
        self._key = key
        self.kid: str = key.thumbprint()

    @classmethod
    def generate(cls) -> KeyPair:
        return cls(RSAKey.generate_key(_KEY_SIZE, private=True))

    @classmethod
    def from_pem(cls, pem: bytes) -> KeyPair:
        return cls(RSAKey.import_key(pem))

    @classmethod
    def load_or_create(cls, path: Path) -> KeyPair:
        """Load the PEM private key at ``path``; create it (mode 0600) if missing."""
        if path.exists():
            return cls.from_pem(path.read_bytes())
        key_pair = cls.generate()
        key_pair._write_private_pem(path)
        return key_pair

    def _write_private_pem(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _KEY_FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(self.private_pem())

    def private_pem(self) -> bytes:
        return self._key.as_pem(private=True)

    def public_pem(self) -> bytes:
        return self._key.as_pem(private=False)

    def public_jwk(self) -> dict[str, Any]:
        jwk = dict(self._key.as_dict(private=False))
        jwk.update({"kid": self.kid, "use": "sig", "alg": ALGORITHM})
        return jwk

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        return {"keys": [self.public_jwk()]}

    @property
    def signing_key(self) -> RSAKey:
        return self._key


# --- issuing -----------------------------------------------------------------


def issue_token(
    key: KeyPair,
    settings: TokenSettings,
    claims: Mapping[str, Any],
    lifetime_seconds: int = 3600,
    now: int | None = None,
) -> str:
    """Sign ``claims`` as an RS256 JWT. Registered claims always come from here."""
    issued_at = int(time.time()) if now is None else now
    payload = dict(claims)
    payload.update(
        {
            "iss": settings.issuer,
            "aud": settings.audience,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + lifetime_seconds,
            "jti": uuid.uuid4().hex,
        }
    )
    header = {"alg": ALGORITHM, "kid": key.kid, "typ": "JWT"}
    return jwt.encode(header, payload, key.signing_key, algorithms=_ALGORITHMS)


# --- validating --------------------------------------------------------------


def validate_token(
    token: str,
    jwks: Mapping[str, Any],
    settings: TokenSettings,
    now: int | None = None,
) -> dict[str, Any]:
    """Verify ``token`` and return its claims, or raise ``AuthenticationError``.

    Order: structure, algorithm (one of ``settings.algorithms``), key (``kid`` must be in
    ``jwks``, of the algorithm's key type), signature, then iss, aud, exp, nbf/iat with
    ``settings.leeway_seconds``.
    """
    header = _unverified_header(token)
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in settings.algorithms:
        raise AuthenticationError("token-algorithm-not-allowed")
    key = _find_key(jwks, header.get("kid"), algorithm)
    claims = _verified_claims(token, key, algorithm)
    current = int(time.time()) if now is None else now
    _check_issuer(claims, settings)
    _check_audience(claims, settings)
    _check_times(claims, current, settings.leeway_seconds)
    return claims


def _b64url_json(segment: str) -> Any:
    """A JSON segment of a token not yet verified: parsed with limits (ValueError if not)."""
    padded = segment + "=" * (-len(segment) % 4)
    raw = base64.urlsafe_b64decode(padded.encode("ascii"))
    try:
        return loads(raw, max_depth=TOKEN_JSON_DEPTH, name="token")
    except JsonRefused as refused:
        raise ValueError(refused.code) from refused


def _unverified_header(token: object) -> dict[str, Any]:
    if not isinstance(token, str) or token.count(".") != 2:
        raise AuthenticationError("token-malformed")
    try:
        header = _b64url_json(token.split(".", 1)[0])
    except (ValueError, binascii.Error, UnicodeError) as error:
        raise AuthenticationError("token-malformed") from error
    if not isinstance(header, dict):
        raise AuthenticationError("token-malformed")
    return header


def unverified_header(token: object) -> dict[str, Any]:
    """The JOSE header of ``token``, NOT verified: only for choosing issuer and key."""
    return _unverified_header(token)


def unverified_claims(token: object) -> dict[str, Any]:
    """The payload of ``token``, NOT verified: only for choosing the issuer."""
    _unverified_header(token)
    try:
        claims = _b64url_json(str(token).split(".")[1])
    except (ValueError, binascii.Error, UnicodeError) as error:
        raise AuthenticationError("token-malformed") from error
    if not isinstance(claims, dict):
        raise AuthenticationError("token-malformed")
    return claims


def _find_key(jwks: Mapping[str, Any], kid: object, algorithm: str) -> RSAKey | ECKey:
    if not isinstance(kid, str) or not kid:
        raise AuthenticationError("token-unknown-key")
    for candidate in _jwk_list(jwks):
        if candidate.get("kid") == kid:
            return _import_public_jwk(candidate, algorithm)
    raise AuthenticationError("token-unknown-key")


def jwks_kids(jwks: Mapping[str, Any]) -> frozenset[str]:
    """The ``kid`` of every key in ``jwks``."""
    return frozenset(str(entry["kid"]) for entry in _jwk_list(jwks) if "kid" in entry)


def _jwk_list(jwks: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    keys = jwks.get("keys")
    if not isinstance(keys, list):
        return []
    return [entry for entry in keys if isinstance(entry, Mapping)]


_PUBLIC_MEMBERS: dict[str, tuple[str, ...]] = {
    "RSA": ("kty", "n", "e", "kid"),
    "EC": ("kty", "crv", "x", "y", "kid"),
}


def _import_public_jwk(jwk: Mapping[str, Any], algorithm: str) -> RSAKey | ECKey:
    key_type = KEY_TYPES[algorithm]
    if jwk.get("kty") != key_type or jwk.get("alg", algorithm) != algorithm:
        raise AuthenticationError("token-unknown-key")
    if jwk.get("use", "sig") != "sig":
        raise AuthenticationError("token-unknown-key")
    members = {name: jwk[name] for name in _PUBLIC_MEMBERS[key_type] if name in jwk}
    try:
        if key_type == "EC":
            return ECKey.import_key(members)
        return RSAKey.import_key(members)
    except (JoseError, ValueError, TypeError) as error:
        raise AuthenticationError("token-unknown-key") from error


def _verified_claims(token: str, key: RSAKey | ECKey, algorithm: str) -> dict[str, Any]:
    try:
        decoded = jwt.decode(token, key, algorithms=[algorithm])
    except BadSignatureError as error:
        raise AuthenticationError("token-signature-invalid") from error
    except (JoseError, ValueError, TypeError) as error:
        raise AuthenticationError("token-malformed") from error
    return dict(decoded.claims)


def _check_issuer(claims: Mapping[str, Any], settings: TokenSettings) -> None:
    if claims.get("iss") != settings.issuer:
        raise AuthenticationError("token-issuer-invalid")


def _check_audience(claims: Mapping[str, Any], settings: TokenSettings) -> None:
    audience = claims.get("aud")
    if isinstance(audience, str):
        audience = [audience]
    if not isinstance(audience, list) or settings.audience not in audience:
        raise AuthenticationError("token-audience-invalid")


def _numeric_claim(claims: Mapping[str, Any], name: str, required: bool) -> int | float | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AuthenticationError("token-malformed")
    return value


def _check_times(claims: Mapping[str, Any], now: int, leeway: int) -> None:
    expires = _numeric_claim(claims, "exp", required=True)
    assert expires is not None
    if now >= expires + leeway:
        raise AuthenticationError("token-expired")
    for name in ("nbf", "iat"):
        starts = _numeric_claim(claims, name, required=False)
        if starts is not None and now + leeway < starts:
            raise AuthenticationError("token-not-yet-valid")


# --- claims -> Principal -----------------------------------------------------


def principal_from_claims(claims: Mapping[str, Any], issuer: str) -> Principal:
    """Map validated claims of our (dev) IdP to a ``Principal`` of the issuer named ``issuer``.

    Raises ``AuthenticationError("token-claims-invalid")`` for a missing ``sub``,
    unknown roles, wrongly typed lists or an unknown ``acr``.
    """
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise AuthenticationError("token-claims-invalid")
    postfach = _optional_str(claims, "postfach")
    return Principal(
        subject=qualified(issuer, subject),
        roles=_roles(claims.get("roles")),
        name=_optional_str(claims, "name") or subject,
        email=_optional_str(claims, "email"),
        org_units=frozenset(_str_list(claims.get("org_units"))),
        vertrauensniveau=_vertrauensniveau(claims.get("acr")),
        procedures=frozenset(_str_list(claims.get("procedures"))),
        postfach=None if postfach is None else qualified(issuer, postfach),
    )


def _str_list(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise AuthenticationError("token-claims-invalid")
    return value


def _roles(value: object) -> frozenset[Role]:
    try:
        return frozenset(Role(item) for item in _str_list(value))
    except ValueError as error:
        raise AuthenticationError("token-claims-invalid") from error


def _optional_str(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is not None and not isinstance(value, str):
        raise AuthenticationError("token-claims-invalid")
    return value


def _vertrauensniveau(value: object) -> Vertrauensniveau | None:
    if value is None:
        return None
    try:
        return Vertrauensniveau.from_claim(value)
    except ValueError as error:
        raise AuthenticationError("token-claims-invalid") from error


__all__ = [
    "ALGORITHM",
    "KEY_TYPES",
    "KeyPair",
    "TokenSettings",
    "issue_token",
    "jwks_kids",
    "principal_from_claims",
    "unverified_claims",
    "unverified_header",
    "validate_token",
]
