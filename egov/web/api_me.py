"""The citizen's own cases and Postfach."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from egov.casefile.queries import parse_filter
from egov.clock import iso
from egov.identity.model import Role
from egov.postfach import service as postfach
from egov.rights.store import DataExport
from egov.web import downloads, views
from egov.web.apidoc import answers, blueprint, validated
from egov.web.auth import current_principal, requires, requires_recent_login
from egov.web.base64_fields import decoded
from egov.web.context import container
from egov.web.edge import message_body
from egov.web.paging import page_request, paged
from egov.web.schemas.cases import CasePage, CasePath, CaseQuery, CaseSummary
from egov.web.schemas.common import ListQuery
from egov.web.schemas.instances import Reason
from egov.web.schemas.intake import Attachment
from egov.web.schemas.me import (
    EXPORT,
    CitizenCase,
    ErasureRequestView,
    ExportPath,
    ExportView,
    MessageList,
    NotificationEmail,
    NotificationEmailBody,
    Reply,
    ReplyBody,
)
from egov.web.throttle import throttled

bp = blueprint("me", __name__, "Bürgerinnen und Bürger")


@bp.get("/me/cases", responses=answers((200, CasePage)))
@requires(Role.CITIZEN)
@validated
def my_cases(query: CaseQuery) -> Response:
    """My own cases."""
    flt = parse_filter(request.args)
    return paged(
        container().case_file.cases(current_principal(), flt, page_request()), views.case_summary
    )


@bp.get("/me/cases/<case_id>", responses=answers((200, CitizenCase), 404))
@requires(Role.CITIZEN)
@validated
def my_case(path: CasePath) -> Response:
    """One of my cases with its documents and messages."""
    parts = container().case_file.detail(current_principal(), path.case_id)
    return jsonify(views.citizen_case(parts.case, parts.documents, parts.messages))


@bp.get("/me/messages", responses=answers((200, MessageList)))
@requires(Role.CITIZEN)
@validated
def my_messages(query: ListQuery) -> Response:
    """My Postfach: letters and messages on all my cases."""
    return paged(container().postfach.messages(current_principal(), page_request()), views.message)


@bp.post("/me/cases/<case_id>/messages", responses=answers((201, Reply), 404, 409))
@requires(Role.CITIZEN)
@message_body
@validated
def reply(path: CasePath, body: ReplyBody) -> Response:
    """Reply on one of my cases, with `attachments` (a Nachreichung): they become documents
    of the case; a refused file is 400 `message-invalid` naming it."""
    files = [_attachment(i, a) for i, a in enumerate(body.attachments)]
    answer = container().postfach.reply(
        current_principal(), path.case_id, body.subject, body.body, files
    )
    response = jsonify(
        {**views.message(answer.message), "correlated": answer.correlated, "held": answer.held}
    )
    response.status_code = 201
    return response


def _attachment(index: int, item: Attachment) -> postfach.Attachment:
    content = decoded(
        item.content_base64,
        f"attachments[{index}].content_base64",
        "Eine Datei kann so nicht angenommen werden.",
        "message-invalid",
    )
    return postfach.Attachment(item.filename, item.media_type, content)


@bp.get("/me/export", responses={**answers(409), "200": EXPORT})
@requires(Role.CITIZEN)
@validated
def my_export() -> Response:
    """Everything egov holds about me (GDPR Art. 15), as one ZIP with a JSON index; a large
    account: 409 `export-asynchronous`, ask for it with `POST /me/exports`."""
    principal = current_principal()
    container().exports.check_direct(principal)
    response = Response(container().rights.export(principal), mimetype="application/zip")
    response.headers["Content-Disposition"] = downloads.attachment("egov-auskunft.zip")
    return response


@bp.post("/me/exports", responses=answers((202, ExportView)))
@requires(Role.CITIZEN)
@validated
def request_export() -> Response:
    """Ask for the export to be packed in the background; a letter in my Postfach links the
    download when it is ready (a pending request is answered again)."""
    response = jsonify(_export(container().exports.start(current_principal())))
    response.status_code = 202
    return response


@bp.get("/me/exports/<export_id>", responses=answers((200, ExportView), 404))
@requires(Role.CITIZEN)
@validated
def export_state(path: ExportPath) -> Response:
    """The state of one of my background exports (anyone else's: 404)."""
    return jsonify(_export(container().exports.get(current_principal(), path.export_id)))


@bp.get("/me/exports/<export_id>/download", responses={**answers(404, 409, 410), "200": EXPORT})
@requires(Role.CITIZEN)
@validated
def download_export(path: ExportPath) -> Response:
    """The ZIP of one of my background exports while it is ready (409 `export-not-ready`,
    410 `export-expired`)."""
    row, chunks = container().exports.download(current_principal(), path.export_id)
    response = Response(chunks, mimetype="application/zip")
    response.headers["Content-Disposition"] = downloads.attachment("egov-auskunft.zip")
    response.headers["Content-Length"] = str(row.size)
    return response


def _export(row: DataExport) -> dict[str, Any]:
    ready = row.status == "ready"
    return {
        "id": row.id,
        "status": row.status,
        "requested_at": iso(row.requested_at),
        "completed_at": iso(row.completed_at),
        "expires_at": iso(row.expires_at),
        "size": row.size,
        "sha256": row.sha256,
        "download": f"/api/v1/me/exports/{row.id}/download" if ready else None,
    }


@bp.post("/me/cases/<case_id>/withdraw", responses=answers((200, CaseSummary), 404, 409))
@requires(Role.CITIZEN)
@validated
def withdraw(path: CasePath, body: Reason) -> Response:
    """Withdraw my application while it is not decided (optional reason): its process ends,
    the case is `withdrawn`, audited; a decided case is 409 `case-already-decided`."""
    case = container().rights.withdraw(current_principal(), path.case_id, body.reason)
    return jsonify(views.case_summary(case))


@bp.put("/me/notification-email", responses=answers((200, NotificationEmail)))
@requires(Role.CITIZEN)
@validated
def change_notification_email(body: NotificationEmailBody) -> Response:
    """Letters on my cases are announced to this e-mail address from now on (audited)."""
    cases = container().rights.set_notification_email(current_principal(), body.email)
    return jsonify({"email": body.email, "cases": cases})


@bp.delete("/me/notification-email", responses=answers((200, NotificationEmail)))
@requires(Role.CITIZEN)
@validated
def withdraw_notification_email() -> Response:
    """No e-mail notices any more: letters wait in my Postfach only (audited)."""
    cases = container().rights.set_notification_email(current_principal(), None)
    return jsonify({"email": None, "cases": cases})


@bp.post("/me/erasure-requests", responses=answers((201, ErasureRequestView), 401, 429))
@requires(Role.CITIZEN)
@requires_recent_login()
@throttled("erasure")
@validated
def request_erasure() -> Response:
    """Erase my data (GDPR Art. 17): recorded; every case of mine is erased unless a
    retention duty keeps it, which the answer names (rule, legal basis, date). From a browser
    session only with a recent login (401 `reauthentication-required` with the login URL);
    at most `EGOV_RATE_LIMIT_ERASURE` requests (429 `rate-limited`)."""
    recorded = container().rights.request_erasure(current_principal())
    response = jsonify(
        {
            "id": recorded.id,
            "requested_at": recorded.requested_at.isoformat(),
            "cases": recorded.outcome,
        }
    )
    response.status_code = 201
    return response
