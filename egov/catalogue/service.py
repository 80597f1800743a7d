"""The procedure catalogue portals read: what the city offers and how to apply for it.

For each registered procedure (`procedures` table, from the bundles' `procedure.json`): name,
LeiKa key, description (from the `procedure.json` of the active version of its
process), the responsible org unit, the required Vertrauensniveau, the processing deadline in
business days, the accepted formats and the application form as JSON Schema generated from
the Fachdaten XSD (`egov.intake.formschema`). Read-only; no personal data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from egov.cases.store import Procedure, get_procedure
from egov.db import Database
from egov.errors import NotFound
from egov.identity.store import get_org_unit
from egov.intake import xbau, xbeteiligung, xfall
from egov.intake.formats import FormatRegistry
from egov.intake.formschema import form_of
from egov.paging import FIRST_PAGE, Page, PageRequest, fetch_page
from egov.workflow.store import ProcessDefinition

PROCEDURE_FILE = "procedure.json"
# container format key -> (German name, media type, channel)
CONTAINERS = {
    xfall.FORMAT_KEY: ("XFall-Profil egov 1.0 (XML)", "application/xml", "submissions"),
    xbau.FORMAT_KEY: ("XBau 2.5, Nachricht 1200 Bauantrag (XML)", "application/xml", "submissions"),
    xbeteiligung.FORMAT_KEY: (
        "XBeteiligung 1.2, Nachrichten 0401 und 0402 (XML)",
        "application/xml",
        "submissions",
    ),
}
_DESCRIPTIONS: dict[str, str | None] = {}  # definition id -> description (versions are immutable)
SEARCHED = (Procedure.name, Procedure.key, Procedure.leika_key)  # what a catalogue search reads
WEB_FORM = ("json-webform", "Webformular (JSON), Schema in `form`", "application/json")


@dataclass(frozen=True)
class AcceptedFormat:
    key: str
    name: str
    media_type: str
    channel: str  # "submissions" (XML messages) or "applications" (JSON web form)


@dataclass(frozen=True)
class ProcedureInfo:
    key: str
    name: str
    leika_key: str
    description: str | None
    org_unit_key: str
    org_unit_name: str
    required_vertrauensniveau: str
    processing_days: int
    fachdaten_namespace: str
    formats: tuple[AcceptedFormat, ...]
    form: dict[str, Any] | None


@dataclass
class Catalogue:
    db: Database
    registry: FormatRegistry

    def procedures(self, page: PageRequest = FIRST_PAGE, search: str = "") -> Page[ProcedureInfo]:
        """The procedures offered, by key, one page; with `search`, those whose name, key or
        LeiKa key contains it (case-insensitive, `%` and `_` taken literally)."""
        query = select(Procedure)
        if search:
            pattern = _contains(search)
            query = query.where(or_(*(column.ilike(pattern, escape="\\") for column in SEARCHED)))
        with self.db.reading() as session:
            found = fetch_page(session, query, page, scope="procedures", order=(Procedure.key,))
            return found.map(lambda p: self._info(session, p))

    def procedure(self, key: str) -> ProcedureInfo:
        with self.db.reading() as session:
            found = get_procedure(session, key)
            if found is None:
                raise NotFound("Verfahren nicht gefunden.", code="procedure-not-found")
            return self._info(session, found)

    def _info(self, session: Session, procedure: Procedure) -> ProcedureInfo:
        unit = get_org_unit(session, procedure.org_unit_key)
        fmt = self.registry.fachdaten_for(procedure.fachdaten_namespace)
        form = None if fmt is None else form_of(fmt, procedure.name)
        formats = []
        if fmt is not None and fmt.container_key in CONTAINERS:
            name, media_type, channel = CONTAINERS[fmt.container_key]
            formats.append(AcceptedFormat(fmt.container_key, name, media_type, channel))
        if form is not None and fmt is not None and fmt.reverse_mapper is not None:
            formats.append(AcceptedFormat(*WEB_FORM, "applications"))
        return ProcedureInfo(
            key=procedure.key,
            name=procedure.name,
            leika_key=procedure.leika_key,
            description=_description(session, procedure.process_id),
            org_unit_key=procedure.org_unit_key,
            org_unit_name=unit.name if unit is not None else procedure.org_unit_key,
            required_vertrauensniveau=procedure.required_vertrauensniveau,
            processing_days=procedure.processing_days,
            fachdaten_namespace=procedure.fachdaten_namespace,
            formats=tuple(formats),
            form=form,
        )


def _contains(text: str) -> str:
    """A LIKE pattern that finds `text` anywhere, its own `%`, `_` and `\\` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _description(session: Session, process_id: str) -> str | None:
    """From the active version's procedure.json; versions never change, so it is read once per
    version and process (the catalogue is public: a request reads one id, not the bundle)."""
    latest = session.scalars(
        select(ProcessDefinition.id).where(
            ProcessDefinition.process_id == process_id, ProcessDefinition.active.is_(True)
        )
    ).first()
    if latest is None:
        return None
    if latest not in _DESCRIPTIONS:
        files = session.scalar(
            select(ProcessDefinition.files).where(ProcessDefinition.id == latest)
        )
        _DESCRIPTIONS[latest] = _read_description((files or {}).get(PROCEDURE_FILE))
    return _DESCRIPTIONS[latest]


def _read_description(text: str | None) -> str | None:
    if not text:
        return None
    try:
        value = json.loads(text).get("description")
    except (ValueError, AttributeError):  # checked at deploy; an old version may predate it
        return None
    return value if isinstance(value, str) else None
