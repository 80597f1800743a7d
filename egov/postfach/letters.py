"""Letters (Bescheide, rejections) rendered from a process bundle's templates.

A letter becomes a document of the case and a message in the applicant's Postfach, in the
same transaction as the workflow step that wrote it. If e-mail is set up and the application
gave an address, a `LetterNotice` tells the applicant that the letter is there: an outbox row
of kind `email` in the same transaction, with the case reference and a link to the Postfach
but nothing of the letter itself (mail leaves the city's systems unencrypted).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from string import Template
from typing import Any

from sqlalchemy.orm import Session

from egov import grammar
from egov.cases.service import record
from egov.cases.store import Case
from egov.documents.filestore import FileSystemStore, Placement
from egov.documents.store import Document
from egov.outbox import mail
from egov.postfach import bescheid_pdf
from egov.postfach.seal import Seal
from egov.postfach.store import PostfachMessage
from egov.settings import Settings
from egov.workflow import bescheide
from egov.workflow.operators import OperatorError, OperatorRegistry, StepContext

TEXT_MEDIA_TYPE = "text/plain; charset=utf-8"
TEMPLATE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,60}$")


def render(template_text: str, data: dict[str, Any]) -> str:
    """The template filled with `data`, unit names also with their articles (egov.grammar)."""
    values = {key: _plain(value) for key, value in data.items()}
    return Template(template_text).safe_substitute({**grammar.unit_forms(values), **values})


@dataclass(frozen=True)
class LetterNotice:
    """The e-mail that tells the applicant of a new letter in the Postfach."""

    postfach_url: str = ""  # a template with {reference}; empty: no link

    @classmethod
    def from_settings(cls, settings: Settings) -> LetterNotice | None:
        """None without e-mail (EGOV_SMTP_URL empty): letters go to the Postfach only."""
        if not mail.configured(settings):
            return None
        return cls(mail.postfach_url_template(settings))

    def __call__(self, context: StepContext, message_id: str) -> bool:
        """Write the notice into the step's transaction; False if there is no address."""
        address = context.case.applicant_email
        if address is None or not mail.is_address(address):
            return False
        mail.enqueue_mail(
            context.session,
            case_id=context.case.id,
            to=address,
            subject=f"Neue Nachricht zu Ihrem Antrag {context.case.reference}",
            text=self.text(context.case.reference),
            now=context.now,
            idempotency_key=f"letter-notice:{message_id}",
            actor=context.actor,
        )
        return True

    def text(self, reference: str) -> str:
        where = (
            f"Sie finden sie hier: {self.postfach_url.format(reference=reference)}"
            if self.postfach_url
            else "Sie finden sie in Ihrem Postfach im Bürgerportal."
        )
        return (
            "Guten Tag,\n\n"
            f"zu Ihrem Antrag {reference} liegt eine neue Nachricht der Stadtverwaltung für Sie "
            f"bereit. {where}\n\n"
            "Aus Gründen des Datenschutzes steht der Inhalt nicht in dieser E-Mail.\n"
            "Diese E-Mail wurde automatisch erstellt; bitte antworten Sie nicht darauf.\n"
        )


SHIPPED_FONT = str(Path(__file__).parent / "fonts" / "DejaVuSans.ttf")  # covers German text


@dataclass(frozen=True)
class BescheidPdf:
    """How a Bescheid's PDF/A is made: the font it embeds, the seal it gets (None: none)."""

    font_path: str = SHIPPED_FONT
    seal: Seal | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> BescheidPdf:
        seal = None
        if settings.letter_seal_pkcs12:
            seal = Seal.from_pkcs12(settings.letter_seal_pkcs12, settings.letter_seal_password)
        return cls(settings.letter_font or SHIPPED_FONT, seal)

    def __call__(
        self, body: str, title: str, config: bescheide.BescheidConfig, now: datetime
    ) -> bytes:
        pdf = bescheid_pdf.as_pdf(
            body, title=title, letterhead=config.briefkopf, font_path=self.font_path, now=now
        )
        return pdf if self.seal is None else self.seal(pdf)


def register(
    registry: OperatorRegistry,
    notice: LetterNotice | None = None,
    pdf: BescheidPdf | None = None,
) -> None:
    """`letters.create`, telling the applicant by e-mail if `notice` is given; a Bescheid's
    PDF/A made by `pdf` (default: the default font, no seal)."""

    def operator(context: StepContext, params: dict[str, Any], data: dict[str, Any]) -> Any:
        return create_letter(context, params, data, notice, pdf or BescheidPdf())

    registry.register("letters.create", operator)


