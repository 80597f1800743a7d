"""Clerk endpoints on cases, their audit trail and documents."""

from __future__ import annotations

from flask import Response, jsonify, request

from egov.casefile.queries import parse_filter
from egov.identity.model import Role
from egov.web import downloads, views
from egov.web.apidoc import answers, blueprint, validated
from egov.web.auth import current_principal, requires
from egov.web.context import container
from egov.web.paging import page_request, paged
from egov.web.schemas.cases import (
    CONTENT,
    AuditTrail,
    CaseDetail,
    CasePage,
    CasePath,
    CaseQuery,
    DocumentList,
    DocumentPath,
)
from egov.web.schemas.common import ListQuery

bp = blueprint("cases", __name__, "Vorgänge")


@bp.get("/cases", responses=answers((200, CasePage)))
@requires(Role.CLERK, Role.ADMIN)
@validated
def cases(query: CaseQuery) -> Response:
    """Cases visible to me, filtered and paginated."""
    flt = parse_filter(request.args)
    return paged(
        container().case_file.cases(current_principal(), flt, page_request()), views.case_summary
    )


@bp.get("/cases/<case_id>", responses=answers((200, CaseDetail), 404))
@requires(Role.CLERK, Role.ADMIN)
@validated
def case(path: CasePath) -> Response:
    """One case with data, documents, open tasks, incidents, the side effects it waits
    for (`waiting_on`: outbox rows still pending or failed) and its retention, with where it
    stands with the archive (`retention.archive`)."""
    parts = container().case_file.detail(current_principal(), path.case_id)
    return jsonify(views.case_detail(parts, container().retention.archive_status(parts.case)))


@bp.get("/cases/<case_id>/events", responses=answers((200, AuditTrail), 404))
@requires(Role.CLERK, Role.ADMIN)
@validated
def case_events(path: CasePath, query: ListQuery) -> Response:
    """The audit trail with the verification of its hash chain."""
    found = container().case_file.events(current_principal(), path.case_id, page_request())
    events, verdict = found
    return paged(events, views.audit_event, verification=verdict.as_dict())


@bp.get("/cases/<case_id>/documents", responses=answers((200, DocumentList), 404))
@requires(Role.CLERK, Role.ADMIN, Role.CITIZEN)
@validated
def case_documents(path: CasePath, query: ListQuery) -> Response:
    """Documents of a case (owners see those meant for them)."""
    docs = container().case_file.documents(current_principal(), path.case_id, page_request())
    return paged(docs, views.document)


@bp.get("/documents/<document_id>/content", responses={**answers(404), "200": CONTENT})
@requires(Role.CLERK, Role.ADMIN, Role.CITIZEN)
@validated
def document_content(path: DocumentPath) -> Response:
    """The bytes of a document, exactly as stored."""
    doc, chunks = container().case_file.content(current_principal(), path.document_id)
    response = Response(chunks, mimetype=doc.media_type)
    response.headers["Content-Disposition"] = downloads.attachment(doc.filename)
    response.headers["Digest"] = f"sha-256={doc.sha256}"
    return response
