"""Intake throughput of the production mode, all on loopback: PostgreSQL, Redis, gunicorn,
`egov worker` processes and `egov scheduler`, started by this script and stopped after it.

Files N XFall messages (two attachments each) from C client threads and prints the intake
throughput, the p50/p95/p99 latency of the receipt (201), and the time until every case
has reached its first user task (the workers ran the engine). Run:
.venv/bin/python benchmarks/intake_throughput.py [N] [CLIENTS] [WEB_WORKERS] [WORKERS]
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from egov.workflow.store import Task  # noqa: E402
from tests.conftest import prepare  # noqa: E402
from tests.production.stack import Answer, Stack, message  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402
from tests.support.redis import RedisServer  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def cases_with_a_task(stack: Stack) -> int:
    query = select(func.count(func.distinct(Task.case_id))).where(Task.status == "open")
    with stack.container().db.reading() as session:
        return int(session.scalar(query) or 0)


def file_all(stack: Stack, count: int, clients: int) -> tuple[list[Answer], float]:
    bodies = [message()[1] for _ in range(count)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        answers = list(pool.map(stack.submit, bodies))
    return answers, time.perf_counter() - started


def report(answers: list[Answer], intake: float, drained: float, setup: str) -> None:
    latencies = [answer.seconds * 1000 for answer in answers]
    p50, p95, p99 = (percentile(latencies, share) for share in (0.50, 0.95, 0.99))
    print(f"setup: {setup}")
    print(f"submissions: {len(answers)}, all 201: {all(a.status == 201 for a in answers)}")
    print(f"intake throughput: {len(answers) / intake:.1f} submissions/s ({intake:.2f} s)")
    print(
        f"receipt latency ms: p50 {p50:.0f}, p95 {p95:.0f}, p99 {p99:.0f}, "
        f"mean {statistics.mean(latencies):.0f}"
    )
    print(f"p99/p50: {p99 / p50:.2f}")
    print(
        f"every case at its first user task after {drained:.2f} s "
        f"({len(answers) / drained:.1f} cases/s through the workers)"
    )
    print(f"first-task time / intake time: {drained / intake:.2f}")


def main(count: int, clients: int, web_workers: int, workers: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="egov-bench-"))
    postgres, redis = PostgresServer(), RedisServer()
    stack: Stack | None = None
    try:
        database_url = postgres.start()
        prepare(database_url, root / "template")
        stack = Stack(root, database_url, redis.start())
        stack.start_web(workers=web_workers)
        for number in range(workers):
            stack.start_worker(f"worker-{number}", concurrency=2)
        stack.start_scheduler()
        stack.submit(message()[1])  # warm up one web and one worker process
        stack.wait_until(lambda: cases_with_a_task(stack) == 1, 60, "the warm-up case")
        answers, intake = file_all(stack, count, clients)
        started = time.perf_counter() - intake
        stack.wait_until(lambda: cases_with_a_task(stack) == count + 1, 600, "every case")
        drained = time.perf_counter() - started
        setup = (
            f"{clients} clients, gunicorn {web_workers} workers x 8 threads, "
            f"{workers} egov workers x 2 processes, PostgreSQL + Redis on loopback"
        )
        report(answers, intake, drained, setup)
    finally:
        if stack is not None:
            stack.close()
        redis.stop()
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]] + [200, 16, 4, 2][len(sys.argv) - 1 :]
    main(*args[:4])
