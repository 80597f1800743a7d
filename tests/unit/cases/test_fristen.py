from __future__ import annotations

from datetime import date, timedelta

import pytest

from egov.cases.fristen import (
    add_business_days,
    add_months,
    business_days_between,
    easter_sunday,
    frist_end,
    holidays_thuringia,
    is_business_day,
    is_holiday,
    next_business_day,
)

HOLIDAYS_2026 = {
    date(2026, 1, 1): "Neujahr",
    date(2026, 4, 3): "Karfreitag",
    date(2026, 4, 6): "Ostermontag",
    date(2026, 5, 1): "Tag der Arbeit",
    date(2026, 5, 14): "Christi Himmelfahrt",
    date(2026, 5, 25): "Pfingstmontag",
    date(2026, 9, 20): "Weltkindertag",
    date(2026, 10, 3): "Tag der Deutschen Einheit",
    date(2026, 10, 31): "Reformationstag",
    date(2026, 12, 25): "1. Weihnachtstag",
    date(2026, 12, 26): "2. Weihnachtstag",
}


# Easter


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2000, date(2000, 4, 23)),
        (2019, date(2019, 4, 21)),
        (1818, date(1818, 3, 22)),  # the earliest possible date
        (1943, date(1943, 4, 25)),  # the latest possible date
        (2038, date(2038, 4, 25)),
        (2285, date(2285, 3, 22)),
    ],
)
def test_easter_sunday_matches_the_known_dates(year: int, expected: date) -> None:
    assert easter_sunday(year) == expected


def test_easter_is_a_sunday_between_22_march_and_25_april_in_every_gregorian_year() -> None:
    for year in range(1583, 4100):
        easter = easter_sunday(year)
        assert easter.weekday() == 6, year
        assert date(year, 3, 22) <= easter <= date(year, 4, 25), year


def test_easter_before_the_gregorian_calendar_is_refused() -> None:
    with pytest.raises(ValueError, match="1583"):
        easter_sunday(1582)


# Holidays


def test_the_holidays_of_thuringia_in_2026_are_the_eleven_statutory_ones() -> None:
    assert holidays_thuringia(2026) == HOLIDAYS_2026


def test_the_holidays_come_in_calendar_order() -> None:
    days = list(holidays_thuringia(2026))
    assert days == sorted(days)


def test_the_holidays_returned_are_a_copy_the_caller_may_change() -> None:
    holidays_thuringia(2026).clear()
    assert holidays_thuringia(2026) == HOLIDAYS_2026


def test_weltkindertag_is_a_holiday_from_2019_on() -> None:
    assert is_holiday(date(2019, 9, 20))
    assert not is_business_day(date(2019, 9, 20))  # a Friday


def test_20_september_before_2019_is_a_normal_business_day() -> None:
    assert date(2018, 9, 20) not in holidays_thuringia(2018)
    assert is_business_day(date(2018, 9, 20))  # a Thursday
    assert len(holidays_thuringia(2018)) == 10


def test_holidays_of_other_states_are_business_days_in_thuringia() -> None:
    assert is_business_day(date(2026, 1, 6))  # Heilige Drei Könige
    assert is_business_day(date(2026, 6, 4))  # Fronleichnam (only parts of the Eichsfeld)
    assert is_business_day(date(2024, 11, 1))  # Allerheiligen
    assert is_business_day(date(2026, 12, 24))  # Heiligabend is no statutory holiday


def test_weekends_are_not_business_days() -> None:
    assert not is_business_day(date(2026, 3, 7))  # Saturday
    assert not is_business_day(date(2026, 3, 8))  # Sunday
    assert is_business_day(date(2026, 3, 9))


# Business days


def test_next_business_day_keeps_a_business_day_and_skips_weekend_and_holidays() -> None:
    assert next_business_day(date(2026, 3, 9)) == date(2026, 3, 9)
    assert next_business_day(date(2026, 4, 3)) == date(2026, 4, 7)  # Karfreitag to Tuesday


