"""The XBeteiligung 1.2 answers egov sends back to a planning system: the OK messages
``kommunal.Initiieren.OK.0411`` and ``kommunal.Aktualisieren.OK.0412`` and the NOK messages
``kommunal.Initiieren.NOK.0421`` and ``kommunal.Aktualisieren.NOK.0422`` (a message refused
after it was accepted, with the reasons in ``fehler``). Each is checked against the XSD before
it leaves (ValueError if it fails: a bug, never the sender's fault)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from lxml import etree

from egov.intake.formats import compiled_schema, default_schema_dir
from egov.intake.xbeteiligung import BEH, G2G, NS, XSD

OK_ROOTS = {"0411": "kommunal.Initiieren.OK.0411", "0412": "kommunal.Aktualisieren.OK.0412"}
NOK_ROOTS = {"0421": "kommunal.Initiieren.NOK.0421", "0422": "kommunal.Aktualisieren.NOK.0422"}
ROOTS = {**OK_ROOTS, **NOK_ROOTS}
JENA_STADTPLANUNG = ("ars:160530000000", "Stadt Jena, Fachdienst Stadtplanung")
_PRODUCT = {"produkt": "egov", "produkthersteller": "egov-oss", "standard": "XBeteiligung"}
_DIRECTORY = {"listURI": "urn:xoev-de:kosit:codeliste:verzeichnisdienst", "listVersionID": "3"}
_TYPES = {"listURI": "urn:xoev-de:xleitstelle:codeliste:xbeteiligung-nachrichten"}


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> Any:
    child = etree.SubElement(parent, tag, attrib)
    child.text = text
    return child


def _authority(head: etree._Element, tag: str, kennung: str, name: str) -> None:
    element = _sub(head, f"{{{G2G}}}{tag}")
    _sub(_sub(element, f"{{{BEH}}}verzeichnisdienst", **_DIRECTORY), "code", "DVDV")
    _sub(element, f"{{{BEH}}}kennung", kennung)
    _sub(element, f"{{{BEH}}}name", name)


def _content(
    root: etree._Element, code: str, ids: tuple[str, str, str], errors: Sequence[str]
) -> None:
    """The content: OK (Vorgangs-ID, plan id, Beteiligungs-ID); NOK (Vorgangs-ID, plan id,
    the errors, and for the 0422 the Beteiligungs-ID of the refused 0402)."""
    content = _sub(root, f"{{{NS}}}nachrichteninhalt")
    vorgangs_id, plan_id, beteiligungs_id = ids
    _sub(content, f"{{{NS}}}vorgangsID", vorgangs_id)
    _sub(content, f"{{{NS}}}planID", plan_id)
    if code in OK_ROOTS:
        _sub(content, f"{{{NS}}}beteiligungsID", beteiligungs_id)
        return
    for text in errors:
        _sub(_sub(content, f"{{{NS}}}fehler"), f"{{{NS}}}beschreibung", text)
    if code == "0422":
        _sub(content, f"{{{NS}}}beteiligungsID", beteiligungs_id)


def build_answer(
    code: str,
    *,
    message_id: str,
    created_at: datetime,
    ids: tuple[str, str, str],
    reader: tuple[str, str],
    errors: Sequence[str] = (),
    author: tuple[str, str] = JENA_STADTPLANUNG,
    schema_dir: Path | None = None,
) -> bytes:
    """The answer `code` (0411, 0412, 0421, 0422) for the participation `ids` (Vorgangs-ID,
    plan id, Beteiligungs-ID) to `reader` (kennung, name); a NOK carries `errors`."""
    if created_at.tzinfo is None:
        raise ValueError("created_at braucht eine Zeitzone")
    name = ROOTS[code]
    root = etree.Element(
        f"{{{NS}}}{name}",
        {**_PRODUCT, "version": "1.2"},
        nsmap={"xbeteiligung": NS, "bn-g2g": G2G, "bn-beh": BEH},
    )
    head = _sub(root, f"{{{G2G}}}nachrichtenkopf.g2g")
    ident = _sub(head, f"{{{G2G}}}identifikation.nachricht")
    _sub(ident, f"{{{G2G}}}nachrichtenUUID", message_id)
    kind = _sub(ident, f"{{{G2G}}}nachrichtentyp", **_TYPES, listVersionID="1.2")
    _sub(kind, "code", code)
    _sub(kind, "name", name)
    _sub(ident, f"{{{G2G}}}erstellungszeitpunkt", created_at.isoformat())
    _authority(head, "leser", *reader)
    _authority(head, "autor", *author)
    _content(root, code, ids, errors)
    problems = compiled_schema((schema_dir or default_schema_dir()) / XSD).problems(root)
    if problems:
        raise ValueError(f"{code} ungültig: {problems}")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
