"""The pure parts of audit checkpoints (ADR 0044): the Merkle root over chain heads, the
signed statement and the signing key."""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from egov.audit.checkpoint import Head, head_fault, merkle_root, statement
from egov.audit.signing import Signer, new_key_text, parse_key, signer

HEADS = [Head(f"case-{n}", n, f"{n:064x}") for n in range(1, 6)]
AT = datetime(2031, 3, 4, 5, 6, 7)


def test_the_root_does_not_depend_on_the_order_the_heads_come_in() -> None:
    assert merkle_root(HEADS) == merkle_root(list(reversed(HEADS)))


@pytest.mark.parametrize("changed", [Head("case-3", 4, f"{3:064x}"), Head("case-3", 3, "f" * 64)])
def test_any_changed_head_changes_the_root(changed: Head) -> None:
    others = [head for head in HEADS if head.chain != "case-3"]
    assert merkle_root([*others, changed]) != merkle_root(HEADS)


def test_a_missing_head_changes_the_root_and_the_empty_tree_has_a_root() -> None:
    assert merkle_root(HEADS[:-1]) != merkle_root(HEADS)
    assert merkle_root([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_a_signature_verifies_only_its_own_statement() -> None:
    key = Signer(Ed25519PrivateKey.generate())
    signed = statement(merkle_root(HEADS), len(HEADS), AT, key.key_id)
    signature = key.sign(signed)

    assert key.verifies(signed, signature)
    assert not key.verifies(statement("0" * 64, len(HEADS), AT, key.key_id), signature)
    assert not Signer(Ed25519PrivateKey.generate()).verifies(signed, signature)
    assert not key.verifies(signed, "kein base64")


def test_the_key_is_read_as_base64_or_pem_with_the_same_key_id() -> None:
    text = new_key_text()
    from_base64 = Signer(parse_key(text))
    pem = from_base64.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()

    assert Signer(parse_key(pem)).key_id == from_base64.key_id
    with pytest.raises(RuntimeError, match="32 bytes"):
        parse_key(base64.b64encode(b"short").decode())


def test_production_needs_the_key_and_development_keeps_one_generated_key(
    tmp_path: Path,
) -> None:
    with pytest.raises(RuntimeError, match="EGOV_AUDIT_SIGNING_KEY must be set"):
        signer("", "production", tmp_path)
    first = signer("", "test", tmp_path)

    assert signer("", "development", tmp_path).key_id == first.key_id
    assert (tmp_path / "audit-signing-key").stat().st_mode & 0o077 == 0


def test_a_head_is_reached_by_the_same_event_and_missed_by_a_shorter_chain() -> None:
    head = HEADS[2]
    assert head_fault(head, head, 7) is None
    assert head_fault(head, None, 2) == (
        "events missing: the checkpoint recorded seq 3, the chain has 2"
    )
    assert head_fault(head, Head("case-3", 3, "a" * 64), 3) == "event 3 differs from the checkpoint"
    assert (
        head_fault(head, None, 0)
        == "chain deleted after the checkpoint (the case or its audit events)"
    )
