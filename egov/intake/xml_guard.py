"""The hardened XML stream every incoming message goes through: read once in chunks, the size
counted, ``<!DOCTYPE`` refused before any byte reaches the parser (byte scan for
ASCII-compatible encodings, the parser's doctype callback for every encoding), fed to lxml one
start tag at a time, and every limit (`Limits`: depth, elements, attributes per element and in
total with namespace declarations, characters of one text node) checked in the target's
callbacks, before lxml's tree builder, which is quadratic in the attributes of one element,
sees the element.

`egov.intake.parsing` builds the skeleton of a message on top of it; `check_shape` applies the
same checks to a message that is parsed whole afterwards (the XBau 1170 of `/inbound`), and
`root_tag` reads only up to the root element.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

from lxml import etree

from egov.intake import errors as e
from egov.intake.errors import IntakeError, invalid_param

READ_CHUNK = 256 * 1024
MAX_TAG_CARRY = 8 * 1024
DOCTYPE = b"<!DOCTYPE"


@dataclass(frozen=True)
class Limits:
    """Bounds of one message. Attributes count with the element's namespace declarations:
    lxml's tree builder takes the attributes of one element in quadratic time. A text node
    (streamed base64 attachment content excepted) holds at most `max_text_chars` characters:
    libxml2's schema validation fails internally on text nodes of about 10 MB."""

    max_bytes: int = 50 * 1024 * 1024
    max_depth: int = 64
    max_elements: int = 100_000
    max_attributes_per_element: int = 64
    max_attributes: int = 20_000
    max_text_chars: int = 1024 * 1024


class Shape:
    """Counts what the limits bound as the parser reports it, before anything is built."""

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._open: list[str] = []
        self._count = 0
        self._attributes = 0
        self._text = 0  # characters of the current text node

    def start(self, tag: str, attributes: int, line: int | None) -> None:
        """`attributes`: the element's attributes and namespace declarations."""
        self._open.append(tag)
        self._count += 1
        self._text = 0
        if len(self._open) > self._limits.max_depth:
            raise IntakeError(
                e.XML_TOO_DEEP,
                f"Die Nachricht ist zu tief verschachtelt (höchstens {self._limits.max_depth}).",
                [invalid_param(tag, "Verschachtelungstiefe überschritten", line)],
            )
        if self._count > self._limits.max_elements:
            raise IntakeError(
                e.XML_TOO_MANY_ELEMENTS,
                f"Die Nachricht enthält zu viele Elemente (höchstens {self._limits.max_elements}).",
                [invalid_param(tag, "Anzahl der Elemente überschritten", line)],
            )
        self._check_attributes(tag, attributes, line)

    def _check_attributes(self, tag: str, count: int, line: int | None) -> None:
        """Before the tree builder sees them (it is quadratic in the attributes of one element)."""
        self._attributes += count
        if count > self._limits.max_attributes_per_element:
            reason = f"mehr als {self._limits.max_attributes_per_element} an einem Element"
            raise too_many_attributes(tag, reason, line)
        if self._attributes > self._limits.max_attributes:
            reason = f"mehr als {self._limits.max_attributes} in der Nachricht"
            raise too_many_attributes(tag, reason, line)

    def text(self, chars: int, line: int | None) -> None:
        """A piece of character data; the pieces of one text node add up."""
        self._text += chars
        if self._text > self._limits.max_text_chars:
            raise IntakeError(
                e.XML_TEXT_TOO_LONG,
                f"Ein Text der Nachricht ist länger als {self._limits.max_text_chars} Zeichen.",
                [invalid_param(self._open[-1] if self._open else "/", "Text zu lang", line)],
            )

    def end(self) -> None:
        self._open.pop()
        self._text = 0


class Target(Protocol):
    """A parser target the feeder tells the line of each piece."""

    line: int


class _ShapeProbe:
    """lxml parser target that only checks the limits (a message parsed whole afterwards).
    libxml2 reports a DOCTYPE in whatever encoding it decoded, before its internal subset."""

    def __init__(self, limits: Limits) -> None:
        self.line = 1  # set by the feeder before each piece
        self._shape = Shape(limits)

    def doctype(self, *_args: Any) -> None:
        raise forbidden(self.line)

    def start(self, tag: str, attrib: dict[str, str], nsmap: dict[str, str] | None = None) -> None:
        self._shape.start(tag, len(attrib) + len(nsmap or {}), self.line)

    def end(self, _tag: str) -> None:
        self._shape.end()

    def data(self, text: str) -> None:
        self._shape.text(len(text), self.line)

    def close(self) -> None:
        return None


