"""A real SMTP server on 127.0.0.1 (aiosmtpd) standing in for the city's mail relay.

It keeps two logs: `received`, every message it accepted as it came, and `delivered`, the same
deduplicated by Message-ID (what a mailbox whose MTA or client drops duplicates shows). It can
refuse the first K transactions at RCPT with a chosen reply (421: try later; 550: no such
mailbox), store a message and then answer later than the client waits (the answer, not the
mail, is lost), and require STARTTLS and AUTH.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

TEMPORARY = "421 4.3.2 Service not available, try again later"
NO_SUCH_MAILBOX = "550 5.1.1 No such mailbox"


@dataclass
class MailBehaviour:
    refuse_first: int = 0  # RCPT of transactions 1..K is answered with `refusal`
    refusal: str = TEMPORARY
    hang_on: frozenset[int] = frozenset()  # accepted messages (1-based) answered late
    hang_seconds: float = 1.0
    tls: ssl.SSLContext | None = None  # offer STARTTLS with this context, and require it
    login: tuple[str, str] | None = None  # require AUTH with this user and password


@dataclass(frozen=True)
class Received:
    number: int
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    secure: bool  # came over TLS
    login: str | None  # the authenticated user

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class SmtpState:
    behaviour: MailBehaviour
    transactions: list[str] = field(default_factory=list)  # the RCPT replies, in order
    received: list[Received] = field(default_factory=list)
    delivered: dict[str, Received] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def rcpt(self) -> str:
        with self.lock:
            number = len(self.transactions) + 1
            refused = number <= self.behaviour.refuse_first
            reply = self.behaviour.refusal if refused else "250 OK"
            self.transactions.append(reply)
        return reply

    def accept(self, session: Session, envelope: Envelope) -> tuple[int, float]:
        content = envelope.original_content or b""
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            number = len(self.received) + 1
            login = session.auth_data.login.decode() if session.authenticated else None
            mail = Received(
                number,
                str(envelope.mail_from),
                tuple(envelope.rcpt_tos),
                message,
                session.ssl is not None,
                login,
            )
            self.received.append(mail)
            self.delivered.setdefault(mail.message_id, mail)
        hang = self.behaviour.hang_seconds if number in self.behaviour.hang_on else 0.0
        return number, hang


class _Handler:
    def __init__(self, state: SmtpState) -> None:
        self.state = state

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        reply = self.state.rcpt()
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        _number, hang = self.state.accept(session, envelope)
        if hang:
            await asyncio.sleep(hang)
        return "250 2.0.0 Message accepted for delivery"


class _Authenticator:
    def __init__(self, login: tuple[str, str]) -> None:
        self.login = login

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (
            (data.login.decode(), data.password.decode()) == self.login
        )
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)


class _Server:
    def __init__(self, state: SmtpState) -> None:
        self.state = state
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.port = 0
        self.thread = threading.Thread(target=self._serve, name="test-smtp", daemon=True)

    def _protocol(self) -> SMTP:
        b = self.state.behaviour
        return SMTP(
            _Handler(self.state),
            hostname="mail.test",
            tls_context=b.tls,
            require_starttls=b.tls is not None,
            authenticator=_Authenticator(b.login) if b.login else None,
            auth_required=b.login is not None,
            auth_require_tls=True,
            loop=self.loop,
        )

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            self.loop.create_server(self._protocol, "127.0.0.1", 0)
        )
        self.port = int(server.sockets[0].getsockname()[1])
        self.ready.set()
        self.loop.run_forever()
        server.close()
        self.loop.run_until_complete(server.wait_closed())
        pending = asyncio.all_tasks(self.loop)
        for task in pending:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()

    def start(self) -> None:
        self.thread.start()
        if not self.ready.wait(10):
            raise RuntimeError("the test SMTP server did not start")

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@contextmanager
def running_smtp(behaviour: MailBehaviour | None = None) -> Iterator[tuple[str, SmtpState]]:
    """Start a server; yields (its smtp:// URL, its state)."""
    state = SmtpState(behaviour or MailBehaviour())
    server = _Server(state)
    server.start()
    try:
        yield f"smtp://127.0.0.1:{server.port}", state
    finally:
        server.stop()


def self_signed_tls(folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context trusting it) for a certificate of 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client
