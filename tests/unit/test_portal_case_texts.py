"""The citizen's view of a case in plain language (egov/portal/case_texts.py): which audit
events the history shows, the status texts and where the case stands against its date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from egov.cases.model import STATUS_LABELS
from egov.portal import case_texts
from egov.portal.case_texts import history, progress, status_text

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
ERIKA = "dev:erika"


@dataclass
class Event:
    action: str
    actor: str = "dev:anna"
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = field(default_factory=dict)
    occurred_at: datetime = NOW


def messages(*events: Event) -> list[str]:
    return [entry.message for entry in history(events, ERIKA)]


def test_the_history_shows_the_applicants_events_and_hides_the_clerks_work() -> None:
    shown = messages(
        Event("case.opened", ERIKA, after={"status": "received"}),
        Event("task.created"),
        Event("task.claimed"),
        Event("triage.suggested", "system"),
        Event("outbox.enqueued", "system"),
        Event("document.added", "dev:anna", after={"filename": "vermerk-intern.pdf"}),
        Event("document.added", ERIKA, after={"filename": "plan.pdf"}),
        Event("letter.sent", "system"),
        Event("postfach.reply_received", ERIKA),
    )

    assert shown == [
        case_texts.ACTIONS["case.opened"],
        case_texts.OWN_DOCUMENT,
        case_texts.ACTIONS["letter.sent"],
        case_texts.ACTIONS["postfach.reply_received"],
    ]


def test_a_change_of_status_is_shown_with_its_plain_label_and_other_changes_are_not() -> None:
    entries = history(
        [
            Event(
                "case.status_changed", before={"status": "received"}, after={"status": "rejected"}
            ),
            Event("case.reassigned", before={"status": "rejected"}, after={"status": "rejected"}),
        ],
        ERIKA,
    )

    assert [(e.message, e.values) for e in entries] == [
        (case_texts.STATUS_CHANGED, {"status": "Abgelehnt"})
    ]


def test_every_status_a_case_can_have_has_a_plain_text() -> None:
    assert set(STATUS_LABELS) | {"withdrawn"} <= set(case_texts.STATUS)
    assert status_text("a_status_of_tomorrow") == case_texts.STATUS["in_progress"]


def test_a_case_is_late_after_its_date_and_done_when_closed() -> None:
    due = NOW + timedelta(days=3)

    assert progress("in_progress", None, due, NOW) == case_texts.OPEN
    assert progress("in_progress", None, due, due + timedelta(seconds=1)) == case_texts.LATE
    assert progress("rejected", NOW, due, NOW) == case_texts.DONE
    assert progress("withdrawn", NOW, due, NOW) == case_texts.WITHDRAWN
