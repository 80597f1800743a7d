"""Small counts are never published, nor a count that a published sum would give away."""

from __future__ import annotations

from egov.opendata.suppression import suppressed


def hide(counts: dict[str, int], *groups: list[str]) -> set[str]:
    return suppressed(counts, groups, {key: i for i, key in enumerate(sorted(counts))})


def test_counts_from_one_to_four_are_hidden_and_zero_and_five_are_not() -> None:
    counts = {"a": 0, "b": 1, "c": 4, "d": 5}
    assert hide(counts) == {"b", "c"}


def test_a_single_hidden_cell_of_a_summed_group_takes_the_smallest_other_with_it() -> None:
    counts = {"bb": 3, "anliegen": 7, "bauantrag": 12, "total": 22}
    assert hide(counts, ["bb", "anliegen", "bauantrag", "total"]) == {"bb", "anliegen"}


def test_zero_cells_are_no_complement_so_the_total_is_hidden() -> None:
    counts = {"bb": 3, "anliegen": 0, "total": 3}
    assert hide(counts, ["bb", "anliegen", "total"]) == {"bb", "total"}


def test_a_tie_is_broken_by_the_key_order() -> None:
    counts = {"a": 2, "b": 9, "c": 9, "total": 20}
    assert hide(counts, ["a", "b", "c", "total"]) == {"a", "b"}


def test_a_complement_in_one_group_is_protected_in_its_other_groups_too() -> None:
    """March: bb 3 (small) takes anliegen-March 6 with it; anliegen's year (March and April)
    would then give away March from its year total, so April 8 is hidden as well, then April's
    total (8 - 8), then March's total (the totals' year): here nothing is left to show."""
    counts = {"bb-03": 3, "anl-03": 6, "all-03": 9, "anl-04": 8, "all-04": 8}
    months = (["bb-03", "anl-03", "all-03"], ["anl-04", "all-04"])
    years = (["anl-03", "anl-04"], ["bb-03"], ["all-03", "all-04"])
    hidden = hide(counts, *months, *years)
    assert hidden == {"bb-03", "anl-03", "anl-04", "all-04", "all-03"}
