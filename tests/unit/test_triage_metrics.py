"""The override metrics: rates, the time to decide, and a clerk who only rubber-stamps."""

from dataclasses import dataclass

from egov.triage.metrics import figures, quantile, report


@dataclass
class Row:
    decided_by: str
    decision: str
    seconds: float
    procedure_key: str = "anliegen"
    suggested_org_unit: str = "strassen-verkehr"


def test_quantiles_interpolate_between_the_closest_ranks() -> None:
    assert quantile([], 0.5) is None
    assert quantile([4.0], 0.9) == 4.0
    assert quantile([1.0, 2.0, 3.0, 10.0], 0.5) == 2.5
    assert quantile([float(n) for n in range(1, 11)], 0.9) == 9.1


def test_the_override_rate_counts_overrides_among_all_decisions() -> None:
    rows = [Row("a", "confirm", 30), Row("a", "override", 60), Row("b", "confirm", 45)]
    found = figures(rows)
    assert (found.decisions, found.overrides, found.override_rate) == (3, 1, 0.3333)
    assert found.median_seconds == 45


def test_a_clerk_who_confirms_everything_within_seconds_shows() -> None:
    careful = [Row("dev:clara", "confirm", 40), Row("dev:clara", "override", 95)]
    stamping = [Row("dev:otto", "confirm", 1.5) for _ in range(20)]
    by_clerk = report(careful + stamping)["by_clerk"]
    assert by_clerk["dev:otto"]["fast_confirms"] == 20
    assert by_clerk["dev:otto"]["override_rate"] == 0.0
    assert by_clerk["dev:otto"]["p90_seconds"] == 1.5
    assert by_clerk["dev:clara"]["fast_confirms"] == 0


def test_no_decisions_give_no_rates() -> None:
    assert report([])["overall"] == {
        "decisions": 0,
        "overrides": 0,
        "override_rate": None,
        "median_seconds": None,
        "p90_seconds": None,
        "fast_confirms": 0,
    }
