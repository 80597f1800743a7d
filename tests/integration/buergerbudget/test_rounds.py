"""Bürgerbudget rounds as data: the shipped rounds, which round a proposal belongs to, and
which changes a round still takes once it opened."""

from __future__ import annotations

from datetime import datetime

import pytest

from egov.buergerbudget.rounds import Round, RoundService
from egov.cases.store import Case
from egov.container import Container
from egov.errors import Conflict, Invalid
from tests.integration.buergerbudget.vote_support import ROUND_2030 as ROUND


def filed(at: str) -> Case:
    return Case(created_at=datetime.fromisoformat(at))


def service_at(container: Container, now: str) -> RoundService:
    return RoundService(container.db, lambda: datetime.fromisoformat(now))


def test_the_2020_round_has_the_councils_figures(container: Container) -> None:
    found = container.rounds.get(2020)
    assert (found.total_budget_eur, found.cap_per_proposal_eur) == (25000, 5000)
    assert found.submission_deadline.isoformat() == "2020-09-30"


def test_a_proposal_filed_in_december_2026_belongs_to_the_2026_round_and_is_on_time(
    container: Container,
) -> None:
    proposal = filed("2026-12-07T10:00:00")
    found = container.rounds.round_for(proposal)
    assert found is not None and found.year == 2026
    assert not found.is_late(proposal.created_at)


def test_a_proposal_filed_after_the_deadline_is_late_for_that_round(
    container: Container,
) -> None:
    proposal = filed("2027-01-01T09:00:00")  # 10:00 in Jena, one day after the deadline
    found = container.rounds.round_for(proposal)
    assert found is not None and found.year == 2026 and found.is_late(proposal.created_at)


def test_the_last_day_counts_in_city_time() -> None:
    dates = {"submissions_open": "2020-08-24", "submission_deadline": "2020-09-30"}
    vote = {"vote_opens": "2020-10-19", "vote_closes": "2020-11-13"}
    round_2020 = Round.from_dict({**ROUND, **dates, **vote, "year": 2020})
    assert not round_2020.is_late(datetime.fromisoformat("2020-09-30T21:59:00"))  # 23:59 CEST
    assert round_2020.is_late(datetime.fromisoformat("2020-09-30T22:00:00"))


def test_a_2020_proposal_belongs_to_the_2020_round(container: Container) -> None:
    found = container.rounds.round_for(filed("2020-09-15T08:00:00"))
    assert found is not None and found.year == 2020


def test_a_round_before_it_opens_takes_every_change(container: Container) -> None:
    rounds = service_at(container, "2030-01-15T12:00:00")
    rounds.create(ROUND, actor="admin")
    changed = rounds.edit(
        2030, {"cap_per_proposal_eur": 6000, "submission_deadline": "2030-06-15"}, "admin"
    )
    assert changed.cap_per_proposal_eur == 6000
    assert rounds.get(2030).submission_deadline.isoformat() == "2030-06-15"


def test_after_submissions_opened_the_rules_proposals_are_judged_by_do_not_change(
    container: Container,
) -> None:
    service_at(container, "2030-01-15T12:00:00").create(ROUND, actor="admin")
    rounds = service_at(container, "2030-04-01T12:00:00")
    with pytest.raises(Conflict) as refused:
        rounds.edit(2030, {"cap_per_proposal_eur": 6000}, "admin")
    assert refused.value.code == "round-opened"
    assert rounds.edit(2030, {"votes_per_citizen": 3}, "admin").votes_per_citizen == 3


def test_once_the_vote_opened_its_fields_do_not_change(container: Container) -> None:
    service_at(container, "2030-01-15T12:00:00").create(ROUND, actor="admin")
    rounds = service_at(container, "2030-07-02T12:00:00")
    with pytest.raises(Conflict) as refused:
        rounds.edit(2030, {"vote_closes": "2030-08-15"}, "admin")
    assert refused.value.code == "round-vote-started"
    assert rounds.edit(2030, {"total_budget_eur": 50000}, "admin").total_budget_eur == 50000
    trail = container.tallies.verify(2030)
    assert trail.chain_valid and trail.chain_length == 2  # created, the budget changed


def test_a_round_whose_dates_are_out_of_order_is_refused(container: Container) -> None:
    with pytest.raises(Invalid) as refused:
        container.rounds.create({**ROUND, "vote_opens": "2030-05-01"}, actor="admin")
    assert refused.value.code == "round-invalid"


def test_a_year_is_created_once(container: Container) -> None:
    with pytest.raises(Conflict) as refused:
        container.rounds.create({**ROUND, "year": 2020}, actor="admin")
    assert refused.value.code == "round-exists"


def current_year(container: Container, now: str) -> int | None:
    found = service_at(container, now).current()
    return None if found is None else found.year


def test_the_current_round_is_the_earliest_one_not_closed(container: Container) -> None:
    assert current_year(container, "2020-09-01T10:00:00") == 2020  # submissions
    assert current_year(container, "2021-06-01T10:00:00") == 2026  # 2020 closed, 2026 ahead


def test_after_every_round_closed_the_current_round_is_the_latest(container: Container) -> None:
    latest = max(found.year for found in container.rounds.list())

    assert current_year(container, "2040-01-01T10:00:00") == latest
