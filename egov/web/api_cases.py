"""Clerk endpoints on cases, their audit trail and documents."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from egov.casefile.queries import parse_filter
from egov.identity.model import Role
from egov.web import downloads, views
from egov.web.auth import current_principal, requires
from egov.web.context import container
from egov.web.paging import page_request, paged

bp = Blueprint("cases", __name__)


@bp.get("/cases")
@requires(Role.CLERK, Role.ADMIN)
def cases() -> Response:
    """Cases visible to me, filtered and paginated."""
    flt = parse_filter(request.args)
    return paged(
        container().case_file.cases(current_principal(), flt, page_request()), views.case_summary
    )


@bp.get("/cases/<case_id>")
@requires(Role.CLERK, Role.ADMIN)
def case(case_id: str) -> Response:
    """One case with data, documents, open tasks, incidents and the side effects it waits
    for (`waiting_on`: outbox rows still pending or failed)."""
    return jsonify(views.case_detail(container().case_file.detail(current_principal(), case_id)))


@bp.get("/cases/<case_id>/events")
@requires(Role.CLERK, Role.ADMIN)
def case_events(case_id: str) -> Response:
    """The audit trail with the verification of its hash chain."""
    events, verdict = container().case_file.events(current_principal(), case_id, page_request())
    return paged(events, views.audit_event, verification=verdict.as_dict())


@bp.get("/cases/<case_id>/documents")
@requires(Role.CLERK, Role.ADMIN, Role.CITIZEN)
def case_documents(case_id: str) -> Response:
    """Documents of a case (owners see those meant for them)."""
    docs = container().case_file.documents(current_principal(), case_id, page_request())
    return paged(docs, views.document)


@bp.get("/documents/<document_id>/content")
@requires(Role.CLERK, Role.ADMIN, Role.CITIZEN)
def document_content(document_id: str) -> Response:
    """The bytes of a document, exactly as stored."""
    doc, chunks = container().case_file.content(current_principal(), document_id)
    response = Response(chunks, mimetype=doc.media_type)
    response.headers["Content-Disposition"] = downloads.attachment(doc.filename)
    response.headers["Digest"] = f"sha-256={doc.sha256}"
    return response
