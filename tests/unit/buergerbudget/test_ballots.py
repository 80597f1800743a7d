"""The ballot rules, pure: pseudonyms, commitments, the choices a ballot may hold."""

from __future__ import annotations

import pytest

from egov.buergerbudget.ballots import checked_choices, commitment, pseudonym
from egov.errors import Invalid


def test_a_pseudonym_depends_on_the_key_the_round_and_the_qualified_subject() -> None:
    one = pseudonym(b"k" * 32, 2026, "dev:erika")
    assert one == pseudonym(b"k" * 32, 2026, "dev:erika")
    others = {
        pseudonym(b"x" * 32, 2026, "dev:erika"),
        pseudonym(b"k" * 32, 2027, "dev:erika"),
        pseudonym(b"k" * 32, 2026, "twin:erika"),
    }
    assert one not in others and len(others) == 3
    assert "erika" not in one


def test_a_commitment_binds_the_choices_and_hides_them_behind_the_salt() -> None:
    made = commitment("salz-1", 2026, "ballot-1", 1, ["b", "a"])
    assert made == commitment("salz-1", 2026, "ballot-1", 1, ["a", "b"])  # order is no choice
    assert made != commitment("salz-1", 2026, "ballot-1", 1, ["a"])
    assert made != commitment("salz-2", 2026, "ballot-1", 1, ["a", "b"])
    assert made != commitment("salz-1", 2026, "ballot-1", 2, ["a", "b"])


def test_choices_come_back_sorted_within_the_rules() -> None:
    assert checked_choices(["c", "a"], ["a", "b", "c"], allowed=2) == ["a", "c"]
    assert checked_choices([], ["a"], allowed=1) == []


@pytest.mark.parametrize(
    "choices", [["a", "a"], ["a", "b", "c"], ["z"]], ids=["twice", "too-many", "not-admitted"]
)
def test_a_ballot_outside_the_rules_is_refused(choices: list[str]) -> None:
    with pytest.raises(Invalid) as refused:
        checked_choices(choices, ["a", "b", "c"], allowed=2)
    assert refused.value.code == "ballot-invalid"
