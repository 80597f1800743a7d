"""The archive exchange of the Aussonderung (xdomea 3.0.0, issue 16, ADR 0040).

`offer` lists the due cases of procedures with archive duty that were never offered in one
Anbieteverzeichnis 0501 (XSD-checked), written to the outbox in the same transaction as the
cases' offer rows ("angeboten", audited `retention.offered`): a `fachverfahren.deliver` to the
archive's endpoint (EGOV_ARCHIVE_ENDPOINT, a key of EGOV_FACHVERFAHREN_CONFIG), signed,
idempotency key `xdomea-0501:<ProzessID>`, so it goes out exactly once. `receive` takes the
archive's Bewertungsverzeichnis 0502 from the inbound endpoint once its signature is checked
(`Inbound.receive`): the message is kept as an inbound message, each valued case audited
`retention.valued`; destroy (V) erases it at once, archive (A) keeps it until the
Aussonderung 0503 (not built yet)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.cases.service import record
from egov.cases.store import Case, Procedure
from egov.clock import Clock
from egov.db import Database, new_id
from egov.documents.filestore import FileSystemStore, Placement
from egov.errors import Conflict, Invalid
from egov.integrations.fachverfahren import KIND as FACHVERFAHREN
from egov.integrations.inbound import InboundOutcome
from egov.integrations.store import InboundMessage, InboundStatus
from egov.outbox.service import enqueue
from egov.retention import xdomea
from egov.retention.erasure import erase_case
from egov.retention.service import candidates
from egov.retention.store import ArchiveOffer, OfferStatus

VALUATION_MESSAGE = "xdomea_bewertungsverzeichnis"


@dataclass(frozen=True)
class Offered:
    process_id: str
    references: list[str]


@dataclass
class ArchiveExchange:
    db: Database
    clock: Clock
    files: FileSystemStore
    schema_dir: Path
    endpoint: str  # the archive's key in the Fachverfahren endpoints; "" none configured
    sender: xdomea.Authority
    recipient: xdomea.Authority

    @property
    def configured(self) -> bool:
        return bool(self.endpoint)

    def offer(self, actor: str) -> Offered | None:
        """Offer every due, never offered case with archive duty in one 0501; None when
        there is none or no archive is configured."""
        if not self.configured:
            return None
        now = self.clock()
        with self.db.transaction() as session:
            cases = [case for case, duty in candidates(session, now) if duty]
            cases = [case for case in cases if session.get(ArchiveOffer, case.id) is None]
            if not cases:
                return None
            process_id = new_id()
            body = xdomea.build_offer(
                self._head(process_id, now), _records(session, cases), self.schema_dir
            )
            enqueue(
                session,
                case_id=None,
                kind=FACHVERFAHREN,
                payload={"procedure": self.endpoint, "xml": body.decode("utf-8")},
                now=now,
                idempotency_key=f"xdomea-0501:{process_id}",
                actor=actor,
            )
            for case in cases:
                session.add(
                    ArchiveOffer(
                        case_id=case.id,
                        process_id=process_id,
                        status=OfferStatus.OFFERED,
                        offered_at=now,
                    )
                )
                record(
                    session,
                    case,
                    actor=actor,
                    action="retention.offered",
                    now=now,
                    details={"process_id": process_id},
                )
            return Offered(process_id, [case.reference for case in cases])

    def receive(self, sender: str, body: bytes) -> InboundOutcome:
        """The archive's valuation 0502 (its signature already checked): applied once; a
        re-send of the same bytes is answered like the first time."""
        try:
            process_id, decisions = xdomea.read_valuation(body, self.schema_dir)
        except xdomea.XdomeaInvalid:
            raise Invalid(
                "Die Nachricht ist kein gültiges Bewertungsverzeichnis.", code="xdomea-invalid"
            ) from None
        message_id = f"0502:{process_id}"
        sha256 = hashlib.sha256(body).hexdigest()
        placement = Placement(self.files)
        unused: list[str] = []
        try:
            with self.db.transaction() as session:
                first = _first(session, sender, message_id)
                if first is not None:
                    if first.sha256 != sha256:
                        raise Conflict(
                            "Dieses Bewertungsverzeichnis kam schon mit anderem Inhalt.",
                            code="inbound-conflict",
                        )
                    return InboundOutcome(first.id, True, None, False)
                offers = _offers(session, process_id, decisions)
                storage_key, _ = self.files.put_bytes(body, placement)
                now = self.clock()
                row = _kept(sender, message_id, storage_key, sha256, now)
                session.add(row)
                session.flush()
                for offer in offers:
                    unused += self._apply(
                        session, offer, decisions[offer.case_id], sender, now, row.id
                    )
        except BaseException:
            placement.undo()
            raise
        for key in unused:  # after commit: a rollback must not lose a file
            self.files.delete(key)
        return InboundOutcome(row.id, True, None, True)

    def _apply(
        self,
        session: Session,
        offer: ArchiveOffer,
        decision: str,
        actor: str,
        now: datetime,
        inbound_id: str,
    ) -> list[str]:
        case = session.get_one(Case, offer.case_id)
        offer.valued_at = now
        details = {"process_id": offer.process_id, "decision": decision, "inbound_id": inbound_id}
        record(session, case, actor=actor, action="retention.valued", now=now, details=details)
        if decision == xdomea.ARCHIVE:
            offer.status = OfferStatus.ARCHIVE
            return []
        offer.status = OfferStatus.DESTROYED
        return erase_case(session, case, actor=actor, now=now)

    def _head(self, process_id: str, now: datetime) -> xdomea.Head:
        return xdomea.Head(process_id, now, self.sender, self.recipient)


def _records(session: Session, cases: Sequence[Case]) -> list[xdomea.Record]:
    names = {key: name for key, name in session.execute(select(Procedure.key, Procedure.name))}
    return [
        xdomea.Record(
            case.id,
            case.reference,
            names.get(case.procedure_key, case.procedure_key),
            case.created_at,
            case.closed_at or case.created_at,
        )
        for case in cases
    ]


def _offers(session: Session, process_id: str, decisions: dict[str, str]) -> list[ArchiveOffer]:
    query = select(ArchiveOffer).where(
        ArchiveOffer.process_id == process_id, ArchiveOffer.status == OfferStatus.OFFERED
    )
    offers = {offer.case_id: offer for offer in session.scalars(query)}
    if not offers or set(decisions) - set(offers):
        raise Invalid(
            "Das Bewertungsverzeichnis nennt Vorgänge, die so nicht angeboten sind.",
            code="archive-offer-unknown",
        )
    return [offers[case_id] for case_id in decisions]


def _first(session: Session, sender: str, message_id: str) -> InboundMessage | None:
    query = select(InboundMessage).where(
        InboundMessage.source == sender, InboundMessage.message_id == message_id
    )
    return session.scalars(query).first()


def _kept(
    sender: str, message_id: str, storage_key: str, sha256: str, now: datetime
) -> InboundMessage:
    return InboundMessage(
        received_at=now,
        source=sender,
        message_name=VALUATION_MESSAGE,
        message_id=message_id,
        case_reference=None,
        case_id=None,
        content_type="application/xml",
        storage_key=storage_key,
        sha256=sha256,
        idempotency_key=None,
        status=InboundStatus.CORRELATED,
        incident_id=None,
    )
