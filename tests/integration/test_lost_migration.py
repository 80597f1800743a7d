"""A migration batch whose runner died (worker killed, Celery message lost) is found by the
sweep once it has made no progress for `EGOV_MIGRATION_STALL_SECONDS` and run again; the
instances migrated before the crash are not migrated twice (each item its own transaction)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from egov.container import Container
from egov.runtime.sweep import Sweeper
from egov.workflow.migration_service import Migrations
from egov.workflow.migration_store import MigrationBatch
from tests.conftest import Api
from tests.integration.test_instance_migration import (
    actions,
    at_formal_check,
    changed_buergerbudget,
    deploy,
    instance_of,
    plan_body,
)


class WorkerKilled(BaseException):
    """The runner's process dies: nothing after this point of the batch runs."""


def test_the_sweep_finishes_a_batch_whose_runner_died_without_redoing_its_items(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = [at_formal_check(api, container) for _ in range(3)]
    source = instance_of(container, cases[0][0]).definition_id
    target = deploy(api, changed_buergerbudget())
    run_item = Migrations._run_item
    done: list[str] = []

    def dies_after_one(self: Migrations, *args: Any) -> None:
        if done:
            raise WorkerKilled
        run_item(self, *args)
        done.append("item")

    monkeypatch.setattr(Migrations, "_run_item", dies_after_one)
    body = {"plan": plan_body(source, target["id"]), "instance_ids": [i for _, i in cases]}
    with pytest.raises(WorkerKilled):
        api.post("/migrations", "admin", json=body)
    monkeypatch.setattr(Migrations, "_run_item", run_item)
    (batch_id,) = _batches(container)
    progress = api.get(f"/migrations/{batch_id}", "admin").get_json()
    assert (progress["status"], progress["done"], progress["pending"]) == ("pending", 1, 2)

    assert "migrations_resumed" not in Sweeper(container, None)()  # within the stall period
    monkeypatch.setattr(
        container, "settings", replace(container.settings, migration_stall_seconds=0)
    )
    assert Sweeper(container, None)()["migrations_resumed"] == 1

    progress = api.get(f"/migrations/{batch_id}", "admin").get_json()
    assert (progress["status"], progress["done"], progress["failed"]) == ("done", 3, 0)
    for case_id, _ in cases:
        assert instance_of(container, case_id).definition_id == target["id"]
        assert actions(container, case_id).count("workflow.migrated") == 1
    assert "migrations_resumed" not in Sweeper(container, None)()


def _batches(container: Container) -> list[str]:
    with container.db.reading() as session:
        return list(session.scalars(select(MigrationBatch.id)))


def test_an_instance_killing_its_worker_each_time_fails_after_max_attempts_and_the_batch_ends(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = [at_formal_check(api, container) for _ in range(3)]
    source = instance_of(container, cases[0][0]).definition_id
    target = deploy(api, changed_buergerbudget())
    deadly = cases[1][1]
    run_item = Migrations._run_item

    def dies_on_one(
        self: Migrations, planned: Any, item_id: str, instance_id: str, *a: Any
    ) -> None:
        if instance_id == deadly:
            raise WorkerKilled
        run_item(self, planned, item_id, instance_id, *a)

    monkeypatch.setattr(Migrations, "_run_item", dies_on_one)
    monkeypatch.setattr(
        container, "settings", replace(container.settings, migration_stall_seconds=0)
    )
    body = {"plan": plan_body(source, target["id"]), "instance_ids": [i for _, i in cases]}
    with pytest.raises(WorkerKilled):
        api.post("/migrations", "admin", json=body)
    (batch_id,) = _batches(container)
    for _ in range(container.migrations.max_attempts - 1):  # the sweep re-sends it: dies again
        with pytest.raises(WorkerKilled):
            Sweeper(container, None)()
        assert api.get(f"/migrations/{batch_id}", "admin").get_json()["status"] == "pending"

    assert Sweeper(container, None)()["migrations_resumed"] == 1  # the item fails, no run

    progress = api.get(f"/migrations/{batch_id}", "admin").get_json()
    assert (progress["status"], progress["done"], progress["failed"]) == (
        "done-with-failures",
        2,
        1,
    )
    (failure,) = progress["failures"]
    assert failure["instance_id"] == deadly
    assert [r["code"] for r in failure["reasons"]] == ["migration-attempts-exhausted"]
    assert instance_of(container, cases[1][0]).definition_id == source  # untouched
    for case_id in (cases[0][0], cases[2][0]):
        assert instance_of(container, case_id).definition_id == target["id"]
    (incident,) = api.get("/incidents", "admin").get_json()["items"]
    assert (incident["kind"], incident["code"], incident["case_id"]) == (
        "migration",
        "migration-attempts-exhausted",
        cases[1][0],
    )
    assert "incident.opened" in actions(container, cases[1][0])
    retried = api.post(f"/incidents/{incident['id']}/retry", "admin")
    assert (retried.status_code, retried.get_json()["code"]) == (409, "incident-not-retryable")
    assert "migrations_resumed" not in Sweeper(container, None)()
