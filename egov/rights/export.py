"""The citizen's data export (GDPR Art. 15, issue 16): everything egov holds about the
logged-in citizen, as one ZIP with `index.json` naming every file and its SHA-256.

What goes in: the cases they own (with the applicant data and the retention end), the
original submissions' bytes, the documents of their cases meant for them, the Postfach
letters and replies, the audit events of their cases, triage suggestions and who decided
them, the Bürgerbudget rounds they voted in (only that they voted, never for what: ballots
are stored under an HMAC of the subject), their participation statements, and the
notification settings (the e-mail address per case). Nothing of other citizens: every
query starts from the citizen's own cases or their own subject.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.access import visible_cases
from egov.audit.store import list_events
from egov.buergerbudget.ballots import pseudonym
from egov.buergerbudget.ballots_store import Ballot
from egov.cases.store import Case
from egov.documents.filestore import FileSystemStore
from egov.documents.store import Document
from egov.identity.model import Principal
from egov.intake import drafts
from egov.intake.store import Submission
from egov.participation.store import Statement
from egov.postfach.store import PostfachMessage
from egov.triage.store import TriageDecision, TriageSuggestion

FORMAT = "egov-auskunft-1"


@dataclass
class Package:
    """The files of an export, built up in memory, then zipped with their index."""

    files: dict[str, bytes] = field(default_factory=dict)

    def add_json(self, name: str, content: Any) -> None:
        self.files[name] = json.dumps(content, ensure_ascii=False, indent=2, default=_iso).encode()

    def zip(self, subject: str, now: datetime) -> bytes:
        index = {
            "format": FORMAT,
            "subject": subject,
            "created_at": now.isoformat(),
            "files": [
                {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                for name, data in sorted(self.files.items())
            ],
        }
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("index.json", json.dumps(index, ensure_ascii=False, indent=2))
            for name, data in sorted(self.files.items()):
                archive.writestr(name, data)
        return buffer.getvalue()


def collect(
    session: Session, files: FileSystemStore, principal: Principal, ballot_key: bytes
) -> Package:
    """Everything about the citizen, read in one session."""
    package = Package()
    cases = list(session.scalars(visible_cases(principal).order_by(Case.created_at, Case.id)))
    package.add_json("cases.json", [_case(case) for case in cases])
    for case in cases:
        _case_files(session, files, package, case)
    package.add_json("votes.json", _votes(session, principal, ballot_key))
    package.add_json("statements.json", _statements(session, principal))
    package.add_json("drafts.json", _drafts(session, package, principal))
    package.add_json("settings.json", _settings(cases))
    return package


def _drafts(session: Session, package: Package, principal: Principal) -> list[dict[str, Any]]:
    """The web-form applications begun and not sent: what was typed, the files attached (their
    bytes under `drafts/<procedure>/`)."""
    found = []
    for draft, attached in drafts.owned_by(session, principal.subject):
        names = []
        for file in attached:
            name = f"drafts/{_safe(draft.procedure_key)}/{file.id}_{_safe(file.filename)}"
            package.files[name] = file.content
            names.append({"file": name, "media_type": file.media_type, "size": file.size})
        found.append(
            {
                "procedure": draft.procedure_key,
                "values": json.loads(draft.values),
                "updated_at": draft.updated_at,
                "files": names,
            }
        )
    return found


def _case_files(session: Session, files: FileSystemStore, package: Package, case: Case) -> None:
    folder = f"cases/{case.reference}"
    for submission in _rows(session, Submission, Submission.case_id == case.id):
        package.files[f"{folder}/submissions/{submission.id}"] = _bytes(
            files, submission.storage_key
        )
    documents = _rows(
        session, Document, Document.case_id == case.id, Document.visible_to_applicant.is_(True)
    )
    for document in documents:
        name = f"{folder}/documents/{document.id}-{_safe(document.filename)}"
        package.files[name] = _bytes(files, document.storage_key)
    package.add_json(f"{folder}/documents.json", [_document(d) for d in documents])
    messages = _rows(session, PostfachMessage, PostfachMessage.case_id == case.id)
    package.add_json(f"{folder}/postfach.json", [_message(m) for m in messages])
    package.add_json(f"{folder}/audit.json", [_event(e) for e in list_events(session, case.id)])
    package.add_json(f"{folder}/triage.json", _triage(session, case.id))


def _rows(session: Session, table: Any, *where: Any) -> list[Any]:
    return list(session.scalars(select(table).where(*where).order_by(table.id)))


def _bytes(files: FileSystemStore, key: str) -> bytes:
    with files.open(key) as stream:
        return stream.read()


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[:100] or "datei"


def _case(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "reference": case.reference,
        "procedure": case.procedure_key,
        "status": case.status,
        "title": case.title,
        "applicant_name": case.applicant_name,
        "applicant_email": case.applicant_email,
        "postfach": case.owner_postfach,
        "vertrauensniveau": case.vertrauensniveau,
        "data": case.data,
        "created_at": case.created_at,
        "closed_at": case.closed_at,
        "retention_until": case.retention_until,
        "retention_rule": case.retention_rule,
        "erased_at": case.erased_at,
    }


def _document(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "kind": document.kind,
        "filename": document.filename,
        "media_type": document.media_type,
        "size": document.size,
        "sha256": document.sha256,
        "created_at": document.created_at,
    }


def _message(message: PostfachMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "direction": message.direction,
        "subject": message.subject,
        "body": message.body,
        "document_id": message.document_id,
        "created_at": message.created_at,
        "read_at": message.read_at,
    }


def _event(event: Any) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "actor": event.actor,
        "action": event.action,
        "before": event.before,
        "after": event.after,
        "occurred_at": event.occurred_at,
        "hash": event.hash,
    }


def _triage(session: Session, case_id: str) -> list[dict[str, Any]]:
    suggestions = _rows(session, TriageSuggestion, TriageSuggestion.case_id == case_id)
    decisions = {
        d.suggestion_id: d
        for d in _rows(session, TriageDecision, TriageDecision.case_id == case_id)
    }
    return [_suggestion(s, decisions.get(s.id)) for s in suggestions]


def _suggestion(suggestion: TriageSuggestion, decision: TriageDecision | None) -> dict[str, Any]:
    decided = None
    if decision is not None:
        decided = {
            "decision": decision.decision,
            "decided_org_unit": decision.decided_org_unit,
            "reason": decision.reason,
            "decided_by": decision.decided_by,
            "decided_at": decision.decided_at,
        }
    return {
        "suggested_at": suggestion.created_at,
        "org_unit": suggestion.org_unit_key,
        "abstained": suggestion.abstained,
        "result": suggestion.result,
        "decision": decided,
    }


def _votes(session: Session, principal: Principal, key: bytes) -> list[dict[str, Any]]:
    """The rounds the citizen voted in: "voted", never the choices."""
    years = sorted(set(session.scalars(select(Ballot.round_year))))
    voted = [
        year
        for year in years
        if session.scalars(
            select(Ballot.id).where(
                Ballot.round_year == year, Ballot.voter == pseudonym(key, year, principal.subject)
            )
        ).first()
    ]
    return [{"round": year, "voted": True} for year in voted]


def _statements(session: Session, principal: Principal) -> list[dict[str, Any]]:
    mine = _rows(session, Statement, Statement.author_subject == principal.subject)
    return [
        {
            "id": s.id,
            "participation_case_id": s.case_id,
            "number": s.number,
            "status": s.status,
            "text": s.text,
            "location": s.location,
            "author_name": s.author_name,
            "author_email": s.author_email,
            "named": s.named,
            "created_at": s.created_at,
            "decision": s.decision,
            "reasoning": s.reasoning,
        }
        for s in mine
    ]


def _settings(cases: Iterable[Case]) -> dict[str, Any]:
    return {
        "notification_email": [
            {"case": case.reference, "email": case.applicant_email} for case in cases
        ],
        "consent": [],  # egov records no consent: it processes on a legal basis (Art. 6(1)(e))
    }


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)