def test_adding_business_days_skips_easter() -> None:
    assert add_business_days(date(2026, 4, 2), 1) == date(2026, 4, 7)


def test_adding_business_days_skips_christmas() -> None:
    assert add_business_days(date(2026, 12, 18), 5) == date(2026, 12, 28)


def test_adding_zero_business_days_returns_the_start_even_on_a_sunday() -> None:
    assert add_business_days(date(2026, 3, 8), 0) == date(2026, 3, 8)


def test_adding_negative_business_days_goes_back_over_holidays() -> None:
    assert add_business_days(date(2026, 4, 7), -1) == date(2026, 4, 2)


def test_2026_has_254_business_days_in_thuringia() -> None:
    assert business_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 254


def test_business_days_between_counts_the_end_but_not_the_start() -> None:
    assert business_days_between(date(2026, 3, 9), date(2026, 3, 9)) == 0
    assert business_days_between(date(2026, 3, 9), date(2026, 3, 10)) == 1
    assert business_days_between(date(2026, 3, 6), date(2026, 3, 9)) == 1  # Friday to Monday


def test_business_days_between_is_negative_backwards() -> None:
    assert business_days_between(date(2026, 4, 7), date(2026, 4, 2)) == -1


def test_counting_the_business_days_added_gives_back_their_number() -> None:
    start = date(2025, 12, 1)
    for offset in range(0, 400, 3):
        day = start + timedelta(days=offset)
        for n in (0, 1, 2, 5, 10, 23):
            end = add_business_days(day, n)
            assert business_days_between(day, end) == n, (day, n)
            assert n == 0 or is_business_day(end), (day, n)


# Fristen


def test_the_event_day_is_not_counted() -> None:
    assert frist_end(date(2026, 3, 9), days=1) == date(2026, 3, 10)


def test_a_frist_in_weeks_ends_on_the_same_weekday() -> None:
    assert frist_end(date(2026, 3, 11), weeks=2) == date(2026, 3, 25)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (date(2024, 1, 31), date(2024, 2, 29)),
        (date(2025, 1, 31), date(2025, 2, 28)),
        (date(2026, 1, 31), date(2026, 3, 2)),  # 28 Feb 2026 is a Saturday
    ],
)
def test_a_frist_of_one_month_from_31_january_ends_at_the_end_of_february(
    event: date, expected: date
) -> None:
    assert frist_end(event, months=1) == expected


def test_a_frist_in_months_ends_on_the_same_day_number() -> None:
    assert frist_end(date(2026, 3, 10), months=1) == date(2026, 4, 10)


def test_a_frist_in_months_crosses_the_year() -> None:
    assert frist_end(date(2025, 11, 30), months=3) == date(2026, 3, 2)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)
    assert add_months(date(2026, 1, 15), 24) == date(2028, 1, 15)


def test_a_frist_ending_on_reformationstag_moves_to_the_next_business_day() -> None:
    assert frist_end(date(2024, 10, 17), days=14) == date(2024, 11, 1)  # Thursday to Friday
    assert frist_end(date(2025, 10, 17), days=14) == date(2025, 11, 3)  # Friday to Monday


def test_a_frist_ending_on_a_sunday_moves_to_monday() -> None:
    assert frist_end(date(2026, 3, 1), weeks=1) == date(2026, 3, 9)


def test_a_frist_ending_on_christmas_moves_past_both_holidays_and_the_weekend() -> None:
    assert frist_end(date(2025, 11, 25), months=1) == date(2025, 12, 29)


def test_a_frist_ending_on_karfreitag_moves_past_easter_monday() -> None:
    assert frist_end(date(2026, 3, 20), weeks=2) == date(2026, 4, 7)


def test_months_weeks_and_days_add_up() -> None:
    assert frist_end(date(2026, 1, 31), months=1, weeks=1, days=1) == date(2026, 3, 9)


def test_a_negative_frist_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        frist_end(date(2026, 3, 9), days=-1)


def test_an_empty_frist_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        frist_end(date(2026, 3, 9))
