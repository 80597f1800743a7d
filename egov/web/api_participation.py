"""Statements on participations: logged-in citizens, or anonymous where allowed (then with
an e-mail confirmation link and a rate limit per client address)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, render_template, request

from egov.error_codes import status_of
from egov.errors import DomainError
from egov.identity.model import Role
from egov.participation.moderation import Weighing
from egov.participation.statements import Attachment, NewStatement
from egov.participation.store import Statement
from egov.web.apidoc import Responses, answers, blueprint, problem_response, validated
from egov.web.auth import current_principal, optional_principal, public, requires
from egov.web.base64_fields import decoded
from egov.web.context import container
from egov.web.paging import page_request, paged
from egov.web.schemas.common import ListQuery
from egov.web.schemas.participation import (
    ConfirmationPath,
    HideBody,
    InvitationAnswer,
    InvitationBody,
    InvitationPath,
    ParticipationPath,
    StatementAttachmentBody,
    StatementBody,
    StatementList,
    StatementPath,
    StatementReceipt,
    Weighed,
    WeighingBody,
    WeighingReport,
)
from egov.web.schemas.participation import Statement as StatementView
from egov.web.throttle import throttle

bp = blueprint("participation", __name__, "Beteiligung", template_folder="templates")


@bp.post(
    "/participations/<participation_id>/statements",
    responses=answers((201, StatementReceipt), 401, 403, 404, 422, 429),
)
@public
@validated
def file_statement(path: ParticipationPath, body: StatementBody) -> Response:
    """A statement on the whole plan or one variant (201 with receipt and number); anonymous
    only where the participation allows it (then `status` unconfirmed until the e-mail link is
    followed); after the period: 422 `participation-closed`."""
    principal = optional_principal()
    key = principal.subject if principal is not None else f"address:{request.remote_addr}"
    throttle().hit("statements", key)
    receipt = container().statements.file(principal, path.participation_id, _new_statement(body))
    response = jsonify(receipt)
    response.status_code = 201
    return response


def _html(description: str, status: int | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"text/html": {"schema": {"type": "string"}}}
    if status is not None:
        content |= problem_response(status)["content"]
    return {"description": description, "content": content}


CONFIRMATION_PAGES: Responses = {
    "200": _html("Die Seite mit der Schaltfläche (GET) oder die Bestätigung (POST)"),
    "404": _html("Link unbekannt (eine Seite für Browser, sonst problem+json)", 404),
    "410": _html(
        "Link schon verwendet oder abgelaufen (Seite für Browser, sonst ein Problem)", 410
    ),
}
# the page loads nothing, may not be framed and posts only back to egov; no script
CONFIRMATION_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
)


@bp.get("/statement-confirmations/<token>", responses=CONFIRMATION_PAGES)
@public
@validated
def confirmation_page(path: ConfirmationPath) -> Response:
    """The link of the confirmation e-mail: a German page whose button confirms (a mail
    scanner following the link confirms nothing)."""
    try:
        statement = container().confirmations.check(path.token)
    except DomainError as refused:
        return _refused_page(refused)
    message = "Bitte bestätigen Sie, dass Sie diese Stellungnahme abgegeben haben."
    return _page("Stellungnahme bestätigen", message, statement, confirm=True)


@bp.post("/statement-confirmations/<token>", responses=CONFIRMATION_PAGES)
@public
@validated
def confirm_statement(path: ConfirmationPath) -> Response:
    """The page's button: the anonymous statement counts (once, while the link is valid)."""
    try:
        statement = container().confirmations.confirm(path.token)
    except DomainError as refused:
        return _refused_page(refused)
    message = "Vielen Dank. Ihre Stellungnahme ist bestätigt und wird berücksichtigt."
    return _page("Stellungnahme bestätigt", message, statement)


def _refused_page(refused: DomainError) -> Response:
    """A browser (Accept: text/html) gets the refusal as a German page, others a problem."""
    wanted = request.accept_mimetypes.best_match(["application/problem+json", "text/html"])
    if wanted != "text/html":
        raise refused
    return _page("Bestätigung nicht möglich", refused.message, status=status_of(refused.code))


