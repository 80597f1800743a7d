"""Signed audit checkpoints (ADR 0044): `egov verify-audit --all` checks every chain and every
chain (the cases' and the Bürgerbudget rounds') against the latest checkpoint, so a deleted
newest event is found; a case filed after the checkpoint is not an error; a forged checkpoint
is."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import delete, func, select, update

from egov.audit.checkpoints import AuditCheckpoint
from egov.audit.store import AuditEvent
from egov.buergerbudget.ballots_store import RoundEvent
from egov.cli import main
from egov.container import Container
from egov.runtime.sweep import Sweeper
from tests.conftest import Api
from tests.integration.buergerbudget.vote_support import ROUND_2030
from tests.integration.test_audit_trail import filed_case


@pytest.fixture
def cli(container: Container, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("EGOV_DATA_DIR", str(container.settings.data_dir))
    monkeypatch.setenv("EGOV_DATABASE_URL", container.settings.effective_database_url)
    return CliRunner()


def verify_all(cli: CliRunner) -> tuple[Result, dict[str, object]]:
    result = cli.invoke(main, ["verify-audit", "--all"])
    return result, json.loads(result.output)


def test_verify_all_passes_on_intact_chains_and_their_checkpoint(
    api: Api, container: Container, cli: CliRunner
) -> None:
    case_id = filed_case(api)
    made = cli.invoke(main, ["audit-checkpoint"])
    assert made.exit_code == 0, made.output

    result, report = verify_all(cli)

    assert result.exit_code == 0, result.output
    assert report["valid"] is True and report["broken"] == []
    checkpoint = report["checkpoint"]
    assert isinstance(checkpoint, dict) and checkpoint["size"] == report["chains"]
    assert str(checkpoint["key_id"]).startswith("ed25519:")
    with container.db.reading() as session:
        heads = session.scalars(select(AuditCheckpoint.heads)).one()
        newest = session.scalar(
            select(func.max(AuditEvent.seq)).where(AuditEvent.case_id == case_id)
        )
    assert [case_id, newest] in [head[:2] for head in heads]


def test_deleting_the_newest_event_of_a_case_is_detected_naming_the_case(
    api: Api, container: Container, cli: CliRunner
) -> None:
    case_id = filed_case(api)
    container.checkpoints.make()
    with container.db.transaction() as session:
        newest = session.scalar(
            select(func.max(AuditEvent.seq)).where(AuditEvent.case_id == case_id)
        )
        session.execute(
            delete(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.seq == newest)
        )

    result, report = verify_all(cli)

    assert result.exit_code == 1
    assert report["valid"] is False and report["checkpoint_fault"] is None
    (broken,) = report["broken"]  # type: ignore[misc]
    assert broken["chain"] == case_id and broken["seq"] == newest
    assert broken["reason"].startswith("events missing")


def test_a_case_filed_after_the_checkpoint_is_not_an_error(
    api: Api, container: Container, cli: CliRunner
) -> None:
    filed_case(api)
    container.checkpoints.make()
    later = filed_case(api)

    result, report = verify_all(cli)

    assert result.exit_code == 0, result.output
    assert report["chains"] == report["checkpoint"]["size"] + 1  # type: ignore[index]
    with container.db.reading() as session:
        assert session.scalar(select(func.count()).where(AuditEvent.case_id == later)) > 0


def test_a_chain_that_grew_after_the_checkpoint_still_reaches_its_head(
    api: Api, container: Container
) -> None:
    case_id = filed_case(api)
    container.checkpoints.make()
    held = api.post(f"/cases/{case_id}/legal-hold", "admin", json={"reason": "Klage"})
    assert held.status_code == 200

    report = container.checkpoints.verify_all()

    assert report.valid, report.broken


def test_a_forged_checkpoint_root_is_detected(api: Api, container: Container) -> None:
    filed_case(api)
    made = container.checkpoints.make()
    with container.db.transaction() as session:
        session.execute(
            update(AuditCheckpoint).where(AuditCheckpoint.id == made.id).values(root="0" * 64)
        )

    report = container.checkpoints.verify_all()

    assert not report.valid and report.checkpoint_fault == "checkpoint signature invalid"


def test_heads_changed_under_a_valid_signature_are_detected(api: Api, container: Container) -> None:
    filed_case(api)
    made = container.checkpoints.make()
    with container.db.transaction() as session:
        session.execute(
            update(AuditCheckpoint).where(AuditCheckpoint.id == made.id).values(heads=[])
        )

    report = container.checkpoints.verify_all()

    assert report.checkpoint_fault == "checkpoint heads do not match its signed root"


def test_the_sweep_signs_a_checkpoint_once_per_interval(api: Api, container: Container) -> None:
    filed_case(api)
    assert Sweeper(container, None)().get("audit_checkpoint") == 1
    assert "audit_checkpoint" not in Sweeper(container, None)()

    now = container.clock()
    interval = container.settings.audit_checkpoint_interval_seconds
    container.clock = lambda: now + timedelta(seconds=interval + 1)
    container.checkpoints.clock = container.clock

    assert Sweeper(container, None)().get("audit_checkpoint") == 1
    with container.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(AuditCheckpoint)) == 2


def test_the_checkpoint_also_signs_the_buergerbudget_round_chains(
    container: Container,
) -> None:
    container.rounds.create({**ROUND_2030, "year": 2041}, actor="tests")
    made = container.checkpoints.make()
    assert ["buergerbudget-round:2041", 1] in [head[:2] for head in made.heads]
    with container.db.transaction() as session:
        session.execute(delete(RoundEvent).where(RoundEvent.round_year == 2041))

    report = container.checkpoints.verify_all()

    assert [(b.chain, b.seq) for b in report.broken] == [("buergerbudget-round:2041", 1)]
    assert report.broken[0].reason.startswith("chain deleted")
