"""Asking the chain about a case and keeping what it said (audit `triage.suggested`).

The suggestion only decides whose inbox the review task lands in: the suggested unit's when
triage is confident, else Allgemein's. Routing on waits for a clerk (`decisions.py`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.cases.service import record
from egov.cases.store import Case, get_procedure
from egov.documents.store import list_by_case
from egov.intake.store import Submission
from egov.triage.model import (
    GENERAL_UNIT,
    AttachmentInfo,
    PluginFailure,
    Triage,
    TriageInput,
    TriageResult,
)
from egov.triage.store import TriageSuggestion, applicant_key, case_texts, unit_key
from egov.workflow import triage_config
from egov.workflow.store import ProcessDefinition, WorkflowInstance, active_definition

log = logging.getLogger(__name__)
ACTOR = "system:triage"


def config_of_case(session: Session, case: Case) -> triage_config.TriageConfig | None:
    """The triage the active version of the case's procedure configures."""
    procedure = get_procedure(session, case.procedure_key)
    definition = active_definition(session, procedure.process_id) if procedure else None
    return None if definition is None else triage_config.of_files(definition.files)


def config_of_instance(session: Session, instance_id: str) -> triage_config.TriageConfig | None:
    """The triage of the version a process instance runs on."""
    instance = session.get(WorkflowInstance, instance_id)
    definition = (
        None if instance is None else session.get(ProcessDefinition, instance.definition_id)
    )
    return None if definition is None else triage_config.of_files(definition.files)


def triage_input(session: Session, case: Case) -> TriageInput:
    """The case as triage sees it: free texts, place, attachments' metadata, a pseudonym;
    the channel is the container format it came in (the web form writes the XFall profile)."""
    channel = session.scalars(
        select(Submission.format_key)
        .where(Submission.case_id == case.id)
        .order_by(Submission.received_at)
        .limit(1)
    ).first()
    texts = case_texts(case)
    attachments = tuple(
        AttachmentInfo(d.filename, d.media_type, d.size)
        for d in list_by_case(session, case.id)
        if d.kind == "attachment"
    )
    location = case.data.get("location")
    return TriageInput(
        procedure_key=case.procedure_key,
        channel=channel or "unknown",
        texts=texts,
        data={k: v for k, v in case.data.items() if k not in texts},
        attachments=attachments,
        applicant_key=applicant_key(case),
        location=location if isinstance(location, str) and location else None,
        case_id=case.id,
    )


def ask(chain: Triage, item: TriageInput, threshold: float) -> TriageResult:
    """The chain's answer; should the chain itself fail, an abstention (never an error)."""
    try:
        return chain.run(item, threshold)
    except Exception as exc:
        log.warning("triage_failed case_id=%s error=%s", item.case_id, type(exc).__name__)
        return TriageResult((), threshold, (PluginFailure("chain", "error"),))


def keep(
    session: Session, case: Case, result: TriageResult, *, mode: str, now: datetime
) -> TriageSuggestion:
    """Store the result and its audit event; the review task's unit is decided here."""
    general = unit_key(session, GENERAL_UNIT) or case.org_unit_key
    chosen = result.org_unit
    suggested = unit_key(session, chosen.value) if chosen is not None else None
    row = TriageSuggestion(
        case_id=case.id,
        procedure_key=case.procedure_key,
        mode=mode,
        org_unit_key=suggested or general,
        abstained=suggested is None,
        threshold=result.threshold,
        result=result.as_json(),
        created_at=now,
    )
    session.add(row)
    session.flush()
    record(session, case, actor=ACTOR, action="triage.suggested", now=now, details=details(row))
    log.info(
        "triage_suggested case_id=%s org_unit=%s abstained=%s",
        case.id,
        row.org_unit_key,
        row.abstained,
    )
    return row


def details(row: TriageSuggestion) -> dict[str, Any]:
    """The audit record of a suggestion: which plugin and model version said what."""
    return {
        "suggestion_id": row.id,
        "mode": row.mode,
        "org_unit": row.org_unit_key,
        "abstained": row.abstained,
        "threshold": row.threshold,
        "suggestions": row.result.get("suggestions", []),
        "failures": row.result.get("failures", []),
    }


__all__ = ["ACTOR", "ask", "config_of_case", "config_of_instance", "keep", "triage_input"]
