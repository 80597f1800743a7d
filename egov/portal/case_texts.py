"""The citizen's view of a case in plain language ("Meine Anträge", docs/frontends.md): the
status as a short label with one sentence of what it means, the history from the audit
events a citizen may see (their own acts, status changes and letters; no clerk, task,
triage or outbox event, no internal detail), and the expected date of the decision.

Pure functions over the case and its events; the page translates the texts (`_()`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from egov.ui.pages import N_

OPEN = "open"
LATE = "late"
DONE = "done"
WITHDRAWN = "withdrawn"
# status -> (label, what it means for the citizen); an unknown status: "In Bearbeitung"
STATUS = {
    "received": (N_("Eingegangen"), N_("Ihr Antrag ist bei uns angekommen.")),
    "in_progress": (N_("In Bearbeitung"), N_("Wir bearbeiten Ihren Antrag.")),
    "in_formal_check": (
        N_("In Prüfung"),
        N_("Wir prüfen, ob Ihr Antrag vollständig ist."),
    ),
    "in_feasibility_check": (
        N_("In Prüfung"),
        N_("Wir prüfen, ob sich Ihr Vorschlag umsetzen lässt."),
    ),
    "documents_missing": (
        N_("Unterlagen fehlen"),
        N_("Uns fehlen Unterlagen. Bitte lesen Sie unseren Brief und reichen Sie sie nach."),
    ),
    "documents_resubmitted": (
        N_("Unterlagen nachgereicht"),
        N_("Sie haben Unterlagen nachgereicht. Wir bearbeiten Ihren Antrag weiter."),
    ),
    "forwarded": (
        N_("Weitergeleitet"),
        N_("Wir haben Ihren Antrag an die zuständige Stelle weitergegeben."),
    ),
    "received_by_authority": (
        N_("Bei der zuständigen Stelle"),
        N_("Die zuständige Stelle hat Ihren Antrag erhalten und bearbeitet ihn."),
    ),
    "admitted_to_vote": (
        N_("Zur Abstimmung zugelassen"),
        N_("Über Ihren Vorschlag wird abgestimmt."),
    ),
    "in_implementation": (N_("In Umsetzung"), N_("Ihr Vorschlag wird umgesetzt.")),
    "implemented": (N_("Umgesetzt"), N_("Ihr Vorschlag ist umgesetzt.")),
    "not_funded": (
        N_("Nicht gefördert"),
        N_("Ihr Vorschlag hat in der Abstimmung keine Förderung erhalten."),
    ),
    "decided": (
        N_("Entschieden"),
        N_("Wir haben über Ihren Antrag entschieden. Den Bescheid finden Sie im Postfach."),
    ),
    "rejected": (
        N_("Abgelehnt"),
        N_("Wir haben Ihren Antrag abgelehnt. Die Gründe stehen in unserem Brief."),
    ),
    "closed": (N_("Abgeschlossen"), N_("Die Bearbeitung ist abgeschlossen.")),
    "cancelled": (
        N_("Eingestellt"),
        N_("Wir haben die Bearbeitung eingestellt. Die Gründe stehen in unserem Brief."),
    ),
    "withdrawn": (N_("Zurückgenommen"), N_("Sie haben Ihren Antrag zurückgenommen.")),
}
UNKNOWN_STATUS = STATUS["in_progress"]
STATUS_CHANGED = N_("Neuer Stand: %(status)s")
# audit action -> what it says to the applicant (only these are shown)
ACTIONS = {
    "case.opened": N_("Ihr Antrag ist bei uns eingegangen."),
    "letter.sent": N_("Wir haben Ihnen einen Brief in Ihr Postfach geschickt."),
    "postfach.reply_received": N_("Sie haben uns eine Nachricht geschrieben."),
    "case.withdrawn": N_("Sie haben Ihren Antrag zurückgenommen."),
    "case.notification_email_changed": N_(
        "Sie haben Ihre E-Mail-Adresse für Benachrichtigungen geändert."
    ),
    "case.notification_email_withdrawn": N_(
        "Sie haben die Benachrichtigung per E-Mail abbestellt."
    ),
}
OWN_DOCUMENT = N_("Sie haben ein Dokument eingereicht: %(filename)s")


class Event(Protocol):
    actor: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    occurred_at: datetime


@dataclass(frozen=True)
class Entry:
    """One line of the history: when, the message (an N_ text) and its values."""

    at: datetime
    message: str
    values: dict[str, str]


def status_text(status: str) -> tuple[str, str]:
    """(label, meaning) of a status, both N_ texts."""
    return STATUS.get(status, UNKNOWN_STATUS)


def history(events: Iterable[Event], applicant: str) -> list[Entry]:
    """The entries a citizen may read, oldest first. `applicant`: the citizen's subject (a
    document is shown only when they added it themselves)."""
    entries = []
    for event in events:
        entry = _entry(event, applicant)
        if entry is not None:
            entries.append(entry)
    return entries


def _entry(event: Event, applicant: str) -> Entry | None:
    after, before = event.after or {}, event.before or {}
    if event.action == "document.added":
        if event.actor != applicant:
            return None
        return Entry(event.occurred_at, OWN_DOCUMENT, {"filename": str(after.get("filename", ""))})
    if event.action in ACTIONS:
        return Entry(event.occurred_at, ACTIONS[event.action], {})
    status = after.get("status")
    if before and isinstance(status, str) and status != before.get("status"):
        return Entry(event.occurred_at, STATUS_CHANGED, {"status": status_text(status)[0]})
    return None


def progress(status: str, closed_at: datetime | None, due_at: datetime, now: datetime) -> str:
    """Where the case stands against its expected date: `open` (before it), `late` (after it,
    not decided), `done` (decided or closed), `withdrawn`."""
    if status == "withdrawn":
        return WITHDRAWN
    if closed_at is not None:
        return DONE
    return LATE if now > due_at else OPEN
