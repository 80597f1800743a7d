"""Implementation tracking of funded Bürgerbudget proposals (issue 15).

A funded proposal gets an implementation (`begin`, in the transaction that records the
allocation): its responsible unit (the department that checked its feasibility) keeps its
milestones (title, planned and actual day, status), its actual cost and photos, and closes it
when done. Only admins and the clerks of that unit change it (others: 404); every change is an
audit event on the proposal's case; a closed implementation no longer changes. What of it is
public is decided in `results.py`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from egov.buergerbudget.allocation import cents
from egov.buergerbudget.implementation_store import (
    Implementation,
    ImplementationStatus,
    MilestoneStatus,
    get_implementation,
)
from egov.buergerbudget.photos import NotAnImage, media_type_of, stripped
from egov.cases.service import change_case, record
from egov.cases.store import Case, get_case
from egov.clock import Clock
from egov.db import Database, new_id
from egov.documents.filestore import FileSystemStore, Placement
from egov.documents.store import Document, referenced_in
from egov.errors import Conflict, Invalid, NotFound
from egov.identity.model import Principal
from egov.intake.model import filename_problem
from egov.workflow.operators import OperatorError, StepContext

IN_IMPLEMENTATION, IMPLEMENTED = "in_implementation", "implemented"  # case statuses
DONE_MESSAGE = "buergerbudget_umgesetzt"  # the BPMN message a funded proposal waits for
MAX_TITLE = 300
MAX_COST_EUR = 10_000_000  # far above any round's budget; keeps the cents in an INTEGER
MILESTONE_FIELDS = frozenset({"title", "planned_on", "actual_on", "status"})


class Correlating(Protocol):
    def correlate(
        self, case_id: str, message_name: str, payload: dict[str, Any], actor: str
    ) -> bool: ...


def implemented_message(workflows: Correlating) -> Callable[[str, str], None]:
    """`on_done`: the proposal's process catches DONE_MESSAGE and ends."""

    def done(case_id: str, actor: str) -> None:
        workflows.correlate(case_id, DONE_MESSAGE, {}, actor)

    return done


@dataclass(frozen=True)
class PhotoLimits:
    max_photos: int = 10
    max_bytes: int = 5 * 1024 * 1024


@dataclass(frozen=True)
class Photo:
    filename: str
    media_type: str
    content: bytes


def begin(session: Session, case: Case, year: int, unit: str, actor: str, now: datetime) -> None:
    """Start the implementation of a funded proposal by `unit` (once; again: nothing)."""
    if get_implementation(session, case.id) is not None:
        return
    session.add(
        Implementation(
            case_id=case.id,
            year=year,
            org_unit_key=unit,
            status=ImplementationStatus.IN_PROGRESS,
            milestones=[],
            actual_cost_cents=None,
            photo_ids=[],
            created_at=now,
            updated_at=now,
            closed_at=None,
        )
    )
    change_case(
        session,
        case,
        actor=actor,
        action="implementation.started",
        now=now,
        status=IN_IMPLEMENTATION,
    )


def begin_operator(context: StepContext, params: dict[str, Any], data: dict[str, Any]) -> Any:
    """Operator `buergerbudget.umsetzung`: a funded proposal's implementation begins, by the
    unit that checked its feasibility (`responsible_org_unit`), in the round `year`."""
    year, unit = params.get("year", data.get("year")), data.get("responsible_org_unit")
    if not isinstance(year, int) or not isinstance(unit, str):
        raise OperatorError(
            "buergerbudget.umsetzung braucht year und responsible_org_unit.",
            code="operator-params",
        )
    begin(context.session, context.case, year, unit, context.actor, context.now)
    return {"implementation": IN_IMPLEMENTATION}


def view(item: Implementation, photos: list[Document]) -> dict[str, Any]:
    """The implementation as the clerks and the public see it (it holds no personal data)."""
    return {
        "case_id": item.case_id,
        "status": item.status,
        "milestones": list(item.milestones),
        "actual_cost_eur": None if item.actual_cost_cents is None else item.actual_cost_cents / 100,
        "photos": [
            {"id": d.id, "filename": d.filename, "media_type": d.media_type, "size": d.size}
            for d in photos
        ],
        "closed_at": None if item.closed_at is None else item.closed_at.isoformat(),
    }


def photos_of(session: Session, item: Implementation) -> list[Document]:
    return [d for d in (session.get(Document, i) for i in item.photo_ids) if d is not None]


def _invalid(name: str, reason: str) -> Invalid:
    return Invalid(
        "Die Angaben zur Umsetzung sind ungültig.",
        code="implementation-invalid",
        invalid_params=[{"name": name, "reason": reason}],
    )


def _day(name: str, value: Any) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError as exc:
        raise _invalid(name, "ein Datum JJJJ-MM-TT") from exc


