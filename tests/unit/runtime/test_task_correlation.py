"""A Celery task logs with the correlation id of the request that sent it: the sender puts
the id into the message headers, the task binds it while it runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from celery import Celery
from celery.app.task import Context

from egov import correlation
from egov.runtime import tasks
from egov.runtime.celery_app import CORRELATION_HEADER, CelerySender, WorkerRuntime
from egov.runtime.dispatch import ROUTES, START_CASE
from egov.settings import Settings


def sent_headers(send: Any) -> dict[str, Any]:
    app = Celery("egov-test", broker="memory://", set_as_current=False)
    sender = CelerySender(app, WorkerRuntime(Settings()))
    send(sender)
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue(ROUTES[START_CASE])
        message = queue.get(timeout=2)
        message.ack()
        queue.close()
    return dict(message.headers)


def test_a_task_sent_during_a_request_carries_its_correlation_id() -> None:
    def send(sender: CelerySender) -> None:
        with correlation.correlated("req-4711"):
            sender.send(START_CASE, "case-1")

    assert sent_headers(send)[CORRELATION_HEADER] == "req-4711"


def test_a_task_sent_outside_a_request_carries_none() -> None:
    assert CORRELATION_HEADER not in sent_headers(lambda s: s.send(START_CASE, "case-2"))


@dataclass
class Runtime:
    """What `guarded` asks of the worker's runtime, without Redis and a database."""

    deliveries: int = 1
    forgotten: list[str] = field(default_factory=list)

    def count_delivery(self, task_id: str) -> int:
        return self.deliveries

    def container(self) -> Any:
        return SimpleNamespace(settings=Settings())

    def forget(self, task_id: str) -> None:
        self.forgotten.append(task_id)


def run(headers: dict[str, Any]) -> str | None:
    seen: list[str | None] = []
    task = SimpleNamespace(
        name=START_CASE,
        app=SimpleNamespace(egov_runtime=Runtime()),
        request=Context({"id": "task-1", **headers}),  # as the worker builds it from headers
    )
    tasks.guarded(
        task, "case-1", lambda _r, _id: seen.append(correlation.current_correlation_id()), None
    )  # type: ignore[arg-type]
    assert correlation.current_correlation_id() is None  # unbound after the task
    return seen[0]


def test_the_task_logs_with_the_id_of_its_message() -> None:
    assert run({CORRELATION_HEADER: "req-4711"}) == "req-4711"


def test_a_task_without_an_id_logs_without_one_and_an_odd_id_is_replaced() -> None:
    assert run({}) is None
    replaced = run({CORRELATION_HEADER: "bad id\nforged"})
    assert replaced is not None and replaced != "bad id\nforged"
