"""The admin pages of the workspace (egov/workspace/admin_*.py): each page for an admin, the
403 page for clerks and citizens, the login for nobody; org units with members and
Vertretungen, procedures, Bürgerbudget rounds (a new one from a form with German messages),
process definitions with their diagram, and the incident inbox with retry and resolve; hostile
input shown back inert."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from egov.container import Container
from egov.identity.sessions import SESSION_KEY
from egov.outbox.incidents import open_incident
from egov.outbox.store import IncidentKind
from egov.workflow.deploy import read_bundle
from tests.builders import ROOT, proposal
from tests.conftest import Api
from tests.support.pages import form_token, log_in, text_of

ADMIN = "/arbeitsplatz/admin"
UNIT = "fachdienst-stadtgruen"
RLO = "\u202e"
HOSTILE = f"<script>alert(1)</script>{RLO}gnp.exe"
PAGES = [
    ADMIN,
    f"{ADMIN}/organisationseinheiten",
    f"{ADMIN}/organisationseinheiten/{UNIT}",
    f"{ADMIN}/verfahren",
    f"{ADMIN}/verfahren/buergerbudget",
    f"{ADMIN}/buergerbudget",
    f"{ADMIN}/buergerbudget/2026",
    f"{ADMIN}/buergerbudget/neu",
    f"{ADMIN}/buergerbudget/2026/aendern",
    f"{ADMIN}/prozesse",
    f"{ADMIN}/prozesse/buergerbudget",
    f"{ADMIN}/stoerungen",
    f"{ADMIN}/stoerungen/{{incident}}",
    f"{ADMIN}/prozessversionen/{{definition}}/diagramm.bpmn",
]
FORMS = [
    f"{ADMIN}/organisationseinheiten",
    f"{ADMIN}/organisationseinheiten/{UNIT}/name",
    f"{ADMIN}/organisationseinheiten/{UNIT}/mitglieder",
    f"{ADMIN}/organisationseinheiten/{UNIT}/mitglieder/entfernen",
    f"{ADMIN}/organisationseinheiten/{UNIT}/vertretungen",
    f"{ADMIN}/vertretungen/{{deputy}}/beenden",
    f"{ADMIN}/buergerbudget/neu",
    f"{ADMIN}/buergerbudget/2026/aendern",
    f"{ADMIN}/stoerungen/{{incident}}/wiederholen",
    f"{ADMIN}/stoerungen/{{incident}}/erledigen",
    f"{ADMIN}/prozessversionen/{{definition}}/aktivieren",
]


def seeded_incident(container: Container, message: str = "Traceback: geheim") -> str:
    with container.db.transaction() as session:
        incident = open_incident(
            session,
            kind=IncidentKind.CORRELATION,
            code="message-uncorrelated",
            message=message,
            now=container.clock(),
            actor="tests",
        )
        return incident.id


def a_deputy(container: Container) -> str:
    now = container.clock()
    deputy = container.directory.add_deputy(
        "tests", "dev:ben", "dev:anna", valid_from=now, valid_until=now + timedelta(days=3),
        org_unit=UNIT,
    )  # fmt: skip
    return deputy.id


@pytest.fixture
def ids(container: Container) -> dict[str, str]:
    definition = next(
        d for d in container.definitions.versions().items if d.process_id == "buergerbudget"
    )
    return {
        "incident": seeded_incident(container),
        "definition": definition.id,
        "deputy": a_deputy(container),
    }


def as_admin(app: Flask, container: Container) -> FlaskClient:
    client = app.test_client()
    log_in(client, container, "admin")
    return client


def post_form(client: FlaskClient, page: str, path: str, **fields: str) -> object:
    token = form_token(client.get(page).get_data(as_text=True))
    return client.post(path, data={**fields, "csrf_token": token})


# -- who may see the pages ----------------------------------------------------------------------


def test_an_admin_opens_every_admin_page(
    app: Flask, container: Container, ids: dict[str, str]
) -> None:
    client = as_admin(app, container)
    for page in PAGES:
        response = client.get(page.format(**ids))
        assert response.status_code == 200, page
    landing = text_of(client.get("/arbeitsplatz").get_data(as_text=True))
    assert "Administration" in landing


@pytest.mark.parametrize("user", ["anna", "erika"])
def test_clerks_and_citizens_get_the_403_page_on_every_admin_route(
    app: Flask, container: Container, ids: dict[str, str], user: str
) -> None:
    client = app.test_client()
    log_in(client, container, user)
    token = form_token(client.get("/").get_data(as_text=True))
    for page in PAGES:
        response = client.get(page.format(**ids))
        assert response.status_code == 403 and response.mimetype == "text/html", page
        assert "Kein Zugriff" in text_of(response.get_data(as_text=True))
    for path in FORMS:
        response = client.post(
            path.format(**ids), data={"csrf_token": token, "note": "x", "reason": "x"}
        )
        assert response.status_code == 403, path
    assert container.incidents.get(ids["incident"]).status == "open"
    if user == "anna":
        landing = text_of(client.get("/arbeitsplatz").get_data(as_text=True))
        assert "Administration" not in landing


def test_without_a_login_the_admin_pages_lead_to_the_login(app: Flask, ids: dict[str, str]) -> None:
    response = app.test_client().get(f"{ADMIN}/stoerungen")

    assert response.status_code == 303
    assert response.location.startswith("/auth/login/")


def test_a_form_without_its_token_is_refused(app: Flask, container: Container) -> None:
    client = as_admin(app, container)

    response = client.post(f"{ADMIN}/organisationseinheiten/{UNIT}/mitglieder", data={})

    assert response.status_code == 400 and "form-token-invalid" in response.get_data(as_text=True)


# -- org units, members, Vertretungen -----------------------------------------------------------


def test_an_admin_adds_an_org_unit_and_renames_it(app: Flask, container: Container) -> None:
    client = as_admin(app, container)
    page = f"{ADMIN}/organisationseinheiten"

    wrong = post_form(client, page, page, key="Fachdienst Umwelt!", name=HOSTILE)
    added = post_form(client, page, page, key="fachdienst-umwelt", name="Fachdienst Umwelt")
    renamed = post_form(client, page, f"{page}/fachdienst-umwelt/name", name=HOSTILE)
    html = client.get(renamed.location).get_data(as_text=True)  # type: ignore[attr-defined]

    wrong_html = wrong.get_data(as_text=True)  # type: ignore[attr-defined]
    assert 'id="feld-key-fehler"' in wrong_html and "a-z, 0-9" in text_of(wrong_html)
    assert "<script>alert" not in wrong_html
    assert added.location == f"{page}/fachdienst-umwelt?erledigt=angelegt"  # type: ignore[attr-defined]
    assert "Die Organisationseinheit wurde umbenannt." in text_of(html)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert container.directory.unit_names(frozenset({"fachdienst-umwelt"})) == {
        "fachdienst-umwelt": HOSTILE
    }


def test_an_org_unit_key_taken_is_said_at_the_key(app: Flask, container: Container) -> None:
    client = as_admin(app, container)
    page = f"{ADMIN}/organisationseinheiten"

    response = post_form(client, page, page, key=UNIT, name="Doppelt")

    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert re.findall(r'href="#feld-([a-z_]+)"', html) == ["key"]
    assert "gibt es schon" in text_of(html)


def test_an_admin_adds_and_removes_a_member(app: Flask, container: Container) -> None:
    client = as_admin(app, container)
    page = f"{ADMIN}/organisationseinheiten/{UNIT}"

    added = post_form(client, page, f"{page}/mitglieder", subject="dev:ben", role="supervisor",
                      email="ben.muster@example.org")  # fmt: skip
    shown = text_of(client.get(added.location).get_data(as_text=True))  # type: ignore[attr-defined]
    removed = post_form(client, page, f"{page}/mitglieder/entfernen", subject="dev:ben")

    assert added.status_code == 303  # type: ignore[attr-defined]
    assert "Das Mitglied wurde hinzugefügt." in shown and "dev:ben" in shown
    assert "Leitung (erhält Eskalationen)" in shown
    assert removed.status_code == 303  # type: ignore[attr-defined]
    assert container.directory.members(UNIT).items == []


def test_a_wrong_member_is_said_next_to_its_field_and_shown_back_inert(
    app: Flask, container: Container
) -> None:
    client = as_admin(app, container)
    page = f"{ADMIN}/organisationseinheiten/{UNIT}"

    response = post_form(client, page, f"{page}/mitglieder", subject=HOSTILE, role="clerk",
                         email="keine-adresse")  # fmt: skip

    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="#feld-subject"' in html and 'id="feld-subject-fehler"' in html
    assert "Aussteller" in text_of(html)
    assert container.directory.members(UNIT).items == []


def test_a_member_twice_is_refused_at_the_field(app: Flask, container: Container) -> None:
    container.directory.add_member("tests", UNIT, "dev:anna")
    client = as_admin(app, container)
    page = f"{ADMIN}/organisationseinheiten/{UNIT}"

    response = post_form(client, page, f"{page}/mitglieder", subject="dev:anna", role="clerk")

    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "gehört schon zu" in text_of(response.get_data(as_text=True))  # type: ignore[attr-defined]


def test_an_admin_sets_a_deputy_for_some_days_and_ends_it(app: Flask, container: Container) -> None:
    container.directory.add_member("tests", UNIT, "dev:anna")
    client = as_admin(app, container)
    page = f"{ADMIN}/organisationseinheiten/{UNIT}"
    today = container.clock().date()
    last = today + timedelta(days=6)

    added = post_form(client, page, f"{page}/vertretungen", absent_subject="dev:anna",
                      deputy_subject="dev:ben", valid_from=today.isoformat(),
                      valid_until=last.isoformat())  # fmt: skip
    html = client.get(added.location).get_data(as_text=True)  # type: ignore[attr-defined]
    [deputy] = container.directory.deputies().items
    ended = post_form(client, page, f"{ADMIN}/vertretungen/{deputy.id}/beenden", zurueck=page)

    assert "Die Vertretung wurde eingetragen." in text_of(html)
    assert "dev:ben vertritt dev:anna" in text_of(html) and "läuft" in text_of(html)
    assert deputy.org_unit_key == UNIT and deputy.valid_until > deputy.valid_from
    assert ended.location == f"{page}?erledigt=beendet"  # type: ignore[attr-defined]
    [after] = container.directory.deputies().items
    assert after.ended_at is not None and after.ended_by == "dev:admin"


def test_a_deputy_ending_before_it_begins_is_said_at_the_last_day(
    app: Flask, container: Container
) -> None:
    client = as_admin(app, container)
    page = f"{ADMIN}/organisationseinheiten/{UNIT}"

    response = post_form(client, page, f"{page}/vertretungen", absent_subject="dev:anna",
                         deputy_subject="dev:ben", valid_from="2030-05-10",
                         valid_until="2030-05-01")  # fmt: skip

    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert 'id="feld-valid_until-fehler"' in html
    assert "Der letzte Tag darf nicht vor dem ersten liegen." in text_of(html)
    assert container.directory.deputies().items == []


def test_an_unknown_unit_is_the_404_page(app: Flask, container: Container) -> None:
    response = as_admin(app, container).get(f"{ADMIN}/organisationseinheiten/gibt-es-nicht")

    assert response.status_code == 404 and response.mimetype == "text/html"


# -- procedures, rounds, process definitions ----------------------------------------------------


def test_a_procedure_shows_its_processing_days_retention_and_four_eyes(
    app: Flask, container: Container
) -> None:
    text = text_of(as_admin(app, container).get(f"{ADMIN}/verfahren/buergerbudget").get_data(
        as_text=True))  # fmt: skip

    assert "42 Arbeitstage" in text and "Büro Bürgerbudget" in text
    assert "10 Jahre nach dem Abschluss" in text and "§ 75 Abs. 1 ThürGemHV" in text
    assert "Alle übrigen Ergebnisse" in text and "Vier-Augen-Prinzip" in text


def test_a_procedure_names_its_four_eyes_tasks(app: Flask, container: Container) -> None:
    files = read_bundle(ROOT / "bpmn" / "buergerbudget")
    spec = json.loads(files["procedure.json"])
    listed = {**spec, "four_eyes_tasks": ["assess_feasibility"], "four_eyes": ["cancel"]}
    files["procedure.json"] = json.dumps(listed).encode()
    container.definitions.deploy(files, actor="tests")

    text = text_of(
        as_admin(app, container).get(f"{ADMIN}/verfahren/buergerbudget").get_data(as_text=True)
    )

    assert "Machbarkeit und Kostenschätzung ( assess_feasibility )" in text
    assert "cancel" in text and "Kein Befehl braucht eine zweite Person." not in text


def test_a_new_round_from_the_form(app: Flask, container: Container) -> None:
    client = as_admin(app, container)
    page = f"{ADMIN}/buergerbudget/neu"

    response = post_form(client, page, page, year="2031", total_budget_eur="25000",
                         cap_per_proposal_eur="5000", submissions_open="2031-03-01",
                         submission_deadline="2031-05-31", vote_opens="2031-07-01",
                         vote_closes="2031-07-31", votes_per_citizen="3",
                         vertrauensniveau="substantial",
                         categories=f"verkehr\n{HOSTILE}\n")  # fmt: skip

    assert response.location == f"{ADMIN}/buergerbudget/2031"  # type: ignore[attr-defined]
    html = client.get(f"{ADMIN}/buergerbudget/2031").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "25.000 Euro" in text_of(html)
    assert container.rounds.get(2031).categories == ("verkehr", HOSTILE)


def test_a_wrong_round_gets_german_messages_next_to_its_fields(
    app: Flask, container: Container
) -> None:
    client = as_admin(app, container)
    page = f"{ADMIN}/buergerbudget/neu"

    response = post_form(client, page, page, year="2026", total_budget_eur="1.000",
                         cap_per_proposal_eur="", submissions_open="2031-03-01",
                         submission_deadline="2031-02-01", vote_opens="2031-07-01",
                         vote_closes="2031-07-31", votes_per_citizen="3",
                         vertrauensniveau="substantial", categories="verkehr")  # fmt: skip

    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    text = text_of(html)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "Bitte geben Sie eine ganze Zahl größer als 0 an, ohne Punkt." in text
    assert "Bitte füllen Sie dieses Feld aus." in text
    assert "Die Frist darf nicht vor dem Beginn der Einreichung liegen." in text
    summary = re.findall(r'href="#feld-([a-z_]+)"', html)
    assert summary == ["total_budget_eur", "cap_per_proposal_eur", "submission_deadline"]
    assert 'value="1.000"' in html  # what was typed is kept


def test_a_round_for_a_year_that_has_one_is_said_at_the_year(
    app: Flask, container: Container
) -> None:
    client = as_admin(app, container)
    page = f"{ADMIN}/buergerbudget/neu"

    response = post_form(client, page, page, year="2026", total_budget_eur="25000",
                         cap_per_proposal_eur="5000", submissions_open="2031-03-01",
                         submission_deadline="2031-05-31", vote_opens="2031-07-01",
                         vote_closes="2031-07-31", votes_per_citizen="3",
                         vertrauensniveau="substantial", categories="verkehr")  # fmt: skip

    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert re.findall(r'href="#feld-([a-z_]+)"', html) == ["year"]
    assert "Die Runde 2026 gibt es schon." in text_of(html)


def round_form(client: FlaskClient, year: int) -> dict[str, str]:
    """The values of a round's change form as the page fills them."""
    html = client.get(f"{ADMIN}/buergerbudget/{year}/aendern").get_data(as_text=True)
    values = dict(re.findall(r'name="([a-z_]+)" type="[a-z]+" value="([^"]*)"', html))
    values["categories"] = re.search(r'name="categories"[^>]*>([^<]*)</textarea>', html)[1]  # type: ignore[index]
    values["vertrauensniveau"] = "substantial"
    return values


