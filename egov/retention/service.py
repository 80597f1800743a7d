"""Retention as admins run it (issue 16): the legal hold (Sperre) on a case, the list of cases
whose retention ended, and their erasure where no archive duty applies. The rules and end
dates live with the cases (`egov.cases.retention`, `egov.cases.retention_service`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import Counter
from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.access import get_visible_case
from egov.cases import retention_service
from egov.cases.retention import is_due
from egov.cases.store import Case, Procedure
from egov.clock import Clock
from egov.db import Database
from egov.documents.filestore import FileSystemStore
from egov.errors import Forbidden
from egov.identity.model import Principal
from egov.retention.erasure import erase_case
from egov.retention.store import ArchiveOffer, OfferStatus

WAITING_FOR_ARCHIVE = "wartet auf Anbietung an das Archiv (kein Archiv konfiguriert)"
TO_OFFER = "to_offer"
ARCHIVE_LABELS: dict[str, str] = {  # ArchiveStatus.state: what it means, for people
    "no_duty": "keine Anbietungspflicht: wird nach Ablauf der Aufbewahrungsfrist gelöscht",
    "kept": "wird aufbewahrt; nach Ablauf der Aufbewahrungsfrist dem Archiv anzubieten",
    "held": "gesperrt: wird weder dem Archiv angeboten noch gelöscht",
    "waiting_for_archive": WAITING_FOR_ARCHIVE,
    TO_OFFER: "dem Archiv anzubieten",
    OfferStatus.OFFERED: "dem Archiv angeboten, wartet auf seine Bewertung",
    OfferStatus.HANDED_OVER: "an das Archiv übergeben, wartet auf die Importbestätigung",
    OfferStatus.ARCHIVED: "vom Archiv übernommen (Importbestätigung liegt vor), gelöscht",
    OfferStatus.DESTROYED: "vom Archiv nicht übernommen, gelöscht",
    "erased": "gelöscht",
}

SWEEP_ACTOR = "sweep:retention"

log = logging.getLogger(__name__)

ERASED = Counter(
    "egov_retention_erased_total",
    "Cases erased because their retention ended (by the sweep or `egov retention run`).",
    ["procedure"],
)


@dataclass(frozen=True)
class DueCase:
    case_id: str
    reference: str
    procedure: str
    retention_until: datetime
    legal_basis: str
    archive_duty: bool  # the records must be offered to the archive first (archive.py)
    archive_state: str | None = None  # OfferStatus of its offer, None: never offered


@dataclass(frozen=True)
class ArchiveStatus:
    """Where a case stands with the archive: its procedure's duty, the state (a key of
    ARCHIVE_LABELS) and, once offered, the offer's ProzessID and dates."""

    duty: bool
    state: str
    process_id: str | None = None
    offered_at: datetime | None = None
    offer_received_at: datetime | None = None  # the archive's receipt 0504
    valued_at: datetime | None = None
    package_received_at: datetime | None = None  # the archive's receipt 0507

    @property
    def label(self) -> str:
        return ARCHIVE_LABELS[self.state]


def archive_status(
    case: Case, duty: bool, offer: ArchiveOffer | None, configured: bool, now: datetime
) -> ArchiveStatus:
    if offer is not None:
        return ArchiveStatus(
            duty,
            offer.status,
            offer.process_id,
            offer.offered_at,
            offer.offer_received_at,
            offer.valued_at,
            offer.package_received_at,
        )
    if case.erased_at is not None:
        state = "erased"
    elif not duty:
        state = "no_duty"
    elif case.legal_hold_at is not None:
        state = "held"
    elif not is_due(case.retention_until, held=False, now=now):
        state = "kept"
    else:
        state = TO_OFFER if configured else "waiting_for_archive"
    return ArchiveStatus(duty, state)


