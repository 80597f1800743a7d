"""An erasure request (GDPR Art. 17): each of the citizen's cases is erased with the
retention's erasure (`egov.retention.erasure`) where no retention duty applies, else kept
with the duty named.

Per case, in this order:
- held (Sperre): kept, the hold's reason named;
- closed with a retention rule: kept until its end date (or, past it, while the records
  must first be offered to the archive), the rule's legal basis named;
- open, its procedure has retention rules: kept, the decision starts the duty;
- otherwise (closed without a rule, or open in a procedure without rules): erased; an open
  one's process is withdrawn first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from egov.cases.store import Case, Procedure


@dataclass(frozen=True)
class Verdict:
    """What becomes of one case: erased, or kept by the named duty."""

    erase: bool
    reason: str | None = None
    legal_basis: str | None = None
    until: str | None = None  # ISO date the duty ends, if known

    def entry(self, case: Case) -> dict[str, Any]:
        return {
            "case_id": case.id,
            "reference": case.reference,
            "erased": self.erase,
            "reason": self.reason,
            "legal_basis": self.legal_basis,
            "until": self.until,
        }


def verdict(case: Case, procedure: Procedure, now: datetime) -> Verdict:
    if case.legal_hold_at is not None:
        return Verdict(False, f"Gesperrt: {case.legal_hold_reason}")
    rule = case.retention_rule
    if case.closed_at is not None and rule:
        until = case.retention_until
        basis = str(rule.get("legal_basis", ""))
        day = until.date().isoformat() if until else None
        if until is None or until >= now:
            return Verdict(False, "Aufbewahrungspflicht", basis, day)
        if procedure.archive_duty:
            return Verdict(False, "Anbietung an das Archiv steht aus", basis, day)
        return Verdict(True)
    if case.closed_at is None and procedure.retention:
        bases = sorted({str(r.get("legal_basis", "")) for r in procedure.retention})
        reason = "Aufbewahrungspflicht ab der Entscheidung über den Antrag"
        return Verdict(False, reason, "; ".join(bases))
    return Verdict(True)