def test_a_round_before_its_submissions_changes_every_field(
    app: Flask, container: Container
) -> None:
    client = as_admin(app, container)
    post_form(client, f"{ADMIN}/buergerbudget/neu", f"{ADMIN}/buergerbudget/neu", year="2031",
              total_budget_eur="25000", cap_per_proposal_eur="5000",
              submissions_open="2031-03-01", submission_deadline="2031-05-31",
              vote_opens="2031-07-01", vote_closes="2031-07-31", votes_per_citizen="3",
              vertrauensniveau="substantial", categories="verkehr")  # fmt: skip
    page = f"{ADMIN}/buergerbudget/2031/aendern"
    values = round_form(client, 2031)

    changed = post_form(client, page, page, **{**values, "categories": "verkehr\nkultur"})

    assert values["submission_deadline"] == "2031-05-31" and values["categories"] == "verkehr"
    assert changed.location == f"{ADMIN}/buergerbudget/2031?erledigt=geaendert"  # type: ignore[attr-defined]
    assert container.rounds.get(2031).categories == ("verkehr", "kultur")


def test_a_round_taking_submissions_changes_its_budget_but_not_its_categories(
    app: Flask, container: Container
) -> None:
    client = as_admin(app, container)
    page = f"{ADMIN}/buergerbudget/2026/aendern"
    values = round_form(client, 2026)

    budget = post_form(client, page, page, **{**values, "total_budget_eur": "30000"})
    categories = post_form(client, page, page, **{**values, "categories": "nur-eine"})

    assert budget.status_code == 303  # type: ignore[attr-defined]
    assert "ändern sich nicht mehr: categories" in text_of(
        categories.get_data(as_text=True)  # type: ignore[attr-defined]
    )
    assert container.rounds.get(2026).total_budget_eur == 30000
    assert "nur-eine" not in container.rounds.get(2026).categories


