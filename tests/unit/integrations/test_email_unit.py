"""The e-mail kind without a network: its settings, the Message-ID and the verdict on SMTP
replies."""

from __future__ import annotations

import smtplib
from typing import Any

import pytest

from egov.integrations.email import SmtpConfig, classify, compose, load_config, message_id
from egov.outbox.mail import case_url, case_url_template
from egov.outbox.service import Delivery, DeliveryError
from egov.settings import Settings

FROM = "Stadt Jena <egov@jena.example>"


def settings(**values: Any) -> Settings:
    return Settings(public_url="https://egov.jena.example", **values)


def config(**values: Any) -> SmtpConfig:
    found = load_config(settings(smtp_from=FROM, **values))
    assert found is not None
    return found


def delivery(**payload: Any) -> Delivery:
    body = {"to": "leitung@jena.example", "subject": "Frist", "text": "Vorgang", **payload}
    return Delivery("row-1", "case-1", "email", body, "key-1", 1)


def test_no_smtp_url_means_no_email() -> None:
    assert load_config(settings()) is None


@pytest.mark.parametrize(
    ("url", "starttls", "expected"),
    [
        ("smtp://mail.jena.example", True, ("mail.jena.example", 25, "starttls")),
        ("smtp://mail.jena.example:587", True, ("mail.jena.example", 587, "starttls")),
        ("smtps://mail.jena.example", True, ("mail.jena.example", 465, "smtps")),
        ("smtp://127.0.0.1:2525", False, ("127.0.0.1", 2525, "none")),
    ],
)
def test_the_url_gives_host_port_and_transport_security(
    url: str, starttls: bool, expected: tuple[str, int, str]
) -> None:
    found = config(smtp_url=url, smtp_starttls=starttls)
    assert (found.host, found.port, found.security) == expected
    assert (found.sender, found.sender_address) == (FROM, "egov@jena.example")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"smtp_url": "http://mail.example"}, "smtp://host"),
        ({"smtp_url": "smtp://user:pw@mail.example"}, "must not contain a user or password"),
        ({"smtp_url": "smtp://mail.example/inbox"}, "smtp://host"),
        ({"smtp_url": "smtp://mail.example:99999"}, "port"),
        ({"smtp_url": "smtp://mail.example", "smtp_from": ""}, "EGOV_SMTP_FROM"),
        ({"smtp_url": "smtp://mail.example", "smtp_from": "nobody"}, "EGOV_SMTP_FROM"),
        ({"smtp_url": "smtp://mail.example", "smtp_password": "pw"}, "EGOV_SMTP_USERNAME is not"),
        (
            {"smtp_url": "smtp://mail.example", "smtp_starttls": False, "smtp_username": "u"},
            "never sent without TLS",
        ),
        ({"smtp_url": "smtp://mail.example", "smtp_timeout_seconds": 0.0}, "TIMEOUT"),
        ({"smtp_url": "smtp://mail.example", "email_case_url": "https://x/{case}"}, "{case_id}"),
        (
            {"smtp_url": "smtp://mail.example", "email_postfach_url": "https://p/{case_id}"},
            "EGOV_EMAIL_POSTFACH_URL may use only the placeholder {reference}",
        ),
    ],
)
def test_a_broken_setting_is_refused_with_a_message_naming_it(
    values: dict[str, Any], message: str
) -> None:
    values = {"smtp_from": FROM, **values}
    with pytest.raises(ValueError, match=message.replace("{", r"\{").replace("}", r"\}")):
        load_config(settings(**values))


def test_the_case_link_defaults_to_the_api_and_follows_a_template() -> None:
    assert case_url(case_url_template(settings()), "c-1", "JENA-2026-000001") == (
        "https://egov.jena.example/api/v1/cases/c-1"
    )
    template = case_url_template(settings(email_case_url="https://ui.example/v/{reference}"))
    assert case_url(template, "c-1", "JENA-2026-000001") == "https://ui.example/v/JENA-2026-000001"


def test_the_message_id_is_the_same_for_the_same_key_and_differs_otherwise() -> None:
    first = message_id("case.overdue:1:a", "jena.example")
    assert first == message_id("case.overdue:1:a", "jena.example")
    assert first != message_id("case.overdue:1:b", "jena.example")
    assert first.startswith("<") and first.endswith("@jena.example>")


def test_the_composed_mail_carries_the_key_and_the_derived_message_id() -> None:
    mail = compose(config(smtp_url="smtp://mail.example"), delivery())
    assert mail["Message-ID"] == message_id("key-1", "jena.example")
    assert mail["X-Egov-Idempotency-Key"] == "key-1"
    assert mail["To"] == "leitung@jena.example"


@pytest.mark.parametrize(
    "payload", [{"to": "not an address"}, {"subject": None}, {"subject": "a\r\nBcc: x@y.de"}]
)
def test_a_malformed_mail_is_a_permanent_failure(payload: dict[str, Any]) -> None:
    with pytest.raises(DeliveryError) as caught:
        compose(config(smtp_url="smtp://mail.example"), delivery(**payload))
    assert (caught.value.code, caught.value.permanent) == ("email-payload-invalid", True)


@pytest.mark.parametrize(
    ("error", "code", "permanent"),
    [
        (smtplib.SMTPRecipientsRefused({"a@b.de": (421, b"later")}), "smtp-temporary", False),
        (smtplib.SMTPRecipientsRefused({"a@b.de": (450, b"busy")}), "smtp-temporary", False),
        (
            smtplib.SMTPRecipientsRefused({"a@b.de": (550, b"unknown")}),
            "smtp-recipient-refused",
            True,
        ),
        (smtplib.SMTPSenderRefused(553, b"no", "egov@x.de"), "smtp-refused", True),
        (smtplib.SMTPDataError(451, b"local error"), "smtp-temporary", False),
        (smtplib.SMTPDataError(554, b"rejected"), "smtp-refused", True),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), "smtp-refused", True),
        (smtplib.SMTPConnectError(421, b"too busy"), "smtp-temporary", False),
        (smtplib.SMTPServerDisconnected("gone"), "smtp-unreachable", False),
        (ConnectionRefusedError(111, "refused"), "smtp-unreachable", False),
        (TimeoutError("timed out"), "smtp-timeout", False),
        (smtplib.SMTPNotSupportedError("no STARTTLS"), "smtp-not-supported", True),
    ],
)
def test_smtp_errors_are_retried_when_temporary_and_incidents_when_permanent(
    error: Exception, code: str, permanent: bool
) -> None:
    assert isinstance(error, smtplib.SMTPException | OSError)
    verdict = classify(error)
    assert (verdict.code, verdict.permanent) == (code, permanent)
