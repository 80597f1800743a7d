"""`egov retention run`: the cases whose retention ended are listed (none on hold, none without
a rule); `--execute` erases those of procedures without archive duty, leaving a tombstone, no
trace of the applicant's data (nor of what triage, inbound messages, held messages and a
participation kept about the case) and an audit chain that still verifies; the sweep erases
them by itself in batches, logged and counted."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from prometheus_client import REGISTRY
from sqlalchemy import MetaData, select

from egov.cases.store import Case
from egov.cli import main
from egov.container import Container
from egov.documents.filestore import Placement
from egov.integrations import dms
from egov.integrations.store import InboundMessage
from egov.outbox.service import enqueue
from egov.outbox.store import OutboxMessage
from egov.participation.store import Invitation, Statement
from egov.retention import service
from egov.retention.erasure import ERASED_TITLE
from egov.retention.related import ROWS
from egov.runtime.sweep import Sweeper
from egov.runtime.worker import run_due
from egov.triage.store import TriageDecision, TriageSuggestion
from egov.workflow.held import HeldMessage
from tests.conftest import Api
from tests.integration.test_retention import bundle_with, rejected_case
from tests.integration.test_timers_support import FakeClock, api_of, clocked_app
from tests.integration.test_walkthrough import file_proposal

LONG_AGO = datetime(2020, 9, 1, 10, 0, 0)  # in the 2020 round; rejected then: kept until 31.12.2023
DISTINCTIVE = "Sitzbank für Zacharias Quenzelmeier"
AFTER_RETENTION = datetime(2024, 1, 2, 8, 0, 0)
EMAIL = "zacharias.quenzelmeier@example.org"
WAITING = "wartet auf Anbietung an das Archiv (kein Archiv konfiguriert)"


@pytest.fixture
def api(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    application: Flask = clocked_app(database_url, tmp_path / "var", FakeClock(LONG_AGO))
    container: Container = application.extensions["egov"]
    monkeypatch.setenv("EGOV_DATA_DIR", str(container.settings.data_dir))
    monkeypatch.setenv("EGOV_DATABASE_URL", container.settings.effective_database_url)
    yield api_of(application)
    container.db.dispose()


def without_archive_duty(api: Api) -> None:
    deployed = api.post(
        "/process-definitions", "admin", json={"files": bundle_with(archive_duty=False)}
    )
    assert deployed.status_code == 201, deployed.get_json()


def reference(api: Api, case_id: str) -> str:
    return str(api.get(f"/cases/{case_id}", "admin").get_json()["reference"])


def run(*args: str) -> str:
    result = CliRunner().invoke(main, ["retention", "run", *args])
    assert result.exit_code == 0, result.output
    return result.output


def everything_stored(container: Container) -> str:
    """Every row of every table and every stored file, as text."""
    tables = MetaData()
    tables.reflect(container.db.engine)
    with container.db.engine.connect() as conn:
        rows = [repr(tuple(r)) for t in tables.sorted_tables for r in conn.execute(t.select())]
    roots = (container.files.root, container.settings.data_dir / "dms")  # the DMS: a folder
    files = [
        p.read_bytes().decode("utf-8", "replace")
        for root in roots
        for p in root.rglob("*")
        if p.is_file()
    ]
    return "\n".join(rows + files)


def what_other_features_hold(container: Container, case_id: str) -> None:
    """A row of every other feature's table about the case, each naming the applicant (the
    shipped Bürgerbudget flow makes none of these for a rejected proposal), and a message that
    named the case but was not correlated with it (so it has only the case's reference)."""
    who = f"{DISTINCTIVE} <{EMAIL}>"
    key, sha256 = container.files.put_bytes(who.encode(), Placement(container.files))
    unmatched = f"<nachricht>{who} (nicht zugeordnet)</nachricht>".encode()
    unmatched_key, unmatched_sha = container.files.put_bytes(unmatched, Placement(container.files))
    ids = {"case_id": case_id, "procedure_key": "buergerbudget"}
    with container.db.transaction() as session:
        reference = session.get_one(Case, case_id).reference
        session.add(
            InboundMessage(
                case_id=None,
                case_reference=reference,
                received_at=LONG_AGO,
                source="fachverfahren",
                message_name="info",
                content_type="application/xml",
                storage_key=unmatched_key,
                sha256=unmatched_sha,
                status="uncorrelated",
            )
        )
        suggestion = TriageSuggestion(
            **ids,
            mode="intake",
            org_unit_key="allgemein",
            abstained=False,
            threshold=0.5,
            result={"explanation": who},
            created_at=LONG_AGO,
        )
        session.add(suggestion)
        session.flush()
        session.add_all(
            [
                TriageDecision(
                    **ids,
                    suggestion_id=suggestion.id,
                    task_id="t",
                    decision="override",
                    suggested_org_unit="allgemein",
                    decided_org_unit="gruen",
                    reason=who,
                    decided_by="anna",
                    decided_at=LONG_AGO,
                    seconds=1.0,
                ),
                InboundMessage(
                    case_id=case_id,
                    received_at=LONG_AGO,
                    source="fachverfahren",
                    message_name="info",
                    content_type="application/xml",
                    storage_key=key,
                    sha256=sha256,
                    status="recorded",
                ),
                HeldMessage(
                    case_id=case_id,
                    kind="inbound",
                    source_id="x",
                    message_name="info",
                    payload={"from": who},
                    actor="anna",
                    status="held",
                    held_at=LONG_AGO,
                ),
                Statement(
                    case_id=case_id,
                    number=1,
                    status="received",
                    text=who,
                    attachment_ids=[],
                    author_name=DISTINCTIVE,
                    author_email=EMAIL,
                    named=True,
                    created_at=LONG_AGO,
                ),
                Invitation(
                    case_id=case_id,
                    body_name=DISTINCTIVE,
                    email=EMAIL,
                    token_hash="0" * 64,
                    invited_at=LONG_AGO,
                    invited_by="anna",
                ),
            ]
        )


def deliver_dms_erasure(container: Container, case_id: str) -> str:
    """Deliver the erasure's one `dms.erase` row, due by the CLI's real clock."""
    assert isinstance(container.clock, FakeClock)
    container.clock.now = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)
    kind = (OutboxMessage.case_id == case_id) & (OutboxMessage.kind == dms.ERASE_KIND)
    with container.db.reading() as session:
        (row_id,) = session.scalars(select(OutboxMessage.id).where(kind)).all()
    return container.outbox.deliver(row_id)