def _milestone(raw: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(raw) - MILESTONE_FIELDS - {"id"})
    if unknown:
        raise _invalid(unknown[0], "unbekannt")
    title = str(raw.get("title") or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise _invalid("title", f"1 bis {MAX_TITLE} Zeichen")
    status = raw.get("status") or MilestoneStatus.PLANNED
    if status not in set(MilestoneStatus):
        raise _invalid("status", ", ".join(MilestoneStatus))
    return {
        "id": raw.get("id") or new_id(),
        "title": title,
        "planned_on": _day("planned_on", raw.get("planned_on")),
        "actual_on": _day("actual_on", raw.get("actual_on")),
        "status": str(status),
    }


@dataclass
class Implementations:
    db: Database
    files: FileSystemStore
    clock: Clock
    limits: PhotoLimits = PhotoLimits()
    # after a closing commits: the proposal's process goes on (Workflows.correlate)
    on_done: Callable[[str, str], None] | None = None

    def get(self, principal: Principal, case_id: str) -> dict[str, Any]:
        with self.db.reading() as session:
            item, _case = self._of(session, principal, case_id)
            return view(item, photos_of(session, item))

    def add_milestone(
        self, principal: Principal, case_id: str, raw: Mapping[str, Any]
    ) -> dict[str, Any]:
        milestone = _milestone({k: v for k, v in raw.items() if k != "id"})

        def change(_session: Session, item: Implementation) -> dict[str, Any]:
            item.milestones = [*item.milestones, milestone]
            return milestone

        return self._change(principal, case_id, "implementation.milestone_added", change)

    def change_milestone(
        self, principal: Principal, case_id: str, milestone_id: str, raw: Mapping[str, Any]
    ) -> dict[str, Any]:
        def change(_session: Session, item: Implementation) -> dict[str, Any]:
            found = next((m for m in item.milestones if m["id"] == milestone_id), None)
            if found is None:
                raise NotFound("Meilenstein nicht gefunden.", code="milestone-not-found")
            changed = _milestone({**found, **raw, "id": milestone_id})
            item.milestones = [changed if m["id"] == milestone_id else m for m in item.milestones]
            return changed

        return self._change(principal, case_id, "implementation.milestone_changed", change)

    def record_cost(self, principal: Principal, case_id: str, eur: float) -> dict[str, Any]:
        if not 0 <= eur <= MAX_COST_EUR:
            raise _invalid("actual_cost_eur", f"0 bis {MAX_COST_EUR} EUR")

        def change(_session: Session, item: Implementation) -> dict[str, Any]:
            item.actual_cost_cents = cents(eur)
            return {"actual_cost_eur": item.actual_cost_cents / 100}

        return self._change(principal, case_id, "implementation.cost_recorded", change)

    def add_photo(self, principal: Principal, case_id: str, photo: Photo) -> dict[str, Any]:
        content = self._checked(photo)
        placement = Placement(self.files, still_referenced=referenced_in(self.db))

        def change(session: Session, item: Implementation) -> dict[str, Any]:
            if len(item.photo_ids) >= self.limits.max_photos:
                raise _invalid("file", f"höchstens {self.limits.max_photos} Fotos")
            key, sha256 = self.files.put_bytes(content, placement)
            document = Document(
                case_id=case_id,
                kind="implementation-photo",
                filename=photo.filename,
                media_type=photo.media_type,
                size=len(content),
                sha256=sha256,
                sha512=hashlib.sha512(content).hexdigest(),
                storage_key=key,
                visible_to_applicant=True,
                created_at=self.clock(),
                created_by=principal.actor,
            )
            session.add(document)
            session.flush()
            item.photo_ids = [*item.photo_ids, document.id]
            return {"id": document.id, "filename": document.filename, "size": document.size}

        try:
            return self._change(principal, case_id, "implementation.photo_added", change)
        except BaseException:
            placement.undo()
            raise

    def complete(self, principal: Principal, case_id: str) -> dict[str, Any]:
        """Close the implementation: needs the actual cost; the case becomes `implemented`
        and its process goes on (`on_done`) after the commit."""
        with self.db.transaction() as session:
            item, case = self._open(session, principal, case_id)
            if item.actual_cost_cents is None:
                raise _invalid("actual_cost_eur", "vor dem Abschluss angeben")
            now = self.clock()
            item.status, item.closed_at, item.updated_at = ImplementationStatus.DONE, now, now
            change_case(
                session,
                case,
                actor=principal.actor,
                action="implementation.completed",
                now=now,
                status=IMPLEMENTED,
            )
            result = view(item, photos_of(session, item))
        if self.on_done is not None:
            self.on_done(case_id, principal.actor)
        return result

    def _checked(self, photo: Photo) -> bytes:
        problem = filename_problem(photo.filename)
        if problem is not None:
            raise _invalid("file", problem)
        if len(photo.content) > self.limits.max_bytes:
            raise _invalid("file", f"höchstens {self.limits.max_bytes} Bytes")
        if media_type_of(photo.content) != photo.media_type:
            raise _invalid("file", "nur JPEG oder PNG, passend zum Medientyp")
        try:
            return stripped(photo.content)
        except NotAnImage as exc:
            raise _invalid("file", "kein lesbares JPEG oder PNG") from exc

    def _change(
        self,
        principal: Principal,
        case_id: str,
        action: str,
        change: Callable[[Session, Implementation], dict[str, Any]],
    ) -> dict[str, Any]:
        with self.db.transaction() as session:
            item, case = self._open(session, principal, case_id)
            details = change(session, item)
            now = self.clock()
            item.updated_at = now
            record(session, case, actor=principal.actor, action=action, now=now, details=details)
            return details

    def _open(
        self, session: Session, principal: Principal, case_id: str
    ) -> tuple[Implementation, Case]:
        item, case = self._of(session, principal, case_id)
        if item.status == ImplementationStatus.DONE:
            raise Conflict("Die Umsetzung ist abgeschlossen.", code="implementation-closed")
        return item, case

    def _of(
        self, session: Session, principal: Principal, case_id: str
    ) -> tuple[Implementation, Case]:
        item = get_implementation(session, case_id)
        case = get_case(session, case_id)
        allowed = item is not None and (
            principal.is_admin or (principal.is_clerk and item.org_unit_key in principal.org_units)
        )
        if item is None or case is None or not allowed:
            raise NotFound("Umsetzung nicht gefunden.", code="implementation-not-found")
        return item, case
