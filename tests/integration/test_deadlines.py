"""Processing deadlines (Fristen) count business days in Thüringen; an overdue open case is
escalated once, its unit's supervisors are mailed in the same transaction (a real SMTP server
on loopback), a `case.overdue` webhook goes out, and an escalation nobody could be told of is
visible in the audit trail."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select

from egov.app import create_app
from egov.cases.model import processing_deadline
from egov.container import Container
from egov.outbox import mail
from egov.outbox.store import OutboxMessage
from egov.runtime.escalation import Notification, escalate_overdue
from egov.runtime.worker import run_due
from tests.builders import linear_bundle
from tests.conftest import Api, make_settings
from tests.integration.test_timers_support import (
    FakeClock,
    actions,
    api_of,
    clocked_app,
    deploy,
    file_case,
)
from tests.support.receiver import Behaviour, ReceiverState, running_receiver
from tests.support.smtp import SmtpState, running_smtp

FRIDAY_BEFORE_CHRISTMAS = datetime(2025, 12, 19, 10, 0, 0)
# 10 business days after Fri 19 Dec 2025: 22, 23, 24 Dec (25/26 holidays), 29, 30, 31 Dec,
# (1 Jan holiday) 2, 5, 6, 7 Jan -> the Frist ends Wed 7 Jan 2026, 23:59:59 in Jena (CET).
END_OF_FRIST = datetime(2026, 1, 7, 22, 59, 59)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(FRIDAY_BEFORE_CHRISTMAS)


@pytest.fixture
def timed_app(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Flask]:
    application = clocked_app(database_url, tmp_path / "var", clock)
    yield application
    application.extensions["egov"].db.dispose()


@pytest.fixture
def api(timed_app: Flask) -> Api:
    return api_of(timed_app)


def overdue_ids(api: Api, user: str) -> list[str]:
    response = api.get("/cases?overdue=true", user)
    assert response.status_code == 200, response.get_json()
    return [c["id"] for c in response.get_json()["items"]]


def test_a_frist_skips_weekends_and_the_christmas_and_new_year_holidays() -> None:
    assert processing_deadline(FRIDAY_BEFORE_CHRISTMAS, 10) == END_OF_FRIST


def test_a_frist_counts_from_the_day_of_receipt_in_jena_not_in_utc() -> None:
    thursday_late_utc = datetime(2025, 12, 18, 23, 30)  # already Friday 00:30 in Jena
    assert processing_deadline(thursday_late_utc, 10) == END_OF_FRIST
    thursday_evening = datetime(2025, 12, 18, 22, 30)  # still Thursday 23:30 in Jena
    assert processing_deadline(thursday_evening, 10) == datetime(2026, 1, 6, 22, 59, 59)


def test_a_frist_ending_in_summer_ends_at_midnight_jena_summer_time() -> None:
    monday = datetime(2026, 6, 1, 8, 0)
    assert processing_deadline(monday, 5) == datetime(2026, 6, 8, 21, 59, 59)


def test_an_overdue_case_is_escalated_once_and_listed_for_its_unit(
    api: Api, clock: FakeClock
) -> None:
    deploy(api, linear_bundle("fristen", leika_digits="99000000000103"))
    case_id = file_case(api, "fristen")
    case = api.get(f"/cases/{case_id}", "anna").get_json()
    assert case["due_at"].startswith(END_OF_FRIST.isoformat())

    clock.now = datetime(2026, 1, 7, 22, 0)  # the last day of the Frist, still in time
    assert escalate_overdue(api.container.db, clock) == {}
    assert overdue_ids(api, "anna") == []

    clock.now = datetime(2026, 1, 7, 23, 0)  # 00:00 on 8 Jan in Jena
    assert run_due(api.container) == {"deadline.escalated": 1}
    assert run_due(api.container) == {}

    assert actions(api, case_id).count("case.overdue") == 1
    assert overdue_ids(api, "anna") == [case_id]
    assert overdue_ids(api, "ben") == []  # another unit


def test_a_supervisor_of_the_unit_sees_its_overdue_cases(api: Api, clock: FakeClock) -> None:
    deploy(api, linear_bundle("fristen", leika_digits="99000000000103"))
    case_id = file_case(api, "fristen")
    clock.now = datetime(2026, 2, 1)
    run_due(api.container)

    api.container.directory.add_member("admin", "buero-buergerbudget", "dev:ben", role="supervisor")

    assert case_id in overdue_ids(api, "ben")


def test_the_overdue_filter_rejects_a_value_that_is_not_a_flag(api: Api) -> None:
    assert api.get("/cases?overdue=perhaps", "anna").status_code == 400


# -- notification of supervisors --------------------------------------------------------------

UNIT = "buero-buergerbudget"
SUPERVISOR_MAIL = "leitung.buergerbudget@jena.example"
HOOK_SECRET = "overdue-hook-secret-0123456789"
HOOK_ENV = "EGOV_TEST_OVERDUE_HOOK_SECRET"
PAST_THE_FRIST = datetime(2026, 1, 8, 6, 0)


@dataclasses.dataclass
class Notified:
    api: Api
    clock: FakeClock
    smtp: SmtpState
    hook: ReceiverState

    @property
    def container(self) -> Container:
        return self.api.container


@pytest.fixture
def notified(
    database_url: str, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Notified]:
    """An app that mails through a real SMTP server and posts `case.overdue` to a receiver."""
    monkeypatch.setenv(HOOK_ENV, HOOK_SECRET)
    with (
        running_smtp() as (smtp_url, smtp),
        running_receiver(Behaviour(HOOK_SECRET.encode())) as (hook_url, hook),
    ):
        subscriber = {"url": hook_url, "events": ["case.overdue"], "secret_env": HOOK_ENV}
        settings = dataclasses.replace(
            make_settings(tmp_path / "var", database_url),
            smtp_url=smtp_url,
            smtp_starttls=False,
            smtp_from="Stadt Jena <egov@jena.example>",
            email_case_url="https://sachbearbeitung.jena.example/vorgaenge/{reference}",
            webhooks=json.dumps([subscriber]),
        )
        app: Flask = create_app(settings, clock=clock)
        yield Notified(api_of(app), clock, smtp, hook)
        app.extensions["egov"].db.dispose()


def overdue_case(world: Notified, *members: tuple[str, str, str | None]) -> str:
    """A case of the `fristen` procedure in the Büro Bürgerbudget, members (subject, role,
    e-mail) added to the unit, and the clock moved past its Frist."""
    deploy(world.api, linear_bundle("fristen", leika_digits="99000000000103"))
    case_id = file_case(world.api, "fristen")
    for subject, role, address in members:
        world.container.directory.add_member("admin", UNIT, subject, role, address)
    world.clock.now = PAST_THE_FRIST
    return case_id


def trail_event(api: Api, case_id: str, action: str) -> dict[str, Any] | None:
    items = api.get(f"/cases/{case_id}/events", "admin").get_json()["items"]
    found = [e["after"] for e in items if e["action"] == action]
    assert len(found) <= 1, found
    return found[0] if found else None


def mail_rows(container: Container, case_id: str) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(
        OutboxMessage.case_id == case_id, OutboxMessage.kind == mail.KIND
    )
    with container.db.reading() as session:
        return list(session.scalars(query))


def test_an_escalation_mails_the_supervisor_once_and_announces_the_case_by_webhook(
    notified: Notified,
) -> None:
    case_id = overdue_case(
        notified,
        ("dev:dora", "supervisor", SUPERVISOR_MAIL),
        ("dev:carla", "clerk", "carla@jena.example"),  # clerks are not mailed
    )

    assert run_due(notified.container) == {"deadline.escalated": 1, "delivered": 2}
    notified.clock.advance(hours=1)
    assert run_due(notified.container) == {}

    [mail] = notified.smtp.received
    case = notified.api.get(f"/cases/{case_id}", "anna").get_json()
    assert mail.rcpt_tos == (SUPERVISOR_MAIL,)
    assert mail.message["Subject"] == f"Frist überschritten: Vorgang {case['reference']}"
    text = mail.message.get_body()
    assert text is not None
    content = text.get_content()
    assert "07.01.2026" in content
    assert f"https://sachbearbeitung.jena.example/vorgaenge/{case['reference']}" in content
    for personal in ("Erika", "Mustermann", "Fahrradbügel", "Holzmarkt"):
        assert personal not in mail.message.as_string()
    [announced] = [json.loads(body) for body in notified.hook.effects.values()]
    assert (announced["event"], announced["case_id"]) == ("case.overdue", case_id)
    assert announced["data"] == {"due_at": "2026-01-07T22:59:59Z", "org_unit": UNIT}
    assert all(call.signature_ok for call in notified.hook.calls)
    trail = actions(notified.api, case_id)
    assert trail.count("case.overdue") == 1
    assert "escalation.unnotified" not in trail


def test_two_sweeps_racing_on_one_overdue_case_send_one_mail(notified: Notified) -> None:
    case_id = overdue_case(notified, ("dev:dora", "supervisor", SUPERVISOR_MAIL))
    container = notified.container
    notification = Notification.from_settings(container.settings)
    start, flush = threading.Barrier(2), threading.Barrier(2)
    waited = threading.local()

    def meet_before_writing(_session: object, _context: object, _instances: object) -> None:
        # both transactions have loaded the case before either writes (PostgreSQL); on SQLite
        # the second one waits for the write lock, so the first goes on after the timeout
        if not getattr(waited, "done", False):
            waited.done = True
            with contextlib.suppress(threading.BrokenBarrierError):
                flush.wait(timeout=1.0)

    results: list[dict[str, int]] = []

    def sweep() -> None:
        start.wait(timeout=10)
        results.append(escalate_overdue(container.db, notified.clock, 100, notification))

    event.listen(container.db.sessions, "before_flush", meet_before_writing)
    try:
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        event.remove(container.db.sessions, "before_flush", meet_before_writing)

    assert sorted(results, key=len) == [{}, {"deadline.escalated": 1}]
    assert len(mail_rows(container, case_id)) == 1
    run_due(container)
    assert len(notified.smtp.received) == 1
    assert actions(notified.api, case_id).count("case.overdue") == 1


def test_an_escalation_in_a_unit_without_supervisor_is_visible_in_the_audit_trail(
    notified: Notified,
) -> None:
    case_id = overdue_case(notified, ("dev:carla", "clerk", "carla@jena.example"))

    assert run_due(notified.container) == {"deadline.escalated": 1, "delivered": 1}

    assert notified.smtp.received == []
    assert trail_event(notified.api, case_id, "escalation.unnotified") == {
        "org_unit": UNIT,
        "reason": "no-supervisor",
        "supervisors": [],
    }


def test_a_supervisor_without_an_address_is_named_as_not_reached(notified: Notified) -> None:
    case_id = overdue_case(
        notified, ("dev:dora", "supervisor", SUPERVISOR_MAIL), ("dev:emil", "supervisor", None)
    )

    run_due(notified.container)

    assert [m.rcpt_tos for m in notified.smtp.received] == [(SUPERVISOR_MAIL,)]
    assert trail_event(notified.api, case_id, "escalation.unnotified") == {
        "org_unit": UNIT,
        "reason": "no-email-address",
        "supervisors": ["dev:emil"],
    }


def test_without_smtp_no_mail_is_written_and_the_escalation_says_so(
    api: Api, clock: FakeClock
) -> None:
    deploy(api, linear_bundle("fristen", leika_digits="99000000000103"))
    case_id = file_case(api, "fristen")
    api.container.directory.add_member("admin", UNIT, "dev:dora", "supervisor", SUPERVISOR_MAIL)
    clock.now = PAST_THE_FRIST

    assert run_due(api.container) == {"deadline.escalated": 1}

    assert mail_rows(api.container, case_id) == []
    assert trail_event(api, case_id, "escalation.unnotified") == {
        "org_unit": UNIT,
        "reason": "email-not-configured",
        "supervisors": ["dev:dora"],
    }
