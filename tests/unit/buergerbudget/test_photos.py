"""Photos of an implementation lose their metadata; the image bytes stay as they were."""

from __future__ import annotations

import struct
import zlib

import pytest

from egov.buergerbudget.photos import NotAnImage, media_type_of, stripped

SCAN = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\x12\x34\xff\xd9"


def segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_a_jpeg_loses_exif_and_iptc_and_keeps_jfif_and_the_scan() -> None:
    jfif = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    exif = segment(0xE1, b"Exif\x00\x00GPS 50.92 11.58")
    iptc = segment(0xED, b"Photoshop 3.0\x00Erika")
    image = b"\xff\xd8" + jfif + exif + iptc + SCAN
    assert stripped(image) == b"\xff\xd8" + jfif + SCAN


def test_a_png_loses_its_text_and_exif_chunks() -> None:
    head = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    data, end = chunk(b"IDAT", zlib.compress(b"\x00\x00")), chunk(b"IEND", b"")
    image = head + chunk(b"tEXt", b"Author\x00Erika") + chunk(b"eXIf", b"MM\x00*") + data + end
    assert stripped(image) == head + data + end


def test_the_media_type_comes_from_the_bytes() -> None:
    assert media_type_of(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert media_type_of(b"\x89PNG\r\n\x1a\n") == "image/png"
    assert media_type_of(b"%PDF-1.7") is None


@pytest.mark.parametrize(
    "broken",
    [
        b"%PDF-1.7",
        b"\xff\xd8\xff\xe1\x00",
        b"\xff\xd8\x00\x00",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\x10IH",
    ],
)
def test_what_is_no_readable_image_is_refused(broken: bytes) -> None:
    with pytest.raises(NotAnImage):
        stripped(broken)
