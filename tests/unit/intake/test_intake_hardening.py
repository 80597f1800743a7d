from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from egov.intake.errors import IntakeError
from egov.intake.formats import FormatRegistry
from egov.intake.parsing import parse_message
from egov.intake.xml_guard import Limits

from .conftest import message

Parse = Callable[..., Any]
ROOT_OPEN = b"<xfall:antrag.einreichen"
OPEN = b"<xfall:antrag.einreichen xmlns:xfall='urn:egov-oss:xfall-profil:1.0'>"


def error_of(parse: Parse, raw: bytes, limits: Limits | None = None) -> IntakeError:
    with pytest.raises(IntakeError) as caught:
        parse(raw, limits)
    return caught.value


def with_doctype(doctype: bytes) -> bytes:
    decl, rest = message().split(b"\n", 1)
    return decl + b"\n" + doctype + b"\n" + rest


def test_a_harmless_doctype_is_rejected_as_a_forbidden_construct(parse: Parse) -> None:
    raw = with_doctype(b"<!DOCTYPE xfall:antrag.einreichen>")
    assert error_of(parse, raw).code == "xml-forbidden-construct"


def test_an_external_entity_is_never_resolved(parse: Parse, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("GEHEIM")
    raw = with_doctype(f'<!DOCTYPE a [<!ENTITY x SYSTEM "file://{secret}">]>'.encode())
    error = error_of(parse, raw.replace(b"<titel>", b"<titel>&x;"))
    assert error.code == "xml-forbidden-construct"
    assert "GEHEIM" not in repr(error.invalid_params)


def test_a_doctype_split_across_two_read_chunks_is_still_found(
    workdir: Path, registry: FormatRegistry
) -> None:
    padding = b"<!--" + b"x" * (256 * 1024 - 30) + b"-->"
    raw = b'<?xml version="1.0"?>' + padding + b"<!DOCTYPE a []><a/>"
    with pytest.raises(IntakeError) as caught:
        parse_message(io.BytesIO(raw), limits=Limits(), workdir=workdir, registry=registry)
    assert caught.value.code == "xml-forbidden-construct"


def test_a_doctype_the_byte_scan_cannot_see_is_rejected_by_the_parser_hook(parse: Parse) -> None:
    raw = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'
    assert error_of(parse, raw.encode("utf-16")).code == "xml-forbidden-construct"


class CountingStream(io.RawIOBase):
    """An endless stream of XML-ish bytes that records how much was read."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = b"x" * len(buffer)
        if self.read_bytes == 0:
            chunk = (OPEN + chunk)[: len(buffer)]
        buffer[: len(chunk)] = chunk
        self.read_bytes += len(chunk)
        return len(chunk)


def test_a_too_large_message_is_rejected_as_soon_as_the_limit_is_passed(
    workdir: Path, registry: FormatRegistry
) -> None:
    stream = CountingStream()
    limits = Limits(max_bytes=1024 * 1024)
    with pytest.raises(IntakeError) as caught:
        parse_message(stream, limits=limits, workdir=workdir, registry=registry)  # type: ignore[arg-type]
    assert caught.value.code == "message-too-large"
    assert stream.read_bytes <= 2 * 1024 * 1024


def test_nesting_deeper_than_the_limit_is_rejected(parse: Parse) -> None:
    deep = message().replace(b"<ort>", b"<x>" * 70 + b"</x>" * 70 + b"<ort>", 1)
    error = error_of(parse, deep)
    assert error.code == "xml-too-deep"
    assert error.invalid_params[0]["line"] is not None


def test_more_elements_than_the_limit_are_rejected(parse: Parse) -> None:
    error = error_of(parse, message(), Limits(max_elements=20))
    assert error.code == "xml-too-many-elements"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   ",
        OPEN[:-1],
        b"\xff\xfe\x00garbage",
        b"<?xml version='1.0'?>",
        OPEN,
        OPEN + b"</b>",
    ],
)
def test_broken_input_is_reported_as_malformed_xml(parse: Parse, raw: bytes) -> None:
    assert error_of(parse, raw).code == "xml-malformed"


def test_an_unregistered_root_element_is_an_unknown_format(parse: Parse) -> None:
    assert error_of(parse, b"<antrag xmlns='urn:x'/>").code == "unknown-format"


def test_comments_and_processing_instructions_are_tolerated(parse: Parse) -> None:
    raw = message().replace(ROOT_OPEN, b"<?portal v1?><!-- Hinweis -->" + ROOT_OPEN, 1)
    assert parse(raw).data["title"] == "Neue Sitzbank"


def test_no_temp_file_survives_an_error_after_attachments_were_written(
    parse: Parse, workdir: Path
) -> None:
    raw = message(attachments=[("a.txt", "text/plain", b"a" * 5000)])
    broken = raw.replace(b"</xfall:antrag.einreichen>", b"</xfall:antrag>")
    assert error_of(parse, broken).code == "xml-malformed"
    assert list(workdir.iterdir()) == []


def test_an_element_inside_attachment_content_is_rejected(parse: Parse, workdir: Path) -> None:
    raw = message(attachments=[("a.txt", "text/plain", b"abc")])
    raw = raw.replace(b"<xfall:inhalt>\n", b"<xfall:inhalt>\n<b/>", 1)
    assert error_of(parse, raw).code == "schema-invalid"
    assert list(workdir.iterdir()) == []
