"""The allocation of a Bürgerbudget round: examples and the properties the issue names."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from itertools import pairwise
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from egov.buergerbudget.allocation import (
    Allocation,
    Candidate,
    allocate,
    cents,
    eur_text,
)

T0 = datetime(2026, 9, 1, 10, 0)
# no example database in the work tree, no deadline on a busy machine
PROPERTY = settings(database=None, deadline=None, max_examples=300)


def proposal(
    n: int, cost_eur: int, votes: int, offline: int = 0, day: int = 0, ref: str | None = None
) -> Candidate:
    return Candidate(
        case_id=f"case-{n}",
        reference=ref or f"JENA-2026-{n:06d}",
        cost_cents=cost_eur * 100,
        submitted_at=T0 + timedelta(days=day),
        online_votes=votes,
        offline_votes=offline,
    )


def funded(allocation: Allocation) -> list[str]:
    return [o.case_id for o in allocation.outcomes if o.funded]


# -- examples ---------------------------------------------------------------------------------


def test_the_most_voted_proposals_are_funded_until_the_budget_is_spent() -> None:
    result = allocate(
        25_000_00,
        [proposal(1, 5_000, 10), proposal(2, 5_000, 30), proposal(3, 5_000, 20)],
    )
    assert [o.case_id for o in result.outcomes] == ["case-2", "case-3", "case-1"]
    assert [o.rank for o in result.outcomes] == [1, 2, 3]
    assert funded(result) == ["case-2", "case-3", "case-1"]
    assert result.spent_cents == 15_000_00
    assert result.remaining_cents == 10_000_00


def test_a_proposal_that_no_longer_fits_is_skipped_and_the_next_one_is_funded() -> None:
    result = allocate(
        10_000_00,
        [proposal(1, 6_000, 50), proposal(2, 5_000, 40), proposal(3, 4_000, 30)],
    )
    skipped = result.outcome("case-2")
    assert not skipped.funded
    assert skipped.remaining_before_cents == 4_000_00
    assert skipped.reason == (
        "nicht gefördert: Rang 2 mit 40 Stimmen, passt nicht mehr in das verbleibende Budget "
        "(Rest: 4.000,00 EUR)"
    )
    assert funded(result) == ["case-1", "case-3"]
    assert result.outcome("case-3").reason == "gefördert: Rang 3 mit 30 Stimmen"
    assert result.remaining_cents == 0


def test_offline_votes_count_with_the_online_ones() -> None:
    result = allocate(
        5_000_00, [proposal(1, 5_000, 10, offline=0), proposal(2, 5_000, 4, offline=7)]
    )
    winner = result.outcomes[0]
    assert (winner.case_id, winner.votes, winner.online_votes, winner.offline_votes) == (
        "case-2",
        11,
        4,
        7,
    )
    assert funded(result) == ["case-2"]


def test_ties_go_to_the_cheaper_then_the_earlier_then_the_lower_reference() -> None:
    result = allocate(
        0,
        [
            proposal(1, 3_000, 12, day=0, ref="JENA-2026-000004"),
            proposal(2, 2_000, 12, day=5, ref="JENA-2026-000003"),
            proposal(3, 3_000, 12, day=0, ref="JENA-2026-000002"),
            proposal(4, 3_000, 12, day=-1, ref="JENA-2026-000001"),
            proposal(5, 9_000, 13, day=9, ref="JENA-2026-000005"),
        ],
    )
    assert [o.case_id for o in result.outcomes] == [
        "case-5",
        "case-2",
        "case-4",
        "case-3",
        "case-1",
    ]


def test_one_vote_is_singular_in_the_reason() -> None:
    assert allocate(100, [proposal(1, 1, 1)]).outcomes[0].reason == "gefördert: Rang 1 mit 1 Stimme"


def test_no_proposals_spend_nothing() -> None:
    result = allocate(25_000_00, [])
    assert (result.outcomes, result.spent_cents, result.remaining_cents) == ((), 0, 25_000_00)


def test_two_candidates_with_one_reference_are_refused() -> None:
    with pytest.raises(ValueError, match="reference"):
        allocate(100, [proposal(1, 1, 1, ref="X"), proposal(2, 1, 1, ref="X")])


def test_negative_figures_are_refused() -> None:
    with pytest.raises(ValueError):
        allocate(-1, [])
    with pytest.raises(ValueError):
        allocate(100, [proposal(1, -1, 1)])


def test_amounts_in_euros_become_cents_rounded_half_up() -> None:
    assert cents(4250.5) == 425050
    assert cents("4250.505") == 425051
    assert cents(5000) == 500000
    assert cents(0.1) == 10


def test_money_is_written_the_german_way() -> None:
    assert eur_text(1234567) == "12.345,67 EUR"
    assert eur_text(5) == "0,05 EUR"
    assert eur_text(25_000_00) == "25.000,00 EUR"


# -- properties -------------------------------------------------------------------------------


@st.composite
def rounds(draw: st.DrawFn) -> tuple[int, list[Candidate]]:
    count = draw(st.integers(min_value=0, max_value=12))
    candidates = [
        Candidate(
            case_id=f"case-{n}",
            reference=f"JENA-2026-{n:06d}",
            # few distinct costs, votes and days, so that ties are common
            cost_cents=draw(st.sampled_from([0, 50_00, 999_99, 1_000_00, 2_500_00, 5_000_00])),
            submitted_at=T0 + timedelta(days=draw(st.integers(min_value=0, max_value=3))),
            online_votes=draw(st.integers(min_value=0, max_value=6)),
            offline_votes=draw(st.integers(min_value=0, max_value=2)),
        )
        for n in range(count)
    ]
    budget = draw(st.integers(min_value=0, max_value=20_000_00))
    return budget, candidates


@PROPERTY
@given(rounds())
def test_property_the_funded_proposals_never_cost_more_than_the_budget(
    drawn: tuple[int, list[Candidate]],
) -> None:
    budget, candidates = drawn
    result = allocate(budget, candidates)
    assert result.spent_cents <= budget
    assert result.remaining_cents >= 0


@PROPERTY
@given(rounds(), st.randoms(use_true_random=False))
def test_property_the_result_does_not_depend_on_the_order_of_the_input(
    drawn: tuple[int, list[Candidate]], random: Random
) -> None:
    budget, candidates = drawn
    shuffled = list(candidates)
    random.shuffle(shuffled)
    assert allocate(budget, shuffled) == allocate(budget, candidates)


@PROPERTY
@given(rounds())
def test_property_ties_are_ordered_by_the_documented_key(
    drawn: tuple[int, list[Candidate]],
) -> None:
    budget, candidates = drawn
    by_case = {c.case_id: c for c in candidates}
    ranked = [by_case[o.case_id] for o in allocate(budget, candidates).outcomes]
    for higher, lower in pairwise(ranked):
        assert higher.votes >= lower.votes
        if higher.votes > lower.votes:
            continue
        assert higher.cost_cents <= lower.cost_cents
        if higher.cost_cents == lower.cost_cents:
            assert higher.submitted_at <= lower.submitted_at
            if higher.submitted_at == lower.submitted_at:
                assert higher.reference < lower.reference


@PROPERTY
@given(rounds(), st.data())
def test_property_more_votes_for_a_funded_proposal_never_unfund_it(
    drawn: tuple[int, list[Candidate]], data: st.DataObject
) -> None:
    budget, candidates = drawn
    before = allocate(budget, candidates)
    winners = funded(before)
    if not winners:
        return
    chosen = data.draw(st.sampled_from(winners))
    extra = data.draw(st.integers(min_value=1, max_value=20))
    more = [
        replace(c, online_votes=c.online_votes + extra) if c.case_id == chosen else c
        for c in candidates
    ]
    assert allocate(budget, more).outcome(chosen).funded


@PROPERTY
@given(rounds())
def test_property_a_proposal_too_dear_for_the_rest_never_blocks_a_cheaper_one_below(
    drawn: tuple[int, list[Candidate]],
) -> None:
    budget, candidates = drawn
    remaining = budget
    for outcome in allocate(budget, candidates).outcomes:
        assert outcome.remaining_before_cents == remaining
        assert outcome.funded == (outcome.cost_cents <= remaining)
        remaining -= outcome.cost_cents if outcome.funded else 0


@PROPERTY
@given(rounds(), st.integers(min_value=1, max_value=4_999_99))
def test_property_a_skipped_dear_proposal_leaves_room_for_a_cheap_one_ranked_below(
    drawn: tuple[int, list[Candidate]], cheap_cents: int
) -> None:
    budget, candidates = drawn
    dear = Candidate("dear", "JENA-2026-900001", budget + 1, T0, online_votes=1_000)
    cheap = Candidate("cheap", "JENA-2026-900002", min(cheap_cents, budget), T0, online_votes=999)
    others = [replace(c, online_votes=min(c.online_votes, 998)) for c in candidates]
    result = allocate(budget, [*others, cheap, dear])
    assert not result.outcome("dear").funded
    assert result.outcome("cheap").funded
