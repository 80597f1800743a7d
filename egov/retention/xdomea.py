"""xdomea 3.0.0 Aussonderung messages (issue 16, ADR 0040): the offer (Anbieteverzeichnis
0501) built and checked against the real XSD (`schemas/xdomea/`) before it leaves egov, and
the archive's valuation (Bewertungsverzeichnis 0502) read: per record archive (A) or destroy
(V). Pure: lxml only, no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree

from egov.intake.formats import compiled_schema

NS = "urn:xoev-de:xdomea:schema:3.0.0"
XSD = Path("xdomea/schemes/xdomea_3.0.0/xdomea.xsd")
OFFER = "Aussonderung.Anbieteverzeichnis.0501"
VALUATION = "Aussonderung.Bewertungsverzeichnis.0502"
PRODUCT = ("egov", "1")
ARCHIVE = "A"  # Aussonderungsart: archivwürdig
DESTROY = "V"  # vernichten
UNVALUED = "B"  # bewerten: the archive decides


class XdomeaInvalid(ValueError):
    """A message that does not match the xdomea schema (or egov's reading of it)."""


@dataclass(frozen=True)
class Authority:
    """A Behördenkennung: the key and name of a sender or recipient."""

    key: str
    name: str


@dataclass(frozen=True)
class Record:
    """One case offered as an xdomea Vorgang: its id (the record id in every message),
    reference (Kennzeichen), subject (Betreff: the procedure, no personal data) and term."""

    id: str
    reference: str
    subject: str
    began: datetime
    ended: datetime


@dataclass(frozen=True)
class Head:
    process_id: str
    created_at: datetime
    sender: Authority
    recipient: Authority


def build_offer(head: Head, records: Sequence[Record], schema_dir: Path) -> bytes:
    """The Anbieteverzeichnis 0501 listing `records` (no primary documents), XSD-checked."""
    root = etree.Element(f"{{{NS}}}{OFFER}", nsmap={"xdomea": NS})
    _head(root, head, "0501")
    for record in records:
        _record(_sub(root, "Schriftgutobjekt"), record)
    return _checked(root, schema_dir)


def read_valuation(body: bytes, schema_dir: Path) -> tuple[str, dict[str, str]]:
    """A 0502: its ProzessID and, per record id, A (archive) or V (destroy)."""
    root = _parsed(body, VALUATION, schema_dir)
    process_id = root.findtext(f"{{{NS}}}Kopf/{{{NS}}}ProzessID") or ""
    decisions: dict[str, str] = {}
    for item in root.iterfind(f"{{{NS}}}BewertetesObjekt"):
        record_id = item.findtext(f"{{{NS}}}ID") or ""
        code = item.findtext(f"{{{NS}}}Aussonderungsart/{{{NS}}}Aussonderungsart/code") or ""
        if code not in (ARCHIVE, DESTROY):
            raise XdomeaInvalid(f"Bewertung {code!r} für {record_id} ist weder A noch V.")
        decisions[record_id] = code
    return process_id, decisions


def _head(root: etree._Element, head: Head, code: str) -> None:
    kopf = _sub(root, "Kopf")
    _sub(kopf, "ProzessID", head.process_id)
    _code(kopf, "Nachrichtentyp", code)
    _sub(kopf, "Erstellungszeitpunkt", head.created_at.replace(microsecond=0).isoformat())
    for tag, authority in (("Absender", head.sender), ("Empfaenger", head.recipient)):
        key = _sub(_sub(_sub(kopf, tag), "Behoerdenkennung"), "Behoerdenschluessel")
        etree.SubElement(key, "code").text = authority.key
        etree.SubElement(key, "name").text = authority.name
    system = _sub(kopf, "SendendesSystem")
    _sub(system, "Produktname", PRODUCT[0])
    _sub(system, "Version", PRODUCT[1])
    _sub(kopf, "Empfangsbestaetigung", "1")


def _record(parent: etree._Element, record: Record) -> None:
    vorgang = _sub(parent, "Vorgang")
    _sub(_sub(vorgang, "Identifikation"), "ID", record.id)
    meta = _sub(vorgang, "AllgemeineMetadaten")
    _sub(meta, "Betreff", record.subject)
    _sub(meta, "Kennzeichen", record.reference)
    archive = _sub(vorgang, "ArchivspezifischeMetadaten")
    _code(_sub(archive, "Aussonderungsart"), "Aussonderungsart", UNVALUED)
    term = _sub(vorgang, "Laufzeit")
    _sub(term, "Beginn", record.began.date().isoformat())
    _sub(term, "Ende", record.ended.date().isoformat())


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NS}}}{tag}")
    element.text = text
    return element


def _code(parent: etree._Element, tag: str, code: str) -> None:
    etree.SubElement(_sub(parent, tag), "code").text = code


def _checked(root: etree._Element, schema_dir: Path) -> bytes:
    problems = compiled_schema(schema_dir / XSD).problems(root)
    if problems:
        raise XdomeaInvalid(f"{etree.QName(root).localname} ungültig: {problems}")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _parsed(body: bytes, name: str, schema_dir: Path) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise XdomeaInvalid(f"kein XML: {exc.msg}") from None
    if root.tag != f"{{{NS}}}{name}":
        raise XdomeaInvalid(f"erwartet {name}, erhalten {etree.QName(root).localname}")
    problems = compiled_schema(schema_dir / XSD).problems(root)
    if problems:
        raise XdomeaInvalid(f"{name} ungültig: {problems}")
    return root
