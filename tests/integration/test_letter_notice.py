"""An applicant is told by e-mail that a letter waits in the Postfach: through a real SMTP
server on loopback, once per letter, with the reference and a link but nothing of the
letter itself; without an address or without e-mail set up, the letter goes to the Postfach
only, and the trail says so."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from egov.app import create_app
from egov.cases.store import Case
from egov.outbox.store import OutboxMessage
from tests.conftest import Api, make_settings
from tests.integration.test_walkthrough import claim_and_complete, file_proposal
from tests.support.smtp import SmtpState, running_smtp

POSTFACH_URL = "https://portal.jena.example/postfach?vorgang={reference}"
OVER_THE_LIMIT = {"estimated_cost_eur": 4800.0, "follow_up_cost_eur": 900.0}


@pytest.fixture
def mailing(database_url: str, tmp_path: Path) -> Iterator[tuple[Api, SmtpState]]:
    with running_smtp() as (smtp_url, smtp):
        settings = dataclasses.replace(
            make_settings(tmp_path / "var", database_url),
            smtp_url=smtp_url,
            smtp_starttls=False,
            smtp_from="Stadt Jena <egov@jena.example>",
            email_postfach_url=POSTFACH_URL,
        )
        app: Flask = create_app(settings)
        yield Api(app.test_client(), app.extensions["egov"]), smtp
        app.extensions["egov"].db.dispose()


def rejected(api: Api) -> dict[str, Any]:
    """A proposal over the cost limit, rejected by the clerk: one letter to the applicant."""
    receipt = file_proposal(api, **OVER_THE_LIMIT)
    claim_and_complete(api, "anna", receipt["case_id"], {"formal_decision": "rejected"})
    return receipt


def letter_sent(api: Api, case_id: str) -> dict[str, Any]:
    items = api.get(f"/cases/{case_id}/events", "admin").get_json()["items"]
    (event,) = [e for e in items if e["action"] == "letter.sent"]
    return dict(event["after"])


def test_the_applicant_gets_one_notice_without_the_letters_content(
    mailing: tuple[Api, SmtpState],
) -> None:
    api, smtp = mailing
    receipt = rejected(api)
    reference = receipt["case_reference"]

    (mail,) = smtp.received
    assert mail.rcpt_tos == ("erika.mustermann@example.org",)
    assert mail.message["Subject"] == f"Neue Nachricht zu Ihrem Antrag {reference}"
    text = mail.message.get_content()
    assert POSTFACH_URL.format(reference=reference) in text
    (letter,) = [
        m
        for m in api.get("/me/messages", "erika").get_json()["items"]
        if m["case_id"] == receipt["case_id"]
    ]
    assert "5.000 EUR" in letter["body"] and "5.000" not in text
    assert letter_sent(api, receipt["case_id"])["applicant_notified"] is True


def test_a_case_without_an_address_gets_its_letter_in_the_postfach_only(
    mailing: tuple[Api, SmtpState],
) -> None:
    api, smtp = mailing
    receipt = file_proposal(api, **OVER_THE_LIMIT)
    with api.container.db.transaction() as session:  # as if the application gave none
        assert session.get(Case, receipt["case_id"]).applicant_email  # type: ignore[union-attr]
        session.execute(
            update(Case).where(Case.id == receipt["case_id"]).values(applicant_email=None)
        )
    claim_and_complete(api, "anna", receipt["case_id"], {"formal_decision": "rejected"})

    assert smtp.received == []
    assert letter_sent(api, receipt["case_id"])["applicant_notified"] is False


def test_without_smtp_no_notice_is_written(api: Api) -> None:
    receipt = rejected(api)
    with api.container.db.reading() as session:
        rows = session.scalars(
            select(OutboxMessage.kind).where(OutboxMessage.case_id == receipt["case_id"])
        )
        assert "email" not in list(rows)
    assert letter_sent(api, receipt["case_id"])["applicant_notified"] is False
