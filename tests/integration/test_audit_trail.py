"""The audit trail proves itself: altering a row breaks the chain at that row, and a case
cannot be changed without an audit event."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from egov.audit.guard import UnauditedChange
from egov.audit.store import AuditEvent
from egov.cases.store import Case
from egov.cli import main
from egov.container import Container
from tests.builders import proposal
from tests.conftest import Api


def filed_case(api: Api) -> str:
    return str(api.post("/applications", "erika", json=proposal()).get_json()["case_id"])


def test_an_altered_event_is_reported_as_the_first_broken_link(
    api: Api, container: Container
) -> None:
    case_id = filed_case(api)
    assert api.get(f"/cases/{case_id}/events", "anna").get_json()["verification"]["valid"]
    with container.db.transaction() as session:
        session.execute(
            update(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.seq == 2)
            .values(actor="mallory")
        )

    verification = api.get(f"/cases/{case_id}/events", "anna").get_json()["verification"]

    assert verification["valid"] is False
    assert verification["first_broken_seq"] == 2
    assert verification["reason"] == "event content altered"


def test_a_removed_event_breaks_the_chain(api: Api, container: Container) -> None:
    case_id = filed_case(api)
    with container.db.transaction() as session:
        session.execute(
            AuditEvent.__table__.delete().where(AuditEvent.case_id == case_id, AuditEvent.seq == 3)
        )
    verification = api.get(f"/cases/{case_id}/events", "anna").get_json()["verification"]
    assert (verification["valid"], verification["first_broken_seq"]) == (False, 3)


def test_verify_audit_on_the_command_line_exits_1_for_a_broken_chain(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = filed_case(api)
    settings = container.settings
    monkeypatch.setenv("EGOV_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("EGOV_DATABASE_URL", settings.effective_database_url)
    with container.db.reading() as session:
        reference = session.scalars(select(Case.reference).where(Case.id == case_id)).one()

    ok = CliRunner().invoke(main, ["verify-audit", reference])
    assert ok.exit_code == 0 and '"valid": true' in ok.output
    with container.db.transaction() as session:
        session.execute(
            update(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.seq == 1)
            .values(action="x")
        )
    broken = CliRunner().invoke(main, ["verify-audit", reference])
    assert broken.exit_code == 1 and '"first_broken_seq": 1' in broken.output


def test_changing_a_case_without_an_audit_event_is_refused(api: Api, container: Container) -> None:
    case_id = filed_case(api)
    with pytest.raises(UnauditedChange), container.db.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
        case.status = "rejected"
    with container.db.reading() as session:
        assert session.get(Case, case_id).status != "rejected"  # type: ignore[union-attr]
