"""The admin pages of org units (`/arbeitsplatz/admin/organisationseinheiten`): the units, a
new one, one unit with its members and its Vertretungen, renaming it, adding and removing a
member, a Vertretung for some days and ending it early. The same `Directory` service as
`egov.web.api_directory`; admins only. Also the admin start page (`/arbeitsplatz/admin`) that
leads to every admin page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import Response, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from egov.buergerbudget.rounds import city_day
from egov.errors import DomainError
from egov.identity.directory import Directory
from egov.identity.store import MEMBER_ROLES, Deputy
from egov.ui.pages import N_, local_path, page_url, see_other
from egov.web.context import container
from egov.web.paging import page_request
from egov.workspace.admin_pages import (
    acting_admin,
    admin_page,
    day_after,
    day_start,
    every,
    form_day,
    form_text,
    refused,
    required,
    show,
)
from egov.workspace.views import bp

ROLE_NAMES = {"clerk": N_("Sachbearbeitung"), "supervisor": N_("Leitung (erhält Eskalationen)")}
DONE = {  # ?erledigt=... after a form: what the page says it did
    "angelegt": N_("Die Organisationseinheit wurde angelegt."),
    "umbenannt": N_("Die Organisationseinheit wurde umbenannt."),
    "mitglied": N_("Das Mitglied wurde hinzugefügt."),
    "entfernt": N_("Das Mitglied wurde entfernt."),
    "vertretung": N_("Die Vertretung wurde eingetragen."),
    "beendet": N_("Die Vertretung wurde beendet."),
}
MEMBER_FIELDS = {"subject": "subject", "role": "role", "email": "email"}
DEPUTY_FIELDS = {
    "deputy_subject": "deputy_subject",
    "absent_subject": "absent_subject",
    "valid_from": "valid_from",
    "valid_until": "valid_until",
}


@dataclass(frozen=True)
class Vertretung:
    """A Vertretung as the page shows it: its days in the city's calendar and its state."""

    id: str
    deputy_subject: str
    absent_subject: str
    first_day: date
    last_day: date
    state: str  # "aktiv", "geplant", "beendet"

    @classmethod
    def of(cls, deputy: Deputy, now: datetime) -> Vertretung:
        ended = deputy.ended_at is not None or deputy.valid_until <= now
        state = "beendet" if ended else ("aktiv" if deputy.active_at(now) else "geplant")
        return cls(
            deputy.id,
            deputy.deputy_subject,
            deputy.absent_subject,
            city_day(deputy.valid_from),
            city_day(deputy.valid_until - timedelta(microseconds=1)),
            state,
        )


def _directory() -> Directory:
    return container().directory


@bp.get("/admin")
@admin_page
def admin() -> Response:
    """The admin start page."""
    return show("workspace/admin/index.html", title=_("Administration"))


UNIT_FIELDS = {"key": "key", "name": "name"}


@bp.get("/admin/organisationseinheiten")
@admin_page
def admin_units() -> Response:
    """The org units, one page, and the form of a new one."""
    return _units_page()


