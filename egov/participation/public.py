"""The public read side of participations (for a web page, Masterportal or a digital twin):
procedures with their variants (GeoJSON), period, documents, the statements that count and,
once published, the weighing report. No personal data: never a subject, e-mail address or
Postfach, an author's name only when they chose to be named; a hidden statement shows the
moderation's reason instead of its text. Only this module decides what is public.

Geometries are kept as the plan gives them (its own CRS, `crs.py`) and served in the CRS the
reader asks for: EPSG:4326 by default (RFC 7946), else e.g. the plan's own (`plan_crs`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.cases.store import Case, get_case
from egov.db import Database
from egov.documents.ports import DocumentStore
from egov.documents.store import Document, get_document
from egov.documents.store import list_by_case as documents_of
from egov.errors import Invalid, NotFound
from egov.intake.xbeteiligung import PROCEDURE_KEY, stored_name
from egov.paging import Page, PageRequest, fetch_page
from egov.participation.crs import WGS84, asked, crs_of, transform
from egov.participation.period import OPEN, STATUS, Period
from egov.participation.report import shown_text
from egov.participation.store import Statement, list_by_case

DOCUMENT_FIELDS = ("bezeichnung", "datum", "anlageart", "mime_type", "dateiname", "groesse")


def _document(document: dict[str, Any], stored: dict[str, str]) -> dict[str, Any]:
    """A document's public fields; its link: the planning system's, or for one that came
    inline the public download route of its bytes in the case file."""
    name = stored_name(document)
    link = stored.get(name) if name is not None else document.get("uri")
    return {**{k: document.get(k) for k in DOCUMENT_FIELDS}, "link": link}


def published_files(session: Session, case: Case) -> dict[str, Document]:
    """The case file's documents that the participation publishes, by file name: the
    newest stored version of each inline document the participation's data names (never
    the original message, a statement's attachment or a report by accident)."""
    names = {stored_name(d) for d in case.data.get("documents") or []} - {None}
    found = {}
    for row in documents_of(session, case.id):  # oldest first: the newest wins
        if row.kind == "attachment" and row.filename in names:
            found[row.filename] = row
    return found


def _links(session: Session, case: Case) -> dict[str, str]:
    base = f"/api/v1/public/participations/{case.id}/documents"
    return {name: f"{base}/{row.id}" for name, row in published_files(session, case).items()}


def _period(data: dict[str, Any]) -> dict[str, Any]:
    period = Period.of(data.get("period_start"), data.get("period_end"))
    return {
        "start": data.get("period_start"),
        "end": data.get("period_end"),
        "opens_at": None if period.opens_at is None else period.opens_at.isoformat(),
        "closes_at": None if period.closes_at is None else period.closes_at.isoformat(),
    }


def target_crs(name: str | None) -> str:
    """The CRS a reader asks for (`?crs=`), else 400 `crs-unsupported`."""
    found = asked(name)
    if found is None:
        raise Invalid(
            "Dieses Koordinatenreferenzsystem wird nicht unterstützt (z. B. EPSG:4326, "
            "EPSG:25832).",
            code="crs-unsupported",
        )
    return found


def summary(case: Case, stored: dict[str, str], crs: str = WGS84) -> dict[str, Any]:
    data = case.data
    area = data.get("geltungsbereich")
    return {
        "id": case.id,
        "reference": case.reference,
        "title": case.title,
        "description": data.get("description"),
        "status": case.status,
        "plan_id": data.get("plan_id"),
        "planart": data.get("planart"),
        "raeumliche_beschreibung": data.get("raeumliche_beschreibung"),
        "period": _period(data),
        "crs": crs,
        "plan_crs": None if area is None else crs_of(area),
        "geltungsbereich": transform(area, crs),
        "variants": [
            {
                **{key: variant.get(key) for key in ("id", "title", "description")},
                "geometry": transform(variant.get("geometry"), crs),
            }
            for variant in data.get("variants") or []
        ],
        "documents": [_document(d, stored) for d in data.get("documents") or []],
    }


def statement(item: Statement, published: bool, crs: str = WGS84) -> dict[str, Any]:
    return {
        "number": item.number,
        "round": item.round,
        "variant_id": item.variant_id,
        "text": shown_text(item),
        "hidden": item.hidden_reason is not None,
        "location": None if item.hidden_reason is not None else transform(item.location, crs),
        "author": item.author_name if item.named else None,
        "topic": item.topic if published else None,
        "decision": item.decision if published else None,
        "reasoning": item.reasoning if published else None,
    }


def detail(
    case: Case, statements: list[Statement], stored: dict[str, str], crs: str = WGS84
) -> dict[str, Any]:
    report = case.data.get("weighing_report")
    published = report is not None
    return {
        **summary(case, stored, crs),
        "statements": [statement(s, published, crs) for s in statements],
        "weighing_report": None
        if report is None
        else {"published_at": report["published_at"], "rows": report["rows"]},
    }


@dataclass
class PublicParticipations:
    db: Database
    files: DocumentStore

    def list(
        self, page: PageRequest, crs: str | None = None, open_only: bool = False
    ) -> Page[dict[str, Any]]:
        """Every participation, or with `open_only` those whose period runs now."""
        target = target_crs(crs)
        with self.db.reading() as session:
            query = select(Case).where(Case.procedure_key == PROCEDURE_KEY)
            if open_only:
                query = query.where(Case.status == STATUS[OPEN])
            found = fetch_page(
                session,
                query,
                page,
                scope="public-participations",
                order=(Case.created_at, Case.id),
            )
            return found.map(lambda case: summary(case, _links(session, case), target))

    def get(self, participation_id: str, crs: str | None = None) -> dict[str, Any]:
        target = target_crs(crs)
        with self.db.reading() as session:
            case = _participation(session, participation_id)
            statements = list_by_case(session, case.id)
            return detail(case, statements, _links(session, case), target)

    def document(self, participation_id: str, document_id: str) -> tuple[Document, Iterator[bytes]]:
        """A published document of the participation and its bytes, exactly as stored."""
        with self.db.reading() as session:
            case = _participation(session, participation_id)
            row = get_document(session, document_id)
            published = published_files(session, case).values()
            if row is None or row not in published:
                raise NotFound("Unterlage nicht gefunden.", code="document-not-found")
        return row, self.files.iter_chunks(row.storage_key)


def _participation(session: Session, participation_id: str) -> Case:
    case = get_case(session, participation_id)
    if case is None or case.procedure_key != PROCEDURE_KEY:
        raise NotFound("Beteiligungsverfahren nicht gefunden.", code="participation-not-found")
    return case
