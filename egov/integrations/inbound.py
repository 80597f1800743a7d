"""Inbound messages from Fachverfahren: verify, keep, correlate to a waiting BPMN message event.

`Inbound.receive` checks that the client may use the procedure and that the FIT-Connect callback
signature matches the procedure's secret (401 `signature-*`, logged on `egov.security`), answers a
re-send with the same `Idempotency-Key` as the first time, parses the message (dispatch by root
element, `inbound_parsing.py`: the XBau status 1170 and the XBeteiligung update 0402,
which the intake hands to `Inbound.keep`), answers a re-send of the same
message UUID by the same client as the first time (whatever the signature window: a signature
proves who sent it, not that it is new; other content: 409 `inbound-conflict`), stores the raw
bytes and an `inbound_messages` row (commit: the message is now a fact) and then correlates it by
case reference, else by the portal reference (the message UUID of the submission), else by a
case key (`egov.cases.keys`: the plan id and Vorgangs-ID of a 0402). A message that
finds no case or no waiting event is kept as `uncorrelated` with an incident of kind
`correlation`; it is never dropped. A message for a suspended instance (or queued behind held
ones) is `held` (audit `message.held`), no incident: `correlation.release_held` correlates the
held messages of a case in arrival order when its instance is resumed. An XBeteiligung
information message (045x) is only recorded in its case's audit trail
(`participation.information_received`). The messages of a procedure with a handler (the
archive's xdomea valuation, `egov.retention.archive`) go to it once verified. A kept 0402
that an admin discards (`Inbound.discarded`) is answered with a 0422 when the planning system
is connected.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from egov.cases.keys import get_case_by_key
from egov.cases.service import record
from egov.cases.store import Case, get_case
from egov.db import Database
from egov.documents.filestore import FileSystemStore, Placement
from egov.documents.store import storage_key_in_use
from egov.errors import Conflict, Forbidden, Invalid
from egov.identity.model import Principal
from egov.intake.idempotency import scoped_key
from egov.intake.service import IntakeOutcome, UpdateHandler
from egov.intake.store import get_by_message_id
from egov.intake.xbeteiligung import PROCEDURE_KEY, UPDATE_MESSAGE
from egov.intake.xml_guard import Limits
from egov.integrations import signing
from egov.integrations.correlation import (
    deliver_message,
    open_correlation_incident,
)
from egov.integrations.fachverfahren import Endpoint, secrets_for
from egov.integrations.inbound_documents import add_documents, attach_later
from egov.integrations.inbound_parsing import Parsed, parse_inbound
from egov.integrations.planning_answers import refuse_discarded
from egov.integrations.store import InboundMessage, InboundStatus
from egov.workflow.held import HeldKind
from egov.workflow.service import Workflows

log = logging.getLogger(__name__)
security_log = logging.getLogger("egov.security")


@dataclass(frozen=True)
class InboundOutcome:
    inbound_id: str
    correlated: bool
    case_id: str | None
    created: bool  # False: a re-send answered like the first time

    def answer(self) -> dict[str, Any]:
        return {"inbound_id": self.inbound_id, "correlated": self.correlated}


def planning_update(inbound: Inbound) -> UpdateHandler:
    """Intake hook for an XBeteiligung 0402 or information 045x at `POST /submissions`: kept
    and correlated to the participation it names (`Inbound.keep`), answered 202 with the
    inbound answer."""

    def keep(principal: Principal, body: bytes, idempotency_key: str | None) -> IntakeOutcome:
        outcome = inbound.keep(principal, PROCEDURE_KEY, body, idempotency_key)
        return IntakeOutcome(receipt=outcome.answer(), created=outcome.created, update=True)

    return keep


@dataclass
class Inbound:
    db: Database
    files: FileSystemStore
    workflows: Workflows
    endpoints: Mapping[str, Endpoint]
    limits: Limits = field(default_factory=Limits)
    schema_dir: Path | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    epoch: Callable[[], int] = lambda: int(time.time())
    # procedures whose verified messages another feature takes (the archive's xdomea answers)
    handlers: dict[str, Callable[[str, bytes], InboundOutcome]] = field(default_factory=dict)

    def receive(
        self,
        principal: Principal,
        procedure: str,
        body: bytes,
        headers: Mapping[str, str],
        idempotency_key: str | None = None,
    ) -> InboundOutcome:
        self._verify(principal, procedure, body, headers)
        handler = self.handlers.get(procedure)
        if handler is not None:
            return handler(principal.subject, body)
        return self.keep(principal, procedure, body, idempotency_key)

    def keep(
        self, principal: Principal, procedure: str, body: bytes, idempotency_key: str | None
    ) -> InboundOutcome:
        """Keep and correlate a message whose sender is already verified (`receive`, or the
        intake for an XBeteiligung 0402 of a client of `procedure`)."""
        if not principal.is_client or not principal.may_use_procedure(procedure):
            raise Forbidden("Dieser Client darf für dieses Verfahren nichts senden.")
        sha256 = hashlib.sha256(body).hexdigest()
        key = scoped_key(principal.subject, idempotency_key)
        replay = self._replay(sha256, key=key)
        if replay is not None:
            return replay
        parsed = parse_inbound(body, self.limits, self.schema_dir)
        sent = (principal.subject, parsed.message_id)
        replay = self._replay(sha256, sent=sent)
        if replay is not None:
            return replay
        try:
            inbound_id, case_id = self._store(principal, procedure, parsed, body, key)
        except IntegrityError:  # a concurrent re-send won the race
            replay = self._replay(sha256, key=key, sent=sent)
            if replay is None:
                raise
            return replay
        return self._correlate(inbound_id, case_id, parsed, principal.subject)

    def _verify(
        self, principal: Principal, procedure: str, body: bytes, headers: Mapping[str, str]
    ) -> None:
        if not principal.is_client or not principal.may_use_procedure(procedure):
            raise Forbidden("Dieser Client darf für dieses Verfahren nichts senden.")
        endpoint = self.endpoints.get(procedure)
        secrets = [] if endpoint is None else secrets_for(endpoint, self.environ)
        if not secrets:
            raise Invalid(
                "Für dieses Verfahren ist kein Fachverfahren eingerichtet.",
                code="unknown-procedure",
            )
        try:
            signing.verify(secrets, body, headers, self.epoch())
        except signing.SignatureError as exc:
            security_log.warning(
                "inbound_signature_refused code=%s client=%s procedure=%s",
                exc.code,
                principal.subject,
                procedure,
            )
            raise

    def _replay(
        self, sha256: str, *, key: str | None = None, sent: tuple[str, str] | None = None
    ) -> InboundOutcome | None:
        """The first answer to a re-send: by Idempotency-Key, else by (sender, message UUID);
        the same key or message UUID with other bytes is a conflict."""
        with self.db.reading() as session:
            first = _first_by_key(session, key) or _first_by_message(session, sent)
            if first is None:
                return None
            if first.sha256 != sha256:
                log.info("inbound_conflict inbound_id=%s", first.id)
                raise Conflict(
                    "Diese Nachricht oder dieser Schlüssel wurde schon mit anderem Inhalt "
                    "empfangen.",
                    code="inbound-conflict",
                )
            return InboundOutcome(
                first.id, first.status == InboundStatus.CORRELATED, first.case_id, False
            )

    def _store(
        self, principal: Principal, procedure: str, parsed: Parsed, body: bytes, key: str | None
    ) -> tuple[str, str | None]:
        placement = Placement(self.files, still_referenced=self._referenced)
        try:
            with self.db.transaction() as session:
                case = find_case(session, parsed, procedure)
                storage_key, sha256 = self.files.put_bytes(body, placement)
                now = self.workflows.clock()
                row = InboundMessage(
                    received_at=now,
                    source=principal.subject,
                    message_name=parsed.message_name,
                    message_id=parsed.message_id,
                    case_reference=parsed.case_reference or parsed.portal_reference,
                    case_id=None if case is None else case.id,
                    content_type="application/xml",
                    storage_key=storage_key,
                    sha256=sha256,
                    idempotency_key=key,
                    status=InboundStatus.RECEIVED,
                    incident_id=None,
                )
                session.add(row)
                session.flush()
                if case is not None:
                    actor = principal.subject
                    add_documents(
                        session, self.files, placement, case, parsed, actor=actor, now=now
                    )
                    details = {"inbound_id": row.id, "message_name": parsed.message_name}
                    record(
                        session,
                        case,
                        actor=principal.subject,
                        action="inbound.received",
                        now=now,
                        details=details,
                    )
                return row.id, row.case_id
        except BaseException:
            placement.undo()
            raise

    def redeliver(self, incident_id: str, actor: str) -> bool | None:
        """Correlate the message kept for a `correlation` incident again (an admin's retry);
        None when the incident keeps no inbound message."""
        with self.db.reading() as session:
            query = select(InboundMessage).where(InboundMessage.incident_id == incident_id)
            row = session.scalars(query).first()
            if row is None:
                return None
            inbound_id, key, case_id = row.id, row.storage_key, row.case_id
        with self.files.open(key) as handle:
            parsed = parse_inbound(handle.read(), self.limits, self.schema_dir)
        if case_id is None:
            with self.db.reading() as session:
                case = find_case(session, parsed, procedure=None)
                case_id = None if case is None else case.id
            if case_id is None:
                return False
            placement = Placement(self.files, still_referenced=self._referenced)
            now = self.workflows.clock()
            attach_later(
                self.db, self.files, placement, inbound_id, case_id, parsed, actor=actor, now=now
            )
        if parsed.record_only:
            return self._record(inbound_id, case_id, parsed, actor)

        def mark(session: Session, status: InboundStatus, _incident_id: str | None) -> None:
            stored = session.get(InboundMessage, inbound_id)
            assert stored is not None
            stored.case_id = case_id
            stored.status = status

        outcome = deliver_message(
            self.workflows,
            case_id,
            parsed.message_name,
            parsed.payload,
            actor,
            held_as=(HeldKind.INBOUND, inbound_id),
            mark=mark,
            incident_if_nothing_waits=False,
        )
        return outcome == InboundStatus.CORRELATED

    def _record(self, inbound_id: str, case_id: str, parsed: Parsed, actor: str) -> bool:
        """An information message: into the case's audit trail, nothing else changes."""
        data = parsed.payload
        details = {
            "inbound_id": inbound_id,
            "nachricht": data.get("nachricht"),
            "message_id": parsed.message_id,
            **{k: data.get(k) for k in ("title", "period_start", "period_end")},
        }
        with self.db.transaction() as session:
            case = get_case(session, case_id)
            row = session.get(InboundMessage, inbound_id)
            assert case is not None and row is not None
            row.case_id, row.status = case_id, InboundStatus.CORRELATED
            record(
                session,
                case,
                actor=actor,
                action="participation.information_received",
                now=self.workflows.clock(),
                details=details,
            )
        return True

    def discarded(self, session: Session, message: InboundMessage, actor: str) -> str | None:
        """A kept message an admin resolved by hand: a 0402 is answered with its 0422 when
        the planning system is connected (an outbox id, else None)."""
        if PROCEDURE_KEY not in self.endpoints or message.message_name != UPDATE_MESSAGE:
            return None
        with self.files.open(message.storage_key) as handle:
            parsed = parse_inbound(handle.read(), self.limits, self.schema_dir)
        return refuse_discarded(session, message.id, parsed, self.workflows.clock(), actor)

    def _referenced(self, storage_key: str) -> bool:
        with self.db.reading() as session:
            query = select(InboundMessage.id).where(InboundMessage.storage_key == storage_key)
            found = session.scalars(query).first() is not None
            return found or storage_key_in_use(session, storage_key)

    def _correlate(
        self, inbound_id: str, case_id: str | None, parsed: Parsed, actor: str
    ) -> InboundOutcome:
        def mark(session: Session, status: InboundStatus, incident_id: str | None) -> None:
            row = session.get(InboundMessage, inbound_id)
            assert row is not None
            row.status = status
            row.incident_id = incident_id

        if case_id is None:
            with self.db.transaction() as session:
                named = parsed.case_reference or parsed.portal_reference or parsed.case_key
                text = f"Kein Vorgang zu {named!r}."
                now = self.workflows.clock()
                incident = open_correlation_incident(
                    session, None, "correlation-case-unknown", text, now
                )
                mark(session, InboundStatus.UNCORRELATED, incident.id)
            return InboundOutcome(inbound_id, False, None, True)
        if parsed.record_only:
            return InboundOutcome(
                inbound_id, self._record(inbound_id, case_id, parsed, actor), case_id, True
            )
        payload, name = parsed.payload, parsed.message_name
        held_as = (HeldKind.INBOUND, inbound_id)
        outcome = deliver_message(
            self.workflows, case_id, name, payload, actor, held_as=held_as, mark=mark
        )
        return InboundOutcome(inbound_id, outcome == InboundStatus.CORRELATED, case_id, True)


def _first_by_key(session: Session, key: str | None) -> InboundMessage | None:
    if key is None:
        return None
    query = select(InboundMessage).where(InboundMessage.idempotency_key == key)
    return session.scalars(query).first()


def _first_by_message(session: Session, sent: tuple[str, str] | None) -> InboundMessage | None:
    if sent is None:
        return None
    source, message_id = sent
    query = select(InboundMessage).where(
        InboundMessage.source == source, InboundMessage.message_id == message_id
    )
    return session.scalars(query).first()


def find_case(session: Session, parsed: Parsed, procedure: str | None) -> Case | None:
    """By case reference, else by the portal reference (the submission's message UUID); a case
    of another procedure counts as unknown (a client reaches only its own procedures)."""
    case = None
    if parsed.case_reference:
        query = select(Case).where(Case.reference == parsed.case_reference)
        case = session.scalars(query).first()
    if case is None and parsed.portal_reference:
        submission = get_by_message_id(session, parsed.portal_reference.lower())
        case = None if submission is None else get_case(session, submission.case_id)
    if case is None and parsed.case_key is not None:
        case = get_case_by_key(session, *parsed.case_key)
    if case is None or (procedure is not None and case.procedure_key != procedure):
        return None
    return case
