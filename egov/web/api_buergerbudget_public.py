"""The public page of a Bürgerbudget round: no login, no personal data (decided in
egov/buergerbudget/results.py), cacheable by ETag, CORS for the configured origins."""

from __future__ import annotations

from flask import Response, jsonify

from egov.web import downloads
from egov.web.api_public import cacheable
from egov.web.apidoc import answers, blueprint, validated
from egov.web.auth import public
from egov.web.context import container
from egov.web.schemas.buergerbudget import RoundPath
from egov.web.schemas.buergerbudget_implementation import PhotoPath, PublicCommitments, PublicRound
from egov.web.schemas.cases import CONTENT

bp = blueprint("public_buergerbudget", __name__, "Öffentlich: Bürgerbudget")


@bp.get(
    "/public/buergerbudget/rounds/<year>",
    responses=answers((200, PublicRound), (304, None), 404),
)
@public
@validated
def round_page(path: RoundPath) -> Response:
    """A round: its figures, the admitted proposals and, after the vote, votes and result."""
    return cacheable(jsonify(container().public_rounds.get(path.year)))


@bp.get(
    "/public/buergerbudget/rounds/<year>/commitments",
    responses=answers((200, PublicCommitments), (304, None), 404, 409),
)
@public
@validated
def commitments(path: RoundPath) -> Response:
    """After the vote closed: every counted ballot's final commitment, no identities."""
    return cacheable(jsonify(container().public_rounds.commitments(path.year)))


@bp.get(
    "/public/buergerbudget/photos/<document_id>",
    responses={**answers(404), "200": CONTENT},
)
@public
@validated
def photo(path: PhotoPath) -> Response:
    """A photo of an implementation, without its Exif data."""
    document, chunks = container().public_rounds.photo(path.document_id)
    response = Response(chunks, mimetype=document.media_type)
    response.headers["Content-Disposition"] = downloads.attachment(document.filename)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
