"""Bürgerbudget rounds as data: the figures of one round and their rules (`Round`, pure) and
the service that reads and changes them (`RoundService`, own transactions).

A proposal belongs to the round whose submissions opened last on or before the day it was
filed (city calendar): the round open for submissions, or, after its deadline, the round it
came too late for. Dates are city calendar days; a deadline or closing day is included.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from egov.buergerbudget.ballots_store import append
from egov.buergerbudget.rounds_store import (
    BudgetRound,
    get_round,
    list_rounds,
    page_rounds,
    round_opened_by,
)
from egov.cases.model import CITY_TIME
from egov.cases.store import Case, get_case
from egov.clock import Clock
from egov.db import Database
from egov.errors import Conflict, Invalid, NotFound
from egov.identity.model import Vertrauensniveau
from egov.paging import Page, PageRequest

DATES = ("submissions_open", "submission_deadline", "vote_opens", "vote_closes")
VOTE_FIELDS = frozenset({"vote_opens", "vote_closes", "votes_per_citizen", "vertrauensniveau"})
# may change after submissions opened: the vote's fields until the vote opens, the total
# budget until the vote closes (the proposals filed were not judged by them)
SAFE_AFTER_OPENING = VOTE_FIELDS | {"total_budget_eur"}
PROCEDURE_KEY = "buergerbudget"  # the procedure of the proposals
BEFORE, SUBMISSIONS, REVIEW, VOTE, CLOSED = "before", "submissions", "review", "vote", "closed"


def city_day(moment: datetime) -> date:
    """The city's calendar day of a naive-UTC moment (egov's clock)."""
    return moment.replace(tzinfo=UTC).astimezone(CITY_TIME).date()


def day_end(day: date) -> datetime:
    """The end of a city calendar day (aware, city time): midnight of the next day."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=CITY_TIME)


@dataclass(frozen=True)
class Round:
    year: int
    total_budget_eur: int
    cap_per_proposal_eur: int
    submissions_open: date
    submission_deadline: date
    vote_opens: date
    vote_closes: date
    votes_per_citizen: int
    vertrauensniveau: str
    categories: tuple[str, ...]

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Round:
        """From JSON (dates as ISO days); every field is required; refused: `round-invalid`."""
        names = [f.name for f in fields(cls)]
        missing = [name for name in names if raw.get(name) is None]
        unknown = sorted(set(raw) - set(names))
        if missing or unknown:
            raise _invalid(missing + unknown, "fehlt" if missing else "unbekannt")
        try:
            values = {name: raw[name] for name in names}
            for name in DATES:
                values[name] = date.fromisoformat(str(raw[name]))
            values["categories"] = tuple(str(c) for c in raw["categories"])
        except (TypeError, ValueError) as exc:
            raise _invalid([], "kein gültiges Datum oder keine Liste") from exc
        made = cls(**values)
        made.check()
        return made

    def check(self) -> None:
        numbers = ("year", "total_budget_eur", "cap_per_proposal_eur", "votes_per_citizen")
        bad = [n for n in numbers if type(getattr(self, n)) is not int or getattr(self, n) < 1]
        if bad:
            raise _invalid(bad, "muss eine ganze Zahl größer als 0 sein")
        if self.cap_per_proposal_eur > self.total_budget_eur:
            raise _invalid(["cap_per_proposal_eur"], "größer als das Gesamtbudget")
        order = [getattr(self, name) for name in DATES]
        if order != sorted(order) or self.submission_deadline >= self.vote_opens:
            raise _invalid(list(DATES), "Reihenfolge: Einreichung, Frist, Abstimmung")
        if self.vertrauensniveau not in {v.value for v in Vertrauensniveau}:
            raise _invalid(["vertrauensniveau"], "low, substantial oder high")
        if not self.categories or len(set(self.categories)) != len(self.categories):
            raise _invalid(["categories"], "mindestens eine, jede nur einmal")

    def phase(self, now: datetime) -> str:
        day = city_day(now)
        if day < self.submissions_open:
            return BEFORE
        if day <= self.submission_deadline:
            return SUBMISSIONS
        if day < self.vote_opens:
            return REVIEW
        return VOTE if day <= self.vote_closes else CLOSED

    def is_late(self, filed_at: datetime) -> bool:
        return city_day(filed_at) > self.submission_deadline

    @property
    def vote_opens_at(self) -> datetime:
        return datetime.combine(self.vote_opens, time(0), tzinfo=CITY_TIME)

    @property
    def vote_closes_at(self) -> datetime:
        return day_end(self.vote_closes)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update({name: getattr(self, name).isoformat() for name in DATES})
        out["categories"] = list(self.categories)
        return out

    def start_variables(self) -> dict[str, Any]:
        """What a proposal's process starts with (`RoundService.start_variables`)."""
        return {
            "round_year": self.year,
            "cap_per_proposal_eur": self.cap_per_proposal_eur,
            "total_budget_eur": self.total_budget_eur,
            "submission_deadline": self.submission_deadline.isoformat(),
        }

    def refused_changes(self, changed: set[str], now: datetime) -> str | None:
        """The error code a change of `changed` meets now, or None (allowed)."""
        phase = self.phase(now)
        if phase == BEFORE:
            return None
        if not changed <= SAFE_AFTER_OPENING:
            return "round-opened"
        if phase == CLOSED or (phase == VOTE and changed & VOTE_FIELDS):
            return "round-vote-started"
        return None


