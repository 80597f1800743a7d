"""The portal's Bürgerbudget pages (egov/portal/buergerbudget.py): a round with its proposals
and filters, a proposal's page, and the ballot of a logged-in citizen (up to N proposals,
changed until the vote closes, "Ihre Stimme ist gespeichert"); the login and the
Vertrauensniveau the API asks for; hostile titles shown back inert; a ballot only its voter
sees."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import Api
from tests.integration.buergerbudget.vote_support import admitted_proposal, at, round_with_proposals
from tests.integration.test_timers_support import FakeClock, api_of, clocked_app
from tests.support.pages import form_token, log_in, text_of

ROUND = "/buergerbudget/2030"
BALLOT = f"{ROUND}/abstimmung"
HOSTILE = '<script>alert("x")</script>\u202eVorschlag'


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.fromisoformat("2030-02-01T10:00:00"))


@pytest.fixture
def api(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Api]:
    app = clocked_app(database_url, tmp_path / "var", clock)
    yield api_of(app)
    app.extensions["egov"].db.dispose()


@pytest.fixture
def proposals(api: Api, clock: FakeClock) -> list[str]:
    found = round_with_proposals(api, clock)
    return [*found, admitted_proposal(api, HOSTILE)]


def logged_in(api: Api, user: str) -> FlaskClient:
    client = api.client.application.test_client()
    log_in(client, api.container, user)
    return client


def vote(client: FlaskClient, *choices: str) -> TestResponse:
    token = form_token(client.get(BALLOT).get_data(as_text=True))
    return client.post(BALLOT, data={"csrf_token": token, "vorschlag": list(choices)})


def test_the_round_page_lists_the_admitted_proposals_with_their_phase(
    api: Api, clock: FakeClock, proposals: list[str]
) -> None:
    at(clock, "2030-06-15T10:00:00")
    html = api.client.get(ROUND).get_data(as_text=True)
    text = text_of(html)

    assert "Bürgerbudget 2030" in text and "Die Vorschläge werden geprüft" in text
    assert "4 von 4 Vorschlägen" in text and "Vorschlag 0" in text and "3.000 €" in text
    assert 'href="/buergerbudget/2030/vorschlaege/1"' in html
    assert "Jetzt abstimmen" not in text  # the vote has not begun


def test_the_filters_narrow_the_list_by_category_and_status(api: Api, proposals: list[str]) -> None:
    none = text_of(api.client.get(f"{ROUND}?kategorie=spielplatz").get_data(as_text=True))
    some = text_of(
        api.client.get(f"{ROUND}?kategorie=verkehr&status=admitted_to_vote").get_data(as_text=True)
    )

    assert "0 von 4 Vorschlägen" in none and "Kein Vorschlag passt" in none
    assert "4 von 4 Vorschlägen" in some


def test_a_proposal_has_its_own_page_and_an_unknown_number_is_the_404_page(
    api: Api, proposals: list[str]
) -> None:
    page = text_of(api.client.get(f"{ROUND}/vorschlaege/2").get_data(as_text=True))
    missing = api.client.get(f"{ROUND}/vorschlaege/9")

    assert "Vorschlag 1" in page and "Holzmarkt, Jena-Zentrum" in page
    assert "mit Folgekosten für fünf Jahre" in page
    assert missing.status_code == 404 and "proposal-not-found" in missing.get_data(as_text=True)
    assert api.client.get("/buergerbudget/1999").status_code == 404


def test_hostile_titles_are_shown_as_text(api: Api, proposals: list[str]) -> None:
    for path in (ROUND, f"{ROUND}/vorschlaege/4"):
        html = api.client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "&lt;script&gt;alert(" in html


def test_the_ballot_asks_for_the_login_first(api: Api, proposals: list[str]) -> None:
    response = api.client.get(BALLOT)

    assert response.status_code == 303
    assert response.location.startswith("/auth/login/dev?next=")


def test_a_citizen_votes_sees_it_saved_and_changes_her_choice_until_the_close(
    api: Api, clock: FakeClock, proposals: list[str]
) -> None:
    at(clock, "2030-07-02T10:00:00")
    erika = logged_in(api, "erika")
    page = erika.get(BALLOT).get_data(as_text=True)
    assert page.count('type="checkbox" id="vorschlag-') == 4
    assert "Sie haben 2 Stimmen" in text_of(page)

    saved = vote(erika, proposals[0], proposals[1])

    assert saved.status_code == 303
    after = erika.get(BALLOT).get_data(as_text=True)
    assert "Ihre Stimme ist gespeichert" in text_of(after)
    assert re.findall(r'value="([^"]+)" checked', after) == proposals[:2]
    assert "Ihre Stimme ist gespeichert" not in text_of(erika.get(BALLOT).get_data(as_text=True))
    vote(erika, proposals[2])
    ballot = api.get("/buergerbudget/rounds/2030/ballot", "erika").get_json()
    assert (ballot["proposals"], ballot["version"]) == ([proposals[2]], 2)

    at(clock, "2030-08-01T10:00:00")
    closed = logged_in(api, "erika").get(BALLOT).get_data(as_text=True)
    assert "Die Abstimmung ist beendet" in text_of(closed) and 'name="vorschlag"' not in closed


def test_more_than_n_proposals_are_refused_next_to_the_choices(
    api: Api, clock: FakeClock, proposals: list[str]
) -> None:
    at(clock, "2030-07-02T10:00:00")
    erika = logged_in(api, "erika")

    refused = vote(erika, *proposals[:3])

    assert refused.status_code == 200  # the form again
    html = refused.get_data(as_text=True)
    assert 'href="#feld-vorschlag"' in html and "höchstens 2 Vorschläge" in text_of(html)
    assert api.get("/buergerbudget/rounds/2030/ballot", "erika").status_code == 404


def test_a_citizen_below_the_rounds_vertrauensniveau_is_told_so(
    api: Api, clock: FakeClock, proposals: list[str]
) -> None:
    at(clock, "2030-07-02T10:00:00")
    max_ = logged_in(api, "max")
    page = max_.get(BALLOT).get_data(as_text=True)
    assert "höherem Vertrauensniveau" in text_of(page) and 'name="vorschlag"' not in page

    refused = max_.post(BALLOT, data={"csrf_token": form_token(page), "vorschlag": proposals[0]})

    assert refused.status_code == 200  # the form again
    assert "Vertrauensniveau" in text_of(refused.get_data(as_text=True))


def test_a_clerk_gets_no_ballot_and_one_citizen_never_sees_anothers(
    api: Api, clock: FakeClock, proposals: list[str]
) -> None:
    at(clock, "2030-07-02T10:00:00")
    vote(logged_in(api, "erika"), proposals[0])

    clerk = logged_in(api, "anna").get(BALLOT)
    other = logged_in(api, "max").get(BALLOT).get_data(as_text=True)

    assert clerk.status_code == 403 and clerk.mimetype == "text/html"
    assert " checked" not in other and "Prüfnummer" not in text_of(other)


def test_an_impossible_year_or_place_is_the_404_page_not_a_fault(api: Api) -> None:
    for path in ("/buergerbudget/99999999999999999999", f"{ROUND}/vorschlaege/{10**30}"):
        response = api.client.get(path, headers={"Accept": "text/html"})  # as a browser
        assert response.status_code == 404 and response.mimetype == "text/html", path
