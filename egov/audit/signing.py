"""The key that signs audit checkpoints: Ed25519, from EGOV_AUDIT_SIGNING_KEY (ADR 0044).

The setting holds the 32-byte private key in base64, or a PKCS #8 PEM. In development and
test an empty setting means a key generated once in EGOV_DATA_DIR (`audit-signing-key`),
like the other development secrets; in production it must be set.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

DEVELOPMENT_ENVS = frozenset({"development", "test"})
KEY_FILE = "audit-signing-key"


@dataclass(frozen=True)
class Signer:
    private_key: Ed25519PrivateKey

    @property
    def public_bytes(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def key_id(self) -> str:
        """`ed25519:` and the first 16 hex digits of SHA-256 of the raw public key."""
        return "ed25519:" + hashlib.sha256(self.public_bytes).hexdigest()[:16]

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private_key.sign(message)).decode("ascii")

    def verifies(self, message: bytes, signature: str) -> bool:
        try:
            raw = base64.b64decode(signature, validate=True)
            self.private_key.public_key().verify(raw, message)
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True


def signer(configured: str, env: str, data_dir: Path) -> Signer:
    """The checkpoint signer from the setting, or the generated development key."""
    if configured:
        return Signer(parse_key(configured))
    if env not in DEVELOPMENT_ENVS:
        raise RuntimeError(
            f"EGOV_AUDIT_SIGNING_KEY must be set when EGOV_ENV={env} (it signs the audit "
            "checkpoints); generate one with `egov audit-key`"
        )
    return Signer(parse_key(_persisted_key(Path(data_dir) / KEY_FILE)))


def parse_key(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        loaded = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise RuntimeError("EGOV_AUDIT_SIGNING_KEY: not an Ed25519 private key")
        return loaded
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise RuntimeError("EGOV_AUDIT_SIGNING_KEY: neither base64 nor PEM") from None
    if len(raw) != 32:
        raise RuntimeError("EGOV_AUDIT_SIGNING_KEY: an Ed25519 key has 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


def new_key_text() -> str:
    """A new private key in the form EGOV_AUDIT_SIGNING_KEY takes (base64 of 32 bytes)."""
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return base64.b64encode(raw).decode("ascii")


def _persisted_key(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()  # made before, or by another process now
    with os.fdopen(fd, "w") as handle:
        handle.write(new_key_text())
    return path.read_text().strip()