@dataclass
class Retention:
    db: Database
    clock: Clock
    files: FileSystemStore
    archive_configured: bool = False  # an archive endpoint is configured (archive.py)

    def archive_status(self, case: Case) -> ArchiveStatus:
        """The case's state with the archive (the caller has checked it may see the case)."""
        with self.db.reading() as session:
            duty = session.scalar(
                select(Procedure.archive_duty).where(Procedure.key == case.procedure_key)
            )
            offer = session.get(ArchiveOffer, case.id)
            return archive_status(case, bool(duty), offer, self.archive_configured, self.clock())

    def hold(self, principal: Principal, case_id: str, reason: str) -> Case:
        """Hold the case: it is never due for deletion until released (audited)."""
        with self.db.transaction() as session:
            case = _admin_case(session, principal, case_id)
            retention_service.hold(session, case, reason, actor=principal.subject, now=self.clock())
            return case

    def release(self, principal: Principal, case_id: str, reason: str) -> Case:
        with self.db.transaction() as session:
            case = _admin_case(session, principal, case_id)
            retention_service.release(
                session, case, reason, actor=principal.subject, now=self.clock()
            )
            return case

    def due(self) -> list[DueCase]:
        """Closed cases whose retention ended: not held, not erased, with a rule; oldest first."""
        now = self.clock()
        with self.db.reading() as session:
            return [
                _due_case(case, duty, session.get(ArchiveOffer, case.id))
                for case, duty in candidates(session, now)
            ]

    def execute(self, actor: str, case_id: str) -> bool:
        """Erase one due case of a procedure without archive duty; False (nothing done) when
        it is not (or no longer) due or must wait for the archive."""
        with self.db.transaction() as session:
            found = [(c, d) for c, d in candidates(session, self.clock()) if c.id == case_id]
            if not found or found[0][1]:
                return False
            case = found[0][0]
            reference, procedure = case.reference, case.procedure_key
            unused = erase_case(session, case, actor=actor, now=self.clock())
        for key in unused:  # after commit: a rollback must not lose a file
            self.files.delete(key)
        log.info(
            "retention_erased case_id=%s reference=%s procedure=%s actor=%s",
            case_id,
            reference,
            procedure,
            actor,
        )
        ERASED.labels(procedure=procedure).inc()
        return True

    def erase_due(self, limit: int, actor: str = SWEEP_ACTOR) -> int:
        """Erase up to `limit` due cases of procedures without archive duty, oldest first,
        each in its own transaction (one that fails leaves the others erased); the count."""
        with self.db.reading() as session:
            found = candidates(session, self.clock(), erasable_only=True, limit=limit)
            case_ids = [case.id for case, _duty in found]
        return sum(self._try_execute(actor, case_id) for case_id in case_ids)

    def _try_execute(self, actor: str, case_id: str) -> bool:
        try:
            return self.execute(actor, case_id)
        except Exception:  # rolled back; the next sweep tries again, the batch goes on
            log.exception("retention_erase_failed case_id=%s", case_id)
            return False


def candidates(
    session: Session, now: datetime, erasable_only: bool = False, limit: int | None = None
) -> list[tuple[Case, bool]]:
    query = (
        select(Case, Procedure.archive_duty)
        .join(Procedure, Procedure.key == Case.procedure_key)
        .where(
            Case.retention_until.is_not(None),
            Case.retention_until < now,
            Case.legal_hold_at.is_(None),
            Case.erased_at.is_(None),
        )
        .order_by(Case.retention_until, Case.reference)
        .limit(limit)
    )
    if erasable_only:
        query = query.where(Procedure.archive_duty.is_(False))
    rows = session.execute(query).all()
    return [
        (case, duty)
        for case, duty in rows
        if is_due(case.retention_until, held=case.legal_hold_at is not None, now=now)
    ]


def _due_case(case: Case, archive_duty: bool, offer: ArchiveOffer | None) -> DueCase:
    rule = case.retention_rule or {}
    return DueCase(
        case.id,
        case.reference,
        case.procedure_key,
        case.retention_until or datetime.min,  # a candidate always has one
        str(rule.get("legal_basis", "")),
        archive_duty,
        None if offer is None else offer.status,
    )


def _admin_case(session: Session, principal: Principal, case_id: str) -> Case:
    if not principal.is_admin:
        raise Forbidden("Nur Administratoren dürfen Vorgänge sperren.", code="forbidden")
    return get_visible_case(session, principal, case_id)