def test_a_process_shows_its_versions_and_the_diagram_of_the_active_one(
    app: Flask, container: Container, ids: dict[str, str]
) -> None:
    client = as_admin(app, container)

    html = client.get(f"{ADMIN}/prozesse/buergerbudget").get_data(as_text=True)
    [url] = re.findall(r'<div class="bpmn-diagram" data-bpmn-url="([^"]+)"', html)
    diagram = client.get(url)

    assert url == f"{ADMIN}/prozessversionen/{ids['definition']}/diagramm.bpmn"
    assert "aktiv: neue Vorgänge starten mit dieser Version" in text_of(html)
    assert diagram.status_code == 200 and diagram.mimetype == "application/xml"
    expected = container.definitions.file(ids["definition"], "buergerbudget.bpmn").content
    assert diagram.data == expected
    assert "sandbox" in diagram.headers["Content-Security-Policy"]


def test_an_unknown_process_is_the_404_page(app: Flask, container: Container) -> None:
    client = as_admin(app, container)

    assert client.get(f"{ADMIN}/prozesse/gibt-es-nicht").status_code == 404
    assert client.get(f"{ADMIN}/prozessversionen/nein/diagramm.bpmn").status_code == 404


# -- incidents ----------------------------------------------------------------------------------


def test_an_incident_shows_its_code_and_correlation_id_never_its_message(
    app: Flask, container: Container
) -> None:
    incident = container.incidents.get(seeded_incident(container, "Traceback: geheim"))
    client = as_admin(app, container)

    listing = text_of(client.get(f"{ADMIN}/stoerungen").get_data(as_text=True))
    detail = text_of(client.get(f"{ADMIN}/stoerungen/{incident.id}").get_data(as_text=True))

    assert "message-uncorrelated" in listing
    assert "message-uncorrelated" in detail and incident.correlation_id in detail
    assert "Traceback" not in listing + detail and "geheim" not in listing + detail


