"""The directory: org units, who works in them, who stands in for whom, and what that means
for a principal. Org units and roles are data here, not code.

`Directory.enrich` adds to a clerk's token the org units of their memberships and of every
colleague they currently deputize for. Nothing is cached: each call reads the database, so a
membership or Vertretung takes effect with the next request.

Directory changes are not case changes, so they write no audit event; each one writes a
structured log line `directory_changed action=... actor=...`.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from egov.clock import Clock
from egov.db import Database
from egov.errors import Conflict, Invalid, NotFound
from egov.identity.model import Principal, Role
from egov.identity.store import (
    MEMBER_ROLES,
    Deputy,
    OrgUnit,
    OrgUnitMembership,
    active_deputies,
    get_membership,
    get_org_unit,
    member_units,
    page_deputies,
    page_members,
    page_org_units,
)
from egov.paging import FIRST_PAGE, Page, PageRequest

log = logging.getLogger(__name__)
ORG_UNIT_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_NAME = 200
SUBJECT = re.compile(r"^\S{1,200}$")
EMAIL = re.compile(  # plain ASCII local@domain, as egov.integrations.email sends to
    r"^(?=.{3,254}$)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$"
)


@dataclass
class Directory:
    db: Database
    clock: Clock
    issuers: frozenset[str] = frozenset()  # names that qualify subjects (`dev:anna`)

    # -- principals ---------------------------------------------------------------------------

    def enrich(self, principal: Principal) -> Principal:
        """The principal with the org units of its memberships and current Vertretungen.

        A membership makes its holder a clerk. Anyone who is neither a clerk by token nor a
        member of a unit is returned unchanged.
        """
        with self.db.reading() as session:
            own = member_units(session, principal.subject)
            if not (principal.is_clerk or own):
                return principal
            deputized = _deputized_units(session, principal.subject, self.clock())
        return dataclasses.replace(
            principal,
            roles=principal.roles | {Role.CLERK},
            org_units=principal.org_units | own | deputized,
        )

    # -- org units ----------------------------------------------------------------------------

    def org_units(self, page: PageRequest = FIRST_PAGE) -> Page[OrgUnit]:
        with self.db.reading() as session:
            return page_org_units(session, page)

    def unit_names(self, keys: frozenset[str]) -> dict[str, str]:
        """The names of these org units by key (a key without a unit names itself)."""
        with self.db.reading() as session:
            return {key: _name_of(session, key) for key in sorted(keys)}

    def ensure_org_units(self, units: list[tuple[str, str]]) -> None:
        """Create or rename the given (key, name) units in one transaction (`demo-setup`)."""
        with self.db.transaction() as session:
            ensure_org_units(session, units)

    def add_org_unit(self, actor: str, key: str, name: str) -> OrgUnit:
        _check_key(key)
        _check_text("name", name, MAX_NAME)
        with self.db.transaction() as session:
            if session.get(OrgUnit, key) is not None:
                raise Conflict(
                    f"Organisationseinheit {key!r} gibt es schon.", code="org-unit-exists"
                )
            unit = OrgUnit(key=key, name=name.strip())
            session.add(unit)
        _logged("org_unit.added", actor, org_unit=key)
        return unit

    def rename_org_unit(self, actor: str, key: str, name: str) -> OrgUnit:
        _check_text("name", name, MAX_NAME)
        with self.db.transaction() as session:
            unit = session.get(OrgUnit, key)
            if unit is None:
                raise NotFound("Organisationseinheit nicht gefunden.", code="org-unit-not-found")
            unit.name = name.strip()
        _logged("org_unit.renamed", actor, org_unit=key)
        return unit

    # -- memberships --------------------------------------------------------------------------

    def members(self, key: str, page: PageRequest = FIRST_PAGE) -> Page[OrgUnitMembership]:
        with self.db.reading() as session:
            if session.get(OrgUnit, key) is None:
                raise NotFound("Organisationseinheit nicht gefunden.", code="org-unit-not-found")
            return page_members(session, key, page)

    def add_member(
        self, actor: str, key: str, subject: str, role: str = "clerk", email: str | None = None
    ) -> OrgUnitMembership:
        """Add a member; `email` is where escalations reach a supervisor (optional)."""
        self._check_subject("subject", subject)
        if role not in MEMBER_ROLES:
            raise _invalid("role", f"eine von {', '.join(MEMBER_ROLES)}", "membership-invalid")
        _check_email(email)
        with self.db.transaction() as session:
            _require_unit(session, key)
            if get_membership(session, subject, key) is not None:
                raise Conflict(f"{subject!r} gehört schon zu {key!r}.", code="membership-exists")
            membership = OrgUnitMembership(
                subject=subject,
                org_unit_key=key,
                role=role,
                email=email,
                created_at=self.clock(),
                created_by=actor,
            )
            session.add(membership)
        _logged("member.added", actor, org_unit=key, subject=subject, role=role)
        return membership

    def set_member_email(
        self, actor: str, key: str, subject: str, email: str | None
    ) -> OrgUnitMembership:
        """Set (or with None remove) the e-mail address of a membership."""
        _check_email(email)
        with self.db.transaction() as session:
            membership = get_membership(session, subject, key)
            if membership is None:
                raise NotFound("Mitgliedschaft nicht gefunden.", code="membership-not-found")
            membership.email = email
        _logged("member.email_set", actor, org_unit=key, subject=subject)
        return membership

    def remove_member(self, actor: str, key: str, subject: str) -> None:
        with self.db.transaction() as session:
            membership = get_membership(session, subject, key)
            if membership is None:
                raise NotFound("Mitgliedschaft nicht gefunden.", code="membership-not-found")
            session.delete(membership)
        _logged("member.removed", actor, org_unit=key, subject=subject)

    def _check_subject(self, name: str, value: str) -> None:
        """A person is named by the issuer that authenticates them: `<issuer>:<subject>`."""
        _check_subject(name, value)
        issuer, separator, _local = value.partition(":")
        if not separator or issuer not in self.issuers:
            known = ", ".join(sorted(self.issuers)) or "keine"
            reason = f"<Aussteller>:<Subjekt>, Aussteller einer von: {known}"
            raise _invalid(name, reason, "directory-input-invalid")

    # -- deputies (Vertretungen) ----------------------------------------------------------------

    def deputies(self, page: PageRequest = FIRST_PAGE) -> Page[Deputy]:
        with self.db.reading() as session:
            return page_deputies(session, page)

    def add_deputy(
        self,
        actor: str,
        deputy_subject: str,
        absent_subject: str,
        *,
        valid_from: datetime,
        valid_until: datetime,
        org_unit: str | None = None,
    ) -> Deputy:
        self._check_subject("deputy_subject", deputy_subject)
        self._check_subject("absent_subject", absent_subject)
        if deputy_subject == absent_subject:
            raise _invalid("deputy_subject", "niemand vertritt sich selbst", "deputy-invalid")
        now = self.clock()
        _check_period(valid_from, valid_until, now)
        with self.db.transaction() as session:
            if org_unit is not None:
                _require_unit(session, org_unit)
            deputy = Deputy(
                deputy_subject=deputy_subject,
                absent_subject=absent_subject,
                org_unit_key=org_unit,
                valid_from=valid_from,
                valid_until=valid_until,
                created_at=now,
                created_by=actor,
            )
            session.add(deputy)
            session.flush()
        _logged(
            "deputy.added",
            actor,
            deputy=deputy.id,
            deputy_subject=deputy_subject,
            absent_subject=absent_subject,
            org_unit=org_unit or "*",
        )
        return deputy

    def end_deputy(self, actor: str, deputy_id: str) -> Deputy:
        """End a Vertretung now (one that has not begun yet never takes effect)."""
        now = self.clock()
        with self.db.transaction() as session:
            deputy = session.get(Deputy, deputy_id)
            if deputy is None:
                raise NotFound("Vertretung nicht gefunden.", code="deputy-not-found")
            if deputy.valid_until <= now or deputy.ended_at is not None:
                raise Conflict("Die Vertretung ist schon beendet.", code="deputy-ended")
            deputy.ended_at, deputy.ended_by = now, actor
        _logged("deputy.ended", actor, deputy=deputy_id)
        return deputy


def ensure_org_units(session: Session, units: list[tuple[str, str]]) -> None:
    for key, name in units:
        unit = session.get(OrgUnit, key) or OrgUnit(key=key)
        unit.name = name
        session.add(unit)


def parse_moment(name: str, value: object) -> datetime:
    """An ISO 8601 date-time as naive UTC (a value without offset is taken as UTC)."""
    if not isinstance(value, str):
        raise _invalid(name, "ISO-8601-Zeitpunkt erwartet", "deputy-period-invalid")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _invalid(name, "ISO-8601-Zeitpunkt erwartet", "deputy-period-invalid") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _deputized_units(session: Session, subject: str, now: datetime) -> set[str]:
    units: set[str] = set()
    for deputy in active_deputies(session, subject, now):
        if deputy.org_unit_key is not None:
            units.add(deputy.org_unit_key)
        else:
            units |= member_units(session, deputy.absent_subject)
    return units


def _name_of(session: Session, key: str) -> str:
    unit = get_org_unit(session, key)
    return key if unit is None else unit.name


def _require_unit(session: Session, key: str) -> None:
    if not isinstance(key, str) or session.get(OrgUnit, key) is None:
        raise Invalid(
            f"Organisationseinheit {key!r} unbekannt.",
            code="org-unit-unknown",
            invalid_params=[{"name": "org_unit", "reason": "unbekannt"}],
        )


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not ORG_UNIT_KEY.fullmatch(key):
        raise _invalid("key", "a-z, 0-9 und '-', höchstens 64 Zeichen", "org-unit-invalid")


def _check_subject(name: str, value: str) -> None:
    if not isinstance(value, str) or not SUBJECT.fullmatch(value):
        reason = "nicht leer, ohne Leerzeichen, höchstens 200 Zeichen"
        raise _invalid(name, reason, "directory-input-invalid")


def _check_email(value: object) -> None:
    if value is not None and not (isinstance(value, str) and EMAIL.fullmatch(value)):
        reason = "eine E-Mail-Adresse wie name@example.org, höchstens 254 Zeichen"
        raise _invalid("email", reason, "directory-input-invalid")


def _check_text(name: str, value: str, limit: int) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise _invalid(name, f"nicht leer, höchstens {limit} Zeichen", "directory-input-invalid")


def _check_period(valid_from: datetime, valid_until: datetime, now: datetime) -> None:
    if valid_until <= valid_from:
        raise _invalid("valid_until", "muss nach valid_from liegen", "deputy-period-invalid")
    if valid_until <= now:
        raise _invalid("valid_until", "liegt in der Vergangenheit", "deputy-period-invalid")


def _invalid(name: str, reason: str, code: str) -> Invalid:
    return Invalid(
        f"Ungültige Angabe: {name} ({reason}).",
        code=code,
        invalid_params=[{"name": name, "reason": reason}],
    )


def _logged(action: str, actor: str, **fields: str) -> None:
    details = " ".join(f"{k}={v}" for k, v in fields.items())
    log.info("directory_changed action=%s actor=%s %s", action, actor, details)
