"""The result of a Bürgerbudget round recorded on its proposals' cases (once), and the public
round page: admitted proposals without their proposers, votes only after the vote closed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from egov.buergerbudget.ballots_store import AdmittedProposal
from egov.buergerbudget.implementation import begin
from egov.buergerbudget.results import PublicRounds, Votes, record_round
from egov.cases.service import NewCase, change_case, open_case
from egov.cases.store import Case, get_case, get_procedure
from egov.container import Container
from tests.conftest import Api

FILED = datetime(2026, 6, 1, 8, 0)
VOTE_RUNS = datetime(2027, 1, 20, 12, 0)
VOTE_CLOSED = datetime(2027, 2, 2, 12, 0)
# (title, department's cost in EUR, online votes, offline votes)
PROPOSALS = [  # the 2026 round: 25.000 EUR
    ("Trinkbrunnen am Markt", 5000, 120, 10),  # 130 votes
    ("Bänke im Paradiespark", 4000, 130, 0),  # 130, cheaper: before the fountain
    ("Insektenhotel Lobeda", 4800, 95, 5),  # 100; rest then 11.200
    ("Bücherschrank Winzerla", 4500, 90, 0),  # rest 6.700
    ("Boule-Bahn Nord", 4000, 60, 0),  # 60, dearer: after the table; rest 3.700: too dear
    ("Tischtennisplatte Ost", 3000, 60, 0),
    ("Kräuterbeet Zwätzen", 2500, 10, 0),  # still fits: rest 1.200
    ("Fahrradreparatursäule", 1200, 0, 0),  # no votes, fits exactly
]
PERSONAL = ("Wilhelmine Zwätzenbeck", "w.zwaetzenbeck@beispiel.example", "Kahlaische Straße 77")


def file_admitted(container: Container, index: int, title: str, cost: int) -> Case:
    """An admitted proposal of 2026 by a fictional proposer with her personal data."""
    with container.db.transaction() as session:
        procedure = get_procedure(session, "buergerbudget")
        assert procedure is not None
        data: dict[str, Any] = {
            "title": title,
            "description": f"Beschreibung {index}",
            "location": f"Ort {index}",
            "category": "umwelt",
            "estimated_cost_eur": cost - 100,
            "follow_up_cost_eur": 100,
            "cost_estimate_eur": cost,
            "applicant_address": PERSONAL[2],
            "applicant_phone": "03641 000000",
        }
        new = NewCase(
            procedure, title, PERSONAL[0], "wz-subject", "wz-postfach", "substantial", data,
            applicant_email=PERSONAL[1],
        )  # fmt: skip
        at = FILED + timedelta(minutes=index)
        case = open_case(session, new, actor="tests", now=at)
        change_case(
            session, case, actor="tests", action="case.status_changed", now=at,
            status="admitted_to_vote",
        )  # fmt: skip
        session.add(
            AdmittedProposal(case_id=case.id, round_year=2026, cost_eur=cost, admitted_at=at)
        )
        session.flush()
        case_id = case.id
    return get_case_by_id(container, case_id)


def get_case_by_id(container: Container, case_id: str) -> Case:
    with container.db.reading() as session:
        case = get_case(session, case_id)
        assert case is not None
        session.expunge(case)
        return case


def a_round(container: Container) -> dict[str, str]:
    """Title -> case id of the eight proposals; the tally by case id."""
    return {t: file_admitted(container, i, t, c).id for i, (t, c, _o, _f) in enumerate(PROPOSALS)}


def tally(ids: dict[str, str]) -> dict[str, tuple[int, int]]:
    return {ids[title]: (online, offline) for title, _c, online, offline in PROPOSALS}


def recorded(container: Container, votes: Votes) -> dict[str, dict[str, Any]]:
    """The round's result by `votes`, recorded as the confirmation of the result does it."""
    with container.db.transaction() as session:
        return record_round(session, 2026, "system:vote", VOTE_CLOSED, votes)


def allocation_of(container: Container, case_id: str) -> dict[str, Any]:
    return dict(get_case_by_id(container, case_id).data["allocation"])


