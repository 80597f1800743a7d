"""The admin pages of the Bürgerbudget rounds (`/arbeitsplatz/admin/buergerbudget`): the
rounds with their phase, one round, a new round and the changes of a round from a form
checked with German messages next to each field. The same `RoundService` as
`egov.web.api_buergerbudget_rounds`; admins only."""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from egov.buergerbudget.rounds import CLOSED, DATES
from egov.errors import Conflict, Invalid
from egov.ui.pages import N_, page_url, see_other
from egov.web.context import container
from egov.web.paging import page_request
from egov.workspace.admin_pages import (
    acting_admin,
    admin_page,
    form_day,
    form_text,
    refused,
    required,
    show,
)
from egov.workspace.views import bp

PHASES = {
    "before": N_("noch nicht begonnen"),
    "submissions": N_("Vorschläge können eingereicht werden"),
    "review": N_("Vorschläge werden geprüft"),
    "vote": N_("Abstimmung läuft"),
    "closed": N_("abgeschlossen"),
}
LEVELS = {
    "low": N_("niedrig (Benutzername und Passwort)"),
    "substantial": N_("substanziell (z. B. BundID mit Online-Ausweis)"),
    "high": N_("hoch"),
}
NUMBERS = ("year", "total_budget_eur", "cap_per_proposal_eur", "votes_per_citizen")
FIELDS = (*NUMBERS[:3], *DATES, "votes_per_citizen", "vertrauensniveau", "categories")
MAX_CATEGORIES = 50
MAX_EUR = 100_000_000


def _phases() -> dict[str, str]:
    return {key: _(label) for key, label in PHASES.items()}


@bp.get("/admin/buergerbudget")
@admin_page
def admin_rounds() -> Response:
    """The rounds by year, one page."""
    rounds = container().rounds
    found = rounds.page(page_request())
    now = container().clock()
    return show(
        "workspace/admin/rounds.html",
        title=_("Bürgerbudget-Runden"),
        rounds=[(r, r.phase(now)) for r in found.items],
        phases=_phases(),
        more=page_url(found.next_cursor),
    )


@bp.get("/admin/buergerbudget/<int:year>")
@admin_page
def admin_round(year: int) -> Response:
    """One round (404 `round-not-found`)."""
    found = container().rounds.get(year)
    phase = found.phase(container().clock())
    return show(
        "workspace/admin/round.html",
        title=_("Bürgerbudget %(year)s", year=year),
        round=found,
        phase=_phases()[phase],
        levels={key: _(label) for key, label in LEVELS.items()},
        changed=request.args.get("erledigt") == "geaendert",
        closed=phase == CLOSED,
    )


@bp.get("/admin/buergerbudget/neu")
@admin_page
def admin_new_round() -> Response:
    """The form of a new round."""
    return _form({"vertrauensniveau": "substantial", "votes_per_citizen": "3"}, {})


def _form(
    values: dict[str, str], errors: dict[str, str], year: int | None = None, refusal: str = ""
) -> Response:
    """The form of a new round, or (`year`) of a round's changes."""
    return show(
        "workspace/admin/round_form.html",
        title=_("Neue Bürgerbudget-Runde")
        if year is None
        else _("Bürgerbudget %(year)s ändern", year=year),
        values=values,
        errors={name: errors[name] for name in FIELDS if name in errors},  # the form's order
        levels={key: _(label) for key, label in LEVELS.items()},
        year=year,
        refusal=refusal,
    )


@bp.post("/admin/buergerbudget/neu")
@admin_page
def admin_create_round() -> Response | BaseResponse:
    """Create the round of the form; errors next to their fields."""
    values = {name: form_text(name) for name in FIELDS}
    raw, errors = _checked(values)
    if not errors:
        try:
            made = container().rounds.create(raw, acting_admin().actor)
            return see_other(url_for("workspace.admin_round", year=made.year))
        except Invalid as error:
            errors = refused(error, {name: name for name in FIELDS}, "year")
        except Conflict as error:  # `round-exists`
            errors = {"year": error.message}
    return _form(values, errors)