def test_an_incident_of_a_case_names_its_reference(
    app: Flask, container: Container, api: Api
) -> None:
    filed = api.post("/applications", "erika", json=proposal()).get_json()
    with container.db.transaction() as session:
        incident = open_incident(
            session,
            kind=IncidentKind.WORKFLOW_STEP,
            code="script-failed",
            message="ZeroDivisionError: geheim",
            now=container.clock(),
            actor="tests",
            case_id=filed["case_id"],
        ).id

    text = text_of(as_admin(app, container).get(f"{ADMIN}/stoerungen/{incident}").get_data(
        as_text=True))  # fmt: skip

    assert filed["case_reference"] in text and filed["case_id"] in text
    assert "Automatischer Schritt eines Vorgangs fehlgeschlagen" in text
    assert "ZeroDivisionError" not in text and "geheim" not in text


def test_an_admin_resolves_an_incident_with_a_note(app: Flask, container: Container) -> None:
    incident = seeded_incident(container)
    client = as_admin(app, container)
    page = f"{ADMIN}/stoerungen/{incident}"

    empty = post_form(client, page, f"{page}/erledigen", note="  ")
    done = post_form(client, page, f"{page}/erledigen", note=f"Von Hand geklärt {HOSTILE}")
    html = client.get(done.location).get_data(as_text=True)  # type: ignore[attr-defined]

    assert empty.status_code == 200  # type: ignore[attr-defined]
    assert 'id="feld-note-fehler"' in empty.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Die Störung ist als erledigt vermerkt." in text_of(html)
    assert "<script>alert" not in html and "Von Hand geklärt &lt;script&gt;" in html
    assert container.incidents.get(incident).status == "resolved"
    assert f"{page}/erledigen" not in html  # no forms on a resolved incident


