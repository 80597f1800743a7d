"""The participation period by the city's calendar (pure, no I/O).

XBeteiligung gives the period as days (``zeitraum/beginn``, ``ende``). The period opens at the
start of the first day and closes at the end of the last day, local time of the city; a last
day that is a Saturday, Sunday or Thuringian holiday moves to the next business day (as a
Frist does, § 193 BGB). The process waits on these two moments with BPMN timers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from egov.cases.fristen import is_business_day, next_business_day
from egov.cases.model import CITY_TIME

PENDING, BEFORE, OPEN, CLOSED = "pending", "before", "open", "closed"
STATUS = {
    PENDING: "announced",  # no period known yet: a 0402 will name it
    BEFORE: "announced",
    OPEN: "participation_open",
    CLOSED: "participation_closed",
}


@dataclass(frozen=True)
class Period:
    opens_at: datetime | None  # aware, city time
    closes_at: datetime | None

    @classmethod
    def of(cls, start: str | None, end: str | None) -> Period:
        """From the ISO days of a summary (either may be missing)."""
        opens = None if not start else _midnight(date.fromisoformat(start))
        closes = None
        if end:
            last = date.fromisoformat(end)
            last = last if is_business_day(last) else next_business_day(last)
            closes = _midnight(last + timedelta(days=1))
        return cls(opens, closes)

    def phase(self, now: datetime) -> str:
        """`now` naive UTC (egov's clock)."""
        moment = now.replace(tzinfo=UTC)
        if self.closes_at is None:
            return PENDING
        if self.opens_at is not None and moment < self.opens_at:
            return BEFORE
        return OPEN if moment < self.closes_at else CLOSED

    def variables(self, now: datetime) -> dict[str, str | None]:
        """What the process reads: the phase, the case status and the timers' moments."""
        phase = self.phase(now)
        return {
            "phase": phase,
            "status": STATUS[phase],
            "opens_at": None if self.opens_at is None else self.opens_at.isoformat(),
            "closes_at": None if self.closes_at is None else self.closes_at.isoformat(),
        }


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=CITY_TIME)
