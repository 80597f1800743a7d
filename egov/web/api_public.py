"""The public read API of participations: no login, no personal data (decided in
egov/participation/public.py), cacheable by ETag, CORS for the configured origins; the bytes
of the documents a participation publishes (those that came inline in its messages)."""

from __future__ import annotations

import hashlib

from flask import Response, jsonify, request

from egov.web import downloads
from egov.web.apidoc import answers, blueprint, validated
from egov.web.auth import public
from egov.web.context import container
from egov.web.paging import page_request, paged
from egov.web.schemas.cases import CONTENT
from egov.web.schemas.participation import (
    ParticipationPath,
    PublicCrsQuery,
    PublicDocumentPath,
    PublicListQuery,
    PublicParticipationDetail,
    PublicParticipationList,
)

bp = blueprint("public", __name__, "Öffentlich")


def cacheable(response: Response) -> Response:
    """An ETag of the body; `If-None-Match` with it: 304 without a body. Caches keep the answer
    but ask again each time (`no-cache`), so a statement hidden by moderation is gone at once."""
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    response.headers["Cache-Control"] = "public, no-cache"
    response.make_conditional(request)  # 304 and no body when If-None-Match matches
    return response


@bp.get(
    "/public/participations",
    responses=answers((200, PublicParticipationList), (304, None), 400),
)
@public
@validated
def participations(query: PublicListQuery) -> Response:
    """Every participation with its variants (GeoJSON in `?crs=`, else EPSG:4326), period
    and documents."""
    found = container().public_participations.list(page_request(), query.crs)
    return cacheable(paged(found, dict))


@bp.get(
    "/public/participations/<participation_id>",
    responses=answers((200, PublicParticipationDetail), (304, None), 400, 404),
)
@public
@validated
def participation(path: ParticipationPath, query: PublicCrsQuery) -> Response:
    """One participation with its statements and, once published, the weighing report;
    geometries in `?crs=` (else EPSG:4326)."""
    found = container().public_participations.get(path.participation_id, query.crs)
    return cacheable(jsonify(found))


@bp.get(
    "/public/participations/<participation_id>/documents/<document_id>",
    responses={**answers((304, None), 404), "200": CONTENT},
)
@public
@validated
def participation_document(path: PublicDocumentPath) -> Response:
    """The bytes of a document the participation publishes, exactly as stored; the ETag is
    its SHA-256."""
    found = container().public_participations
    doc, chunks = found.document(path.participation_id, path.document_id)
    response = Response(chunks, mimetype=doc.media_type)
    response.headers["Content-Disposition"] = downloads.attachment(doc.filename)
    response.headers["Digest"] = f"sha-256={doc.sha256}"
    response.headers["Cache-Control"] = "public, no-cache"
    response.set_etag(doc.sha256)
    response.make_conditional(request)
    return response
