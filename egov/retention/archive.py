"""The archive exchange of the Aussonderung (xdomea 3.0.0, issue 16, ADR 0040).

`offer` lists the due cases of procedures with archive duty that were never offered in one
Anbieteverzeichnis 0501 (XSD-checked), written to the outbox in the same transaction as the
cases' offer rows ("angeboten", audited `retention.offered`): a `fachverfahren.deliver` to the
archive's endpoint (EGOV_ARCHIVE_ENDPOINT, a key of EGOV_FACHVERFAHREN_CONFIG), signed,
idempotency key `xdomea-0501:<ProzessID>`, so it goes out exactly once. `receive` takes the
archive's Bewertungsverzeichnis 0502 from the inbound endpoint once its signature is checked
(`Inbound.receive`): the message is kept as an inbound message, each valued case audited
`retention.valued`; destroy (V) erases it at once, the cases the archive takes (A) go in one
Aussonderung 0503 package (`retention.handed_over`, `xdomea-0503:<ProzessID>`). The archive's
import confirmation 0506 comes the same way: an imported case is erased and then audited
`retention.archived` with the receipt (so it stays with the tombstone), one not imported
`retention.import_failed`; the package file goes once no case of it waits. The archive's
receipts are recorded on the offers they name (0504 of the Anbieteverzeichnis:
`retention.offer_received`; 0507 of the package: `retention.package_received`); they change
nothing else: per xdomea a receipt says the message arrived, not what the archive did with it.
When the 0502 asks for a receipt, egov sends its 0505 (`xdomea-0505:<ProzessID>`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.cases.service import record
from egov.cases.store import Case, Procedure
from egov.clock import Clock
from egov.db import Database, new_id
from egov.documents.filestore import FileSystemStore, Placement
from egov.documents.store import Document
from egov.errors import Conflict, Invalid
from egov.integrations.fachverfahren import KIND as FACHVERFAHREN
from egov.integrations.inbound import InboundOutcome
from egov.integrations.store import InboundMessage, InboundStatus
from egov.outbox.service import enqueue
from egov.retention import xdomea
from egov.retention.erasure import erase_case
from egov.retention.service import candidates
from egov.retention.store import ArchiveOffer, OfferStatus

READERS: dict[str, Callable[[bytes, Path], tuple[str, dict[str, Any]]]] = {
    xdomea.VALUATION: xdomea.read_valuation,
    xdomea.IMPORTED: xdomea.read_import,
    xdomea.OFFER_RECEIVED: xdomea.read_receipt,
    xdomea.HANDOVER_RECEIVED: xdomea.read_receipt,
}


@dataclass(frozen=True)
class Offered:
    process_id: str
    references: list[str]


@dataclass(frozen=True)
class Step:
    """One message of the archive being applied: its transaction, sender, time, row."""

    session: Session
    actor: str
    now: datetime
    inbound_id: str

    def record(self, case: Case, action: str, offer: ArchiveOffer, **details: Any) -> None:
        details = {"process_id": offer.process_id, "inbound_id": self.inbound_id, **details}
        record(self.session, case, actor=self.actor, action=action, now=self.now, details=details)


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
        """The archive's valuation 0502 or import confirmation 0506 (its signature already
        checked): kept and applied once; a re-send of the same bytes is answered like the
        first time."""
        name = xdomea.message_name(body)
        try:
            process_id, results = READERS[name](body, self.schema_dir)
        except (KeyError, xdomea.XdomeaInvalid):
            raise Invalid(
                "Die Nachricht ist keine gültige Nachricht des Archivs zur Aussonderung "
                "(Bewertungsverzeichnis 0502, Importbestätigung 0506 oder Empfangsbestätigung "
                "0504/0507).",
                code="xdomea-invalid",
            ) from None
        message_id = f"{name[-4:]}:{process_id}"
        sha256 = hashlib.sha256(body).hexdigest()
        placement = Placement(self.files)
        unused: list[str] = []
        try:
            with self.db.transaction() as session:
                first = _first(session, sender, message_id)
                if first is not None:
                    if first.sha256 != sha256:
                        raise Conflict(
                            "Diese Nachricht des Archivs kam schon mit anderem Inhalt.",
                            code="inbound-conflict",
                        )
                    return InboundOutcome(first.id, True, None, False)
                if name in xdomea.RECEIPTS:
                    offers = _receipted(session, process_id, name)
                else:
                    expected = (
                        OfferStatus.OFFERED if name == xdomea.VALUATION else OfferStatus.HANDED_OVER
                    )
                    offers = _offers(session, process_id, expected, results)
                storage_key, _ = self.files.put_bytes(body, placement)
                now = self.clock()
                row = _kept(sender, name, message_id, storage_key, sha256, now)
                session.add(row)
                session.flush()
                step = Step(session, sender, now, row.id)
                if name == xdomea.VALUATION:
                    if xdomea.wants_receipt(body):
                        self._send_receipt(step, process_id)
                    unused = self._valued(step, offers, results, placement)
                elif name == xdomea.IMPORTED:
                    unused = self._imported(step, offers, results)
                else:
                    _record_receipt(step, offers, name)
        except BaseException:
            placement.undo()
            raise
        for key in unused:  # after commit: a rollback must not lose a file
            self.files.delete(key)
        return InboundOutcome(row.id, True, None, True)

    def _valued(
        self,
        step: Step,
        offers: list[ArchiveOffer],
        decisions: dict[str, Any],
        placement: Placement,
    ) -> list[str]:
        """Destroy (V): erased at once; archive (A): handed over in one 0503 package."""
        unused: list[str] = []
        taken: list[Case] = []
        for offer in offers:
            case = step.session.get_one(Case, offer.case_id)
            offer.valued_at = step.now
            decision = decisions[offer.case_id]
            step.record(case, "retention.valued", offer, decision=decision)
            if decision == xdomea.ARCHIVE:
                taken.append(case)
                continue
            offer.status = OfferStatus.DESTROYED
            unused += erase_case(step.session, case, actor=step.actor, now=step.now)
        if taken:
            self._hand_over(step, taken, offers[0].process_id, placement)
        return unused

    def _send_receipt(self, step: Step, process_id: str) -> None:
        """egov's receipt 0505 of the valuation, through the outbox, exactly once."""
        body = xdomea.build_valuation_receipt(self._head(process_id, step.now), self.schema_dir)
        enqueue(
            step.session,
            case_id=None,
            kind=FACHVERFAHREN,
            payload={"procedure": self.endpoint, "xml": body.decode("utf-8")},
            now=step.now,
            idempotency_key=f"xdomea-0505:{process_id}",
            actor=step.actor,
        )

    def _hand_over(
        self, step: Step, cases: list[Case], process_id: str, placement: Placement
    ) -> None:
        records = _records(step.session, cases, self.files)
        package = xdomea.build_handover(self._head(process_id, step.now), records, self.schema_dir)
        key, _ = self.files.put_bytes(package, placement)
        enqueue(
            step.session,
            case_id=None,
            kind=FACHVERFAHREN,
            payload={
                "procedure": self.endpoint,
                "storage_key": key,
                "content_type": "application/zip",
                "filename": xdomea.package_name(process_id),
            },
            now=step.now,
            idempotency_key=f"xdomea-0503:{process_id}",
            actor=step.actor,
        )
        for case in cases:
            offer = step.session.get_one(ArchiveOffer, case.id)
            offer.status, offer.package_key = OfferStatus.HANDED_OVER, key
            step.record(
                case, "retention.handed_over", offer, package=xdomea.package_name(process_id)
            )

    def _imported(
        self, step: Step, offers: list[ArchiveOffer], results: dict[str, Any]
    ) -> list[str]:
        """Imported: erased, the archive's receipt kept with the tombstone; not imported:
        stays handed over, audited, for a person to settle with the archive."""
        unused: list[str] = []
        packages = {offer.package_key for offer in offers if offer.package_key}
        for offer in offers:
            case = step.session.get_one(Case, offer.case_id)
            if not results[offer.case_id]:
                step.record(case, "retention.import_failed", offer)
                continue
            offer.status, offer.receipt_id = OfferStatus.ARCHIVED, step.inbound_id
            unused += erase_case(step.session, case, actor=step.actor, now=step.now)
            step.record(case, "retention.archived", offer, receipt=step.inbound_id)
        step.session.flush()
        for key in packages:  # the package holds personal data: gone once all are imported
            still = select(ArchiveOffer.case_id).where(
                ArchiveOffer.package_key == key, ArchiveOffer.status == OfferStatus.HANDED_OVER
            )
            if step.session.scalars(still).first() is None:
                unused.append(key)
        return unused

    def _head(self, process_id: str, now: datetime) -> xdomea.Head:
        return xdomea.Head(process_id, now, self.sender, self.recipient)


