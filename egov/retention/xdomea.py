"""xdomea 3.0.0 Aussonderung messages (issue 16, ADR 0040): the offer (Anbieteverzeichnis
0501) built and checked against the real XSD (`schemas/xdomea/`) before it leaves egov, and
the archive's valuation (Bewertungsverzeichnis 0502) read: per record archive (A) or destroy
(V); the Aussonderung 0503 packed as the standard packs it (a ZIP of the message and the
primary documents, both named after the ProzessID) and the archive's import confirmation
(AussonderungImportBestaetigen 0506) read; the archive's receipts of the offer (0504) and of
the package (0507) read, and egov's receipt of the valuation (0505) built. Pure: lxml and
zipfile only, no database."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lxml import etree

from egov.intake.formats import compiled_schema

NS = "urn:xoev-de:xdomea:schema:3.0.0"
XSD = Path("xdomea/schemes/xdomea_3.0.0/xdomea.xsd")
OFFER = "Aussonderung.Anbieteverzeichnis.0501"
VALUATION = "Aussonderung.Bewertungsverzeichnis.0502"
HANDOVER = "Aussonderung.Aussonderung.0503"
IMPORTED = "Aussonderung.AussonderungImportBestaetigen.0506"
OFFER_RECEIVED = "Aussonderung.AnbietungEmpfangBestaetigen.0504"
VALUATION_RECEIVED = "Aussonderung.BewertungEmpfangBestaetigen.0505"
HANDOVER_RECEIVED = "Aussonderung.AussonderungEmpfangBestaetigen.0507"
RECEIPTS = (OFFER_RECEIVED, HANDOVER_RECEIVED)  # the archive's receipts egov reads
# code list Dateiformat 1.0 by media type; anything else is 100 "Sonstiges"
FORMATS = {
    "application/pdf": "018",
    "application/xml": "030",
    "text/xml": "030",
    "image/png": "019",
    "image/jpeg": "010",
    "text/plain": "045",
    "text/csv": "002",
}
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
class PrimaryDocument:
    """A document of a record handed over: its id (UUID), subject, media type and bytes."""

    id: str
    subject: str
    media_type: str
    content: bytes
    name: str = "dokument"


@dataclass(frozen=True)
class Record:
    """One case offered as an xdomea Vorgang: its id (the record id in every message),
    reference (Kennzeichen), subject (Betreff: the procedure, no personal data) and term."""

    id: str
    reference: str
    subject: str
    began: datetime
    ended: datetime
    documents: tuple[PrimaryDocument, ...] = field(default=())


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


def package_name(process_id: str) -> str:
    """The ZIP of a 0503: `<ProzessID>_Aussonderung.Aussonderung.0503.zip`."""
    return f"{process_id}_{HANDOVER}.zip"


def build_handover(head: Head, records: Sequence[Record], schema_dir: Path) -> bytes:
    """The Aussonderung 0503 of `records` with their primary documents, XSD-checked, packed:
    a ZIP holding `<ProzessID>_Aussonderung.Aussonderung.0503.xml` and each document's file
    under the Dateiname the message names."""
    root = etree.Element(f"{{{NS}}}{HANDOVER}", nsmap={"xdomea": NS})
    _head(root, head, "0503")
    files: dict[str, bytes] = {}
    for record in records:
        vorgang = _record(_sub(root, "Schriftgutobjekt"), record, ARCHIVE)
        for document in record.documents:
            files[_document(vorgang, document)] = document.content
    message = _checked(root, schema_dir)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(f"{head.process_id}_{HANDOVER}.xml", message)
        for name, content in files.items():
            package.writestr(name, content)
    return buffer.getvalue()


def read_import(body: bytes, schema_dir: Path) -> tuple[str, dict[str, bool]]:
    """A 0506: its ProzessID and, per record id, whether the archive imported it."""
    root = _parsed(body, IMPORTED, schema_dir)
    process_id = root.findtext(f"{{{NS}}}Kopf/{{{NS}}}ProzessID") or ""
    results = {
        item.findtext(f"{{{NS}}}IDSGO") or "": item.findtext(f"{{{NS}}}Erfolgreich")
        in ("1", "true")
        for item in root.iterfind(f"{{{NS}}}AusgesondertesSGO")
    }
    return process_id, results


def read_receipt(body: bytes, schema_dir: Path) -> tuple[str, dict[str, bool]]:
    """A receipt of the archive (0504 of the offer, 0507 of the package): its ProzessID; it
    names no records (the answer's second part is empty)."""
    name = message_name(body)
    if name not in RECEIPTS:
        raise XdomeaInvalid(f"erwartet eine Empfangsbestätigung, erhalten {name or 'kein xdomea'}")
    root = _parsed(body, name, schema_dir)
    return root.findtext(f"{{{NS}}}Kopf/{{{NS}}}ProzessID") or "", {}


def wants_receipt(body: bytes) -> bool:
    """Whether the sender asks for a receipt (Kopf/Empfangsbestaetigung true)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    flag = etree.fromstring(body, parser).findtext(f"{{{NS}}}Kopf/{{{NS}}}Empfangsbestaetigung")
    return flag in ("1", "true")


def build_valuation_receipt(head: Head, schema_dir: Path) -> bytes:
    """egov's receipt 0505 of the archive's valuation, XSD-checked."""
    root = etree.Element(f"{{{NS}}}{VALUATION_RECEIVED}", nsmap={"xdomea": NS})
    _head(root, head, "0505")
    return _checked(root, schema_dir)


def message_name(body: bytes) -> str:
    """The local name of the root element ("" when it is no xdomea message)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return ""
    qname = etree.QName(root)
    return qname.localname if qname.namespace == NS else ""


def _document(vorgang: etree._Element, document: PrimaryDocument) -> str:
    dokument = _sub(vorgang, "Dokument")
    _sub(_sub(dokument, "Identifikation"), "ID", document.id)
    _sub(_sub(dokument, "AllgemeineMetadaten"), "Betreff", document.subject)
    version = _sub(dokument, "Version")
    _sub(version, "Nummer", "1")
    form = _sub(version, "Format")
    code = FORMATS.get(document.media_type, "100")
    name = _sub(form, "Name")
    name.set("listURI", "urn:xoev-de:xdomea:codeliste:dateiformat")
    name.set("listVersionID", "1.0")
    etree.SubElement(name, "code").text = code
    if code == "100":
        _sub(form, "SonstigerName", document.media_type)
    _sub(form, "Version", "")
    filename = f"{document.id}_{_safe(document.name)}"
    _sub(_sub(form, "Primaerdokument"), "Dateiname", filename)
    return filename


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:100] or "dokument"


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
    if code == "0505":  # a receipt's Kopf (NkBasisType) asks for nothing
        return
    if code == "0503":  # ask for the import confirmation 0506, no archive signature back
        _sub(kopf, "Importbestaetigung", "1")
        _sub(kopf, "RueckmeldungArchivkennung", "0")
    _sub(kopf, "Empfangsbestaetigung", "1")


def _record(parent: etree._Element, record: Record, kind: str = UNVALUED) -> etree._Element:
    vorgang = _sub(parent, "Vorgang")
    _sub(_sub(vorgang, "Identifikation"), "ID", record.id)
    meta = _sub(vorgang, "AllgemeineMetadaten")
    _sub(meta, "Betreff", record.subject)
    _sub(meta, "Kennzeichen", record.reference)
    archive = _sub(vorgang, "ArchivspezifischeMetadaten")
    _code(_sub(archive, "Aussonderungsart"), "Aussonderungsart", kind)
    term = _sub(vorgang, "Laufzeit")
    _sub(term, "Beginn", record.began.date().isoformat())
    _sub(term, "Ende", record.ended.date().isoformat())
    return vorgang


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
