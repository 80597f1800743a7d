"""The tally of a round's vote (only after it closed), its verification against the round's
chain (`egov buergerbudget round verify YEAR`), and the offline votes of the closing event:
entered per proposal by one clerk, counted once another clerk confirmed them (four eyes)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from egov.buergerbudget import ballots as rules
from egov.buergerbudget.ballots_store import (
    OfflineCount,
    admitted,
    append,
    ballots,
    events,
    offline_counts,
)
from egov.buergerbudget.round_chains import chain_verdict
from egov.buergerbudget.rounds import BEFORE, CLOSED, REVIEW, SUBMISSIONS
from egov.buergerbudget.vote import retried, round_of
from egov.clock import Clock
from egov.db import Database
from egov.errors import Conflict, Forbidden, Invalid
from egov.identity.model import Principal
from egov.workflow.task_four_eyes import other_person

OFFICE = "buero-buergerbudget"  # the org unit of the Büro Bürgerbudget


@dataclass(frozen=True)
class Count:
    proposal: str  # the proposal's case id
    online: int
    offline: int  # confirmed offline votes only

    @property
    def total(self) -> int:
        return self.online + self.offline


@dataclass(frozen=True)
class Tally:
    round: int
    ballots: int
    counts: list[Count]


@dataclass(frozen=True)
class Verification:
    round: int
    chain_valid: bool
    chain_length: int
    ballots_checked: int
    problems: list[str] = field(default_factory=list)
    tally: Tally | None = None

    @property
    def valid(self) -> bool:
        return self.chain_valid and not self.problems


def count(session: Session, year: int) -> Tally:
    rows = ballots(session, year)
    online = Counter(choice for row in rows for choice in row.choices)
    offline = {c.case_id: c.votes for c in offline_counts(session, year) if c.confirmed_by}
    proposals = [p.case_id for p in admitted(session, year)]
    counts = [Count(p, online[p], offline.get(p, 0)) for p in proposals]
    return Tally(year, sum(1 for row in rows if row.choices), counts)


def may_count(person: Principal) -> None:
    """The tally and the offline votes: admins and the clerks of Büro Bürgerbudget."""
    if not (person.is_admin or person.in_org_unit(OFFICE)):
        raise Forbidden("Nur für das Büro Bürgerbudget.")


@dataclass
class Tallies:
    db: Database
    clock: Clock

    def tally(self, reader: Principal, year: int) -> Tally:
        may_count(reader)
        with self.db.reading() as session:
            if round_of(session, year).phase(self.clock()) != CLOSED:
                raise Conflict("Die Abstimmung ist noch nicht beendet.", code="vote-not-closed")
            return count(session, year)

    def verify(self, year: int) -> Verification:
        """Recompute every ballot's commitment, match it with the chain's last commitment of
        that ballot, check the chain and the confirmed offline counts, and count again."""
        with self.db.reading() as session:
            round_of(session, year)
            trail = events(session, year)
            verdict = chain_verdict(year, trail)
            latest = rules.latest_commitments((e.action, e.after) for e in trail)
            problems = []
            rows = ballots(session, year)
            for row in rows:
                again = rules.commitment(row.salt, year, row.id, row.version, row.choices)
                chained = latest.pop(row.id, None)
                if again != row.commitment or chained is None or chained["commitment"] != again:
                    problems.append(f"Stimmzettel {row.id}: passt nicht zur Kette")
            problems += [
                f"Stimmzettel {ballot}: in der Kette, aber nicht gespeichert" for ballot in latest
            ]
            confirmed = {
                str(e.after["proposal"]): int(e.after["votes"])
                for e in trail
                if e.action == rules.OFFLINE
            }
            stored = {c.case_id: c.votes for c in offline_counts(session, year) if c.confirmed_by}
            if confirmed != stored:
                problems.append("Offline-Stimmen: Tabelle und Kette weichen ab")
            return Verification(
                year, verdict.valid, verdict.length, len(rows), problems, count(session, year)
            )

    def enter_offline(
        self, clerk: Principal, year: int, votes: Mapping[str, int]
    ) -> list[OfflineCount]:
        """A clerk enters the offline counts per proposal (replacing unconfirmed ones)."""
        may_count(clerk)
        actor = clerk.actor

        def work(session: Session) -> list[OfflineCount]:
            found = round_of(session, year)
            if found.phase(self.clock()) in (BEFORE, SUBMISSIONS, REVIEW):
                raise Conflict("Die Abstimmung hat noch nicht begonnen.", code="vote-not-open")
            names = {p.case_id for p in admitted(session, year)}
            bad = [p for p, n in votes.items() if p not in names or type(n) is not int or n < 0]
            if bad:
                raise Invalid(
                    "Offline-Stimmen nur für zugelassene Vorschläge, als ganze Zahl ab 0.",
                    code="ballot-invalid",
                    invalid_params=[{"name": p, "reason": "ungültig"} for p in bad],
                )
            existing = {c.case_id: c for c in offline_counts(session, year)}
            if any(existing[p].confirmed_by for p in votes if p in existing):
                raise Conflict(
                    "Diese Offline-Stimmen sind schon bestätigt.", code="offline-votes-confirmed"
                )
            now, rows = self.clock(), []
            for proposal, number in votes.items():
                row = existing.get(proposal) or OfflineCount(round_year=year, case_id=proposal)
                row.votes, row.entered_by, row.entered_at = number, actor, now
                session.add(row)
                rows.append(row)
            return rows

        return retried(self.db, work)

    def confirm_offline(self, clerk: Principal, year: int, proposal: str) -> OfflineCount:
        """The second clerk confirms a proposal's offline count; now it counts (chained)."""
        may_count(clerk)
        actor = clerk.actor

        def work(session: Session) -> OfflineCount:
            round_of(session, year)
            found = {c.case_id: c for c in offline_counts(session, year)}.get(proposal)
            if found is None:
                raise Conflict(
                    "Für diesen Vorschlag sind keine Offline-Stimmen erfasst.",
                    code="offline-votes-missing",
                )
            if found.confirmed_by:
                raise Conflict(
                    "Diese Offline-Stimmen sind schon bestätigt.", code="offline-votes-confirmed"
                )
            now = self.clock()
            if not other_person(session, found.entered_by, actor, now):
                raise Conflict(
                    "Vier Augen: wer die Offline-Stimmen erfasst hat (oder deren Vertretung), "
                    "bestätigt sie nicht.",
                    code="offline-votes-own-entry",
                )
            found.confirmed_by, found.confirmed_at = actor, now
            after: dict[str, Any] = {
                "proposal": proposal,
                "votes": found.votes,
                "entered_by": found.entered_by,
                "confirmed_by": actor,
            }
            append(session, year, actor, rules.OFFLINE, after, now)
            return found

        return retried(self.db, work)


def offline_view(row: OfflineCount) -> dict[str, Any]:
    return {
        "proposal": row.case_id,
        "votes": row.votes,
        "offline": True,
        "entered_by": row.entered_by,
        "confirmed": row.confirmed_by is not None,
        "confirmed_by": row.confirmed_by,
    }