def test_the_result_is_recorded_on_every_proposals_case_once(
    api: Api, container: Container
) -> None:
    ids = a_round(container)
    result = recorded(container, tally(ids))
    ranked = sorted(PROPOSALS, key=lambda p: result[ids[p[0]]]["rank"])
    assert [p[0] for p in ranked] == [
        "Bänke im Paradiespark",
        "Trinkbrunnen am Markt",
        "Insektenhotel Lobeda",
        "Bücherschrank Winzerla",
        "Tischtennisplatte Ost",
        "Boule-Bahn Nord",
        "Kräuterbeet Zwätzen",
        "Fahrradreparatursäule",
    ]
    unfunded = [t for t, case_id in ids.items() if not allocation_of(container, case_id)["funded"]]
    assert unfunded == ["Boule-Bahn Nord"]
    assert allocation_of(container, ids["Boule-Bahn Nord"]) == {
        "year": 2026,
        "rank": 6,
        "votes": 60,
        "online_votes": 60,
        "offline_votes": 0,
        "funded": False,
        "reason": "nicht gefördert: Rang 6 mit 60 Stimmen, passt nicht mehr in das "
        "verbleibende Budget (Rest: 3.700,00 EUR)",
        "cost_text": "4.000,00 EUR",
        "proposals": 8,
        "budget_text": "25.000,00 EUR",
    }
    assert result[ids["Trinkbrunnen am Markt"]]["offline_votes"] == 10
    events = api.get(f"/cases/{ids['Kräuterbeet Zwätzen']}/events", "admin").get_json()["items"]
    assert [e["action"] for e in events].count("buergerbudget.allocated") == 1
    again = recorded(container, {})  # another tally: nothing changes
    assert again == result
    events = api.get(f"/cases/{ids['Kräuterbeet Zwätzen']}/events", "admin").get_json()["items"]
    assert [e["action"] for e in events].count("buergerbudget.allocated") == 1


def public_at(container: Container, now: datetime) -> PublicRounds:
    return PublicRounds(container.db, lambda: now, container.rounds, container.files)


def test_the_public_round_shows_the_proposals_and_no_votes_while_the_vote_runs(
    container: Container,
) -> None:
    ids = a_round(container)
    recorded(container, tally(ids))
    page = public_at(container, VOTE_RUNS).get(2026)
    assert (page["phase"], page["vote_closed"], page["result"]) == ("vote", False, None)
    assert len(page["proposals"]) == 8
    assert {p["votes"] for p in page["proposals"]} == {None}
    assert {p["result"] for p in page["proposals"]} == {None}
    fountain = next(p for p in page["proposals"] if p["title"] == "Trinkbrunnen am Markt")
    assert fountain == {
        "title": "Trinkbrunnen am Markt",
        "description": "Beschreibung 0",
        "location": "Ort 0",
        "category": "umwelt",
        "cost_eur": 5000.0,
        "status": "admitted_to_vote",
        "status_label": "Zur Abstimmung zugelassen",
        "votes": None,
        "offline_votes": None,
        "result": None,
        "implementation": None,
    }


def test_after_the_vote_the_public_round_shows_votes_result_and_implementation(
    container: Container,
) -> None:
    ids = a_round(container)
    recorded(container, tally(ids))
    with container.db.transaction() as session:
        case = get_case(session, ids["Bänke im Paradiespark"])
        assert case is not None
        begin(session, case, 2026, "fachdienst-stadtgruen", "system:workflow", VOTE_CLOSED)
    page = public_at(container, VOTE_CLOSED).get(2026)
    assert page["result"] == {"funded": 7, "spent_eur": 25000.0, "remaining_eur": 0.0}
    first, *_rest, boule = page["proposals"][:6]
    assert first["title"] == "Bänke im Paradiespark" and first["votes"] == 130
    assert first["result"] == {
        "rank": 1,
        "funded": True,
        "reason": "gefördert: Rang 1 mit 130 Stimmen",
    }
    assert first["status"] == "in_implementation"
    assert first["implementation"]["milestones"] == []
    assert boule["title"] == "Boule-Bahn Nord" and boule["result"]["funded"] is False


def test_no_public_answer_names_the_proposer(api: Api, container: Container) -> None:
    ids = a_round(container)
    recorded(container, tally(ids))
    answers = [
        json.dumps(public_at(container, moment).get(2026), ensure_ascii=False)
        for moment in (VOTE_RUNS, VOTE_CLOSED)
    ]
    response = api.get("/public/buergerbudget/rounds/2026")
    assert response.status_code == 200
    answers.append(response.get_data(as_text=True))
    for text in answers:
        for secret in (*PERSONAL, "03641", "wz-subject", "wz-postfach", *ids.values()):
            assert secret not in text


def test_the_public_round_answers_304_to_its_etag_and_404_for_an_unknown_year(api: Api) -> None:
    first = api.get("/public/buergerbudget/rounds/2026")
    assert first.headers["Cache-Control"] == "public, no-cache"
    again = api.get(
        "/public/buergerbudget/rounds/2026", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert api.get("/public/buergerbudget/rounds/2099").get_json()["code"] == "round-not-found"
