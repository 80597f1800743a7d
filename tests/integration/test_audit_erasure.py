"""Erasable audit payloads (ADR 0039): once a case's event payloads are erased the chain still
verifies, and it still names the event of any changed, reordered or removed row."""

from __future__ import annotations

from datetime import datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, update

from egov.audit.store import AuditEvent, erase_payloads, list_events
from egov.cases.store import Case
from egov.cli import main
from egov.container import Container
from tests.conftest import Api
from tests.integration.test_audit_trail import filed_case

ERASED_AT = datetime(2040, 1, 2, 3, 4, 5)


def erase(container: Container, case_id: str) -> int:
    with container.db.transaction() as session:
        return erase_payloads(
            session, case_id, actor="admin", reason="Aufbewahrungsfrist abgelaufen", now=ERASED_AT
        )


def verification(api: Api, case_id: str) -> tuple[bool, int | None, str | None]:
    found = api.get(f"/cases/{case_id}/events", "anna").get_json()["verification"]
    return found["valid"], found["first_broken_seq"], found["reason"]


def test_a_trail_with_erased_payloads_still_verifies(api: Api, container: Container) -> None:
    case_id = filed_case(api)
    erased = erase(container, case_id)

    assert erased >= 2
    assert verification(api, case_id) == (True, None, None)
    with container.db.reading() as session:
        events = list_events(session, case_id)
    assert all(e.before is None and e.after is None for e in events[:erased])
    assert {(e.erased_by, e.erasure_reason) for e in events[:erased]} == {
        ("admin", "Aufbewahrungsfrist abgelaufen")
    }
    assert events[-1].action == "audit.payloads_erased"
    shown = api.get(f"/cases/{case_id}/events", "anna").get_json()["items"][0]
    assert shown["after"] is None and shown["erased_at"].startswith("2040-01-02")


def test_verify_audit_on_the_command_line_passes_on_an_erased_trail(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = filed_case(api)
    erase(container, case_id)
    monkeypatch.setenv("EGOV_DATA_DIR", str(container.settings.data_dir))
    monkeypatch.setenv("EGOV_DATABASE_URL", container.settings.effective_database_url)
    with container.db.reading() as session:
        reference = session.scalars(select(Case.reference).where(Case.id == case_id)).one()

    result = CliRunner().invoke(main, ["verify-audit", reference])

    assert result.exit_code == 0 and '"valid": true' in result.output


def test_a_changed_payload_of_an_event_not_erased_is_detected(
    api: Api, container: Container
) -> None:
    case_id = filed_case(api)
    with container.db.transaction() as session:
        session.execute(
            update(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.seq == 2)
            .values(after={"status": "funded"})
        )

    assert verification(api, case_id) == (False, 2, "event payload altered")


def test_a_changed_payload_hash_of_an_erased_event_is_detected(
    api: Api, container: Container
) -> None:
    case_id = filed_case(api)
    erase(container, case_id)
    with container.db.transaction() as session:
        session.execute(
            update(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.seq == 1)
            .values(payload_hash="f" * 64)
        )

    assert verification(api, case_id) == (False, 1, "event content altered")


def test_a_payload_put_back_onto_an_erased_event_is_detected(
    api: Api, container: Container
) -> None:
    case_id = filed_case(api)
    erase(container, case_id)
    with container.db.transaction() as session:
        session.execute(
            update(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.seq == 2)
            .values(after={"status": "funded"})
        )

    assert verification(api, case_id) == (False, 2, "payload present on an erased event")


def test_swapped_events_of_an_erased_trail_are_detected(api: Api, container: Container) -> None:
    case_id = filed_case(api)
    erase(container, case_id)
    with container.db.transaction() as session:
        moved = (AuditEvent.case_id == case_id, AuditEvent.seq.in_((1, 2)))
        session.execute(update(AuditEvent).where(*moved).values(seq=AuditEvent.seq + 100))
        session.execute(
            update(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.seq == 101)
            .values(seq=2)
        )
        session.execute(
            update(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.seq == 102)
            .values(seq=1)
        )

    assert verification(api, case_id) == (False, 1, "link to previous event broken")


def test_a_removed_event_of_an_erased_trail_is_detected(api: Api, container: Container) -> None:
    case_id = filed_case(api)
    erase(container, case_id)
    with container.db.transaction() as session:
        session.execute(
            delete(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.seq == 2)
        )

    assert verification(api, case_id) == (False, 2, "sequence gap or reordering")