def read_rounds(folder: Path) -> dict[str, bytes]:
    """The shipped round files of a bundle folder (`rounds/*.json`), by name."""
    return {path.name: path.read_bytes() for path in sorted(folder.glob("rounds/*.json"))}


def _invalid(names: list[str], reason: str) -> Invalid:
    params = [{"name": name, "reason": reason} for name in names]
    return Invalid(
        f"Die Angaben der Runde sind ungültig ({reason}).",
        code="round-invalid",
        invalid_params=params,
    )


def of_row(row: BudgetRound) -> Round:
    return Round(
        **{f.name: getattr(row, f.name) for f in fields(Round) if f.name != "categories"},
        categories=tuple(row.categories),
    )


def not_found(year: int) -> NotFound:
    return NotFound(f"Keine Bürgerbudget-Runde {year}.", code="round-not-found")


@dataclass
class RoundService:
    db: Database
    clock: Clock

    def get(self, year: int) -> Round:
        with self.db.reading() as session:
            row = get_round(session, year)
            if row is None:
                raise not_found(year)
            return of_row(row)

    def round_for(self, case: Case) -> Round | None:
        """The round a proposal belongs to: the one open for submissions when it was filed
        (or, filed after that round's deadline, that round: the proposal is late)."""
        with self.db.reading() as session:
            row = round_opened_by(session, city_day(case.created_at))
            return None if row is None else of_row(row)

    def start_variables(self, case_id: str) -> dict[str, Any]:
        """`Workflows.prepare_start` of a proposal: its round's figures as process variables
        (the DMN formal check reads `cap_per_proposal_eur` and `submission_deadline`). A
        proposal with no round gets none: its prepare script fails (an incident)."""
        with self.db.reading() as session:
            case = get_case(session, case_id)
            if case is None or case.procedure_key != PROCEDURE_KEY:
                return {}
            row = round_opened_by(session, city_day(case.created_at))
            return {} if row is None else of_row(row).start_variables()

    def page(self, page: PageRequest) -> Page[Round]:
        with self.db.reading() as session:
            return page_rounds(session, page).map(of_row)

    def list(self) -> list[Round]:
        with self.db.reading() as session:
            return [of_row(row) for row in list_rounds(session)]

    def current(self) -> Round | None:
        """The round a citizen is shown now: the earliest one not closed, else the latest."""
        rounds = self.list()
        now = self.clock()
        running = [r for r in rounds if r.phase(now) != CLOSED]
        return running[0] if running else (rounds[-1] if rounds else None)

    def create(self, raw: Mapping[str, Any], actor: str) -> Round:
        made = Round.from_dict(raw)
        with self.db.transaction() as session:
            if get_round(session, made.year) is not None:
                raise Conflict(f"Die Runde {made.year} gibt es schon.", code="round-exists")
            now = self.clock()
            values = {f.name: getattr(made, f.name) for f in fields(Round)}
            values["categories"] = list(made.categories)
            session.add(BudgetRound(**values, created_at=now, updated_at=now, updated_by=actor))
            session.flush()
            append(session, made.year, actor, "round.created", made.as_dict(), now)
        return made

    def edit(self, year: int, changes: Mapping[str, Any], actor: str) -> Round:
        """Change fields of a round; after its submissions opened only the safe ones
        (`SAFE_AFTER_OPENING`), else 409 `round-opened` / `round-vote-started`."""
        with self.db.transaction() as session:
            row = get_round(session, year)
            if row is None:
                raise not_found(year)
            current = of_row(row)
            merged = {**current.as_dict(), **changes, "year": year}
            changed_round = Round.from_dict(merged)
            changed = {
                f.name
                for f in fields(Round)
                if getattr(changed_round, f.name) != getattr(current, f.name)
            }
            code = current.refused_changes(changed, self.clock())
            if code is not None:
                names = ", ".join(sorted(changed - SAFE_AFTER_OPENING) or sorted(changed))
                raise Conflict(
                    f"Diese Angaben der Runde ändern sich nicht mehr: {names}.", code=code
                )
            for name in changed:
                value = getattr(changed_round, name)
                setattr(row, name, list(value) if name == "categories" else value)
            row.updated_at, row.updated_by = self.clock(), actor
            if changed:
                after = {name: changed_round.as_dict()[name] for name in sorted(changed)}
                append(session, year, actor, "round.changed", after, row.updated_at)
        return changed_round

    def load(self, files: Mapping[str, bytes], actor: str) -> dict[int, str]:
        """The shipped rounds (JSON files): each year missing is created, an existing one is
        left as it is (the database's round wins once it exists). Year -> created|unchanged."""
        result: dict[int, str] = {}
        for name in sorted(files):
            made = Round.from_dict(json.loads(files[name]))
            with self.db.reading() as session:
                exists = get_round(session, made.year) is not None
            if not exists:
                self.create(made.as_dict(), actor)
            result[made.year] = "unchanged" if exists else "created"
        return result
