"""Admin endpoints of the directory: org units, memberships, deputies (Vertretungen)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from egov.identity.directory import Directory, parse_moment
from egov.identity.model import Role
from egov.identity.store import OrgUnitMembership
from egov.web import views
from egov.web.apidoc import answers, blueprint, validated
from egov.web.auth import current_principal, requires
from egov.web.context import container
from egov.web.paging import page_request, paged
from egov.web.schemas.admin import (
    Deputy,
    DeputyList,
    DeputyPath,
    MemberEmail,
    MemberPath,
    Membership,
    MembershipList,
    NewDeputy,
    NewMember,
    NewOrgUnit,
    OrgUnit,
    OrgUnitList,
    OrgUnitName,
    OrgUnitPath,
)
from egov.web.schemas.common import ListQuery

bp = blueprint("directory", __name__, "Verzeichnis")


def _directory() -> Directory:
    return container().directory


def _created(payload: dict[str, Any]) -> Response:
    response = jsonify(payload)
    response.status_code = 201
    return response


@bp.get("/org-units", responses=answers((200, OrgUnitList)))
@requires(Role.ADMIN)
@validated
def org_units(query: ListQuery) -> Response:
    """Every org unit."""
    return paged(_directory().org_units(page_request()), views.org_unit)


@bp.post("/org-units", responses=answers((201, OrgUnit), 409, 422))
@requires(Role.ADMIN)
@validated
def add_org_unit(body: NewOrgUnit) -> Response:
    """Add an org unit `{"key": "...", "name": "..."}`."""
    unit = _directory().add_org_unit(current_principal().subject, body.key, body.name)
    return _created(views.org_unit(unit))


@bp.patch("/org-units/<key>", responses=answers((200, OrgUnit), 404, 422))
@requires(Role.ADMIN)
@validated
def rename_org_unit(path: OrgUnitPath, body: OrgUnitName) -> Response:
    """Rename an org unit `{"name": "..."}`."""
    unit = _directory().rename_org_unit(current_principal().subject, path.key, body.name)
    return jsonify(views.org_unit(unit))


def _membership(m: OrgUnitMembership) -> dict[str, Any]:
    return {**views.membership(m), "email": m.email}


@bp.get("/org-units/<key>/members", responses=answers((200, MembershipList), 404))
@requires(Role.ADMIN)
@validated
def members(path: OrgUnitPath, query: ListQuery) -> Response:
    """The members of an org unit."""
    return paged(_directory().members(path.key, page_request()), _membership)


@bp.post("/org-units/<key>/members", responses=answers((201, Membership), 404, 409, 422))
@requires(Role.ADMIN)
@validated
def add_member(path: OrgUnitPath, body: NewMember) -> Response:
    """Add a member `{"subject": "...", "role": "clerk"|"supervisor", "email"?: "..."}`;
    a supervisor's e-mail address receives the escalations of overdue cases."""
    membership = _directory().add_member(
        current_principal().subject, path.key, body.subject, body.role, body.email
    )
    return _created(_membership(membership))


@bp.patch("/org-units/<key>/members/<subject>", responses=answers((200, Membership), 404, 422))
@requires(Role.ADMIN)
@validated
def set_member_email(path: MemberPath, body: MemberEmail) -> Response:
    """Set a member's e-mail address `{"email": "..."}` (null removes it)."""
    membership = _directory().set_member_email(
        current_principal().subject, path.key, path.subject, body.email
    )
    return jsonify(_membership(membership))


@bp.delete("/org-units/<key>/members/<subject>", responses=answers((204, None), 404))
@requires(Role.ADMIN)
@validated
def remove_member(path: MemberPath) -> Response:
    """Remove a member from an org unit."""
    _directory().remove_member(current_principal().subject, path.key, path.subject)
    return Response(status=204)


@bp.get("/deputies", responses=answers((200, DeputyList)))
@requires(Role.ADMIN)
@validated
def deputies(query: ListQuery) -> Response:
    """Every Vertretung, current, past and future."""
    directory = _directory()
    now = directory.clock()
    return paged(directory.deputies(page_request()), lambda d: views.deputy(d, now))


@bp.post("/deputies", responses=answers((201, Deputy), 404, 409, 422))
@requires(Role.ADMIN)
@validated
def add_deputy(body: NewDeputy) -> Response:
    """Add a Vertretung `{deputy_subject, absent_subject, org_unit?, valid_from, valid_until}`."""
    directory = _directory()
    deputy = directory.add_deputy(
        current_principal().subject,
        body.deputy_subject,
        body.absent_subject,
        valid_from=parse_moment("valid_from", body.valid_from),
        valid_until=parse_moment("valid_until", body.valid_until),
        org_unit=body.org_unit,
    )
    return _created(views.deputy(deputy, directory.clock()))


@bp.delete("/deputies/<deputy_id>", responses=answers((200, Deputy), 404, 409))
@requires(Role.ADMIN)
@validated
def end_deputy(path: DeputyPath) -> Response:
    """End a Vertretung now."""
    directory = _directory()
    deputy = directory.end_deputy(current_principal().subject, path.deputy_id)
    return jsonify(views.deputy(deputy, directory.clock()))