def _records(
    session: Session, cases: Sequence[Case], files: FileSystemStore | None = None
) -> list[xdomea.Record]:
    """The cases as xdomea records; with `files`, with their documents' bytes."""
    names = {key: name for key, name in session.execute(select(Procedure.key, Procedure.name))}
    return [
        xdomea.Record(
            case.id,
            case.reference,
            names.get(case.procedure_key, case.procedure_key),
            case.created_at,
            case.closed_at or case.created_at,
            () if files is None else _documents(session, case.id, files),
        )
        for case in cases
    ]


def _documents(
    session: Session, case_id: str, files: FileSystemStore
) -> tuple[xdomea.PrimaryDocument, ...]:
    query = select(Document).where(Document.case_id == case_id).order_by(Document.created_at)
    documents = []
    for document in session.scalars(query):
        with files.open(document.storage_key) as handle:
            content = handle.read()
        documents.append(
            xdomea.PrimaryDocument(
                document.id, document.kind, document.media_type, content, document.filename
            )
        )
    return tuple(documents)


def _offers(
    session: Session, process_id: str, status: OfferStatus, decisions: dict[str, Any]
) -> list[ArchiveOffer]:
    query = select(ArchiveOffer).where(
        ArchiveOffer.process_id == process_id, ArchiveOffer.status == status
    )
    offers = {offer.case_id: offer for offer in session.scalars(query)}
    if not offers or set(decisions) - set(offers):
        raise Invalid(
            "Die Nachricht des Archivs nennt Vorgänge, die so nicht angeboten oder übergeben sind.",
            code="archive-offer-unknown",
        )
    return [offers[case_id] for case_id in decisions]