def test_retrying_an_incident_that_cannot_run_again_says_why(
    app: Flask, container: Container
) -> None:
    incident = seeded_incident(container)  # a kept message that was never stored
    client = as_admin(app, container)
    page = f"{ADMIN}/stoerungen/{incident}"

    response = post_form(client, page, f"{page}/wiederholen")

    assert response.status_code == 200  # type: ignore[attr-defined]
    text = text_of(response.get_data(as_text=True))  # type: ignore[attr-defined]
    assert "keine Nachricht gespeichert" in text
    assert container.incidents.get(incident).status == "open"


def test_retrying_a_resolved_incident_says_it_is_not_open(app: Flask, container: Container) -> None:
    incident = seeded_incident(container)
    client = as_admin(app, container)
    page = f"{ADMIN}/stoerungen/{incident}"
    token = form_token(client.get(page).get_data(as_text=True))
    client.post(f"{page}/erledigen", data={"note": "Geklärt", "csrf_token": token})

    response = client.post(f"{page}/wiederholen", data={"csrf_token": token})

    assert "Die Störung ist nicht mehr offen." in text_of(response.get_data(as_text=True))
    assert container.incidents.get(incident).resolution == "by-hand"


def test_the_resolved_filter_lists_resolved_incidents_only(
    app: Flask, container: Container
) -> None:
    open_one = seeded_incident(container)
    client = as_admin(app, container)

    html = client.get(f"{ADMIN}/stoerungen?status=resolved").get_data(as_text=True)

    assert open_one not in html and "Keine Störungen." in text_of(html)