def _units_page(
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> Response:
    found = _directory().org_units(page_request())
    return show(
        "workspace/admin/units.html",
        title=_("Organisationseinheiten"),
        units=found.items,
        more=page_url(found.next_cursor),
        values=values or {},
        errors=errors or {},
    )


@bp.post("/admin/organisationseinheiten")
@admin_page
def admin_add_unit() -> Response | BaseResponse:
    """A new org unit (key and name)."""
    values = {name: form_text(name) for name in UNIT_FIELDS}
    errors: dict[str, str] = {}
    required(
        errors,
        values,
        {
            "key": _("Bitte geben Sie einen Schlüssel an."),
            "name": _("Bitte geben Sie einen Namen an."),
        },
    )
    if not errors:
        try:
            unit = _directory().add_org_unit(acting_admin().subject, values["key"], values["name"])
            return _done(unit.key, "angelegt")
        except DomainError as error:  # a key of other characters, a name too long, a key taken
            errors = refused(error, UNIT_FIELDS, "key")
    return _units_page(values, errors)


@bp.post("/admin/organisationseinheiten/<key>/name")
@admin_page
def admin_rename_unit(key: str) -> Response | BaseResponse:
    """Rename an org unit."""
    name = form_text("name")
    if not name:
        return _unit_page(key, name_errors={"name": _("Bitte geben Sie einen Namen an.")})
    try:
        _directory().rename_org_unit(acting_admin().subject, key, name)
    except DomainError as error:
        if error.code.endswith("-not-found"):
            raise
        return _unit_page(key, name_form=name, name_errors=refused(error, UNIT_FIELDS, "name"))
    return _done(key, "umbenannt")


@bp.get("/admin/organisationseinheiten/<key>")
@admin_page
def admin_unit(key: str) -> Response:
    """One org unit: its members, its Vertretungen and the forms to change them."""
    return _unit_page(key)


def _unit_page(key: str, **forms: Any) -> Response:
    directory = _directory()
    members = directory.members(key, page_request())  # 404 `org-unit-not-found`
    names = directory.unit_names(frozenset({key}))
    subjects = {m.subject for m in members.items}
    now = directory.clock()
    deputies = [
        Vertretung.of(d, now)
        for d in every(directory.deputies)
        if d.org_unit_key == key or (d.org_unit_key is None and d.absent_subject in subjects)
    ]
    return show(
        "workspace/admin/unit.html",
        title=names.get(key, key),
        key=key,
        name=names.get(key, key),
        members=members.items,
        more=page_url(members.next_cursor),
        deputies=deputies,
        roles={role: _(ROLE_NAMES[role]) for role in MEMBER_ROLES},
        done=_(DONE[request.args["erledigt"]]) if request.args.get("erledigt") in DONE else None,
        member_form=forms.get("member_form", {"role": "clerk"}),
        member_errors=forms.get("member_errors", {}),
        deputy_form=forms.get("deputy_form", {}),
        deputy_errors=forms.get("deputy_errors", {}),
        name_form=forms.get("name_form", names.get(key, key)),
        name_errors=forms.get("name_errors", {}),
    )


def _done(key: str, what: str) -> BaseResponse:
    return see_other(url_for("workspace.admin_unit", key=key, erledigt=what))


@bp.post("/admin/organisationseinheiten/<key>/mitglieder")
@admin_page
def admin_add_member(key: str) -> Response | BaseResponse:
    """Add a member (subject, role, optional e-mail address)."""
    values = {name: form_text(name) for name in MEMBER_FIELDS}
    errors: dict[str, str] = {}
    required(errors, values, {"subject": _("Bitte geben Sie die Kennung der Person an.")})
    if values["role"] not in MEMBER_ROLES:
        errors["role"] = _("Bitte wählen Sie eine Rolle.")
    if not errors:
        try:
            _directory().add_member(
                acting_admin().subject,
                key,
                values["subject"],
                values["role"],
                values["email"] or None,
            )
            return _done(key, "mitglied")
        except DomainError as error:
            if error.code.endswith("-not-found"):
                raise
            errors = refused(error, MEMBER_FIELDS, "subject")
    return _unit_page(key, member_form=values, member_errors=errors)


@bp.post("/admin/organisationseinheiten/<key>/mitglieder/entfernen")
@admin_page
def admin_remove_member(key: str) -> BaseResponse:
    """Remove the member named by the form's `subject` (404 when it is no member)."""
    _directory().remove_member(acting_admin().subject, key, form_text("subject"))
    return _done(key, "entfernt")


@bp.post("/admin/organisationseinheiten/<key>/vertretungen")
@admin_page
def admin_add_deputy(key: str) -> Response | BaseResponse:
    """A Vertretung in this unit from the first to the last day given (city calendar)."""
    values = {name: form_text(name) for name in DEPUTY_FIELDS}
    errors: dict[str, str] = {}
    required(
        errors,
        values,
        {
            "deputy_subject": _("Bitte geben Sie an, wer vertritt."),
            "absent_subject": _("Bitte geben Sie an, wer vertreten wird."),
        },
    )
    days = {name: form_day(values[name]) for name in ("valid_from", "valid_until")}
    for name, day in days.items():
        if day is None:
            errors[name] = _("Bitte geben Sie einen Tag an, zum Beispiel 31.05.2026.")
    first, last = days["valid_from"], days["valid_until"]
    if first is not None and last is not None and last < first:
        errors["valid_until"] = _("Der letzte Tag darf nicht vor dem ersten liegen.")
    if not errors and first is not None and last is not None:
        try:
            _directory().add_deputy(
                acting_admin().subject,
                values["deputy_subject"],
                values["absent_subject"],
                valid_from=day_start(first),
                valid_until=day_after(last),
                org_unit=key,
            )
            return _done(key, "vertretung")
        except DomainError as error:
            if error.code.endswith("-not-found") or error.code == "org-unit-unknown":
                raise
            errors = refused(error, DEPUTY_FIELDS, "deputy_subject")
    return _unit_page(key, deputy_form=values, deputy_errors=errors)


@bp.post("/admin/vertretungen/<deputy_id>/beenden")
@admin_page
def admin_end_deputy(deputy_id: str) -> BaseResponse:
    """End a Vertretung now; back to the unit page the form names."""
    _directory().end_deputy(acting_admin().subject, deputy_id)
    back = local_path(form_text("zurueck"), url_for("workspace.admin_units"))
    return see_other(back + ("&" if "?" in back else "?") + "erledigt=beendet")