def _receipted(session: Session, process_id: str, name: str) -> list[ArchiveOffer]:
    """The offers a receipt names: every offer of the 0501 (0504), or those handed over in
    the 0503 package (0507)."""
    query = select(ArchiveOffer).where(ArchiveOffer.process_id == process_id)
    if name == xdomea.HANDOVER_RECEIVED:
        query = query.where(ArchiveOffer.package_key.is_not(None))
    offers = list(session.scalars(query.order_by(ArchiveOffer.case_id)))
    if not offers:
        raise Invalid(
            "Die Empfangsbestätigung des Archivs nennt keine Anbietung oder Übergabe von egov.",
            code="archive-offer-unknown",
        )
    return offers


def _record_receipt(step: Step, offers: list[ArchiveOffer], name: str) -> None:
    offer_receipt = name == xdomea.OFFER_RECEIVED
    action = "retention.offer_received" if offer_receipt else "retention.package_received"
    for offer in offers:
        if offer_receipt:
            offer.offer_received_at = offer.offer_received_at or step.now
        else:
            offer.package_received_at = offer.package_received_at or step.now
        step.record(step.session.get_one(Case, offer.case_id), action, offer)


def _first(session: Session, sender: str, message_id: str) -> InboundMessage | None:
    query = select(InboundMessage).where(
        InboundMessage.source == sender, InboundMessage.message_id == message_id
    )
    return session.scalars(query).first()


def _kept(
    sender: str, name: str, message_id: str, storage_key: str, sha256: str, now: datetime
) -> InboundMessage:
    return InboundMessage(
        received_at=now,
        source=sender,
        message_name=name,
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
