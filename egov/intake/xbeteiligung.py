"""XBeteiligung 1.2 (kommunale Bauleitplanung): a planning system initiates and updates a
participation procedure.

``kommunal.Initiieren.0401`` is a registry :class:`Format` and, like an XBau 1200, its own
Fachdaten (:func:`summarize`): it opens a case of the procedure ``beteiligung``, known by the
key :func:`procedure_key` (plan id and Vorgangs-ID) that a ``kommunal.Aktualisieren.0402``
names again. A 0402 opens nothing: :func:`parse_aktualisieren` reads it (and the information
messages 045x) for the inbound correlation. A 0401's inline documents (``anlage/dokument``)
are streamed attachments of the intake. The mapping decisions (no variants in the standard,
dates, documents by reference or inline) are in schemas/xbeteiligung/README.md.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from egov.intake import errors as e
from egov.intake.errors import IntakeError, invalid_param
from egov.intake.formats import (
    ContainerData,
    DeclaredAttachment,
    FachdatenFormat,
    Format,
    compiled_schema,
    default_schema_dir,
)
from egov.intake.model import Applicant
from egov.intake.xbau import read_hardened
from egov.intake.xfall import LEIKA_BETEILIGUNG, parse_datetime
from egov.intake.xml_guard import Limits

NS = "https://www.xleitstelle.de/xbeteiligung/12"
G2G = "http://xoev.de/schemata/basisnachricht/g2g/1_1"
BEH = "http://xoev.de/schemata/basisnachricht/behoerde/1_1"
INITIIEREN_ROOT = f"{{{NS}}}kommunal.Initiieren.0401"
AKTUALISIEREN_ROOT = f"{{{NS}}}kommunal.Aktualisieren.0402"
XSD = "xbeteiligung/xsd/xbeteiligung.xsd"
DOKUMENT = f"{{{NS}}}dokument"  # an anlage's bytes inside the message (MetadatenAnlage)
FORMAT_KEY = "xbeteiligung-1.2"
PROCEDURE_KEY = "beteiligung"
KEY_SCHEME = "xbeteiligung"  # case key: plan id and Vorgangs-ID (see procedure_key)
UPDATE_MESSAGE = "beteiligung_aktualisieren"  # the BPMN message a 0402 becomes
# what the planning system tells (0451 initiated, 0452 updated, 0459 deleted): recorded only
INFORMATION_MESSAGE = "beteiligung_information"
INFORMATION_ROOTS = tuple(
    f"{{{NS}}}kommunal.Information.{name}"
    for name in ("Initiiert.0451", "Aktualisiert.0452", "Geloescht.0459")
)
AUTHENTICATION = "xbeteiligung-planungssystem"  # the planning system's client authenticated
ARS_JENA = "160530000000"
_ARS = re.compile(r"(?:^|:)(\d{12})$")
_Q = {"x": NS, "g": G2G, "b": BEH}
_IDS = (("vorgangs_id", "vorgangsID"), ("plan_id", "beteiligung/planID"))


def initiieren_format(schema_dir: Path, *, default_ars: str = ARS_JENA) -> Format:
    return Format(
        key=FORMAT_KEY,
        root_qname=INITIIEREN_ROOT,
        xsd_path=schema_dir / XSD,
        mapper=functools.partial(map_initiieren, default_ars=default_ars),
        binary_qnames=frozenset({DOKUMENT}),  # inline documents (base64), streamed to disk
    )


def fachdaten_format(schema_dir: Path) -> FachdatenFormat:
    """The 0401 is its own Fachdaten (a copy, see :func:`map_initiieren`)."""
    return FachdatenFormat(
        NS,
        schema_dir / XSD,
        summarize,
        PROCEDURE_KEY,
        container_key=FORMAT_KEY,
        case_keys=case_keys,
    )


# --- small helpers (elements of XBeteiligung are qualified, those of XBau types are not) ---
def _text(parent: etree._Element | None, path: str) -> str | None:
    if parent is None:
        return None
    found = parent.find(path, _Q)
    return None if found is None or found.text is None else found.text.strip()


def _all(parent: etree._Element | None, path: str) -> list[etree._Element]:
    return [] if parent is None else list(parent.iterfind(path, _Q))


def _date(text: str | None) -> str | None:
    """xs:date may carry a zone (``2024-05-24+02:00``); the day is what the city counts."""
    return None if not text else text[:10]


def procedure_key(plan_id: str, vorgangs_id: str) -> tuple[str, str]:
    """The key a participation's case is known by: both identifiers of the 0401."""
    return KEY_SCHEME, json.dumps([plan_id, vorgangs_id], ensure_ascii=False)


