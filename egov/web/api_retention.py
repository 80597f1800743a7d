"""Admin endpoints of retention: the legal hold (Sperre) on a case."""

from __future__ import annotations

from flask import Response, jsonify

from egov.identity.model import Role
from egov.web import views
from egov.web.apidoc import answers, blueprint, validated
from egov.web.auth import current_principal, requires
from egov.web.context import container
from egov.web.schemas.cases import CasePath, HoldReason, Retention

bp = blueprint("retention", __name__, "Aufbewahrung")
HOLD_ANSWERS = answers((200, Retention), 404, 409, 422)


@bp.post("/cases/<case_id>/legal-hold", responses=HOLD_ANSWERS)
@requires(Role.ADMIN)
@validated
def hold(path: CasePath, body: HoldReason) -> Response:
    """Hold the case (Sperre, e.g. a pending lawsuit), `{"reason": "..."}`: while held it is
    never due for deletion, whatever its retention. Audited `retention.hold_set`; a case held
    already answers 409 `legal-hold-exists`."""
    case = container().retention.hold(current_principal(), path.case_id, body.reason)
    return jsonify(views.retention(case, container().retention.archive_status(case)))


@bp.delete("/cases/<case_id>/legal-hold", responses=HOLD_ANSWERS)
@requires(Role.ADMIN)
@validated
def release(path: CasePath, body: HoldReason) -> Response:
    """Release the hold, `{"reason": "..."}`; audited `retention.hold_released`. A case not
    held answers 409 `legal-hold-missing`."""
    case = container().retention.release(current_principal(), path.case_id, body.reason)
    return jsonify(views.retention(case, container().retention.archive_status(case)))