def create_letter(
    context: StepContext,
    params: dict[str, Any],
    data: dict[str, Any],
    notice: LetterNotice | None = None,
    make_pdf: BescheidPdf | None = None,
) -> dict[str, str]:
    """The letter of template `name`; a Bescheid (egov.workflow.bescheide) gets the authority,
    date, Rechtsbehelfsbelehrung and signature line of its procedure, and its PDF/A."""
    name = str(params.get("template", ""))
    if not TEMPLATE_NAME.match(name):
        raise OperatorError("Ungültiger Vorlagenname.", code="letter-template-invalid")
    template_text = context.bundle_files.get(f"letters/{name}.txt")
    if template_text is None:
        raise OperatorError(f"Briefvorlage {name!r} fehlt.", code="letter-template-missing")
    title = str(params.get("title") or "Schreiben zu Ihrem Antrag")
    config = bescheide.of_files(context.bundle_files)
    if config is not None and name not in config.letters:
        config = None  # not a Bescheid
    extra = config.values(context.now) if config is not None else {}
    body = render(template_text, {**data, **extra, "case_reference": context.case.reference})
    details: dict[str, Any] = {"template": name}
    pdf = None
    if config is not None:
        make_pdf = make_pdf or BescheidPdf()
        pdf = make_pdf(body, title, config, context.now)
        details["sealed"] = make_pdf.seal is not None
    letter = Letter(f"{context.case.reference}-{name}.txt", title, body, pdf=pdf)
    sent = send_letter(
        context.session,
        context.case,
        letter,
        Sender(context.files, context.placement, context.actor, context.now),
        notice=None if notice is None else lambda message_id: notice(context, message_id),
        details=details,
    )
    return {"document_id": sent.document_id, "message_id": sent.message_id}


@dataclass(frozen=True)
class Letter:
    filename: str
    subject: str
    body: str
    recipient_subject: str | None = None  # None with no Postfach either: the applicant
    recipient_postfach: str | None = None
    idempotency_key: str | None = None  # a second letter with this key is never written
    pdf: bytes | None = None  # a Bescheid's PDF/A: the attachment; `body` its plain text


@dataclass(frozen=True)
class Sender:
    files: FileSystemStore
    placement: Placement
    actor: str
    now: datetime


@dataclass(frozen=True)
class Sent:
    document_id: str
    message_id: str


def send_letter(
    session: Session,
    case: Case,
    letter: Letter,
    sender: Sender,
    notice: Callable[[str], bool] | None = None,
    details: dict[str, Any] | None = None,
) -> Sent:
    """The letter as a document of the case and a message in the Postfach (of the applicant,
    or of the recipient the letter names, who alone may read it), audited `letter.sent`.
    `notice(message_id)` tells the applicant by e-mail (True: told). A letter with a PDF
    is two documents, the PDF attached to the message, the text its plain alternative."""
    to_applicant = letter.recipient_subject is None and letter.recipient_postfach is None
    plain = TEXT_MEDIA_TYPE, letter.filename, letter.body.encode("utf-8")
    document, sha256 = _document(session, case, sender, plain, to_applicant)
    attached, pdf = document, {}
    if letter.pdf is not None:
        filename = letter.filename.removesuffix(".txt") + ".pdf"
        attached, pdf_sha256 = _document(
            session, case, sender, ("application/pdf", filename, letter.pdf), to_applicant
        )
        pdf = {"pdf_document_id": attached.id, "pdf_sha256": pdf_sha256}
    message = PostfachMessage(
        case_id=case.id,
        direction="outbound",
        subject=letter.subject,
        body=letter.body,
        document_id=attached.id,
        created_at=sender.now,
        read_at=None,
        recipient_subject=letter.recipient_subject,
        recipient_postfach=letter.recipient_postfach,
        idempotency_key=letter.idempotency_key,
    )
    session.add(message)
    session.flush()
    notified = notice is not None and notice(message.id)
    record(
        session,
        case,
        actor=sender.actor,
        action="letter.sent",
        now=sender.now,
        details={
            "document_id": document.id,
            "message_id": message.id,
            **(details or {}),
            "sha256": sha256,
            **pdf,
            "applicant_notified": notified,
        },
    )
    return Sent(document.id, message.id)


def _document(
    session: Session,
    case: Case,
    sender: Sender,
    content: tuple[str, str, bytes],
    to_applicant: bool,
) -> tuple[Document, str]:
    """A letter's file (media type, name, bytes) placed and added as a document of the case."""
    media_type, filename, data = content
    key, sha256 = sender.files.put_bytes(data, sender.placement)
    document = Document(
        case_id=case.id,
        kind="letter",
        filename=filename,
        media_type=media_type,
        size=len(data),
        sha256=sha256,
        sha512=None,
        storage_key=key,
        visible_to_applicant=to_applicant,
        created_at=sender.now,
        created_by=sender.actor,
    )
    session.add(document)
    session.flush()
    return document, sha256


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, float):
        return f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    if isinstance(value, list):
        return "\n".join(f"- {_plain(item)}" for item in value)
    if isinstance(value, dict):
        return str(value.get("reason") or value)
    return str(value)
