"""A parallel multi-instance user task of N instances (10,000 by default) started as egov
runs it: a script builds the list, the multi-instance task fans out over it, the step saves
the state and projects N tasks into the inboxes.

Prints the time of the step (the filing request, in the embedded mode the engine runs inline
in it), the longest time a concurrent writer waited for the database's write lock while the
step ran (a second thread doing one small write transaction after another; ADR 0018: the
engine computes without the lock, only the save holds it), how many of its writes waited more
than 100 ms, and the peak memory of this process. SQLite by default, PostgreSQL with
`--postgres URL` (an empty database; the schema is migrated). Run:
.venv/bin/python benchmarks/fanout.py [--n 10000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from egov.app import create_app  # noqa: E402
from egov.db import Database  # noqa: E402
from egov.workflow.store import Task  # noqa: E402
from tests.builders import linear_bundle, proposal  # noqa: E402
from tests.conftest import Api, make_settings, prepare  # noqa: E402

FANOUT = (
    '<bpmn:userTask id="check" name="Prüfen">'
    '<bpmn:multiInstanceLoopCharacteristics isSequential="false">'
    "<bpmn:loopDataInputRef>items</bpmn:loopDataInputRef>"
    '<bpmn:inputDataItem id="item" name="item"/>'
    "</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>"
)
WRITE = text("UPDATE procedures SET name = name WHERE key = 'fanout'")


def bundle(n: int) -> dict[str, str]:
    files = linear_bundle(
        "fanout", script=f"items = list(range({n}))", leika_digits="99000000010000"
    )
    files["fanout.bpmn"] = files["fanout.bpmn"].replace(
        '<bpmn:userTask id="check" name="Prüfen"/>', FANOUT
    )
    return files


@dataclass
class Writer:
    """Small write transactions in a loop; records how long each waited."""

    db: Database
    waits: list[float] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    timeouts: int = 0  # writes given up after the busy timeout (their wait is counted)

    def __call__(self) -> None:
        while not self.stop.is_set():
            began = time.perf_counter()
            try:
                with self.db.transaction() as session:
                    session.execute(WRITE)
            except OperationalError:  # the lock was not free within the busy timeout
                self.timeouts += 1
            self.waits.append(time.perf_counter() - began)
            time.sleep(0.005)


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(n: int, postgres: str | None) -> None:
    root = Path(tempfile.mkdtemp(prefix="egov-fanout-"))
    url = postgres or f"sqlite:///{root / 'egov.sqlite3'}"
    prepare(url, root / "var")
    settings = replace(
        make_settings(root / "var", url),
        script_time_limit_seconds=120.0,
        script_cpu_limit_seconds=120,
    )
    app = create_app(settings)
    container = app.extensions["egov"]
    api = Api(app.test_client(), container)
    deployed = api.post("/process-definitions", "admin", json={"files": bundle(n)})
    assert deployed.status_code == 201, deployed.get_json()
    before = rss_mib()

    writer = Writer(container.db)
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    time.sleep(0.2)
    started = time.perf_counter()
    filed = api.post("/applications", "erika", json={**proposal(), "procedure": "fanout"})
    step = time.perf_counter() - started
    writer.stop.set()
    thread.join()
    assert filed.status_code == 201, filed.get_json()
    with container.db.reading() as session:
        tasks = session.scalar(select(func.count(Task.id)).where(Task.status == "open"))
    during = [w for w in writer.waits if w > 0]
    backend = "PostgreSQL" if postgres else "SQLite"
    print(f"fan-out of {n} parallel user task instances on {backend}")
    print(f"open tasks projected: {tasks}")
    print(f"step (filing request with the engine inline): {step:.2f} s")
    print(
        f"concurrent writer: {len(during)} writes, longest wait {max(during) * 1000:.0f} ms, "
        f"{sum(1 for w in during if w > 0.1)} waited > 100 ms, "
        f"{writer.timeouts} gave up after the busy timeout"
    )
    print(f"peak memory of the process: {rss_mib():.0f} MiB (before the step {before:.0f} MiB)")
    container.db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="instances of the task")
    parser.add_argument("--postgres", default=None, help="URL of an empty PostgreSQL database")
    args = parser.parse_args()
    main(args.n, args.postgres)
