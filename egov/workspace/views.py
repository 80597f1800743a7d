"""The workspace's landing page at `/arbeitsplatz`: who is logged in (name, org units) and the
way to the Posteingang. Only for clerks and admins; without a login, to the staff login."""

from __future__ import annotations

from flask import Blueprint, Response
from flask_babel import gettext as _

from egov.ui.access import STAFF, page_for, viewer
from egov.ui.pages import render
from egov.web.context import container

bp = Blueprint("workspace", __name__, template_folder="templates")


@bp.get("")
@page_for(STAFF)
def landing() -> Response:
    """The landing page."""
    who = viewer()
    assert who is not None  # page_for checked it
    return render(
        "workspace/landing.html",
        title=_("Arbeitsplatz"),
        viewer=who,
        units=container().directory.unit_names(who.org_units),
    )


from egov.workspace import admin_incidents as _admin_incidents  # noqa: E402,F401
from egov.workspace import admin_processes as _admin_processes  # noqa: E402,F401
from egov.workspace import admin_rounds as _admin_rounds  # noqa: E402,F401
from egov.workspace import admin_units as _admin_units  # noqa: E402,F401
from egov.workspace import casepage as _casepage  # noqa: E402,F401
from egov.workspace import inbox as _inbox  # noqa: E402,F401
from egov.workspace import taskform as _taskform  # noqa: E402,F401
