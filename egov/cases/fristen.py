"""Fristen: processing deadlines in business days, with the public holidays of Thüringen.

Pure date arithmetic, no I/O. The rules follow §31 VwVfG with §§187-193 BGB:

- the day of the event is not counted (§187 Abs. 1 BGB);
- a Frist in days ends with the last day counted, one in weeks on the same weekday,
  one in months on the day with the same number as the event day (§188 Abs. 1, 2 BGB);
- if that day does not exist in the month, the Frist ends on the month's last day
  (§188 Abs. 3 BGB);
- a Frist ending on a Saturday, Sunday or public holiday ends with the next business day
  (§193 BGB, §31 Abs. 3 VwVfG).

The holidays are those valid throughout Thüringen under today's law (ThürFtG); Weltkindertag
(20 September) counts only from 2019, when it was introduced. Fronleichnam, a holiday only in
some Catholic communities of the Eichsfeld, is not included: it does not apply in Jena.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

FIRST_GREGORIAN_YEAR = 1583
WELTKINDERTAG_SINCE = 2019
SATURDAY = 5

ONE_DAY = timedelta(days=1)

FIXED_HOLIDAYS: tuple[tuple[int, int, str], ...] = (
    (1, 1, "Neujahr"),
    (5, 1, "Tag der Arbeit"),
    (10, 3, "Tag der Deutschen Einheit"),
    (10, 31, "Reformationstag"),
    (12, 25, "1. Weihnachtstag"),
    (12, 26, "2. Weihnachtstag"),
)

# Offsets in days from Easter Sunday.
EASTER_HOLIDAYS: tuple[tuple[int, str], ...] = (
    (-2, "Karfreitag"),
    (1, "Ostermontag"),
    (39, "Christi Himmelfahrt"),
    (50, "Pfingstmontag"),
)


def easter_sunday(year: int) -> date:
    """Easter Sunday by the Gregorian computus (the Anonymous Gregorian algorithm)."""
    if year < FIRST_GREGORIAN_YEAR:
        raise ValueError(f"the Gregorian computus applies from {FIRST_GREGORIAN_YEAR}, not {year}")
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_offset = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_offset) // 451
    month, day = divmod(h + weekday_offset - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=256)
def _holidays(year: int) -> tuple[tuple[date, str], ...]:
    easter = easter_sunday(year)
    found = [(date(year, month, day), name) for month, day, name in FIXED_HOLIDAYS]
    found += [(easter + timedelta(days=offset), name) for offset, name in EASTER_HOLIDAYS]
    if year >= WELTKINDERTAG_SINCE:
        found.append((date(year, 9, 20), "Weltkindertag"))
    return tuple(sorted(found))


def holidays_thuringia(year: int) -> dict[date, str]:
    """The public holidays of Thüringen in `year`, in calendar order, with their names."""
    return dict(_holidays(year))


@lru_cache(maxsize=256)
def _holiday_dates(year: int) -> frozenset[date]:
    return frozenset(holiday for holiday, _ in _holidays(year))


def is_holiday(day: date) -> bool:
    """A public holiday in Thüringen."""
    return day in _holiday_dates(day.year)


def is_business_day(day: date) -> bool:
    """Monday to Friday and not a public holiday in Thüringen."""
    return day.weekday() < SATURDAY and not is_holiday(day)


def next_business_day(day: date) -> date:
    """`day` itself if it is a business day, else the first business day after it."""
    while not is_business_day(day):
        day += ONE_DAY
    return day


def add_business_days(start: date, n: int) -> date:
    """The n-th business day after `start` (before it if n is negative); `start` is not counted.

    With n == 0 the result is `start` itself, business day or not.
    """
    step = ONE_DAY if n >= 0 else -ONE_DAY
    day = start
    for _ in range(abs(n)):
        day += step
        while not is_business_day(day):
            day += step
    return day


def business_days_between(a: date, b: date) -> int:
    """The business days after `a` up to and including `b`; negative if `b` lies before `a`.

    For n >= 0, `business_days_between(a, add_business_days(a, n)) == n`.
    """
    if b < a:
        return -business_days_between(b, a)
    return sum(1 for offset in range(1, (b - a).days + 1) if is_business_day(a + offset * ONE_DAY))


def add_months(day: date, months: int) -> date:
    """The same day number `months` later, clamped to the month's last day (§188 Abs. 3 BGB)."""
    year, month_index = divmod(day.month - 1 + months, 12)
    year += day.year
    month = month_index + 1
    return date(year, month, min(day.day, _days_in_month(year, month)))


def _days_in_month(year: int, month: int) -> int:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return (first_of_next - ONE_DAY).day


def frist_end(event: date, *, days: int = 0, weeks: int = 0, months: int = 0) -> date:
    """The last day of a Frist that starts with `event` (§31 VwVfG, §§187-193 BGB).

    Months are added first, then weeks and days; the result moves to the next business day if it
    is a Saturday, Sunday or holiday in Thüringen.
    """
    if min(days, weeks, months) < 0:
        raise ValueError("a Frist cannot be negative")
    if days == weeks == months == 0:
        raise ValueError("a Frist needs at least one day, week or month")
    end = add_months(event, months) + timedelta(days=days, weeks=weeks)
    return next_business_day(end)
