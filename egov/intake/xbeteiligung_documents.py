"""The documents a kept XBeteiligung message (a 0402) carries inline (``anlage/dokument``,
base64). A 0402 is parsed whole for its correlation (no streaming: its text nodes stay under
the limits' `max_text_chars`), so its inline bytes are decoded from the tree and checked as a
0401's are while streaming: file name and media type, declared size and SHA-256."""

from __future__ import annotations

import binascii
import hashlib
from dataclasses import dataclass

from lxml import etree

from egov.intake import errors as e
from egov.intake.errors import IntakeError, invalid_param
from egov.intake.parsing import check_metadata
from egov.intake.xbeteiligung import NS, anlage, stored_name


@dataclass(frozen=True)
class InlineDocument:
    filename: str
    media_type: str
    content: bytes
    sha256: str
    sha512: str


def inline_documents(root: etree._Element) -> tuple[InlineDocument, ...]:
    """Every anlage of the message that carries its bytes, checked."""
    found = []
    for index, element in enumerate(root.iter("anlage"), start=1):
        content = element.find(f"{{{NS}}}dokument")
        if content is not None:
            found.append(_checked(element, content, f"anlage[{index}]"))
    return tuple(found)


def _refused(code: str, text: str, name: str, reason: str, line: int | None) -> IntakeError:
    return IntakeError(code, text, [invalid_param(name, reason, line)])


def _checked(element: etree._Element, content: etree._Element, name: str) -> InlineDocument:
    summary, line = anlage(element), content.sourceline
    filename = stored_name(summary) or ""
    media_type = summary["mime_type"] or "application/octet-stream"
    check_metadata(filename, media_type, name, line)
    try:
        raw = binascii.a2b_base64("".join((content.text or "").split()), strict_mode=True)
    except ValueError:
        raise _refused(
            e.ATTACHMENT_INVALID_BASE64,
            "Ein Anhang ist nicht korrekt base64-kodiert.",
            name,
            "ungültige base64-Kodierung",
            line,
        ) from None
    sha256 = hashlib.sha256(raw).hexdigest()
    if summary["groesse"] is not None and summary["groesse"] != len(raw):
        raise _refused(
            e.ATTACHMENT_SIZE_MISMATCH,
            f"Die Größe des Anhangs {filename!r} stimmt nicht.",
            name,
            f"angegeben {summary['groesse']}, tatsächlich {len(raw)}",
            line,
        )
    if summary["hash"] and summary["hash"].lower() != sha256:
        raise _refused(
            e.ATTACHMENT_HASH_MISMATCH,
            f"Die SHA-256-Prüfsumme des Anhangs {filename!r} stimmt nicht.",
            name,
            "SHA-256 weicht ab",
            line,
        )
    return InlineDocument(filename, media_type, raw, sha256, hashlib.sha512(raw).hexdigest())