def test_the_dry_run_lists_due_cases_but_neither_held_ones_nor_erases(api: Api) -> None:
    due, held = rejected_case(api), rejected_case(api)
    assert (
        api.post(
            f"/cases/{held}/legal-hold", "admin", json={"reason": "Klage anhängig"}
        ).status_code
        == 200
    )
    open_case = str(file_proposal(api)["case_id"])

    listed = run("--dry-run")

    assert f"{reference(api, due)} buergerbudget aufbewahrt bis 2023-12-31: {WAITING}" in listed
    assert reference(api, held) not in listed and reference(api, open_case) not in listed
    assert "1 fällig, 0 gelöscht" in listed
    api.container.clock.now = AFTER_RETENTION  # type: ignore[attr-defined]
    assert archive_state(api, due) == ("waiting_for_archive", WAITING)  # the case says so
    assert archive_state(api, held)[0] == "held" and archive_state(api, open_case)[0] == "kept"


def archive_state(api: Api, case_id: str) -> tuple[str, str]:
    archive = api.get(f"/cases/{case_id}", "admin").get_json()["retention"]["archive"]
    return archive["state"], archive["label"]


def test_execute_waits_for_the_archive_where_the_procedure_has_archive_duty(api: Api) -> None:
    case_id = rejected_case(api, DISTINCTIVE)

    output = run("--execute")

    assert WAITING in output and "0 gelöscht" in output
    assert DISTINCTIVE in api.get(f"/cases/{case_id}", "admin").get_json()["title"]