def test_a_very_long_member_is_refused_and_shown_back(app: Flask, container: Container) -> None:
    client = as_admin(app, container)
    page = f"{ADMIN}/organisationseinheiten/{UNIT}"
    long = "dev:" + "x" * 200_000

    response = post_form(client, page, f"{page}/mitglieder", subject=long, role="clerk")

    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert 'id="feld-subject-fehler"' in html and long in html
    assert container.directory.members(UNIT).items == []


def test_the_admin_pages_speak_english_when_asked(
    app: Flask, container: Container, ids: dict[str, str]
) -> None:
    client = as_admin(app, container)
    for page in PAGES:
        path = page.format(**ids)
        response = client.get(path + ("&" if "?" in path else "?") + "lang=en")
        assert response.status_code == 200, page

    text = text_of(client.get(f"{ADMIN}?lang=en").get_data(as_text=True))

    assert "What would you like to manage?" in text and "Process definitions" in text


# -- making another version active --------------------------------------------------------------


def second_version(container: Container, four_eyes: bool = False) -> tuple[str, str]:
    """A second version of `anliegen` (active now): the ids of the first and the second."""
    files = read_bundle(ROOT / "bpmn" / "anliegen")
    files["anliegen.bpmn"] += b"\n<!-- zweite Version -->\n"
    if four_eyes:
        spec = json.loads(files["procedure.json"])
        files["procedure.json"] = json.dumps({**spec, "four_eyes": ["activate"]}).encode()
    second = container.definitions.deploy(files, actor="tests").definition
    first = next(
        d
        for d in container.definitions.versions().items
        if d.process_id == "anliegen" and d.version == 1
    )
    return first.id, second.id


