"""Production mode end to end: gunicorn hands the work to Celery workers over Redis, the
workers run the engine, PostgreSQL decides every race."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from egov.cases.store import Case
from egov.intake.store import Submission
from egov.workflow.store import Task, get_instance_by_case
from tests.production.stack import Answer, Stack, message

pytestmark = pytest.mark.postgres


def has_instance(stack: Stack, case_id: str) -> bool:
    with stack.container().db.reading() as session:
        return get_instance_by_case(session, case_id) is not None


def open_tasks(stack: Stack, case_id: str) -> list[str]:
    query = select(Task.id).where(Task.case_id == case_id, Task.status == "open")
    with stack.container().db.reading() as session:
        return list(session.scalars(query))


def test_a_submission_reaches_its_first_user_task_through_a_celery_worker(stack: Stack) -> None:
    assert not any(name.startswith("worker") for name in stack.processes)
    answer = stack.submit(message()[1])
    assert answer.status == 201, answer.body
    case_id = answer.body["case_id"]

    time.sleep(0.5)  # inline, the instance would exist before the 201; a thread, by now
    assert not has_instance(stack, case_id), "the web process ran the engine itself"

    stack.start_worker("worker")
    stack.wait_until(lambda: bool(open_tasks(stack, case_id)), 30, "the first user task")
    assert has_instance(stack, case_id)


def test_fifty_concurrent_identical_submissions_open_exactly_one_case(stack: Stack) -> None:
    message_uuid, body = message()
    gate = threading.Barrier(50)

    def send(_: int) -> Answer:
        gate.wait()
        return stack.submit(body)

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(send, range(50)))

    statuses = sorted(answer.status for answer in answers)
    assert statuses == [200] * 49 + [201], statuses
    assert len({str(sorted(answer.body.items())) for answer in answers}) == 1
    with stack.container().db.reading() as session:
        query = select(func.count()).select_from(Submission)
        stored = session.scalar(query.where(Submission.message_id == message_uuid))
        case_id = answers[0].body["case_id"]
        cases = session.scalar(select(func.count()).select_from(Case).where(Case.id == case_id))
    assert (stored, cases) == (1, 1)
    stack.wait_until(lambda: bool(open_tasks(stack, case_id)), 30, "the first user task")