@bp.get("/admin/buergerbudget/<int:year>/aendern")
@admin_page
def admin_edit_round(year: int) -> Response:
    """The form of a round's changes, filled with the round as it is."""
    found = container().rounds.get(year).as_dict()
    values = {name: str(found[name]) for name in FIELDS if name != "categories"}
    return _form({**values, "categories": "\n".join(found["categories"])}, {}, year)


@bp.post("/admin/buergerbudget/<int:year>/aendern")
@admin_page
def admin_change_round(year: int) -> Response | BaseResponse:
    """Change the round; once submissions opened only the fields the service still takes
    (its refusal, `round-opened` or `round-vote-started`, is said on the form)."""
    container().rounds.get(year)  # 404 `round-not-found`
    values = {**{name: form_text(name) for name in FIELDS}, "year": str(year)}
    raw, errors = _checked(values)
    if not errors:
        try:
            container().rounds.edit(year, raw, acting_admin().actor)
            return see_other(url_for("workspace.admin_round", year=year, erledigt="geaendert"))
        except Invalid as error:
            errors = refused(error, {name: name for name in FIELDS}, "total_budget_eur")
        except Conflict as error:
            return _form(values, {}, year, refusal=error.message)
    return _form(values, errors, year)


def _checked(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The form as the service's round, and German messages for what the form gets wrong."""
    errors: dict[str, str] = {}
    required(errors, values, {name: _("Bitte füllen Sie dieses Feld aus.") for name in FIELDS})
    raw: dict[str, Any] = {}
    for name in NUMBERS:
        number = _whole(values[name])
        if values[name] and (number is None or not 1 <= number <= MAX_EUR):
            errors[name] = _("Bitte geben Sie eine ganze Zahl größer als 0 an, ohne Punkt.")
        raw[name] = number
    for name in DATES:
        day = form_day(values[name])
        if values[name] and day is None:
            errors[name] = _("Bitte geben Sie einen Tag an, zum Beispiel 31.05.2026.")
        raw[name] = None if day is None else day.isoformat()
    _order(raw, errors)
    if values["vertrauensniveau"] not in LEVELS:
        errors["vertrauensniveau"] = _("Bitte wählen Sie ein Vertrauensniveau.")
    raw["vertrauensniveau"] = values["vertrauensniveau"]
    categories = [line.strip() for line in values["categories"].splitlines() if line.strip()]
    if len(categories) > MAX_CATEGORIES:
        errors["categories"] = _("Höchstens %(max)s Kategorien.", max=MAX_CATEGORIES)
    raw["categories"] = categories
    return raw, errors


ORDER = (  # (earlier, later, may be the same day, the message at the later one)
    ("submissions_open", "submission_deadline", True, N_("Die Frist darf nicht vor dem Beginn "
     "der Einreichung liegen.")),
    ("submission_deadline", "vote_opens", False, N_("Die Abstimmung beginnt erst nach der "
     "Frist für Vorschläge.")),
    ("vote_opens", "vote_closes", True, N_("Das Ende der Abstimmung darf nicht vor ihrem "
     "Beginn liegen.")),
)  # fmt: skip


def _order(raw: dict[str, Any], errors: dict[str, str]) -> None:
    """The days in their order, and a cap within the budget, each said at its field."""
    for earlier, later, same_day, message in ORDER:
        first, then = raw[earlier], raw[later]
        if first and then and (then < first or (then == first and not same_day)):
            errors.setdefault(later, _(message))
    total, cap = raw["total_budget_eur"], raw["cap_per_proposal_eur"]
    if total and cap and cap > total:
        errors.setdefault(
            "cap_per_proposal_eur", _("Der Höchstbetrag darf nicht über dem Gesamtbudget liegen.")
        )


def _whole(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else None
