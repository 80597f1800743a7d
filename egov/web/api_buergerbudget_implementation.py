"""The implementation of funded Bürgerbudget proposals, for the clerks of the responsible
unit (and admins): milestones, actual cost, photos, closing. Others: 404."""

from __future__ import annotations

from flask import Response, jsonify

from egov.buergerbudget.implementation import Photo
from egov.identity.model import Role
from egov.web.apidoc import answers, blueprint, validated
from egov.web.auth import current_principal, requires
from egov.web.base64_fields import decoded
from egov.web.context import container
from egov.web.schemas.buergerbudget_implementation import (
    Cost,
    CostBody,
    Implementation,
    ImplementationPath,
    Milestone,
    MilestoneBody,
    MilestoneChange,
    MilestonePath,
    PhotoBody,
    PhotoRef,
)

bp = blueprint("buergerbudget_implementation", __name__, "Bürgerbudget: Umsetzung")
CLERKS = (Role.CLERK, Role.ADMIN)
BASE = "/buergerbudget/implementations/<case_id>"


def created(response: Response) -> Response:
    response.status_code = 201
    return response


@bp.get(BASE, responses=answers((200, Implementation), 404))
@requires(*CLERKS)
@validated
def implementation(path: ImplementationPath) -> Response:
    """The implementation of a funded proposal: milestones, actual cost, photos."""
    return jsonify(container().implementations.get(current_principal(), path.case_id))


@bp.post(f"{BASE}/milestones", responses=answers((201, Milestone), 404, 409, 422))
@requires(*CLERKS)
@validated
def add_milestone(path: ImplementationPath, body: MilestoneBody) -> Response:
    """A new milestone (audited `implementation.milestone_added`)."""
    raw = body.model_dump()
    milestone = container().implementations.add_milestone(current_principal(), path.case_id, raw)
    return created(jsonify(milestone))


@bp.patch(f"{BASE}/milestones/<milestone_id>", responses=answers((200, Milestone), 404, 409, 422))
@requires(*CLERKS)
@validated
def change_milestone(path: MilestonePath, body: MilestoneChange) -> Response:
    """Change a milestone's fields, e.g. done with its actual day."""
    raw = body.model_dump(exclude_unset=True)
    changed = container().implementations.change_milestone(
        current_principal(), path.case_id, path.milestone_id, raw
    )
    return jsonify(changed)


@bp.put(f"{BASE}/cost", responses=answers((200, Cost), 404, 409, 422))
@requires(*CLERKS)
@validated
def record_cost(path: ImplementationPath, body: CostBody) -> Response:
    """The actual cost so far (needed before closing)."""
    cost = container().implementations.record_cost(
        current_principal(), path.case_id, body.actual_cost_eur
    )
    return jsonify(cost)


@bp.post(f"{BASE}/photos", responses=answers((201, PhotoRef), 404, 409, 422))
@requires(*CLERKS)
@validated
def add_photo(path: ImplementationPath, body: PhotoBody) -> Response:
    """A photo (JPEG or PNG, size-limited, Exif removed); public with the round's page."""
    photo = Photo(body.filename, body.media_type, _decoded(body.content_base64))
    ref = container().implementations.add_photo(current_principal(), path.case_id, photo)
    return created(jsonify(ref))


@bp.post(f"{BASE}/complete", responses=answers((200, Implementation), 404, 409, 422))
@requires(*CLERKS)
@validated
def complete(path: ImplementationPath) -> Response:
    """Close the implementation: the case becomes `implemented`, its process ends."""
    return jsonify(container().implementations.complete(current_principal(), path.case_id))


def _decoded(text: str) -> bytes:
    return decoded(
        text,
        "content_base64",
        "Das Foto ist nicht korrekt base64-kodiert.",
        "implementation-invalid",
    )
