"""Our XFall container profile (``urn:egov-oss:xfall-profil:1.0``) and its Fachdaten formats.

NOT the official XFall standard (only published on XRepository, unreachable for us): a profile
written by the egov project from XFall's public descriptions, on the real XÖV header
``nachrichtenkopf.g2g``. See schemas/xfall/README.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from lxml import etree

from egov.intake.errors import FACHDATEN_INVALID, IntakeError, invalid_param
from egov.intake.formats import (
    ContainerData,
    DeclaredAttachment,
    FachdatenFormat,
    Format,
    bounded_int,
)
from egov.intake.model import Applicant

NS = "urn:egov-oss:xfall-profil:1.0"
NS_G2G = "http://xoev.de/schemata/basisnachricht/g2g/1_1"
NS_BUERGERBUDGET = "urn:egov-oss:fachdaten:buergerbudget:1.0"
NS_BETEILIGUNG = "urn:egov-oss:fachdaten:beteiligung:1.0"
NS_ANLIEGEN = "urn:egov-oss:fachdaten:anliegen:1.0"
ROOT = f"{{{NS}}}antrag.einreichen"
FORMAT_KEY = "egov-xfall-profil-1.0"
MESSAGE_TYPE = "antrag.einreichen"
LEIKA_BUERGERBUDGET = "urn:de:fim:leika:leistung:99107004000000"
LEIKA_BETEILIGUNG = "urn:de:fim:leika:leistung:99107005000000"
ARS_JENA = "160530000000"
EIDAS_PREFIX = "http://eidas.europa.eu/LoA/"


def _q(local: str) -> str:
    return f"{{{NS}}}{local}"


def profile_format(schema_dir: Path) -> Format:
    return Format(
        key=FORMAT_KEY,
        root_qname=ROOT,
        xsd_path=schema_dir / "xfall" / "egov-xfall-profil-1.0.xsd",
        mapper=map_container,
        binary_qnames=frozenset({_q("inhalt")}),
    )


# --- container mapping (input: a skeleton tree that passed the profile XSD) -----------------


def _text(parent: etree._Element, path: str) -> str:
    value: str | None = parent.findtext(path, namespaces={"x": NS, "g": NS_G2G})
    if value is None:
        raise LookupError(path)
    return value.strip()


def _opt_text(parent: etree._Element, path: str) -> str | None:
    value = parent.findtext(path, namespaces={"x": NS, "g": NS_G2G})
    return None if value is None else value.strip()


def parse_datetime(value: str) -> datetime:
    """xs:dateTime -> aware datetime (a missing zone is read as UTC)."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _applicant(el: etree._Element) -> Applicant:
    return Applicant(
        given_name=_text(el, "x:vorname"),
        family_name=_text(el, "x:familienname"),
        email=_opt_text(el, "x:email"),
        authentication=_text(el, "x:authentifizierung/x:methode"),
        vertrauensniveau=_text(el, "x:authentifizierung/x:vertrauensniveau")[len(EIDAS_PREFIX) :],
    )


def _attachment(el: etree._Element, index: int) -> DeclaredAttachment:
    return DeclaredAttachment(
        filename=_text(el, "x:dateiname"),
        media_type=_text(el, "x:mimeType"),
        size=bounded_int(_text(el, "x:groesse"), f"anhang[{index}].groesse", el.sourceline),
        sha512=_text(el, "x:sha512").lower(),
        content=el.find(_q("inhalt")),
    )


def map_container(root: etree._Element) -> ContainerData:
    ident = "g:nachrichtenkopf.g2g/g:identifikation.nachricht/g:"
    fachdaten = root.find(_q("fachdaten"))
    assert fachdaten is not None and len(fachdaten) == 1  # guaranteed by the XSD
    return ContainerData(
        message_id=_text(root, ident + "nachrichtenUUID").lower(),
        message_type=_text(root, ident + "nachrichtentyp/code"),
        created_at=parse_datetime(_text(root, ident + "erstellungszeitpunkt")),
        leika_key=_text(root, "x:leistung"),
        authority_ars=_text(root, "x:zustaendigeStelle/x:ars"),
        applicants=tuple(_applicant(el) for el in root.iterfind(_q("antragsteller"))),
        reply_postfach=_opt_text(root, "x:antwortkanal/x:postfach"),
        follow_up_case_reference=_opt_text(root, "x:bezugVorgang"),
        fachdaten=fachdaten[0],
        attachments=tuple(
            _attachment(el, index)
            for index, el in enumerate(root.iterfind(f"{_q('anhaenge')}/{_q('anhang')}"), start=1)
        ),
    )


# --- generic field-list Fachdaten (XML <-> dict) ----------------------------------------------

Kind = Literal["text", "decimal", "bool"]


@dataclass(frozen=True)
class FieldSpec:
    element: str  # XML local name
    key: str  # JSON / canonical key
    kind: Kind = "text"
    required: bool = True


def _from_xml(kind: Kind, text: str) -> Any:
    if kind == "decimal":
        return float(Decimal(text.strip()))
    if kind == "bool":
        return text.strip() in ("true", "1")
    return text


# XML 1.0 Char: tab, newline, carriage return, and U+0020..U+D7FF, U+E000..U+FFFD, U+10000..
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_incompatible(text: str) -> str | None:
    """The first character XML 1.0 cannot carry (NUL, most C0 controls, lone surrogates), as
    U+XXXX; None when every character is allowed."""
    match = _NOT_XML_CHAR.search(text)
    return None if match is None else f"U+{ord(match.group()):04X}"


