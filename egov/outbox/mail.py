"""Queueing notification e-mail: one outbox row of kind ``email`` per recipient, written in
the transaction of the change it reports (``{to, subject, text}``). The SMTP delivery of
those rows is an adapter to an outside system: :mod:`egov.integrations.email`.

Also here: the link templates mails carry (``EGOV_EMAIL_CASE_URL``,
``EGOV_EMAIL_POSTFACH_URL``), checked once at startup.

Privacy: mails leave the city's systems, so they say what a person needs to act (a reference,
a date, a link) and nothing from the application itself.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.orm import Session

from egov.outbox.service import enqueue
from egov.settings import Settings

KIND = "email"
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$")


def is_address(value: object) -> bool:
    """A plain ASCII address ``local@domain`` (no display name), at most 254 characters."""
    return isinstance(value, str) and len(value) <= 254 and bool(_ADDRESS.fullmatch(value))


def configured(settings: Settings) -> bool:
    """Whether e-mail is set up (EGOV_SMTP_URL); without it nobody enqueues mail."""
    return bool(settings.smtp_url.strip())


def case_url_template(settings: Settings) -> str:
    """The link template of EGOV_EMAIL_CASE_URL (checked), or the API's case URL."""
    template = _template("EGOV_EMAIL_CASE_URL", settings.email_case_url, "case_id", "reference")
    return template or f"{settings.base_url}/api/v1/cases/{{case_id}}"


def postfach_url_template(settings: Settings) -> str:
    """The link template of EGOV_EMAIL_POSTFACH_URL (checked); empty: no link."""
    return _template("EGOV_EMAIL_POSTFACH_URL", settings.email_postfach_url, "reference")


def _template(variable: str, value: str, *placeholders: str) -> str:
    """`value` stripped, refused if it uses a placeholder other than `placeholders`."""
    template = value.strip()
    try:
        template.format(**dict.fromkeys(placeholders, "x"))
    except (KeyError, IndexError, ValueError):
        allowed = " and ".join(f"{{{name}}}" for name in placeholders)
        many = "placeholders" if len(placeholders) > 1 else "placeholder"
        raise ValueError(f"{variable} may use only the {many} {allowed}") from None
    return template


def case_url(template: str, case_id: str, reference: str) -> str:
    return template.format(case_id=case_id, reference=reference)


def enqueue_mail(
    session: Session,
    *,
    case_id: str | None,
    to: str,
    subject: str,
    text: str,
    now: datetime,
    idempotency_key: str,
    actor: str = "system",
) -> str:
    """Write one mail to one recipient into the current transaction; returns the outbox id."""
    if not is_address(to):
        raise ValueError("a notification e-mail needs one plain recipient address")
    if "\r" in subject or "\n" in subject:
        raise ValueError("a mail subject is one line")
    payload = {"to": to, "subject": subject, "text": text}
    return enqueue(
        session,
        case_id=case_id,
        kind=KIND,
        payload=payload,
        now=now,
        idempotency_key=idempotency_key,
        actor=actor,
    )