def active_version(container: Container, process_id: str) -> int:
    versions = container.definitions.versions().items
    return next(d.version for d in versions if d.process_id == process_id and d.active)


def test_an_admin_makes_an_earlier_version_active_with_a_reason(
    app: Flask, container: Container
) -> None:
    first, _second = second_version(container)
    client = as_admin(app, container)
    page = f"{ADMIN}/prozesse/anliegen?version={first}"
    path = f"{ADMIN}/prozessversionen/{first}/aktivieren"

    empty = post_form(client, page, path, reason="")
    done = post_form(client, page, path, reason=f"Fehler in Version 2 {HOSTILE}")
    html = client.get(done.location).get_data(as_text=True)  # type: ignore[attr-defined]

    assert 'id="feld-reason-fehler"' in empty.get_data(as_text=True)  # type: ignore[attr-defined]
    assert done.location == f"{page}&erledigt=aktiviert"  # type: ignore[attr-defined]
    assert "Diese Version ist jetzt aktiv" in text_of(html)
    assert "<script>alert" not in html and "Fehler in Version 2 &lt;script&gt;" in html
    assert active_version(container, "anliegen") == 1


def test_where_four_eyes_are_demanded_the_activation_is_a_request(
    app: Flask, container: Container
) -> None:
    first, _second = second_version(container, four_eyes=True)
    client = as_admin(app, container)
    page = f"{ADMIN}/prozesse/anliegen?version={first}"
    path = f"{ADMIN}/prozessversionen/{first}/aktivieren"

    asked = post_form(client, page, path, reason="Zurück auf Version 1")
    again = post_form(client, page, path, reason="Zurück auf Version 1")

    assert asked.location == f"{page}&erledigt=beantragt"  # type: ignore[attr-defined]
    assert "Vier-Augen-Prinzip" in text_of(client.get(asked.location).get_data(as_text=True))  # type: ignore[attr-defined]
    assert "eine andere" in text_of(again.get_data(as_text=True)).lower()  # type: ignore[attr-defined]
    assert active_version(container, "anliegen") == 2


def test_an_old_login_logs_in_again_before_an_activation(app: Flask, container: Container) -> None:
    first, _second = second_version(container)
    client = as_admin(app, container)
    page = f"{ADMIN}/prozesse/anliegen?version={first}"
    token = form_token(client.get(page).get_data(as_text=True))
    with client.session_transaction() as cookie:
        stored = dict(cookie[SESSION_KEY])
        stored["auth_time"] -= 3600
        cookie[SESSION_KEY] = stored

    response = client.post(
        f"{ADMIN}/prozessversionen/{first}/aktivieren",
        data={"reason": "Zurück", "csrf_token": token},
    )

    assert response.status_code == 303
    assert response.location.startswith("/auth/login/dev?") and "reauth=1" in response.location
    assert active_version(container, "anliegen") == 2
