"""The JSON web-form path: build the SAME canonical XFall-profile message as XML.

The resulting bytes go through :func:`egov.intake.parsing.parse_message` like any other
message. Errors in the JSON data are raised here already, as :class:`IntakeError` whose
``invalid_params`` name the JSON fields (``data.estimated_cost_eur``, ``applicant.email``).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from egov.intake import errors as e
from egov.intake.errors import IntakeError, invalid_param
from egov.intake.formats import FachdatenFormat, FormatRegistry, default_registry
from egov.intake.model import Applicant
from egov.intake.xfall import EIDAS_PREFIX, MESSAGE_TYPE, NS, NS_G2G, ROOT, xml_incompatible
from egov.intake.xml_guard import Limits
from egov.intake.xsd_messages import german_reason

PRODUCT = {
    "produkt": "egov",
    "produkthersteller": "egov-oss",
    "produktversion": "0.1",
    "standard": "egov-xfall-profil",
    "version": "1.0",
}
NS_BEH = "http://xoev.de/schemata/basisnachricht/behoerde/1_1"
MESSAGE_TYPE_LIST = "urn:egov-oss:xfall-profil:codeliste:nachrichtentyp"
LEVELS = ("low", "substantial", "high")

# container element (local name) -> JSON field of build_xfall_message
_CONTAINER_FIELDS = {
    "nachrichtenUUID": "message_id",
    "erstellungszeitpunkt": "created_at",
    "leistung": "leika_key",
    "ars": "authority_ars",
    "vorname": "applicant.given_name",
    "familienname": "applicant.family_name",
    "email": "applicant.email",
    "methode": "applicant.authentication",
    "vertrauensniveau": "applicant.vertrauensniveau",
    "postfach": "reply_postfach",
    "bezugVorgang": "follow_up_case_reference",
    "dateiname": "attachments.filename",
    "mimeType": "attachments.media_type",
}
_CONTENT = f"{{{NS}}}inhalt"  # attachment content: streamed by the parser, any length
_ELEMENT = re.compile(r"^Element '(?:\{[^}]*\})?([\w.\-]+)'")


def _sub(parent: etree._Element, ns: str, local: str, text: str | None = None) -> etree._Element:
    if text is not None and (char := xml_incompatible(text)) is not None:
        raise IntakeError(
            e.SCHEMA_INVALID,
            "Die Angaben zum Antrag sind ungültig.",
            [invalid_param(_field_name(local, _CONTAINER_FIELDS, ""), f"Zeichen {char}")],
        )
    child = etree.SubElement(parent, f"{{{ns}}}{local}")
    if text is not None:
        child.text = text
    return child


def _authority(parent: etree._Element, local: str, kennung: str, name: str) -> None:
    element = _sub(parent, NS_G2G, local)
    directory = _sub(element, NS_BEH, "verzeichnisdienst")
    directory.set("listVersionID", "1")
    etree.SubElement(directory, "code").text = "DVDV"
    _sub(element, NS_BEH, "kennung", kennung)
    _sub(element, NS_BEH, "name", name)


def _header(root: etree._Element, message_id: str, created_at: datetime, ars: str) -> None:
    head = _sub(root, NS_G2G, "nachrichtenkopf.g2g")
    ident = _sub(head, NS_G2G, "identifikation.nachricht")
    _sub(ident, NS_G2G, "nachrichtenUUID", message_id)
    kind = _sub(ident, NS_G2G, "nachrichtentyp")
    kind.set("listURI", MESSAGE_TYPE_LIST)
    kind.set("listVersionID", "1.0")
    etree.SubElement(kind, "code").text = MESSAGE_TYPE
    moment = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
    _sub(ident, NS_G2G, "erstellungszeitpunkt", moment.isoformat(timespec="milliseconds"))
    _authority(head, "leser", f"ars:{ars}", "Zuständige Stelle")
    _authority(head, "autor", "egov:onlinedienst", "Online-Antragsdienst egov")


def _applicant(root: etree._Element, applicant: Applicant) -> None:
    if applicant.vertrauensniveau not in LEVELS:
        raise IntakeError(
            e.SCHEMA_INVALID,
            "Die Angaben zur antragstellenden Person sind ungültig.",
            [invalid_param("applicant.vertrauensniveau", "low, substantial oder high erwartet")],
        )
    person = _sub(root, NS, "antragsteller")
    _sub(person, NS, "vorname", applicant.given_name)
    _sub(person, NS, "familienname", applicant.family_name)
    if applicant.email:
        _sub(person, NS, "email", applicant.email)
    auth = _sub(person, NS, "authentifizierung")
    _sub(auth, NS, "methode", applicant.authentication)
    _sub(auth, NS, "vertrauensniveau", EIDAS_PREFIX + applicant.vertrauensniveau)


def _attachments(root: etree._Element, attachments: list[tuple[str, str, bytes]]) -> None:
    if not attachments:
        return
    container = _sub(root, NS, "anhaenge")
    for filename, media_type, content in attachments:
        item = _sub(container, NS, "anhang")
        _sub(item, NS, "dateiname", filename)
        _sub(item, NS, "mimeType", media_type)
        _sub(item, NS, "groesse", str(len(content)))
        _sub(item, NS, "sha512", hashlib.sha512(content).hexdigest())
        _sub(item, NS, "inhalt", "\n" + base64.encodebytes(content).decode("ascii"))


def _json_name(entry: Any, names: Mapping[str, str], prefix: str) -> str:
    """JSON field for an XSD log entry (the element name is taken from libxml2's message)."""
    match = _ELEMENT.search(entry.message)
    return _field_name(match.group(1) if match else "", names, prefix)


def _long_texts(
    root: etree._Element, limit: int, names: Mapping[str, str], prefix: str
) -> list[dict[str, Any]]:
    """Fields longer than a text node of a message may be (Limits.max_text_chars; libxml2's
    schema validation gives up near 10 MB). Attachment content is streamed, not bound."""
    return [
        invalid_param(
            _field_name(etree.QName(el).localname, names, prefix), f"länger als {limit} Zeichen"
        )
        for el in root.iter()
        if el.tag != _CONTENT and el.text is not None and len(el.text) > limit
    ]


def _field_name(local: str, names: Mapping[str, str], prefix: str) -> str:
    return f"{prefix}{names[local]}" if local in names else prefix.rstrip(".") or "message"


def _fachdaten_element(
    fmt: FachdatenFormat, data: Mapping[str, Any], max_text_chars: int
) -> etree._Element:
    if fmt.reverse_mapper is None:
        raise IntakeError(e.UNKNOWN_FACHDATEN, "Für diese Fachdaten gibt es kein Webformular.")
    element = fmt.reverse_mapper(data)
    too_long = _long_texts(element, max_text_chars, fmt.field_names, "data.")
    if too_long:
        raise IntakeError(e.FACHDATEN_INVALID, "Die Fachdaten sind ungültig.", too_long)
    entries = fmt.schema().errors(element)
    if entries:  # the form's fields, with German reasons (people read them)
        raise IntakeError(
            e.FACHDATEN_INVALID,
            "Die Fachdaten sind ungültig.",
            [
                invalid_param(_json_name(x, fmt.field_names, "data."), german_reason(x.message))
                for x in entries
            ],
        )
    return element


def _check_container(root: etree._Element, registry: FormatRegistry, max_text_chars: int) -> None:
    fmt = registry.format_for_root(ROOT)
    if fmt is None:
        raise IntakeError(e.UNKNOWN_FORMAT, "Das XFall-Profil ist nicht registriert.")
    too_long = _long_texts(root, max_text_chars, _CONTAINER_FIELDS, "")
    if too_long:
        raise IntakeError(e.SCHEMA_INVALID, "Die Angaben zum Antrag sind ungültig.", too_long)
    entries = fmt.schema().errors(root)
    if entries:
        raise IntakeError(
            e.SCHEMA_INVALID,
            "Die Angaben zum Antrag sind ungültig.",
            [invalid_param(_json_name(x, _CONTAINER_FIELDS, ""), x.message) for x in entries],
        )


def build_xfall_message(
    *,
    message_id: str,
    leika_key: str,
    authority_ars: str,
    applicant: Applicant,
    reply_postfach: str | None,
    fachdaten_namespace: str,
    data: dict[str, Any],
    attachments: list[tuple[str, str, bytes]],
    created_at: datetime,
    follow_up_case_reference: str | None = None,
    registry: FormatRegistry | None = None,
    max_text_chars: int = Limits.max_text_chars,
) -> bytes:
    """Serialise a web-form submission as an XFall-profile message (UTF-8 XML bytes); no field
    may be longer than `max_text_chars` (the parser's limit for a text node)."""
    registry = registry or default_registry()
    fmt = registry.fachdaten_for(fachdaten_namespace)
    if fmt is None:
        raise IntakeError(
            e.UNKNOWN_FACHDATEN,
            "Die Fachdaten gehören zu keinem bekannten Verfahren.",
            [invalid_param("fachdaten_namespace", fachdaten_namespace)],
        )
    fachdaten = _fachdaten_element(fmt, data, max_text_chars)
    root = etree.Element(ROOT, PRODUCT, nsmap={"xfall": NS, "bn-g2g": NS_G2G, "bn-beh": NS_BEH})
    _header(root, message_id, created_at, authority_ars)
    _sub(root, NS, "leistung", leika_key)
    _sub(_sub(root, NS, "zustaendigeStelle"), NS, "ars", authority_ars)
    _applicant(root, applicant)
    if reply_postfach:
        _sub(_sub(root, NS, "antwortkanal"), NS, "postfach", reply_postfach)
    if follow_up_case_reference:
        _sub(root, NS, "bezugVorgang", follow_up_case_reference)
    _sub(root, NS, "fachdaten").append(fachdaten)
    _attachments(root, attachments)
    _check_container(root, registry, max_text_chars)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
