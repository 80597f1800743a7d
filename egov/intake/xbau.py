"""XBau 2.5 (Kernmodul 1.2.2): Bauantrag intake and status messages for the Antragsportal.

``universellerAntrag.antrag.1200`` is a registry :class:`Format`; having no Fachdaten of another
namespace, the message (a copy) is its own Fachdaten (:func:`summarize`, Kernmodul namespace).
``statusFuerAntragsportal.1170``: :func:`parse_status_1170` and :func:`build_status_1170`.
XBau carries no LeiKa key, no Vertrauensniveau and no attachment bytes (an ``anhang`` references
a file of the transport envelope): the mapping decisions are in schemas/xbau/README.md.
"""

from __future__ import annotations

import base64
import copy
import functools
import html
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from egov.intake import errors as e
from egov.intake.errors import IntakeError, invalid_param
from egov.intake.formats import (
    ContainerData,
    FachdatenFormat,
    Format,
    bounded_int,
    compiled_schema,
    default_schema_dir,
)
from egov.intake.model import Applicant
from egov.intake.xfall import parse_datetime
from egov.intake.xml_guard import Limits, check_shape

NS = "http://www.xleitstelle.de/xbau/kernmodul/1/2/2"
ANTRAG_ROOT = f"{{{NS}}}universellerAntrag.antrag.1200"
STATUS_ROOT = f"{{{NS}}}prozessnachrichten.statusFuerAntragsportal.1170"
ANTRAG_XSD = "xbau/xsd/xbau-kernmodul-universellerAntrag.xsd"
STATUS_XSD = "xbau/xsd/xbau-kernmodul-prozessnachrichten.xsd"
FORMAT_KEY = "xbau-2.5-kernmodul-1.2.2"
PROCEDURE_KEY = "bauantrag"
# XBau names no Leistung: every 1200 is filed under this key (from the project brief, not
# verified against the LeiKa catalogue, which we cannot reach). Override per deployment.
LEIKA_BAUANTRAG = "urn:de:fim:leika:leistung:99010003001000"
ARS_JENA = "160530000000"
AUTHENTICATION = "xbau-antragsservice"  # the portal authenticated the applicant; XBau says not how
VERTRAUENSNIVEAU = "low"  # XBau carries none; the portal client vouches (see README)
STATUS_LIST_URI = "urn:xoev-de:xbau:codeliste:statusbauportal"
STATUS_LIST_VERSION = "3.0"
STATUS_RECEIVED, STATUS_DOCUMENTS_MISSING, STATUS_DECISION = "14", "17", "10"
_TYPE_PATH = "nachrichtenkopf.g2g/identifikation.nachricht/nachrichtentyp/code"
_ARS = re.compile(r"(?:^|:)(\d{12})$")
_WRAPPER = "{urn:egov-oss:xbau}nachricht"
_PRODUCT = dict(
    produkt="egov", produkthersteller="egov-oss", standard="XBau-Kernmodul", version="1.2.2"
)
_STATUS_LIST = {"listURI": STATUS_LIST_URI, "listVersionID": STATUS_LIST_VERSION}
_DIRECTORY_LIST = {"listURI": "urn:xoev-de:kosit:codeliste:verzeichnisdienst", "listVersionID": "3"}
_MESSAGES = {
    e.SCHEMA_INVALID: "Die Nachricht entspricht nicht dem Schema.",
    e.UNKNOWN_FORMAT: "Das Nachrichtenformat ist unbekannt.",
    e.MESSAGE_TOO_LARGE: "Die Nachricht ist zu groß.",
    e.XML_MALFORMED: "Die Nachricht ist kein wohlgeformtes XML.",
}


def antrag_format(
    schema_dir: Path, *, leika_key: str = LEIKA_BAUANTRAG, default_ars: str = ARS_JENA
) -> Format:
    return Format(
        key=FORMAT_KEY,
        root_qname=ANTRAG_ROOT,
        xsd_path=schema_dir / ANTRAG_XSD,
        mapper=functools.partial(map_antrag, leika_key=leika_key, default_ars=default_ars),
    )


def fachdaten_format(schema_dir: Path) -> FachdatenFormat:
    """The message is its own Fachdaten (a copy, see :func:`map_antrag`)."""
    return FachdatenFormat(
        NS,
        schema_dir / ANTRAG_XSD,
        summarize,
        PROCEDURE_KEY,
        container_key=FORMAT_KEY,
        variables=frozenset(summarize(etree.Element(f"{{{NS}}}antrag"))),  # its keys
    )


