"""Notification e-mail over SMTP: the outbox handler of kind ``email``.

A service writes a mail with :func:`egov.outbox.mail.enqueue_mail` in the transaction of the
change it reports (payload ``{to, subject, text}``, one recipient per row, so that one refused
address never holds back the others). After commit :class:`EmailSender` sends it with the
standard library's ``smtplib``.

Configuration (``EGOV_SMTP_*``): ``smtp://host[:port]`` (port 25; STARTTLS required unless
``EGOV_SMTP_STARTTLS=false``) or ``smtps://host[:port]`` (port 465, TLS from the first byte),
``EGOV_SMTP_FROM``, optional ``EGOV_SMTP_USERNAME``/``EGOV_SMTP_PASSWORD`` (never in the URL:
refused there; never sent without TLS: refused at startup), ``EGOV_SMTP_TIMEOUT_SECONDS``.
The server's certificate is checked against the system's CAs (``SSL_CERT_FILE`` names
another bundle). Without ``EGOV_SMTP_URL`` the kind is not registered and nobody enqueues mail.

Exactly once for the reader: the ``Message-ID`` is derived from the outbox row's idempotency key
(:func:`message_id`) and the key itself travels in ``X-Egov-Idempotency-Key``, so a mail sent
again after a lost answer carries the same identity and an MTA or mail client can drop the copy.

Outcomes (:func:`classify`): 4xx replies, refused or dropped connections, timeouts and failed
TLS handshakes are retried by the outbox (``smtp-temporary``, ``smtp-unreachable``,
``smtp-timeout``, ``smtp-tls-failed``); 5xx replies are permanent (``smtp-recipient-refused``
for a refused address, ``smtp-refused`` otherwise, e.g. 535 for a wrong password) and become an
incident at once, as does a server without STARTTLS or AUTH (``smtp-not-supported``) or one
whose AUTH methods do not fit (``smtp-error``). A failing QUIT after an accepted mail is
ignored: the mail is out.

Privacy: mails leave the city's systems, so they say what a person needs to act (a reference,
a date, a link into the clerk UI) and nothing from the application itself.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Literal
from urllib.parse import urlsplit

from egov.outbox.mail import KIND, case_url_template, is_address, postfach_url_template
from egov.outbox.service import Delivery, DeliveryError, Outbox
from egov.settings import Settings

log = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "X-Egov-Idempotency-Key"
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
LOOPBACK = ("127.0.0.1", "::1", "localhost")

Security = Literal["smtps", "starttls", "none"]


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: Security
    sender: str  # the From header, possibly with a display name
    sender_address: str  # the envelope sender
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    timeout_seconds: float = 30.0

    @property
    def domain(self) -> str:
        return self.sender_address.rsplit("@", 1)[1]


def load_config(settings: Settings) -> SmtpConfig | None:
    """The SMTP settings, or None when EGOV_SMTP_URL is empty; ValueError names what is wrong."""
    url = settings.smtp_url.strip()
    if not url:
        return None
    host, port, scheme = _server(url)
    security: Security = "smtps" if scheme == "smtps" else "none"
    if scheme == "smtp" and settings.smtp_starttls:
        security = "starttls"
    _name, address = parseaddr(settings.smtp_from)
    if not is_address(address):
        raise ValueError("EGOV_SMTP_FROM must be an e-mail address when EGOV_SMTP_URL is set")
    if settings.smtp_password and not settings.smtp_username:
        raise ValueError("EGOV_SMTP_PASSWORD is set but EGOV_SMTP_USERNAME is not")
    if settings.smtp_username and security == "none":
        raise ValueError("EGOV_SMTP_USERNAME: credentials are never sent without TLS")
    if settings.smtp_timeout_seconds <= 0:
        raise ValueError("EGOV_SMTP_TIMEOUT_SECONDS must be positive")
    case_url_template(settings)  # fails now rather than with the first mail
    postfach_url_template(settings)
    if security == "none" and host not in LOOPBACK:
        log.warning("smtp_without_tls host=%s (EGOV_SMTP_STARTTLS=false)", host)
    return SmtpConfig(
        host=host,
        port=port,
        security=security,
        sender=settings.smtp_from.strip(),
        sender_address=address,
        username=settings.smtp_username,
        password=settings.smtp_password,
        timeout_seconds=settings.smtp_timeout_seconds,
    )


def _server(url: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError("EGOV_SMTP_URL must be smtp://host[:port] or smtps://host[:port]")
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "EGOV_SMTP_URL must not contain a user or password: "
            "set EGOV_SMTP_USERNAME and EGOV_SMTP_PASSWORD in the environment"
        )
    if not parts.hostname or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("EGOV_SMTP_URL must be smtp://host[:port] or smtps://host[:port]")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise ValueError("EGOV_SMTP_URL: the port must be a number from 1 to 65535") from None
    return parts.hostname, port, parts.scheme


def message_id(idempotency_key: str, domain: str) -> str:
    """The Message-ID of the mail sent for an outbox row: the same on every attempt."""
    digest = hashlib.sha256(f"egov-outbox:{idempotency_key}".encode()).hexdigest()
    return f"<{digest[:40]}@{domain}>"


@dataclass
class EmailSender:
    """The outbox handler of ``email``: one SMTP conversation per delivery."""

    config: SmtpConfig
    tls_context: ssl.SSLContext | None = None  # None: the system's CAs, hostname checked

    def __call__(self, delivery: Delivery) -> None:
        message = compose(self.config, delivery)
        try:
            self._send(message, str(message["To"]))
        except (smtplib.SMTPException, OSError) as exc:
            raise classify(exc) from exc

    def _send(self, message: EmailMessage, to: str) -> None:
        client = self._connect()
        try:
            if self.config.security == "starttls":
                client.starttls(context=self._context())
            if self.config.username:
                client.login(self.config.username, self.config.password)
            client.send_message(message, self.config.sender_address, [to])
        finally:
            _quit(client)

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        if c.security == "smtps":
            return smtplib.SMTP_SSL(
                c.host, c.port, timeout=c.timeout_seconds, context=self._context()
            )
        return smtplib.SMTP(c.host, c.port, timeout=c.timeout_seconds)

    def _context(self) -> ssl.SSLContext:
        return self.tls_context or ssl.create_default_context()


def compose(config: SmtpConfig, delivery: Delivery) -> EmailMessage:
    """The mail of an outbox row; a malformed payload is a permanent failure."""
    to, subject, text = (delivery.payload.get(k) for k in ("to", "subject", "text"))
    if not is_address(to) or not isinstance(subject, str) or not isinstance(text, str):
        raise DeliveryError(
            "Die E-Mail hat keinen gültigen Empfänger, Betreff oder Text.",
            code="email-payload-invalid",
            permanent=True,
        )
    if "\r" in subject or "\n" in subject:
        raise DeliveryError(
            "Der Betreff der E-Mail ist mehrzeilig.", code="email-payload-invalid", permanent=True
        )
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = str(to)
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id(delivery.idempotency_key, config.domain)
    message[IDEMPOTENCY_HEADER] = delivery.idempotency_key
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this mail
    message.set_content(text)
    return message


def _quit(client: smtplib.SMTP) -> None:
    """End the conversation; a failing QUIT after an accepted mail changes nothing."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def classify(exc: smtplib.SMTPException | OSError) -> DeliveryError:
    """The verdict on a failed SMTP conversation: retried, or permanent (an incident)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in exc.recipients.values()]
        return _by_reply(min(codes, default=550), "smtp-recipient-refused")
    if isinstance(exc, smtplib.SMTPResponseException):
        return _by_reply(exc.smtp_code, "smtp-refused")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryError(
            "Der Mailserver bietet STARTTLS oder AUTH nicht an.",
            code="smtp-not-supported",
            permanent=True,
        )
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        # smtplib reports a reply that timed out as SMTPServerDisconnected
        return DeliveryError("Zeitüberschreitung beim Mailserver.", code="smtp-timeout")
    if isinstance(exc, ssl.SSLError):
        return DeliveryError("TLS mit dem Mailserver fehlgeschlagen.", code="smtp-tls-failed")
    if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
        return DeliveryError("Mailserver nicht erreichbar.", code="smtp-unreachable")
    return DeliveryError("Der Mailserver lehnt die Sitzung ab.", code="smtp-error", permanent=True)


def _by_reply(code: int, permanent_code: str) -> DeliveryError:
    if 500 <= code < 600:
        return DeliveryError(
            f"Der Mailserver weist die E-Mail ab ({code}).", code=permanent_code, permanent=True
        )
    return DeliveryError(f"Der Mailserver antwortet {code}.", code="smtp-temporary")


def register(outbox: Outbox, settings: Settings) -> EmailSender | None:
    """Register the ``email`` kind if EGOV_SMTP_URL is set (a bad setting raises ValueError)."""
    config = load_config(settings)
    if config is None:
        return None
    sender = EmailSender(config)
    outbox.register(KIND, sender)
    return sender


__all__ = [
    "IDEMPOTENCY_HEADER",
    "KIND",
    "EmailSender",
    "SmtpConfig",
    "classify",
    "compose",
    "load_config",
    "message_id",
    "register",
]
