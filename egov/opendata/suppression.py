"""Statistical confidentiality of counts (ADR 0033): no published count from 1 to 4, and none
that could be worked out from a published or derivable sum. Pure, no I/O.

Primary suppression hides every count from 1 to SMALL - 1 (0 stays: it names nobody).
Secondary (complementary) suppression: a group is a set of cells whose sum is published (the
month's total row) or can be learnt elsewhere (a procedure's year, e.g. from the proposals
dataset). A group with exactly one hidden cell would give it away as the sum minus the others,
so the smallest other non-zero cell of the group is hidden too, ties by key; repeated until no
group has exactly one hidden cell.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

SMALL = 5  # counts below this (and above 0) are never published
K = TypeVar("K", bound=Hashable)


def is_small(count: int) -> bool:
    return 0 < count < SMALL


def suppressed(
    counts: Mapping[K, int], groups: Iterable[Iterable[K]], order: Mapping[K, int]
) -> set[K]:
    """The keys of `counts` not to publish; `order` ranks keys for ties (lower first)."""
    hidden = {key for key, count in counts.items() if is_small(count)}
    sets = [[key for key in group if key in counts] for group in groups]
    changed = True
    while changed:
        changed = False
        for group in sets:
            if sum(1 for key in group if key in hidden) != 1:
                continue
            others = [key for key in group if key not in hidden and counts[key] > 0]
            if others:
                hidden.add(min(others, key=lambda key: (counts[key], order[key])))
                changed = True
    return hidden
