"""Photos of an implementation: JPEG or PNG only, recognised by their bytes, with their
metadata removed before they are stored (pure, no I/O).

A JPEG loses its APP1 (Exif, XMP: camera, time, GPS position) and APP13 (IPTC) segments, a
PNG its eXIf and text chunks; the image data itself is copied byte for byte.
"""

from __future__ import annotations

import struct

JPEG, PNG = "image/jpeg", "image/png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_DROPPED = {0xE1, 0xED}  # APP1 Exif/XMP, APP13 IPTC
PNG_DROPPED = {b"eXIf", b"tEXt", b"zTXt", b"iTXt"}
STANDALONE = {0x01, *range(0xD0, 0xD8)}  # markers without a length


class NotAnImage(ValueError):
    pass


def media_type_of(content: bytes) -> str | None:
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(PNG_SIGNATURE):
        return PNG
    return None


def stripped(content: bytes) -> bytes:
    """The image without its metadata; NotAnImage if it is neither JPEG nor PNG or broken."""
    kind = media_type_of(content)
    if kind == JPEG:
        return _jpeg(content)
    if kind == PNG:
        return _png(content)
    raise NotAnImage("neither JPEG nor PNG")


def _jpeg(content: bytes) -> bytes:
    out, at = bytearray(content[:2]), 2
    while at < len(content):
        if content[at] != 0xFF or at + 1 >= len(content):
            raise NotAnImage("broken JPEG segment")
        marker = content[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in STANDALONE:
            out += content[at : at + 2]
            at += 2
            continue
        if marker == 0xDA:  # start of scan: the rest is image data
            return bytes(out + content[at:])
        if at + 4 > len(content):
            raise NotAnImage("broken JPEG segment")
        (length,) = struct.unpack(">H", content[at + 2 : at + 4])
        end = at + 2 + length
        if length < 2 or end > len(content):
            raise NotAnImage("broken JPEG segment")
        if marker not in JPEG_DROPPED:
            out += content[at:end]
        at = end
    return bytes(out)


def _png(content: bytes) -> bytes:
    out, at = bytearray(PNG_SIGNATURE), len(PNG_SIGNATURE)
    while at < len(content):
        if at + 8 > len(content):
            raise NotAnImage("broken PNG chunk")
        (length,) = struct.unpack(">I", content[at : at + 4])
        kind = content[at + 4 : at + 8]
        end = at + 12 + length  # length, type, data, CRC
        if end > len(content):
            raise NotAnImage("broken PNG chunk")
        if kind not in PNG_DROPPED:
            out += content[at:end]
        at = end
        if kind == b"IEND":
            break
    return bytes(out)
