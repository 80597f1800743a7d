"""A migration batch runs here in the embedded mode and goes to a worker as
`egov.run-migration` (queue egov.workflow) in production mode."""

from __future__ import annotations

from egov.runtime.dispatch import ROUTES, RUN_MIGRATION, WORKFLOW_QUEUE, on_migration


class RecordingSender:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, name: str, subject_id: str) -> None:
        self.sent.append((name, subject_id))

    def send_once(self, name: str, subject_id: str, seconds: float) -> None:
        raise AssertionError("a batch is sent once, by its creation")


def test_embedded_the_batch_runs_in_this_process() -> None:
    ran: list[str] = []
    on_migration(None, ran.append)("batch-1")
    assert ran == ["batch-1"]


def test_in_production_the_batch_is_sent_to_a_workflow_worker() -> None:
    sender, ran = RecordingSender(), list[str]()
    on_migration(sender, ran.append)("batch-2")
    assert (sender.sent, ran) == ([(RUN_MIGRATION, "batch-2")], [])
    assert ROUTES[RUN_MIGRATION] == WORKFLOW_QUEUE
