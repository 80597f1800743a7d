"""Hardened, streaming parsing of incoming XML messages into a CanonicalApplication.

Pipeline: the stream is read ONCE in chunks (size counted, ``<!DOCTYPE`` rejected before any
byte reaches the parser) and pushed into an lxml feed parser whose *target* builds a small
skeleton tree. Inline base64 attachment content (the format's ``binary_qnames``) never enters
the skeleton: each text chunk is decoded incrementally into a temp file in ``workdir`` while
SHA-512, SHA-256 and size are computed. libxml2's push parser hands character data to the
target as soon as it is available, so at most about one read chunk (256 KiB) of base64 text is
held in memory at a time (libxml2 does not buffer the whole text node when a SAX target is used).
The skeleton (with empty content elements) is then validated against the container XSD, the
Fachdaten against their own XSD, and the attachments are checked against the declared values.

Every limit (`Limits`: depth, elements, attributes per element and in total with namespace
declarations, characters of one text node) is checked in the target's callbacks, before the
tree builder sees the element: lxml's builder is quadratic in the attributes of one element and
libxml2's schema validation fails on text nodes near 10 MB. A DOCTYPE is refused by the byte
scan (ASCII-compatible encodings) and by the parser's doctype callback (any encoding, before the
internal subset). `check_shape` runs the same checks for a message that is parsed whole
afterwards (the XBau 1170 of `/inbound`), `root_tag` reads only up to the root element.
"""

from __future__ import annotations

import binascii
import contextlib
import copy
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from egov.intake import errors as e
from egov.intake.errors import IntakeError, invalid_param
from egov.intake.formats import (
    CaseKeys,
    ContainerData,
    FormatRegistry,
    StreamedBinary,
    default_registry,
)
from egov.intake.model import (
    CanonicalApplication,
    ReceivedAttachment,
    filename_problem,
    media_type_problem,
)
from egov.intake.xml_guard import Feeder, Limits, Shape, forbidden, hardened_parser, malformed


class _Base64Sink:
    """Decodes base64 text incrementally into a temp file, hashing and counting on the way."""

    def __init__(self, workdir: Path, line: int) -> None:
        fd, name = tempfile.mkstemp(dir=workdir, prefix="anhang-", suffix=".bin")
        self.path = Path(name)
        self.line = line
        self._file = os.fdopen(fd, "wb")
        self._sha512 = hashlib.sha512()
        self._sha256 = hashlib.sha256()
        self._size = 0
        self._pending = ""
        self._padded = False

    def write(self, text: str) -> None:
        compact = "".join(text.split())
        if not compact:
            return
        if self._padded:
            self._fail("Daten nach dem base64-Abschluss ('=')")
        buffer = self._pending + compact
        cut = len(buffer) - len(buffer) % 4
        self._pending = buffer[cut:]
        self._decode(buffer[:cut])

    def _decode(self, quads: str) -> None:
        if not quads:
            return
        try:
            raw = binascii.a2b_base64(quads, strict_mode=True)
        except ValueError:  # binascii.Error and non-ASCII input
            self._fail("ungültige base64-Kodierung")
        self._padded = "=" in quads
        self._sha512.update(raw)
        self._sha256.update(raw)
        self._size += len(raw)
        self._file.write(raw)

    def _fail(self, reason: str) -> None:
        raise IntakeError(
            e.ATTACHMENT_INVALID_BASE64,
            "Ein Anhang ist nicht korrekt base64-kodiert.",
            [invalid_param("inhalt", reason, self.line)],
        )

    def finish(self) -> StreamedBinary:
        if self._pending:
            self._fail("unvollständige base64-Gruppe am Ende")
        self._file.close()
        return StreamedBinary(
            self.path, self._size, self._sha512.hexdigest(), self._sha256.hexdigest(), self.line
        )

    def close(self) -> None:
        self._file.close()


class _SkeletonTarget:
    """lxml parser target: enforces limits, builds the skeleton, streams binaries to disk."""

    def __init__(self, limits: Limits, registry: FormatRegistry, workdir: Path) -> None:
        self.line = 1  # set by the feeder before each piece
        self.created: list[Path] = []
        self.binaries: dict[etree._Element, StreamedBinary] = {}
        self.format_key: str | None = None
        self._shape = Shape(limits)
        self._registry = registry
        self._workdir = workdir
        self._builder = etree.TreeBuilder()
        self._binary_qnames: frozenset[str] = frozenset()
        self._sink: _Base64Sink | None = None
        self._sink_element: etree._Element | None = None

    def doctype(self, *_args: Any) -> None:
        raise forbidden(self.line)

    def start(self, tag: str, attrib: dict[str, str], nsmap: dict[str, str] | None = None) -> None:
        self._shape.start(tag, len(attrib) + len(nsmap or {}), self.line)
        if self.format_key is None:
            self._select_format(tag)
        if self._sink is not None:
            raise IntakeError(
                e.SCHEMA_INVALID,
                "Die Nachricht entspricht nicht dem Schema.",
                [invalid_param(tag, "Element innerhalb eines base64-Inhalts", self.line)],
            )
        prefixes = {(prefix or None): uri for prefix, uri in (nsmap or {}).items()}
        element = self._builder.start(tag, attrib, prefixes)
        element.sourceline = self.line
        if tag in self._binary_qnames:
            self._sink = _Base64Sink(self._workdir, self.line)
            self._sink_element = element
            self.created.append(self._sink.path)

    def _select_format(self, tag: str) -> None:
        fmt = self._registry.format_for_root(tag)
        if fmt is None:
            raise IntakeError(
                e.UNKNOWN_FORMAT,
                "Das Nachrichtenformat ist unbekannt.",
                [invalid_param("/", f"unbekanntes Wurzelelement {tag}", self.line)],
            )
        self.format_key = fmt.key
        self._binary_qnames = fmt.binary_qnames

    def data(self, text: str) -> None:
        if self._sink is not None:
            self._sink.write(text)
        else:
            self._shape.text(len(text), self.line)
            self._builder.data(text)

    def end(self, tag: str) -> None:
        self._shape.end()
        if self._sink is not None and self._sink_element is not None:
            self.binaries[self._sink_element] = self._sink.finish()
            self._sink = self._sink_element = None
        self._builder.end(tag)

    def close(self) -> etree._Element | None:
        # lxml also calls close() after an error; never raise here, or the real error is lost
        if self._sink is not None:
            self._sink.close()
        with contextlib.suppress(Exception):
            return self._builder.close()
        return None