def test_execute_erases_the_personal_data_and_keeps_a_tombstone_and_the_chain(api: Api) -> None:
    case_id = rejected_case(api, DISTINCTIVE)
    kept = rejected_case(api)
    assert (
        api.post(
            f"/cases/{kept}/legal-hold", "admin", json={"reason": "Klage anhängig"}
        ).status_code
        == 200
    )
    without_archive_duty(api)
    container: Container = api.container
    what_other_features_hold(container, case_id)
    with container.db.transaction() as session:  # its documents filed in the DMS
        payload = {"case_reference": reference(api, case_id)}
        enqueue(session, case_id=case_id, kind=dms.KIND, payload=payload, now=LONG_AGO)
    assert run_due(container) == {"delivered": 1}, run_due(container)
    assert DISTINCTIVE in everything_stored(container) and EMAIL in everything_stored(container)

    output = run("--execute")
    assert deliver_dms_erasure(container, case_id) == "delivered"  # the case's folder on the DMS

    assert f"{reference(api, case_id)} buergerbudget aufbewahrt bis 2023-12-31: gelöscht" in output
    assert "1 fällig, 1 gelöscht" in output
    stored = everything_stored(container)
    assert DISTINCTIVE not in stored and "Quenzelmeier" not in stored and EMAIL not in stored
    assert not (container.settings.data_dir / "dms" / reference(api, case_id)).exists()
    with container.db.reading() as session:
        assert all(not session.scalars(select(t).where(t.case_id == case_id)).all() for t in ROWS)
        tombstone = session.scalars(select(Case).where(Case.id == case_id)).one()
        assert (tombstone.applicant_name, tombstone.applicant_email, tombstone.data) == (
            "",
            None,
            {},
        )
        assert tombstone.erased_by == "cli:retention" and tombstone.closed_at is not None
        assert tombstone.retention_rule is not None and tombstone.procedure_key == "buergerbudget"
    trail = api.get(f"/cases/{case_id}/events", "admin").get_json()
    assert trail["verification"]["valid"] is True
    erased_at = [e["action"] for e in trail["items"]].index("retention.erased")
    assert [e["action"] for e in trail["items"][erased_at - 1 :]] == [
        "audit.payloads_erased",
        "retention.erased",
        "outbox.delivered",  # dms.erase, after the erasure's commit
    ]
    assert trail["items"][erased_at]["after"]["reference"] == reference(api, case_id)
    assert all(e["after"] is None for e in trail["items"][: erased_at - 1])
    assert api.get(f"/cases/{kept}", "admin").get_json()["data"]  # the held case keeps its data
    assert archive_state(api, case_id)[0] == "erased"
    assert archive_state(api, kept)[0] == "no_duty"
    verified = CliRunner().invoke(main, ["verify-audit", reference(api, case_id)])
    assert verified.exit_code == 0
    assert "0 gelöscht" in run("--execute") and reference(api, case_id) not in run("--dry-run")


def after_retention(container: Container, batch_size: int) -> Sweeper:
    """The sweep of a day after the retention ended, erasing `batch_size` cases at a time."""
    assert isinstance(container.clock, FakeClock)
    container.clock.now = AFTER_RETENTION
    container.settings = replace(container.settings, retention_batch_size=batch_size)
    return Sweeper(container, None)


def erased_total() -> float:
    return (
        REGISTRY.get_sample_value("egov_retention_erased_total", {"procedure": "buergerbudget"})
        or 0.0
    )


def test_the_sweep_erases_due_cases_by_itself_in_batches_but_not_held_or_archived_ones(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    container: Container = api.container
    first, second, held = rejected_case(api), rejected_case(api), rejected_case(api)
    hold = api.post(f"/cases/{held}/legal-hold", "admin", json={"reason": "Klage anhängig"})
    assert hold.status_code == 200
    sweep = after_retention(container, batch_size=1)
    assert "retention_erased" not in sweep()  # archive duty: they wait
    without_archive_duty(api)
    before = erased_total()

    with caplog.at_level("INFO", logger="egov.retention.service"):
        assert sweep()["retention_erased"] == 1  # one batch of one: the oldest first
        assert sweep()["retention_erased"] == 1
        assert "retention_erased" not in sweep()  # the held one stays

    with container.db.reading() as session:
        erased = {c.id: c.erased_by for c in session.scalars(select(Case))}
    assert erased[first] == erased[second] == "sweep:retention" and erased[held] is None
    assert erased_total() == before + 2
    logged = [r.getMessage() for r in caplog.records if "retention_erased" in r.getMessage()]
    assert len(logged) == 2 and f"reference={reference(api, first)}" in logged[0]


def test_a_batch_size_of_0_turns_the_erasure_by_the_sweep_off(api: Api) -> None:
    case_id = rejected_case(api)
    without_archive_duty(api)

    assert "retention_erased" not in after_retention(api.container, batch_size=0)()
    assert api.get(f"/cases/{case_id}", "admin").get_json()["data"]


def test_a_case_whose_erasure_fails_is_rolled_back_and_the_batch_goes_on(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    container: Container = api.container
    broken, fine = rejected_case(api, DISTINCTIVE), rejected_case(api)
    without_archive_duty(api)
    real = service.erase_case

    def failing_for_the_first(session: Any, case: Case, **kwargs: Any) -> list[str]:
        if case.id == broken:
            raise RuntimeError("disk full (simulated)")
        return real(session, case, **kwargs)

    monkeypatch.setattr(service, "erase_case", failing_for_the_first)

    assert after_retention(container, batch_size=2)()["retention_erased"] == 1
    assert DISTINCTIVE in api.get(f"/cases/{broken}", "admin").get_json()["title"]
    assert api.get(f"/cases/{fine}", "admin").get_json()["title"] == ERASED_TITLE
