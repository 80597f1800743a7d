"""The weighing report (Abwägungstabelle): one row per statement that counts, as CSV, JSON and
PDF (`report_pdf.py`) documents in the case file, published in the case's data; each author who
left a way is told the outcome once (`notified_at`): a letter in the Postfach of an author with
a login or a Postfach (`egov.postfach.letters.send_letter`, keyed), an e-mail to an anonymous
author's confirmed address or a public body's (an outbox mail with an idempotency key).

No personal data in the report: an author's name only when they chose to be named. A hidden
statement is listed as hidden, with the moderation's reason, not with its text.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from egov.cases.service import record
from egov.cases.store import Case
from egov.clock import Clock
from egov.db import Database
from egov.documents.filestore import FileSystemStore, Placement
from egov.documents.store import Document, referenced_in
from egov.errors import Conflict
from egov.identity.model import Principal
from egov.outbox.mail import enqueue_mail, is_address
from egov.participation.moderation import planning_case
from egov.participation.report_pdf import as_pdf
from egov.participation.store import Statement, list_by_case
from egov.postfach.letters import Letter, Sender, send_letter
from egov.postfach.store import get_by_idempotency_key

LABELS = {
    "accepted": "berücksichtigt",
    "partly": "teilweise berücksichtigt",
    "rejected": "nicht berücksichtigt",
    "noted": "zur Kenntnis genommen",
}
COLUMNS = (
    "nummer",
    "runde",
    "variante",
    "thema",
    "stellungnahme",
    "verfasser",
    "ergebnis",
    "begruendung",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def shown_text(statement: Statement) -> str:
    if statement.hidden_reason is not None:
        return f"Ausgeblendet durch die Moderation: {statement.hidden_reason}"
    return statement.text


def row(statement: Statement) -> dict[str, Any]:
    return {
        "nummer": statement.number,
        "runde": "Träger öffentlicher Belange" if statement.round == "toeb" else "Öffentlichkeit",
        "variante": statement.variant_id or "gesamter Plan",
        "thema": statement.topic,
        "stellungnahme": shown_text(statement),
        "verfasser": statement.author_name if statement.named else None,
        "ergebnis": LABELS.get(statement.decision or ""),
        "begruendung": statement.reasoning,
    }


def as_csv(rows: list[dict[str, Any]]) -> bytes:
    """Semicolon-separated UTF-8 (with BOM, as spreadsheets expect); a cell that a
    spreadsheet would run as a formula is prefixed with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in rows:
        cells = ["" if entry[c] is None else str(entry[c]) for c in COLUMNS]
        writer.writerow(["'" + c if c.startswith(_FORMULA) else c for c in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_json(case: Case, rows: list[dict[str, Any]], now: datetime) -> bytes:
    report = {
        "verfahren": case.reference,
        "titel": case.title,
        "plan_id": case.data.get("plan_id"),
        "erstellt": now.isoformat() + "Z",
        "stellungnahmen": rows,
    }
    return json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8")


@dataclass
class Reports:
    db: Database
    files: FileSystemStore
    clock: Clock
    mail: bool = False  # e-mail set up: authors without a login or Postfach are told by mail

    def publish(self, principal: Principal, participation_id: str) -> dict[str, Any]:
        """Publish (again); a run that lost the race with a concurrent one (its letters or
        mails already written) is done once more, and tells no one twice."""
        try:
            return self._publish_once(principal, participation_id)
        except IntegrityError:
            return self._publish_once(principal, participation_id)

    def _publish_once(self, principal: Principal, participation_id: str) -> dict[str, Any]:
        placement = Placement(self.files, still_referenced=referenced_in(self.db))
        try:
            with self.db.transaction() as session:
                case = planning_case(session, principal, participation_id)
                return self._publish(session, principal, case, placement)
        except BaseException:
            placement.undo()
            raise

    def _publish(
        self, session: Session, principal: Principal, case: Case, placement: Placement
    ) -> dict[str, Any]:
        statements = list_by_case(session, case.id)
        open_ones = [s.number for s in statements if s.decision is None and not s.hidden_reason]
        if case.status != "participation_closed" or open_ones:
            raise Conflict(
                "Die Abwägung ist noch nicht abgeschlossen (Zeitraum beendet, jede "
                f"Stellungnahme abgewogen); offen: {open_ones}.",
                code="weighing-incomplete",
            )
        now = self.clock()
        rows = [row(s) for s in statements]
        documents = [
            self._document(session, case, name, media_type, content, principal, now, placement)
            for name, media_type, content in (
                ("abwaegungstabelle.csv", "text/csv", as_csv(rows)),
                ("abwaegungstabelle.json", "application/json", as_json(case, rows, now)),
                (
                    "abwaegungstabelle.pdf",
                    "application/pdf",
                    as_pdf(case.reference, case.title, rows, now),
                ),
            )
        ]
        published = {"published_at": now.isoformat() + "Z", "document_ids": documents}
        sender = Sender(self.files, placement, principal.actor, now)
        notified = self._notify(session, case, statements, sender)  # before the case changes
        case.data = {**case.data, "weighing_report": {**published, "rows": rows}}
        case.updated_at = now
        details = {**published, "statements": len(rows), "notified": notified}
        record(
            session,
            case,
            actor=principal.actor,
            action="weighing.published",
            now=now,
            details=details,
        )
        return {**published, "statements": len(rows), "notified": notified}

    def _document(
        self,
        session: Session,
        case: Case,
        filename: str,
        media_type: str,
        content: bytes,
        principal: Principal,
        now: datetime,
        placement: Placement,
    ) -> str:
        key, sha256 = self.files.put_bytes(content, placement)
        document = Document(
            case_id=case.id,
            kind="weighing-report",
            filename=filename,
            media_type=media_type,
            size=len(content),
            sha256=sha256,
            sha512=None,
            storage_key=key,
            visible_to_applicant=False,
            created_at=now,
            created_by=principal.subject,
        )
        session.add(document)
        session.flush()
        return document.id

    def _notify(
        self,
        session: Session,
        case: Case,
        statements: list[Statement],
        sender: Sender,
    ) -> int:
        """Each author who left a way, once, with the outcome of each of their statements: a
        Postfach letter to an author with a login or a Postfach, else an e-mail to a confirmed
        address (if e-mail is set up). `notified_at` and the letters' and mails' keys make it
        once, also when publishing is retried or runs twice at the same time."""
        by_author: dict[tuple[str, str], list[Statement]] = {}
        for statement in statements:
            way = _way(statement, self.mail)
            if statement.notified_at is None and way is not None:
                by_author.setdefault(way, []).append(statement)
        for (kind, address), theirs in by_author.items():
            key = f"weighing-notice:{theirs[0].id}"
            text = f"Guten Tag,\n\ndie Abwägung zu „{case.title}“ ist abgeschlossen.\n\n"
            text += "\n".join(_outcome(case, s) for s in theirs) + "\n"
            if kind == "mail":
                enqueue_mail(
                    session,
                    case_id=case.id,
                    to=address,
                    subject=NOTICE_SUBJECT,
                    text=text,
                    now=sender.now,
                    idempotency_key=key,
                )
            elif get_by_idempotency_key(session, key) is None:  # not sent by a concurrent run
                letter = Letter(
                    f"{case.reference}-abwaegung-{theirs[0].number:04d}.txt",
                    NOTICE_SUBJECT,
                    text,
                    address if kind == "subject" else None,
                    address if kind == "postfach" else None,
                    key,
                )
                details = {"statements": [s.number for s in theirs]}
                send_letter(session, case, letter, sender, details=details)
            for statement in theirs:
                statement.notified_at = sender.now
        return len(by_author)


NOTICE_SUBJECT = "Ergebnis der Abwägung Ihrer Stellungnahme"


def _way(statement: Statement, mail: bool) -> tuple[str, str] | None:
    """How the author is told: ("subject" | "postfach" | "mail", where), None: not at all."""
    if statement.author_subject:
        return "subject", statement.author_subject
    if statement.author_postfach:
        return "postfach", statement.author_postfach
    if mail and is_address(statement.author_email):
        return "mail", str(statement.author_email)
    return None


def _outcome(case: Case, statement: Statement) -> str:
    return (
        f"- {case.reference}-S{statement.number:04d}: "
        f"{LABELS.get(statement.decision or '', 'ausgeblendet')}. "
        f"Begründung: {statement.reasoning or statement.hidden_reason or '-'}"
    )
