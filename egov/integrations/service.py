"""Incidents: list them and let a person retry the failed step."""

from __future__ import annotations

from dataclasses import dataclass

from egov.cases.service import record
from egov.cases.store import get_case
from egov.db import Database
from egov.errors import Conflict, NotFound
from egov.identity.model import Principal
from egov.integrations.inbound import Inbound
from egov.integrations.outbox import Outbox
from egov.integrations.store import Incident
from egov.workflow.service import Workflows
from egov.workflow.store import get_instance_by_case


@dataclass
class Incidents:
    db: Database
    workflows: Workflows
    outbox: Outbox
    inbound: Inbound

    def retry(self, principal: Principal, incident_id: str) -> Incident:
        with self.db.reading() as session:
            incident = session.get(Incident, incident_id)
            if incident is None:
                raise NotFound("Störung nicht gefunden.", code="incident-not-found")
            if incident.status != "open":
                raise Conflict("Die Störung ist nicht mehr offen.", code="incident-not-open")
            case_id, outbox_id, kind = incident.case_id, incident.outbox_id, incident.kind
            if case_id is None and kind != "correlation":
                raise Conflict(
                    "Die Störung betrifft keinen Vorgang.", code="incident-not-retryable"
                )
            started = case_id is not None and get_instance_by_case(session, case_id) is not None
        if kind == "correlation":  # a kept inbound message: correlate it again
            redelivered = self.inbound.redeliver(incident_id, principal.subject)
            if redelivered is None:
                raise Conflict(
                    "Zu dieser Störung ist keine Nachricht gespeichert; bitte manuell klären.",
                    code="incident-not-retryable",
                )
            ok = redelivered
        elif outbox_id is not None:  # a failed delivery: a new round of attempts, the first now
            self.outbox.retry(outbox_id, principal.subject)
            ok = self.outbox.deliver(outbox_id) == "delivered"
        elif case_id is not None and started:
            ok = self.workflows.advance(case_id)
        elif case_id is not None:
            self.workflows.start(case_id)
            with self.db.reading() as session:
                ok = get_instance_by_case(session, case_id) is not None
        return self._settle(principal, incident_id, ok)

    def _settle(self, principal: Principal, incident_id: str, ok: bool) -> Incident:
        with self.db.transaction() as session:
            incident = session.get(Incident, incident_id)
            assert incident is not None
            now = self.workflows.clock()
            if ok:
                incident.status, incident.resolved_at = "resolved", now
            case = get_case(session, incident.case_id) if incident.case_id else None
            if case is not None:
                record(
                    session,
                    case,
                    actor=principal.subject,
                    action="incident.retried",
                    now=now,
                    details={"incident_id": incident.id, "resolved": ok},
                )
            return incident
