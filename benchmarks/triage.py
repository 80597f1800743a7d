"""Triage on one process: suggestions per second of the chain rules + local-model, the
latency one suggestion adds to an intake when triage runs on intake (p50/p95), and the
shipped model's memory (RSS after importing scikit-learn and after loading the model) and
size on disk. The texts are the held-out requests; rounds interleave the chain, the model
alone and the rules alone, so that a slow phase of the machine touches all three. Run:
.venv/bin/python benchmarks/triage.py [ROUNDS]
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HELDOUT = ROOT / "egov" / "triage" / "data" / "requests-heldout.csv"
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(call: Callable[[], object], latencies: list[float]) -> None:
    started = time.perf_counter()
    call()
    latencies.append(time.perf_counter() - started)


def main(rounds: int) -> None:
    before = rss_mb()
    import sklearn  # noqa: F401

    from egov.settings import Settings
    from egov.triage.artifact import MODEL_FILE, SHIPPED
    from egov.triage.model import TriageInput
    from egov.triage.plugins import FACTORIES
    from egov.triage.runner import build_triage

    imported = rss_mb()
    settings = Settings(triage_plugins="rules,local-model", triage_timeout_seconds=5.0)
    chain = build_triage(settings, FACTORIES)
    loaded = rss_mb()
    [rules, model] = chain.plugins
    threshold = getattr(model, "threshold", 0.9)
    with HELDOUT.open(encoding="utf-8") as stream:
        texts = [row["text"] for row in csv.DictReader(stream)]
    items = [TriageInput("anliegen", "web", {"anliegen": text}) for text in texts]
    chain.run(items[0], threshold)  # warm up the thread pool and the model
    measured: dict[str, list[float]] = {"chain": [], "model": [], "rules": []}
    for _ in range(rounds):
        for item in items:
            timed(lambda item=item: chain.run(item, threshold), measured["chain"])
            timed(lambda item=item: model.suggest(item), measured["model"])
            timed(lambda item=item: rules.suggest(item), measured["rules"])
    print(f"triage benchmark: {len(items)} held-out requests x {rounds} rounds, interleaved")
    for name, values in measured.items():
        print(
            f"  {name:<6} {len(values) / sum(values):8.0f} suggestions/s   "
            f"p50 {statistics.median(values) * 1000:6.2f} ms   "
            f"p95 {percentile(values, 0.95) * 1000:6.2f} ms"
        )
    print(
        f"  added intake latency (chain rules,local-model): p50 "
        f"{statistics.median(measured['chain']) * 1000:.2f} ms, p95 "
        f"{percentile(measured['chain'], 0.95) * 1000:.2f} ms"
    )
    size = (SHIPPED / MODEL_FILE).stat().st_size
    print(
        f"  memory: +{imported - before:.0f} MB RSS importing scikit-learn, "
        f"+{loaded - imported:.0f} MB loading the model; model file {size / 2**20:.1f} MB"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