def identifiers(data: dict[str, Any]) -> tuple[str, str]:
    """(plan id, Vorgangs-ID) of a summary; an empty one (xs:token allows it) is refused
    naming it."""
    missing = [path for key, path in _IDS if not data.get(key)]
    if missing:
        raise IntakeError(
            e.IDENTIFIERS_MISSING,
            "Der Nachricht fehlen die Kennungen des Beteiligungsverfahrens.",
            [invalid_param(f"/nachrichteninhalt/{path}", "leer") for path in missing],
        )
    return data["plan_id"], data["vorgangs_id"]


def case_keys(data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return (procedure_key(*identifiers(data)),)


def _header(root: etree._Element) -> tuple[str, str, datetime]:
    """(message UUID, message type, creation time). The root names the type: systems in the
    field send a 0402 whose header still says 0401 (the DiPlan Cockpit sample)."""
    ident = root.find("g:nachrichtenkopf.g2g/g:identifikation.nachricht", _Q)
    message_id = _text(ident, "g:nachrichtenUUID") or ""
    created = parse_datetime(_text(ident, "g:erstellungszeitpunkt") or "")
    return message_id.lower(), etree.QName(root).localname.rsplit(".", 1)[-1], created


def _authority_ars(root: etree._Element, default_ars: str) -> str:
    reader = _text(root, "g:nachrichtenkopf.g2g/g:leser/b:kennung") or ""
    match = _ARS.search(reader)
    return match.group(1) if match else default_ars


def _initiator(root: etree._Element) -> Applicant:
    beteiligung = root.find("x:nachrichteninhalt/x:beteiligung", _Q)
    name = _text(beteiligung, "x:akteurVorhaben/x:veranlasser/name/name")
    author = _text(root, "g:nachrichtenkopf.g2g/g:autor/b:name")
    return Applicant("", name or author or "Planungsbehörde", None, AUTHENTICATION, "low")


def map_initiieren(root: etree._Element, *, default_ars: str) -> ContainerData:
    message_id, message_type, created_at = _header(root)
    wrapper = etree.Element("{urn:egov-oss:xbeteiligung}nachricht")
    wrapper.append(copy.deepcopy(root))  # the message is its own Fachdaten (see module doc)
    return ContainerData(
        message_id=message_id,
        message_type=message_type,
        created_at=created_at,
        leika_key=LEIKA_BETEILIGUNG,
        authority_ars=_authority_ars(root, default_ars),
        applicants=(_initiator(root),),
        reply_postfach=None,
        follow_up_case_reference=None,
        fachdaten=wrapper[0],
        attachments=tuple(_inline(a) for a in _all(root, ".//anlage") if _has_bytes(a)),
    )


def _has_bytes(anlage: etree._Element) -> bool:
    return anlage.find("x:dokument", _Q) is not None


def stored_name(anlage: dict[str, Any]) -> str | None:
    """The file name an inline document is stored under in the case file (its `dateiname`,
    unique in the message by the standard), None for a document given by link or id only."""
    if not anlage.get("inline"):
        return None
    return anlage.get("dateiname") or f"{anlage.get('dokument_id') or 'anlage'}.bin"


def _inline(el: etree._Element) -> DeclaredAttachment:
    """An anlage carrying its bytes: size and SHA-256 checked when the message gives them."""
    summary = anlage(el)
    digest = summary["hash"]
    return DeclaredAttachment(
        filename=stored_name(summary) or "",
        media_type=summary["mime_type"] or "application/octet-stream",
        size=summary["groesse"],
        sha512=None,
        content=el.find("x:dokument", _Q),
        sha256=digest.lower() if digest else None,
    )


# --- JSON-safe summary: what the procedure, its BPMN and the public API read -------------
def _geometry(text: str | None) -> dict[str, Any] | None:
    """The Geltungsbereich as GeoJSON (EPSG:4326 as the samples send it), else None."""
    try:
        value = json.loads(text or "")
    except ValueError:
        return None
    return value if isinstance(value, dict) and isinstance(value.get("type"), str) else None


def anlage(el: etree._Element) -> dict[str, Any]:
    anhang = el.find("anhangOderVerlinkung/x:anhang", _Q)
    attrs = {} if anhang is None else dict(anhang.attrib)
    size = attrs.get("filesize")
    return {
        "bezeichnung": _text(el, "bezeichnung"),
        "versionsnummer": _text(el, "versionsnummer"),
        "datum": _date(_text(el, "datum")),
        "anlageart": _text(el, "anlageart/code"),
        "mime_type": _text(el, "mimeType/code"),
        "dokument_id": _text(anhang, "dokumentid"),
        "dateiname": _text(anhang, "dateiname"),
        "groesse": int(size) if size and size.isdigit() and len(size) < 19 else None,
        "hash": attrs.get("hashValue"),
        "uri": _text(el, "anhangOderVerlinkung/x:uriVerlinkung"),
        "inline": el.find("x:dokument", _Q) is not None,
    }


def _round(el: etree._Element | None) -> dict[str, Any] | None:
    """A round of participation (public or TöB): ids, period, announcement, documents."""
    if el is None:
        return None
    return {
        "beteiligungs_id": _text(el, "x:beteiligungsID"),
        "durchgang": _text(el, "x:durchgang"),
        "bekanntmachung": _date(_text(el, "x:bekanntmachung")),
        "period_start": _date(_text(el, "x:zeitraum/x:beginn")),
        "period_end": _date(_text(el, "x:zeitraum/x:ende")),
        "period_note": _text(el, "x:zeitraum/x:zusatz"),
        "mitteilungen": [m.text or "" for m in _all(el, "x:aktuelleMitteilung")],
        "documents": [anlage(a) for a in _all(el, "x:anlagen/anlage")],
    }


def summarize(message: etree._Element) -> dict[str, Any]:
    content = message.find("x:nachrichteninhalt", _Q)
    plan = None if content is None else content.find("x:beteiligung", _Q)
    public = _round(None if plan is None else plan.find("x:beteiligungOeffentlichkeit", _Q))
    toeb = _round(None if plan is None else plan.find("x:beteiligungTOEB", _Q))
    title = _text(plan, "x:planname")
    description = _text(plan, "x:beschreibungPlanungsanlass")
    geometry = _geometry(_text(plan, "x:geltungsbereich"))
    author = message.find("g:nachrichtenkopf.g2g/g:autor", _Q)
    # the 045x information (BeteiligungKommunalDB) carry the period on the plan itself
    period = public or {
        "period_start": _date(_text(plan, "x:zeitraum/x:beginn")),
        "period_end": _date(_text(plan, "x:zeitraum/x:ende")),
    }
    return {
        "nachricht": etree.QName(message).localname,
        "absender": {"kennung": _text(author, "b:kennung"), "name": _text(author, "b:name")},
        "vorgangs_id": _text(content, "x:vorgangsID"),
        "plan_id": _text(plan, "x:planID") or _text(content, "x:planID"),  # 0459: no plan
        "title": title,
        "arbeitstitel": _text(plan, "x:arbeitstitel"),
        "planart": _text(plan, "x:planartKommunal/code"),
        "verfahrensschritt": _text(plan, "x:verfahrensschrittKommunal/code"),
        "description": description,
        "flaechenabgrenzung_url": _text(plan, "x:flaechenabgrenzungUrl"),
        "geltungsbereich": geometry,
        "raeumliche_beschreibung": _text(plan, "x:raeumlicheBeschreibung"),
        "beteiligung_url": _text(plan, "x:beteiligungURL"),
        "oeffentlichkeit": public,
        "toeb": toeb,
        "period_start": period["period_start"],
        "period_end": period["period_end"],
        "documents": [] if public is None else public["documents"],
        # XBeteiligung 1.2 knows no planning variants: the plan is the one variant
        "variants": [
            {"id": "plan", "title": title, "description": description, "geometry": geometry}
        ],
    }


# --- kommunal.Aktualisieren.0402 and the information 045x for the inbound correlation --------
def parse_aktualisieren(
    source: bytes | BinaryIO,
    *,
    limits: Limits | None = None,
    schema_dir: Path | None = None,
    roots: tuple[str, ...] = (AKTUALISIEREN_ROOT,),
) -> tuple[str, tuple[str, str], dict[str, Any]]:
    """Hardened parse and XSD check of one 0402 (or a message of `roots` of the same shape:
    Vorgangs-ID and plan id): (message UUID, case key, summary)."""
    return read_update(read_valid(source, limits=limits, schema_dir=schema_dir, roots=roots))


def read_valid(
    source: bytes | BinaryIO,
    *,
    limits: Limits | None = None,
    schema_dir: Path | None = None,
    roots: tuple[str, ...] = (AKTUALISIEREN_ROOT,),
) -> etree._Element:
    """The hardened parse of a message with one of `roots`, checked against the XSD."""
    root = read_hardened(source, limits or Limits())
    if root.tag not in roots:
        raise IntakeError(
            e.UNKNOWN_FORMAT,
            "Das Nachrichtenformat ist unbekannt.",
            [invalid_param("/", f"unbekanntes Wurzelelement {root.tag}", 1)],
        )
    xsd = (schema_dir or default_schema_dir()) / XSD
    problems = compiled_schema(xsd).problems(root)
    if problems:
        raise IntakeError(e.SCHEMA_INVALID, "Die Nachricht entspricht nicht dem Schema.", problems)
    return root


def read_update(root: etree._Element) -> tuple[str, tuple[str, str], dict[str, Any]]:
    """(message UUID, case key, summary) of a valid message naming a participation."""
    message_id, _, _ = _header(root)
    data = summarize(root)
    return message_id, procedure_key(*identifiers(data)), data
