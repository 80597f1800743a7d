"""Notification e-mail against a real SMTP server on loopback: one mail per outbox row, its
Message-ID derived from the row's idempotency key, retried on 4xx and lost answers, an incident
at once on 5xx; STARTTLS and AUTH when configured."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from egov.container import Container, build
from egov.integrations.email import EmailSender, SmtpConfig, load_config, message_id
from egov.outbox import mail
from egov.outbox.service import Outbox
from egov.outbox.store import OutboxMessage
from egov.runtime.worker import run_due
from tests.builders import proposal
from tests.conftest import Api, make_settings
from tests.integration.test_timers_support import FakeClock
from tests.support.smtp import (
    NO_SUCH_MAILBOX,
    MailBehaviour,
    SmtpState,
    running_smtp,
    self_signed_tls,
)

SENDER = "Stadt Jena – Vorgangsbearbeitung <egov@jena.example>"
SUPERVISOR = "leitung.buergerbudget@jena.example"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 23, 12, 0, 0))


@pytest.fixture
def case_id(api: Api) -> str:
    return str(api.post("/applications", "erika", json=proposal()).get_json()["case_id"])


@pytest.fixture
def smtp(request: pytest.FixtureRequest) -> Iterator[tuple[str, SmtpState]]:
    with running_smtp(getattr(request, "param", MailBehaviour())) as running:
        yield running


def config_for(container: Container, url: str, **settings: object) -> SmtpConfig:
    values = {"smtp_url": url, "smtp_from": SENDER, "smtp_starttls": False, **settings}
    found = load_config(dataclasses.replace(container.settings, **values))
    assert found is not None
    return found


def outbox_to(sender: EmailSender, container: Container, clock: FakeClock) -> Outbox:
    box = Outbox(db=container.db, clock=clock, max_attempts=4, base_delay=10, jitter=lambda: 1.0)
    box.register(mail.KIND, sender)
    return box


def enqueue_mail(container: Container, clock: FakeClock, case_id: str, key: str = "mail-1") -> str:
    with container.db.transaction() as session:
        return mail.enqueue_mail(
            session,
            case_id=case_id,
            to=SUPERVISOR,
            subject="Frist überschritten: Vorgang JENA-2026-000001",
            text="Vorgang: https://egov.example/cases/1\n",
            now=clock(),
            idempotency_key=key,
        )


def row(container: Container, row_id: str) -> OutboxMessage:
    with container.db.reading() as session:
        found = session.get(OutboxMessage, row_id)
        assert found is not None
        return found


def test_a_mail_arrives_with_a_message_id_derived_from_the_idempotency_key(
    container: Container, clock: FakeClock, case_id: str, smtp: tuple[str, SmtpState]
) -> None:
    url, state = smtp
    box = outbox_to(EmailSender(config_for(container, url)), container, clock)
    row_id = enqueue_mail(container, clock, case_id, key="overdue:abc")

    assert box.deliver(row_id) == "delivered"

    [mail] = state.received
    assert mail.rcpt_tos == (SUPERVISOR,)
    assert mail.mail_from == "egov@jena.example"
    assert mail.message_id == message_id("overdue:abc", "jena.example")
    assert mail.message["X-Egov-Idempotency-Key"] == "overdue:abc"
    assert mail.message["Subject"] == "Frist überschritten: Vorgang JENA-2026-000001"
    assert mail.message["From"] == SENDER
    assert mail.message["Auto-Submitted"] == "auto-generated"
    body = mail.message.get_body()
    assert body is not None and "https://egov.example/cases/1" in body.get_content()


@pytest.mark.parametrize("smtp", [MailBehaviour(refuse_first=2)], indirect=True)
def test_a_server_refusing_twice_with_421_gets_the_mail_exactly_once(
    container: Container, clock: FakeClock, case_id: str, smtp: tuple[str, SmtpState]
) -> None:
    url, state = smtp
    box = outbox_to(EmailSender(config_for(container, url)), container, clock)
    row_id = enqueue_mail(container, clock, case_id)

    assert box.deliver(row_id) == "retry"
    assert row(container, row_id).last_error == "smtp-temporary: DeliveryError"
    clock.now += timedelta(seconds=10)
    assert run_due(box) == {"retry": 1}
    clock.now += timedelta(seconds=20)
    assert run_due(box) == {"delivered": 1}
    clock.now += timedelta(hours=2)
    assert run_due(box) == {}

    assert [reply[:3] for reply in state.transactions] == ["421", "421", "250"]
    assert len(state.received) == 1
    assert list(state.delivered) == [
        message_id(row(container, row_id).idempotency_key, "jena.example")
    ]


@pytest.mark.parametrize(
    "smtp", [MailBehaviour(hang_on=frozenset({1}), hang_seconds=1.0)], indirect=True
)
def test_a_mail_whose_answer_is_lost_is_sent_again_under_the_same_message_id(
    container: Container, clock: FakeClock, case_id: str, smtp: tuple[str, SmtpState]
) -> None:
    url, state = smtp
    config = config_for(container, url, smtp_timeout_seconds=0.3)
    box = outbox_to(EmailSender(config), container, clock)
    row_id = enqueue_mail(container, clock, case_id)

    assert box.deliver(row_id) == "retry"
    assert row(container, row_id).last_error == "smtp-timeout: DeliveryError"
    clock.now += timedelta(seconds=10)
    assert run_due(box) == {"delivered": 1}

    assert len(state.received) == 2  # the MTA got it twice ...
    assert len(state.delivered) == 1  # ... and the reader sees it once
    assert {m.message_id for m in state.received} == set(state.delivered)


@pytest.mark.parametrize(
    "smtp", [MailBehaviour(refuse_first=1, refusal=NO_SUCH_MAILBOX)], indirect=True
)
def test_a_recipient_refused_with_550_becomes_an_incident_at_once(
    api: Api, container: Container, clock: FakeClock, case_id: str, smtp: tuple[str, SmtpState]
) -> None:
    url, state = smtp
    box = outbox_to(EmailSender(config_for(container, url)), container, clock)
    row_id = enqueue_mail(container, clock, case_id)

    assert box.deliver(row_id) == "failed"

    assert state.received == []
    assert row(container, row_id).status == "failed"
    incidents = api.get(f"/cases/{case_id}", "anna").get_json()["incidents"]
    assert [(i["kind"], i["code"]) for i in incidents] == [("delivery", "smtp-recipient-refused")]


def test_an_unreachable_server_is_retried(
    container: Container, clock: FakeClock, case_id: str
) -> None:
    with running_smtp() as (url, _state):
        pass  # the port is closed again
    box = outbox_to(EmailSender(config_for(container, url)), container, clock)
    row_id = enqueue_mail(container, clock, case_id)

    assert box.deliver(row_id) == "retry"
    assert row(container, row_id).last_error == "smtp-unreachable: DeliveryError"


def test_starttls_and_login_are_used_when_configured(
    container: Container, clock: FakeClock, case_id: str, tmp_path: Path
) -> None:
    server_tls, client_tls = self_signed_tls(tmp_path)
    behaviour = MailBehaviour(tls=server_tls, login=("egov", "s3cret"))
    with running_smtp(behaviour) as (url, state):
        config = config_for(
            container, url, smtp_starttls=True, smtp_username="egov", smtp_password="s3cret"
        )
        box = outbox_to(EmailSender(config, tls_context=client_tls), container, clock)
        row_id = enqueue_mail(container, clock, case_id)

        assert box.deliver(row_id) == "delivered"

    [mail] = state.received
    assert (mail.secure, mail.login) == (True, "egov")


def test_a_server_that_offers_no_starttls_is_a_permanent_failure(
    container: Container, clock: FakeClock, case_id: str, smtp: tuple[str, SmtpState]
) -> None:
    url, state = smtp
    box = outbox_to(EmailSender(config_for(container, url, smtp_starttls=True)), container, clock)
    row_id = enqueue_mail(container, clock, case_id)

    assert box.deliver(row_id) == "failed"
    assert row(container, row_id).last_error == "smtp-not-supported: DeliveryError"
    assert state.received == []


def test_the_email_kind_is_registered_only_when_smtp_is_configured(
    database_url: str, tmp_path: Path
) -> None:
    plain = make_settings(tmp_path / "a", database_url)
    mailing = dataclasses.replace(plain, smtp_url="smtp://127.0.0.1:2525", smtp_from=SENDER)
    without, with_mail = build(plain), build(mailing)
    try:
        assert mail.KIND not in without.outbox.handlers
        assert isinstance(with_mail.outbox.handlers[mail.KIND], EmailSender)
    finally:
        without.db.dispose()
        with_mail.db.dispose()


def test_a_broken_smtp_setting_stops_the_start_with_a_clear_error(
    database_url: str, tmp_path: Path
) -> None:
    settings = dataclasses.replace(
        make_settings(tmp_path, database_url),
        smtp_url="smtp://egov:geheim@mail.example",
        smtp_from=SENDER,
    )
    with pytest.raises(ValueError, match="EGOV_SMTP_USERNAME"):
        build(settings)