# --- small helpers (XBau elements below the root are unqualified) -----------------------------
def _opt(parent: etree._Element | None, path: str) -> str | None:
    value = None if parent is None else parent.findtext(path)
    return None if value is None else value.strip()


def _req(parent: etree._Element, path: str) -> str:
    value = _opt(parent, path)
    assert value is not None, path  # guaranteed by the XSD
    return value


def _refuse(code: str, name: str, reason: str, line: int | None = None) -> IntakeError:
    return IntakeError(code, _MESSAGES[code], [invalid_param(name, reason, line)])


def _header(root: etree._Element) -> tuple[str, str, datetime]:
    """(message UUID, message type code, creation time); the type must match the root."""
    ident = "nachrichtenkopf.g2g/identifikation.nachricht/"
    code = _req(root, _TYPE_PATH)
    local = etree.QName(root).localname
    if local.rsplit(".", 1)[-1] != code:
        raise _refuse(e.SCHEMA_INVALID, "/" + _TYPE_PATH, f"{code} passt nicht zu {local}")
    created = parse_datetime(_req(root, ident + "erstellungszeitpunkt"))
    return _req(root, ident + "nachrichtenUUID").lower(), code, created


# --- universellerAntrag.antrag.1200 -> ContainerData ------------------------------------------
def _email(actor: etree._Element) -> str | None:
    return next((k for k in actor.xpath(".//kommunikation/kennung/text()") if "@" in k), None)


def _applicant(actor: etree._Element) -> Applicant:
    person = actor.find("natuerlichePerson")
    if person is not None:
        given = _opt(person, "name/vorname/name") or ""
        family = _opt(person, "name/familienname/name") or ""
    else:
        given, family = "", _req(actor, "organisation/name/name")
    return Applicant(given, family, _email(actor), AUTHENTICATION, VERTRAUENSNIVEAU)


def _authority_ars(root: etree._Element, default_ars: str) -> str:
    match = _ARS.search(_req(root, "nachrichtenkopf.g2g/leser/kennung"))
    return match.group(1) if match else default_ars


def map_antrag(root: etree._Element, *, leika_key: str, default_ars: str) -> ContainerData:
    message_id, message_type, created_at = _header(root)
    wrapper = etree.Element(_WRAPPER)
    wrapper.append(copy.deepcopy(root))  # the message is its own Fachdaten (see module doc)
    return ContainerData(
        message_id=message_id,
        message_type=message_type,
        created_at=created_at,
        leika_key=leika_key,
        authority_ars=_authority_ars(root, default_ars),
        applicants=tuple(_applicant(actor) for actor in root.iterfind("antragsteller")),
        reply_postfach=None,
        follow_up_case_reference=None,
        fachdaten=wrapper[0],
        attachments=(),  # XBau references attachments; the bytes travel in the transport
    )


# --- JSON-safe summary (the Fachdaten mapper; tolerant of the other 12xx messages) -------------

_ADDRESS = ("strasse", "hausnummer", "strasseHausnummer", "postleitzahl", "ort", "ortsteil")


def _address(el: etree._Element) -> dict[str, str]:
    return {key: value for key in _ADDRESS if (value := _opt(el, key)) is not None}


def _actor(actor: etree._Element) -> dict[str, Any]:
    kind = "natuerlichePerson" if actor.find("natuerlichePerson") is not None else "organisation"
    applicant = _applicant(actor)
    return {
        "art": kind,
        "vorname": applicant.given_name or None,
        "name": applicant.family_name,
        "email": applicant.email,
        "anschrift": [_address(a) for a in actor.iterfind(f"{kind}/anschrift")],
    }


def _flurstueck(el: etree._Element) -> dict[str, str | None]:
    code = "kodierungFlurstueck/"
    return {
        "bundesland": _opt(el, "bundesland/code"),
        "gemarkung": _opt(el, code + "gemarkung/*"),  # nummer or bezeichnung
        "flur": _opt(el, code + "flur"),
        "zaehler": _opt(el, code + "zaehler"),
        "nenner": _opt(el, code + "nenner"),
        "folge": _opt(el, code + "folge"),
    }


def _grundstueck(el: etree._Element) -> dict[str, Any]:
    return {
        "anschriften": [_address(a) for a in el.iterfind("anschriftGrundstueck")],
        "flurstuecke": [_flurstueck(f) for f in el.iterfind("flurstueck")],
    }


