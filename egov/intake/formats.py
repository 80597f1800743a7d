"""Registry of message formats (containers) and Fachdaten formats.

A :class:`Format` is a container format recognised by the qualified name of its root element
(e.g. our XFall profile ``{urn:egov-oss:xfall-profil:1.0}antrag.einreichen``). The official XFall
release can be registered as one more :class:`Format` with its own XSD and mapper.
A :class:`FachdatenFormat` is the procedure-specific payload, recognised by its namespace.
XSDs are compiled once per path and shared; validation is serialised per schema with a lock
because an lxml validator object must not be used by two threads at the same time.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from lxml import etree

from egov.intake.errors import MAX_REPORTED_PARAMS, SCHEMA_INVALID, IntakeError, invalid_param
from egov.intake.model import Applicant

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamedBinary:
    """An inline base64 content element, decoded to a temp file while parsing."""

    path: Path
    size: int
    sha512: str
    sha256: str
    line: int


@dataclass(frozen=True)
class DeclaredAttachment:
    """Attachment metadata as declared in the container, plus its content element. A format
    whose size or hash is optional (XBeteiligung: SHA-256 only) declares None for it."""

    filename: str
    media_type: str
    size: int | None
    sha512: str | None
    content: etree._Element
    sha256: str | None = None


@dataclass(frozen=True)
class ContainerData:
    """What a container mapper extracts from a (schema-valid) skeleton tree."""

    message_id: str
    message_type: str
    created_at: datetime
    leika_key: str
    authority_ars: str
    applicants: tuple[Applicant, ...]
    reply_postfach: str | None
    follow_up_case_reference: str | None
    fachdaten: etree._Element
    attachments: tuple[DeclaredAttachment, ...]


ContainerMapper = Callable[[etree._Element], ContainerData]
FachdatenMapper = Callable[[etree._Element], dict[str, Any]]
ReverseMapper = Callable[[Mapping[str, Any]], etree._Element]
CaseKeys = tuple[tuple[str, str], ...]  # (scheme, value): what else names a case


class CompiledSchema:
    """A compiled XSD whose validation is thread-safe."""

    def __init__(self, xsd_path: Path) -> None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        self._schema = etree.XMLSchema(etree.parse(str(xsd_path), parser))
        self._lock = threading.Lock()

    def errors(self, tree: etree._Element, limit: int = MAX_REPORTED_PARAMS) -> list[Any]:
        """Validate; return the lxml log entries of the first `limit` errors (empty: valid).
        Only those are reported, so only those are looked at further (an XPath each)."""
        with self._lock:
            try:
                if self._schema.validate(tree):
                    return []
            except etree.XMLSchemaValidateError as exc:  # libxml2 gave up (e.g. a huge text)
                log.warning("schema_validation_failed error=%s", type(exc).__name__)
                raise IntakeError(
                    SCHEMA_INVALID,
                    "Die Nachricht konnte nicht gegen ihr Schema geprüft werden.",
                    [invalid_param("/", "Schemaprüfung abgebrochen")],
                ) from None
            return list(itertools.islice(self._schema.error_log, limit))

    def problems(self, tree: etree._Element, path_prefix: str = "") -> list[dict[str, Any]]:
        """Validate; return ``invalid_params`` with readable path and source line."""
        return [
            invalid_param(
                path_prefix + readable_path(tree, entry.path), entry.message, entry.line or None
            )
            for entry in self.errors(tree)
        ]


def _step(element: etree._Element) -> str:
    qname = etree.QName(element)
    name = f"{element.prefix}:{qname.localname}" if element.prefix else qname.localname
    parent = element.getparent()
    same = [] if parent is None else [sibling for sibling in parent if sibling.tag == element.tag]
    return f"{name}[{same.index(element) + 1}]" if len(same) > 1 else name


def readable_path(tree: etree._Element, path: str | None) -> str:
    """libxml2 writes ``/*/*[4]`` for default-namespace elements; spell out local names."""
    try:
        found = tree.getroottree().xpath(path) if path else None
    except etree.XPathError:
        return path or ""
    if not isinstance(found, list) or len(found) != 1 or not isinstance(found[0], etree._Element):
        return path or ""
    element: etree._Element | None = found[0]
    steps = []
    while element is not None:
        steps.append(_step(element))
        element = element.getparent()
    return "/" + "/".join(reversed(steps))


MAX_INT_DIGITS = 18  # xs:integer has no bound; sizes and version numbers fit in 18 digits


def bounded_int(text: str, name: str, line: int | None = None) -> int:
    """An XSD-valid xs:integer as int; refused (not a 500) beyond 18 digits, since `int()`
    fails past 4300 digits and nothing real is that large."""
    digits = text.strip().lstrip("+")
    if len(digits.lstrip("0")) > MAX_INT_DIGITS:
        raise IntakeError(
            SCHEMA_INVALID,
            "Die Nachricht entspricht nicht dem Schema.",
            [invalid_param(name, f"Zahl mit mehr als {MAX_INT_DIGITS} Stellen", line)],
        )
    return int(digits)


_SCHEMAS: dict[Path, CompiledSchema] = {}
_SCHEMAS_LOCK = threading.Lock()


def compiled_schema(xsd_path: Path) -> CompiledSchema:
    """Compile ``xsd_path`` once per process and return the shared instance."""
    key = xsd_path.resolve()
    with _SCHEMAS_LOCK:
        schema = _SCHEMAS.get(key)
        if schema is None:
            schema = _SCHEMAS[key] = CompiledSchema(key)
        return schema


@dataclass(frozen=True)
class Format:
    """A container format. ``binary_qnames``: elements whose base64 text is streamed to disk."""

    key: str
    root_qname: str  # Clark notation "{namespace}local"
    xsd_path: Path
    mapper: ContainerMapper
    binary_qnames: frozenset[str] = frozenset()

    def schema(self) -> CompiledSchema:
        return compiled_schema(self.xsd_path)


@dataclass(frozen=True)
class FachdatenFormat:
    """Procedure-specific Fachdaten. ``field_names`` maps XML local names to JSON keys."""

    namespace: str
    xsd_path: Path
    mapper: FachdatenMapper
    procedure_key: str
    reverse_mapper: ReverseMapper | None = None
    field_names: Mapping[str, str] = field(default_factory=dict)
    container_key: str | None = None  # the Format that carries it (None: its own message)
    form_fields: object | None = None  # a FieldListFachdaten: the web form (formschema.py)
    variables: frozenset[str] = frozenset()  # the mapper's keys beyond `field_names`
    case_keys: Callable[[dict[str, Any]], CaseKeys] | None = None  # from the mapped data

    def schema(self) -> CompiledSchema:
        return compiled_schema(self.xsd_path)

    def data_names(self) -> frozenset[str]:
        """The keys of the mapper's dict: the process variables an application brings."""
        return frozenset(self.field_names.values()) | self.variables


class FormatRegistry:
    """Known container and Fachdaten formats (register at start-up, then read-only)."""

    def __init__(self) -> None:
        self._formats: dict[str, Format] = {}
        self._fachdaten: dict[str, FachdatenFormat] = {}
        self._lock = threading.Lock()

    def register(self, fmt: Format) -> None:
        with self._lock:
            self._formats[fmt.root_qname] = fmt

    def register_fachdaten(self, fmt: FachdatenFormat) -> None:
        with self._lock:
            self._fachdaten[fmt.namespace] = fmt

    def format_for_root(self, root_qname: str) -> Format | None:
        return self._formats.get(root_qname)

    def fachdaten_for(self, namespace: str) -> FachdatenFormat | None:
        return self._fachdaten.get(namespace)

    def formats(self) -> tuple[Format, ...]:
        return tuple(self._formats.values())

    def fachdaten_formats(self) -> tuple[FachdatenFormat, ...]:
        return tuple(self._fachdaten.values())


def default_schema_dir() -> Path:
    """``schemas/`` at the repository root (the package is installed editable)."""
    return Path(__file__).resolve().parents[2] / "schemas"


def default_registry(schema_dir: Path | None = None) -> FormatRegistry:
    """Our XFall profile with the Bürgerbudget and Beteiligung Fachdaten, XBau 2.5 (1200) and
    XBeteiligung 1.2 (0401)."""
    from egov.intake import xbau, xbeteiligung, xfall  # local import: they build on the above

    base = schema_dir or default_schema_dir()
    registry = FormatRegistry()
    registry.register(xfall.profile_format(base))
    for fachdaten in xfall.fachdaten_formats(base):
        registry.register_fachdaten(fachdaten)
    registry.register(xbau.antrag_format(base))
    registry.register_fachdaten(xbau.fachdaten_format(base))
    registry.register(xbeteiligung.initiieren_format(base))
    registry.register_fachdaten(xbeteiligung.fachdaten_format(base))
    return registry
