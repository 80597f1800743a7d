"""Statements on participations: logged-in citizens, or anonymous where allowed (then with
an e-mail confirmation link and a rate limit per client address)."""

from __future__ import annotations

import binascii
from base64 import b64decode

from flask import Response, jsonify, request

from egov.errors import Invalid
from egov.participation.statements import Attachment, NewStatement
from egov.web.apidoc import answers, blueprint, validated
from egov.web.auth import optional_principal, public
from egov.web.context import container
from egov.web.schemas.participation import (
    ConfirmationPath,
    ParticipationPath,
    StatementAttachmentBody,
    StatementBody,
    StatementReceipt,
)
from egov.web.throttle import throttle

bp = blueprint("participation", __name__, "Beteiligung")


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
    new = NewStatement(
        text=body.text,
        variant_id=body.variant_id,
        location=body.location,
        attachments=tuple(_attachment(i, a) for i, a in enumerate(body.attachments)),
        named=body.named,
        email=body.email,
    )
    receipt = container().statements.file(principal, path.participation_id, new)
    response = jsonify(receipt)
    response.status_code = 201
    return response


@bp.get(
    "/statement-confirmations/<token>",
    responses=answers((200, StatementReceipt), 404),
)
@public
@validated
def confirm_statement(path: ConfirmationPath) -> Response:
    """The link of the confirmation e-mail: an anonymous statement counts (idempotent)."""
    return jsonify(container().statements.confirm(path.token))


def _attachment(index: int, body: StatementAttachmentBody) -> Attachment:
    try:
        content = b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(
            "Ein Anhang ist nicht korrekt base64-kodiert.",
            code="statement-invalid",
            invalid_params=[{"name": f"attachments[{index}].content_base64", "reason": "base64"}],
        ) from None
    return Attachment(body.filename, body.media_type, content)
