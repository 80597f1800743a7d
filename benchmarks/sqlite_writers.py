"""SQLite writers under contention: egov's FIFO writer queue (`egov.db.WriterQueue`) against
SQLite's own busy handler alone (issue 18). C threads each run T write transactions that hold
the write lock for a few milliseconds (an intake's share); printed: throughput and the p50 /
p95 / p99 / max wait-and-commit time of a transaction, per variant, repetitions interleaved,
and the ratios queue / busy handler. Run:
.venv/bin/python benchmarks/sqlite_writers.py [CLIENTS] [TRANSACTIONS] [REPETITIONS] [--json]
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from egov.db import BUSY_SECONDS, _sqlite_pragmas, make_engine  # noqa: E402

HOLD_SECONDS = 0.003  # the work done while holding the write lock


def busy_handler_only(url: str) -> Engine:
    """The engine as egov made it before the queue: BEGIN IMMEDIATE and the busy timeout."""
    engine = create_engine(url, connect_args={"timeout": BUSY_SECONDS})
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    return engine


def run(engine: Engine, clients: int, transactions: int) -> dict[str, float]:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS rows (client INTEGER, n INTEGER)"))
    times: list[float] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        mine = []
        for n in range(transactions):
            began = time.perf_counter()
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO rows VALUES (:c, :n)"), {"c": number, "n": n})
                time.sleep(HOLD_SECONDS)
            mine.append(time.perf_counter() - began)
        with lock:
            times.extend(mine)

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    ordered = sorted(times)

    def pct(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    return {
        "per_second": len(times) / elapsed,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": ordered[-1] * 1000,
    }


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    clients, transactions, repetitions = (int(a) for a in (args + ["16", "40", "3"][len(args) :]))
    variants = {"queue": lambda url: make_engine(url), "busy handler": busy_handler_only}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory() as folder:
        for repetition in range(repetitions):  # interleaved: each repetition runs both
            for name, make in variants.items():
                url = f"sqlite:///{Path(folder) / f'{name[0]}{repetition}.sqlite3'}"
                engine = make(url)
                results[name].append(run(engine, clients, transactions))
                engine.dispose()
    medians = {
        name: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        for name, runs in results.items()
    }
    ratios = {key: medians["queue"][key] / medians["busy handler"][key] for key in medians["queue"]}
    report: dict[str, Any] = {
        "clients": clients,
        "transactions_per_client": transactions,
        "repetitions": repetitions,
        "hold_ms": HOLD_SECONDS * 1000,
        "median": medians,
        "ratio_queue_to_busy_handler": ratios,
    }
    if "--json" in sys.argv:
        print(json.dumps(report, indent=2))
        return
    print(f"{clients} writers x {transactions} transactions, {repetitions} repetitions (median)")
    print(f"{'variant':<14}" + "".join(f"{key:>12}" for key in ratios))
    for name, values in medians.items():
        print(f"{name:<14}" + "".join(f"{values[key]:>12.1f}" for key in ratios))
    print(f"{'ratio':<14}" + "".join(f"{ratios[key]:>12.2f}" for key in ratios))


if __name__ == "__main__":
    main()