MAX_NUMBER_CHARS = 40  # a form amount as written, e.g. "1234567890.12" or 1e3
MAX_NUMBER_EXPONENT = 30  # |exponent| of a form amount: 1e250000000 would be written out whole


def _decimal_text(value: Any) -> str:
    """A form number as xs:decimal text; bounded BEFORE it is written out in full."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("muss eine Zahl sein")
    text = str(value).strip()  # str() of a huge int is bounded by Python's 4300 digits
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(f"hat mehr als {MAX_NUMBER_CHARS} Zeichen")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("muss eine Zahl sein") from None
    if not number.is_finite():
        raise ValueError("muss eine endliche Zahl sein")
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if abs(exponent) > MAX_NUMBER_EXPONENT:
        raise ValueError("liegt außerhalb des zulässigen Bereichs")
    return format(number, "f")


def _to_xml(spec: FieldSpec, value: Any) -> str:
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise ValueError("muss true oder false sein")
        return "true" if value else "false"
    if spec.kind == "decimal":
        return _decimal_text(value)
    if not isinstance(value, str):
        raise ValueError("muss ein Text sein")
    if (char := xml_incompatible(value)) is not None:
        raise ValueError(f"enthält ein Zeichen, das XML nicht erlaubt ({char})")
    return value


@dataclass(frozen=True)
class FieldListFachdaten:
    """Forward and reverse mapper for a flat sequence of simple elements."""

    namespace: str
    root: str
    fields: tuple[FieldSpec, ...]

    def to_dict(self, el: etree._Element) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for spec in self.fields:
            text = el.findtext(f"{{{self.namespace}}}{spec.element}")
            data[spec.key] = None if text is None else _from_xml(spec.kind, text)
        return data

    def to_xml(self, data: Mapping[str, Any]) -> etree._Element:
        problems = [
            invalid_param(f"data.{key}", "unbekanntes Feld")
            for key in data
            if key not in {spec.key for spec in self.fields}
        ]
        root = etree.Element(f"{{{self.namespace}}}{self.root}", nsmap={None: self.namespace})
        for spec in self.fields:
            value = data.get(spec.key)
            if value is None:
                if spec.required:
                    problems.append(invalid_param(f"data.{spec.key}", "Pflichtfeld fehlt"))
                continue
            try:
                etree.SubElement(root, f"{{{self.namespace}}}{spec.element}").text = _to_xml(
                    spec, value
                )
            except ValueError as exc:
                problems.append(invalid_param(f"data.{spec.key}", str(exc)))
        if problems:
            raise IntakeError(FACHDATEN_INVALID, "Die Fachdaten sind ungültig.", problems)
        return root

    def fachdaten_format(self, xsd_path: Path, procedure_key: str) -> FachdatenFormat:
        return FachdatenFormat(
            namespace=self.namespace,
            xsd_path=xsd_path,
            mapper=self.to_dict,
            procedure_key=procedure_key,
            reverse_mapper=self.to_xml,
            field_names={spec.element: spec.key for spec in self.fields},
            container_key=FORMAT_KEY,
            form_fields=self,
        )


BUERGERBUDGET = FieldListFachdaten(
    NS_BUERGERBUDGET,
    "vorschlag",
    (
        FieldSpec("titel", "title"),
        FieldSpec("beschreibung", "description"),
        FieldSpec("ort", "location"),
        FieldSpec("kategorie", "category"),
        FieldSpec("geschaetzteKostenEUR", "estimated_cost_eur", "decimal"),
        FieldSpec("folgekostenFuenfJahreEUR", "follow_up_cost_eur", "decimal"),
        FieldSpec("oeffentlicherRaum", "public_space", "bool"),
        FieldSpec("andereFoerderungMoeglich", "other_funding_available", "bool"),
    ),
)

BETEILIGUNG = FieldListFachdaten(  # a statement on a running participation (no new case)
    NS_BETEILIGUNG,
    "stellungnahme",
    (
        FieldSpec("beteiligung", "participation"),  # its id, Aktenzeichen or Vorgangs-ID
        FieldSpec("varianteId", "variant_id", required=False),  # absent: the whole plan
        FieldSpec("text", "text"),
        FieldSpec("punkt", "location", required=False),  # GeoJSON point (text)
        FieldSpec("namentlich", "named", "bool", required=False),
    ),
)

ANLIEGEN = FieldListFachdaten(  # the general request: triage proposes the office (issue 13)
    NS_ANLIEGEN,
    "anliegen",
    (
        FieldSpec("text", "text"),
        FieldSpec("ort", "location", required=False),
        FieldSpec("koordinaten", "coordinates", required=False),
    ),
)


def fachdaten_formats(schema_dir: Path) -> tuple[FachdatenFormat, ...]:
    fd = schema_dir / "fachdaten"
    return (
        BUERGERBUDGET.fachdaten_format(
            fd / "buergerbudget" / "buergerbudget-1.0.xsd", "buergerbudget"
        ),
        BETEILIGUNG.fachdaten_format(fd / "beteiligung" / "beteiligung-1.0.xsd", "beteiligung"),
        ANLIEGEN.fachdaten_format(fd / "anliegen" / "anliegen-1.0.xsd", "anliegen"),
    )