def _anlage(el: etree._Element) -> dict[str, Any]:
    anhang = el.find("anhangOderVerlinkung/anhang")
    attrs = {} if anhang is None else dict(anhang.attrib)
    version = _opt(el, "versionsnummer")
    return {
        "bezeichnung": _opt(el, "bezeichnung"),
        "versionsnummer": None if version is None else bounded_int(version, "versionsnummer"),
        "datum": _opt(el, "datum"),
        "anlageart": _opt(el, "anlageart/code"),
        "mime_type": _opt(el, "mimeType/code"),
        "uebermittlung": "anhang" if anhang is not None else "verlinkung",
        "dokumentid": _opt(anhang, "dokumentid"),
        "dateiname": _opt(anhang, "dateiname"),
        "groesse": bounded_int(attrs["filesize"], "filesize") if "filesize" in attrs else None,
        "sha256": attrs["hashValue"].strip().lower() if "hashValue" in attrs else None,
        "uri": _opt(el, "anhangOderVerlinkung/uriVerlinkung"),
    }


def summarize(message: etree._Element) -> dict[str, Any]:
    paragraphs = [(p.text or "").strip() for p in message.iterfind("artDesAntrags/textabsatz")]
    return {
        "nachricht": etree.QName(message).localname,
        "title": paragraphs[0] if paragraphs else None,
        "art_des_antrags": "\n".join(paragraphs) or None,
        "referenz_antragsservice": _opt(message, "referenzAntragsservice/referenzAntragsservice"),
        "bezug": {key: _opt(message, f"bezug/{key}") for key in ("referenz", "vorgang")},
        "bauherr": [_actor(a) for a in message.iterfind("antragsteller")],
        "grundstuecke": [_grundstueck(g) for g in message.iterfind("grundstueck")],
        "anlagen": [_anlage(a) for a in message.iterfind("anlagen/anlage")],
    }


# --- prozessnachrichten.statusFuerAntragsportal.1170 ------------------------------------------
@dataclass(frozen=True)
class PortalStatus:
    message_id: str
    case_reference: str | None  # bezug/vorgang: the authority's Aktenzeichen
    status_code: str  # code of urn:xoev-de:xbau:codeliste:statusbauportal 3.0
    text: str  # the begruendung as plain text, else the code list description
    created_at: datetime
    portal_reference: str | None = None  # bezug/referenz: referenzAntragsservice of the 1200
    deadline: date | None = None  # frist


@dataclass(frozen=True)
class Behoerde:
    kennung: str
    name: str
    verzeichnisdienst: str = "DVDV"


JENA_BAUAUFSICHT = Behoerde("ars:160530000000", "Stadt Jena, Untere Bauaufsichtsbehörde")


# a new hardened parser per use: lxml parser objects must not be shared between threads
_HARDENED = {"resolve_entities": False, "no_network": True, "load_dtd": False}
_parser = functools.partial(etree.XMLParser, remove_comments=True, remove_pis=True, **_HARDENED)


def _status_xsd(schema_dir: Path | None) -> Path:
    return (schema_dir or default_schema_dir()) / STATUS_XSD


@functools.cache
def status_codes(schema_dir: Path | None = None) -> dict[str, str]:
    """Code -> description of the genericode list statusbauportal 3.0 shipped in schemas/xbau."""
    base = (schema_dir or default_schema_dir()) / "xbau" / "codelists"
    tree = etree.parse(str(base / "urn_xoev-de_xbau_codeliste_statusbauportal_3.0.xml"), _parser())
    rows = (row.findall("Value") for row in tree.iter("Row"))
    return {v[0].findtext("SimpleValue", ""): v[1].findtext("SimpleValue", "") for v in rows}


def _html_to_text(markup: str) -> str:
    parser = etree.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    root = etree.fromstring(f"<html><body><div>{markup}</div></body></html>", parser)
    blocks = root.findall(".//p") or root.findall(".//div")[:1]
    return "\n".join(text for b in blocks if (text := "".join(b.itertext()).strip()))


def _begruendung(root: etree._Element) -> str | None:
    if (encoded := _opt(root, "begruendung/text")) is None:
        return None
    try:
        raw = base64.b64decode("".join(encoded.split()), validate=True)  # xs:base64Binary may wrap
        return _html_to_text(raw.decode("utf-8"))
    except ValueError:  # binascii.Error, UnicodeDecodeError
        raise _refuse(e.SCHEMA_INVALID, "/begruendung/text", "kein base64-UTF-8-HTML") from None