def _page(
    heading: str,
    message: str,
    statement: dict[str, Any] | None = None,
    confirm: bool = False,
    status: int | None = 200,
) -> Response:
    page = render_template(
        "statement_confirmation.html",
        heading=heading,
        message=message,
        statement=statement,
        confirm=confirm,
    )
    response = Response(page, status=status or 200, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CONFIRMATION_POLICY
    response.headers["X-Frame-Options"] = "DENY"
    return response


CLERKS = (Role.CLERK, Role.ADMIN)


@bp.post(
    "/participations/<participation_id>/toeb-invitations",
    responses=answers((201, InvitationAnswer), 404, 422),
)
@requires(*CLERKS)
@validated
def invite_body(path: ParticipationPath, body: InvitationBody) -> Response:
    """Invite a public body (TöB) to its own round: its answer link, by e-mail if set up."""
    invitation = container().invitations.invite(
        current_principal(), path.participation_id, body.body_name, body.email
    )
    response = jsonify(invitation)
    response.status_code = 201
    return response


@bp.post("/toeb-answers/<token>", responses=answers((201, StatementReceipt), 404, 422))
@public
@validated
def answer_invitation(path: InvitationPath, body: StatementBody) -> Response:
    """A public body's statement through its invitation link (within the TöB period; the
    link is the body's secret, so no rate limit beyond the API's own)."""
    receipt = container().statements.answer(path.token, _new_statement(body))
    response = jsonify(receipt)
    response.status_code = 201
    return response


@bp.get(
    "/participations/<participation_id>/statements",
    responses=answers((200, StatementList), 404),
)
@requires(*CLERKS)
@validated
def list_statements(path: ParticipationPath, query: ListQuery) -> Response:
    """Every statement with its author, hidden or not (clerks of the participation's unit)."""
    page = container().moderation.statements(
        current_principal(), path.participation_id, page_request()
    )
    return paged(page, statement_view)


@bp.post(
    "/participations/<participation_id>/statements/<statement_id>/hide",
    responses=answers((200, StatementView), 404, 422),
)
@requires(*CLERKS)
@validated
def hide_statement(path: StatementPath, body: HideBody) -> Response:
    """Moderation: hidden from the public with a reason; the original stays in the file."""
    statement = container().moderation.hide(
        current_principal(), path.participation_id, path.statement_id, body.reason
    )
    return jsonify(statement_view(statement))


@bp.post(
    "/participations/<participation_id>/weighing",
    responses=answers((200, Weighed), 404, 422),
)
@requires(*CLERKS)
@validated
def weigh(path: ParticipationPath, body: WeighingBody) -> Response:
    """Weighing (Abwägung): one decision and reasoning for one or many statements (a topic)."""
    weighing = Weighing(tuple(body.statement_ids), body.decision, body.reasoning, body.topic)
    count = container().moderation.weigh(current_principal(), path.participation_id, weighing)
    return jsonify({"weighed": count})


@bp.post(
    "/participations/<participation_id>/weighing-report",
    responses=answers((201, WeighingReport), 404, 409),
)
@requires(*CLERKS)
@validated
def publish_report(path: ParticipationPath) -> Response:
    """The weighing report as CSV and JSON in the case file, published; each author with an
    e-mail address is told the outcome once (409 `weighing-incomplete` before)."""
    report = container().reports.publish(current_principal(), path.participation_id)
    response = jsonify(report)
    response.status_code = 201
    return response


def statement_view(statement: Statement) -> dict[str, Any]:
    return {
        "id": statement.id,
        "number": statement.number,
        "status": statement.status,
        "variant_id": statement.variant_id,
        "text": statement.text,
        "location": statement.location,
        "attachment_ids": statement.attachment_ids,
        "author_name": statement.author_name,
        "author_email": statement.author_email,
        "named": statement.named,
        "created_at": statement.created_at.isoformat() + "Z",
        "hidden_reason": statement.hidden_reason,
        "topic": statement.topic,
        "decision": statement.decision,
        "reasoning": statement.reasoning,
    }


def _new_statement(body: StatementBody) -> NewStatement:
    return NewStatement(
        text=body.text,
        variant_id=body.variant_id,
        location=body.location,
        attachments=tuple(_attachment(i, a) for i, a in enumerate(body.attachments)),
        named=body.named,
        email=body.email,
    )


def _attachment(index: int, body: StatementAttachmentBody) -> Attachment:
    content = decoded(
        body.content_base64,
        f"attachments[{index}].content_base64",
        "Ein Anhang ist nicht korrekt base64-kodiert.",
        "statement-invalid",
    )
    return Attachment(body.filename, body.media_type, content)
