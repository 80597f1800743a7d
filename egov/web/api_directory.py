"""Admin endpoints of the directory: org units, memberships, deputies (Vertretungen)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from egov.errors import DomainError
from egov.identity.directory import Directory, parse_moment
from egov.identity.model import Role
from egov.identity.store import OrgUnitMembership
from egov.web import views
from egov.web.auth import current_principal, requires
from egov.web.context import container
from egov.web.paging import page_request, paged

bp = Blueprint("directory", __name__)


def _directory() -> Directory:
    return container().directory


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise DomainError("Erwartet wird ein JSON-Objekt.", code="bad-request")
    return body


def _created(payload: dict[str, Any]) -> Response:
    response = jsonify(payload)
    response.status_code = 201
    return response


@bp.get("/org-units")
@requires(Role.ADMIN)
def org_units() -> Response:
    """Every org unit."""
    return paged(_directory().org_units(page_request()), views.org_unit)


@bp.post("/org-units")
@requires(Role.ADMIN)
def add_org_unit() -> Response:
    """Add an org unit `{"key": "...", "name": "..."}`."""
    body = _body()
    unit = _directory().add_org_unit(
        current_principal().subject, body.get("key", ""), body.get("name", "")
    )
    return _created(views.org_unit(unit))


@bp.patch("/org-units/<key>")
@requires(Role.ADMIN)
def rename_org_unit(key: str) -> Response:
    """Rename an org unit `{"name": "..."}`."""
    unit = _directory().rename_org_unit(current_principal().subject, key, _body().get("name", ""))
    return jsonify(views.org_unit(unit))


def _membership(m: OrgUnitMembership) -> dict[str, Any]:
    return {**views.membership(m), "email": m.email}


@bp.get("/org-units/<key>/members")
@requires(Role.ADMIN)
def members(key: str) -> Response:
    """The members of an org unit."""
    return paged(_directory().members(key, page_request()), _membership)


@bp.post("/org-units/<key>/members")
@requires(Role.ADMIN)
def add_member(key: str) -> Response:
    """Add a member `{"subject": "...", "role": "clerk"|"supervisor", "email"?: "..."}`;
    a supervisor's e-mail address receives the escalations of overdue cases."""
    body = _body()
    membership = _directory().add_member(
        current_principal().subject,
        key,
        body.get("subject", ""),
        body.get("role", "clerk"),
        body.get("email"),
    )
    return _created(_membership(membership))


@bp.patch("/org-units/<key>/members/<subject>")
@requires(Role.ADMIN)
def set_member_email(key: str, subject: str) -> Response:
    """Set a member's e-mail address `{"email": "..."}` (null removes it)."""
    body = _body()
    if "email" not in body:
        raise DomainError("Erwartet wird das Feld email.", code="bad-request")
    membership = _directory().set_member_email(
        current_principal().subject, key, subject, body["email"]
    )
    return jsonify(_membership(membership))


@bp.delete("/org-units/<key>/members/<subject>")
@requires(Role.ADMIN)
def remove_member(key: str, subject: str) -> Response:
    """Remove a member from an org unit."""
    _directory().remove_member(current_principal().subject, key, subject)
    return Response(status=204)


@bp.get("/deputies")
@requires(Role.ADMIN)
def deputies() -> Response:
    """Every Vertretung, current, past and future."""
    directory = _directory()
    now = directory.clock()
    return paged(directory.deputies(page_request()), lambda d: views.deputy(d, now))


@bp.post("/deputies")
@requires(Role.ADMIN)
def add_deputy() -> Response:
    """Add a Vertretung `{deputy_subject, absent_subject, org_unit?, valid_from, valid_until}`."""
    body = _body()
    directory = _directory()
    deputy = directory.add_deputy(
        current_principal().subject,
        body.get("deputy_subject", ""),
        body.get("absent_subject", ""),
        valid_from=parse_moment("valid_from", body.get("valid_from")),
        valid_until=parse_moment("valid_until", body.get("valid_until")),
        org_unit=body.get("org_unit"),
    )
    return _created(views.deputy(deputy, directory.clock()))


@bp.delete("/deputies/<deputy_id>")
@requires(Role.ADMIN)
def end_deputy(deputy_id: str) -> Response:
    """End a Vertretung now."""
    directory = _directory()
    deputy = directory.end_deputy(current_principal().subject, deputy_id)
    return jsonify(views.deputy(deputy, directory.clock()))