def _stream(
    source: BinaryIO, limits: Limits, registry: FormatRegistry, target: _SkeletonTarget
) -> etree._Element:
    try:
        root = Feeder(hardened_parser(target), target, limits).run(source)
    except etree.XMLSyntaxError as exc:
        raise malformed(str(exc), exc.lineno) from None
    if root is None:
        raise malformed("kein Wurzelelement", None)
    return root


def parse_message(
    source: BinaryIO,
    *,
    limits: Limits,
    workdir: Path,
    registry: FormatRegistry | None = None,
) -> CanonicalApplication:
    """Parse, validate and map one message; on error no temp file is left behind."""
    target = _SkeletonTarget(limits, registry or default_registry(), workdir)
    try:
        root = _stream(source, limits, target._registry, target)
        return _process(root, target)
    except BaseException:
        for path in target.created:
            path.unlink(missing_ok=True)
        raise


def _process(root: etree._Element, target: _SkeletonTarget) -> CanonicalApplication:
    registry = target._registry
    fmt = registry.format_for_root(root.tag)
    assert fmt is not None  # selected while streaming
    problems = fmt.schema().problems(root)
    if problems:
        raise IntakeError(e.SCHEMA_INVALID, "Die Nachricht entspricht nicht dem Schema.", problems)
    container = fmt.mapper(root)
    data, namespace, case_keys = _fachdaten(container, registry)
    return CanonicalApplication(
        format_key=fmt.key,
        message_id=container.message_id,
        message_type=container.message_type,
        created_at=container.created_at,
        leika_key=container.leika_key,
        authority_ars=container.authority_ars,
        applicants=container.applicants,
        reply_postfach=container.reply_postfach,
        fachdaten_namespace=namespace,
        data=data,
        attachments=_verified_attachments(container, target.binaries),
        follow_up_case_reference=container.follow_up_case_reference,
        case_keys=case_keys,
    )


def _fachdaten(
    container: ContainerData, registry: FormatRegistry
) -> tuple[dict[str, Any], str, CaseKeys]:
    element = container.fachdaten
    namespace = etree.QName(element).namespace or ""
    fmt = registry.fachdaten_for(namespace)
    if fmt is None:
        raise IntakeError(
            e.UNKNOWN_FACHDATEN,
            "Die Fachdaten gehören zu keinem bekannten Verfahren.",
            [invalid_param(element.getroottree().getpath(element), namespace, element.sourceline)],
        )
    prefix = element.getroottree().getpath(element.getparent())
    problems = fmt.schema().problems(copy.deepcopy(element), path_prefix=prefix)
    if problems:
        raise IntakeError(e.FACHDATEN_INVALID, "Die Fachdaten sind ungültig.", problems)
    data = fmt.mapper(element)
    return data, namespace, () if fmt.case_keys is None else fmt.case_keys(data)


def check_metadata(filename: str, media_type: str, name: str, line: int | None) -> None:
    """File name and media type as every format must give them (both become columns)."""
    for field, problem in (
        ("dateiname", filename_problem(filename)),
        ("mimeType", media_type_problem(media_type)),
    ):
        if problem is not None:
            raise IntakeError(
                e.ATTACHMENT_METADATA_INVALID,
                "Dateiname oder Medientyp eines Anhangs ist unzulässig.",
                [invalid_param(f"{name}.{field}", problem, line)],
            )


def _verified_attachments(
    container: ContainerData, binaries: dict[etree._Element, StreamedBinary]
) -> tuple[ReceivedAttachment, ...]:
    received = []
    for index, declared in enumerate(container.attachments, start=1):
        streamed = binaries[declared.content]
        name = f"anhang[{index}]"
        check_metadata(declared.filename, declared.media_type, name, streamed.line)
        if declared.size is not None and streamed.size != declared.size:
            raise IntakeError(
                e.ATTACHMENT_SIZE_MISMATCH,
                f"Die Größe des Anhangs {declared.filename!r} stimmt nicht.",
                [
                    invalid_param(
                        name,
                        f"angegeben {declared.size}, tatsächlich {streamed.size}",
                        streamed.line,
                    )
                ],
            )
        for algorithm, given, actual in (
            ("SHA-512", declared.sha512, streamed.sha512),
            ("SHA-256", declared.sha256, streamed.sha256),
        ):
            if given is not None and given != actual:
                raise IntakeError(
                    e.ATTACHMENT_HASH_MISMATCH,
                    f"Die {algorithm}-Prüfsumme des Anhangs {declared.filename!r} stimmt nicht.",
                    [invalid_param(name, f"{algorithm} weicht ab", streamed.line)],
                )
        received.append(
            ReceivedAttachment(
                declared.filename,
                declared.media_type,
                streamed.size,
                streamed.sha512,
                streamed.sha256,
                streamed.path,
            )
        )
    return tuple(received)