def check_shape(raw: bytes, limits: Limits) -> None:
    """Refuse what `parse_message` refuses before building anything (size, DOCTYPE, depth,
    elements, attributes, text length), for a message that is then parsed into a whole tree."""
    probe = _ShapeProbe(limits)
    try:
        Feeder(hardened_parser(probe), probe, limits).run(io.BytesIO(raw))
    except etree.XMLSyntaxError as exc:
        raise malformed(str(exc), exc.lineno) from None


class _RootSeen(Exception):
    pass


class _RootProbe:
    """lxml parser target that stops at the root element (refusing a DOCTYPE before it)."""

    def __init__(self) -> None:
        self.tag: str | None = None

    def doctype(self, *_args: Any) -> None:
        raise forbidden(None)

    def start(self, tag: str, _attrib: dict[str, str], _nsmap: Any = None) -> None:
        self.tag = tag
        raise _RootSeen

    def end(self, _tag: str) -> None:
        pass

    def data(self, _text: str) -> None:
        pass

    def close(self) -> None:
        return None


def root_tag(raw: bytes) -> str | None:
    """The qualified name of the root element, resolving nothing (None: unreadable). A DOCTYPE,
    in any encoding, is refused (xml-forbidden-construct)."""
    probe = _RootProbe()
    parser = hardened_parser(probe)
    try:
        for start in range(0, len(raw), READ_CHUNK):
            parser.feed(raw[start : start + READ_CHUNK])
        parser.close()
    except _RootSeen:
        return probe.tag
    except etree.XMLSyntaxError:
        return None
    return probe.tag


def too_many_attributes(tag: str, reason: str, line: int | None) -> IntakeError:
    return IntakeError(
        e.XML_TOO_MANY_ATTRIBUTES,
        "Die Nachricht enthält zu viele Attribute.",
        [invalid_param(tag, f"Attribute und Namensraumdeklarationen: {reason}", line)],
    )


def forbidden(line: int | None) -> IntakeError:
    return IntakeError(
        e.XML_FORBIDDEN_CONSTRUCT,
        "DTDs und Entitätsdeklarationen sind nicht erlaubt.",
        [invalid_param("/", "DOCTYPE-Deklaration", line)],
    )


def _pieces(buffer: bytes) -> Iterator[bytes]:
    """Split so that every piece but the first starts at '<' (one start tag per piece)."""
    start = 0
    while True:
        nxt = buffer.find(b"<", start + 1)
        if nxt < 0:
            yield buffer[start:]
            return
        yield buffer[start:nxt]
        start = nxt


class Feeder:
    """Reads the source once, enforces the size limit and feeds the parser piece by piece."""

    def __init__(self, parser: etree.XMLParser, target: Target, limits: Limits) -> None:
        self._parser = parser
        self._target = target
        self._limits = limits
        self._line = 1
        self._total = 0
        self._tail = b""

    def run(self, source: BinaryIO) -> etree._Element | None:
        carry = b""
        while chunk := source.read(READ_CHUNK):
            self._check_chunk(chunk)
            buffer = carry + chunk
            cut = buffer.rfind(b"<")
            if cut > 0 and len(buffer) - cut <= MAX_TAG_CARRY:
                buffer, carry = buffer[:cut], buffer[cut:]
            else:
                carry = b""
            self._feed(buffer)
        self._feed(carry)
        return self._parser.close()

    def _check_chunk(self, chunk: bytes) -> None:
        self._total += len(chunk)
        if self._total > self._limits.max_bytes:
            raise IntakeError(
                e.MESSAGE_TOO_LARGE,
                f"Die Nachricht ist größer als {self._limits.max_bytes} Bytes.",
                [invalid_param("/", "Größenbeschränkung überschritten", None)],
            )
        window = self._tail + chunk
        if DOCTYPE in window:
            raise forbidden(None)
        self._tail = window[-len(DOCTYPE) :]

    def _feed(self, buffer: bytes) -> None:
        for piece in _pieces(buffer):
            if piece:
                self._target.line = self._line
                self._parser.feed(piece)
                self._line += piece.count(b"\n")


def hardened_parser(target: Any) -> etree.XMLParser:
    return etree.XMLParser(
        target=target,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def malformed(reason: str, line: int | None) -> IntakeError:
    return IntakeError(
        e.XML_MALFORMED,
        "Die Nachricht ist kein wohlgeformtes XML.",
        [invalid_param("/", reason, line)],
    )