def read_hardened(source: bytes | BinaryIO, limits: Limits) -> etree._Element:
    """A whole message of at most `limits.max_bytes`, shape-checked before a tree is built."""
    raw = source if isinstance(source, bytes) else source.read(limits.max_bytes + 1)
    if len(raw) > limits.max_bytes:
        raise _refuse(e.MESSAGE_TOO_LARGE, "/", f"größer als {limits.max_bytes} Bytes")
    check_shape(raw, limits)  # DOCTYPE, depth, elements, attributes: before any tree is built
    try:
        return etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        raise _refuse(e.XML_MALFORMED, "/", str(exc), exc.lineno) from None


def _status_code(root: etree._Element, schema_dir: Path | None) -> tuple[str, dict[str, str]]:
    element = root.find("statusAntragsportal")
    assert element is not None  # guaranteed by the XSD
    code, known = _req(element, "code"), status_codes(schema_dir)
    if element.get("listURI") != STATUS_LIST_URI or code not in known:
        reason = f"{code} ist kein Code der Liste {STATUS_LIST_URI} {STATUS_LIST_VERSION}"
        raise _refuse(e.SCHEMA_INVALID, "/statusAntragsportal/code", reason, element.sourceline)
    return code, known


def parse_status_1170(
    source: bytes | BinaryIO, *, limits: Limits | None = None, schema_dir: Path | None = None
) -> PortalStatus:
    """Hardened parse, XSD and code-list check of one 1170 message."""
    root = read_hardened(source, limits or Limits())
    if root.tag != STATUS_ROOT:
        raise _refuse(e.UNKNOWN_FORMAT, "/", f"unbekanntes Wurzelelement {root.tag}", 1)
    problems = compiled_schema(_status_xsd(schema_dir)).problems(root)
    if problems:
        raise IntakeError(e.SCHEMA_INVALID, _MESSAGES[e.SCHEMA_INVALID], problems)
    message_id, _, created_at = _header(root)
    code, known = _status_code(root, schema_dir)
    deadline = _opt(root, "frist")
    return PortalStatus(
        message_id=message_id,
        case_reference=_opt(root, "bezug/vorgang"),
        status_code=code,
        text=_begruendung(root) or known[code],
        created_at=created_at,
        portal_reference=_opt(root, "bezug/referenz"),
        deadline=None if deadline is None else date.fromisoformat(deadline[:10]),
    )


def _sub(el: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    child = etree.SubElement(el, tag, attrib)
    child.text = text
    return child


def _behoerde(parent: etree._Element, tag: str, behoerde: Behoerde) -> None:
    el = _sub(parent, tag)
    _sub(_sub(el, "verzeichnisdienst", **_DIRECTORY_LIST), "code", behoerde.verzeichnisdienst)
    _sub(el, "kennung", behoerde.kennung)
    _sub(el, "name", behoerde.name)


def _text_to_html(text: str) -> str:
    return "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())


def build_status_1170(
    *,
    message_id: str,
    case_reference: str | None,
    status_code: str,
    created_at: datetime,
    reader: Behoerde,
    author: Behoerde = JENA_BAUAUFSICHT,
    text: str | None = None,
    portal_reference: str | None = None,
    deadline: date | None = None,
    schema_dir: Path | None = None,
) -> bytes:
    """A statusFuerAntragsportal.1170; raises ValueError for an unknown code or invalid output."""
    if status_code not in status_codes(schema_dir):
        raise ValueError(f"{status_code} ist kein Code der Liste {STATUS_LIST_URI}")
    if created_at.tzinfo is None:
        raise ValueError("created_at braucht eine Zeitzone")
    root = etree.Element(STATUS_ROOT, _PRODUCT, nsmap={"xbauk": NS})
    head = _sub(root, "nachrichtenkopf.g2g")
    ident = _sub(head, "identifikation.nachricht")
    _sub(ident, "nachrichtenUUID", message_id)
    _sub(_sub(ident, "nachrichtentyp"), "code", "1170")
    _sub(ident, "erstellungszeitpunkt", created_at.isoformat())
    _behoerde(head, "leser", reader)
    _behoerde(head, "autor", author)
    bezug = _sub(root, "bezug")
    for tag, value in (("referenz", portal_reference), ("vorgang", case_reference)):
        if value is not None:
            _sub(bezug, tag, value)
    _sub(_sub(root, "statusAntragsportal", **_STATUS_LIST), "code", status_code)
    if deadline is not None:
        _sub(root, "frist", deadline.isoformat())
    if text:
        encoded = base64.b64encode(_text_to_html(text).encode("utf-8")).decode("ascii")
        _sub(_sub(root, "begruendung"), "text", encoded)
    problems = compiled_schema(_status_xsd(schema_dir)).problems(root)
    if problems:
        raise ValueError(f"1170 ungültig: {problems}")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
