"""Case statistics per procedure and month: exact figures and exact suppression."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from egov.opendata.statistics import CaseTimes, case_statistics, nearest_rank
from egov.opendata.table import SUPPRESSED, as_csv, as_json

MONDAY = datetime(2026, 3, 2, 9, 0)  # 10:00 in Jena; no holiday in March 2026
# business days after Monday 2 March: 1 = Tue 3rd ... 4 = Fri 6th, 10 = Mon 16th
CLOSED = {1: 3, 2: 4, 3: 5, 4: 6, 10: 16}
NAMES = {"anliegen": "Allgemeines Anliegen", "buergerbudget": "Vorschlag zum Bürgerbudget"}


def decided(days: int, late: bool = False) -> CaseTimes:
    closed = datetime(2026, 3, CLOSED[days], 14, 0)
    due = closed - timedelta(hours=1) if late else closed + timedelta(days=1)
    return CaseTimes("anliegen", MONDAY, closed, due)


def received(procedure: str, count: int, day: datetime = MONDAY) -> list[CaseTimes]:
    return [CaseTimes(procedure, day, None, day + timedelta(days=60))] * count


def rows(cases: list[CaseTimes]) -> dict[tuple[str, str], dict[str, object]]:
    table = case_statistics(cases, NAMES)
    return {(r["verfahren"], r["monat"]): r for r in table.rows}  # type: ignore[misc]


def test_five_decided_cases_give_median_p90_and_share_within_the_frist() -> None:
    cases = [decided(1), decided(2), decided(3), decided(4, late=True), decided(10)]
    row = rows(cases)[("anliegen", "2026-03")]
    assert row["eingegangen"] == 5
    assert row["entschieden"] == 5
    assert row["bearbeitungsdauer_median_arbeitstage"] == 3
    assert row["bearbeitungsdauer_p90_arbeitstage"] == 10
    assert row["anteil_fristgerecht"] == 0.8
    assert row["verfahren_name"] == "Allgemeines Anliegen"


def test_three_proposals_are_hidden_and_so_is_the_smallest_other_count_of_the_month() -> None:
    cases = [*(decided(d) for d in (1, 2, 3, 4, 10)), *received("buergerbudget", 3)]
    found = rows(cases)
    assert found[("buergerbudget", "2026-03")]["eingegangen"] is SUPPRESSED
    assert found[("anliegen", "2026-03")]["eingegangen"] is SUPPRESSED  # 5 = 8 - 3
    assert found[("alle", "2026-03")]["eingegangen"] == 8
    assert found[("anliegen", "2026-03")]["entschieden"] == 5  # decided: nothing small
    assert found[("buergerbudget", "2026-03")]["entschieden"] == 0
    assert found[("buergerbudget", "2026-03")]["bearbeitungsdauer_median_arbeitstage"] is None


def test_the_figures_of_a_hidden_decided_count_are_hidden_with_it() -> None:
    found = rows([decided(1), decided(2)])
    row = found[("anliegen", "2026-03")]
    assert row["entschieden"] is SUPPRESSED
    assert row["bearbeitungsdauer_median_arbeitstage"] is SUPPRESSED
    assert row["anteil_fristgerecht"] is SUPPRESSED
    assert found[("alle", "2026-03")]["entschieden"] is SUPPRESSED  # the total would be 2


def test_a_case_decided_in_the_next_month_counts_there_and_cancelled_ones_not_at_all() -> None:
    april = datetime(2026, 4, 1, 8, 0)
    cases = [
        *[CaseTimes("anliegen", MONDAY, april, april)] * 6,
        *[CaseTimes("anliegen", MONDAY, april, april, cancelled=True)] * 2,
    ]
    found = rows(cases)
    assert found[("anliegen", "2026-03")]["eingegangen"] == 8
    assert found[("anliegen", "2026-03")]["entschieden"] == 0
    assert found[("anliegen", "2026-04")]["entschieden"] == 6
    assert found[("anliegen", "2026-04")]["eingegangen"] == 0


def test_the_month_follows_jena_time_not_utc() -> None:
    new_year = datetime(2025, 12, 31, 23, 30)  # 00:30 on 1 January in Jena
    assert ("anliegen", "2026-01") in rows(received("anliegen", 5, new_year))


def test_nearest_rank_percentile() -> None:
    assert nearest_rank([5, 1, 3], 0.9) == 5
    assert nearest_rank(list(range(1, 11)), 0.9) == 9
    assert nearest_rank([7], 0.9) == 7


def test_hidden_cells_are_a_dot_in_csv_and_null_named_in_json() -> None:
    table = case_statistics(received("buergerbudget", 3), NAMES)
    csv_text = as_csv(table).decode()
    assert csv_text.splitlines()[1] == "buergerbudget,Vorschlag zum Bürgerbudget,2026-03,.,0,,,"
    first = json.loads(as_json("vorgangsstatistik", table))["zeilen"][0]
    assert (first["eingegangen"], first["entschieden"]) == (None, 0)
    assert first["geheimgehalten"] == ["eingegangen"]
