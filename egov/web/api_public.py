"""The public read API of participations: no login, no personal data (decided in
egov/participation/public.py), cacheable by ETag, CORS for the configured origins."""

from __future__ import annotations

import hashlib

from flask import Response, jsonify, request

from egov.web.apidoc import answers, blueprint, validated
from egov.web.auth import public
from egov.web.context import container
from egov.web.paging import page_request, paged
from egov.web.schemas.participation import (
    ParticipationPath,
    PublicCrsQuery,
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
