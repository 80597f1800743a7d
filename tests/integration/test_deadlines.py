"""Processing deadlines (Fristen) count business days in Thüringen; an overdue open case is
escalated once and listed for the clerks and supervisors of its unit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask

from egov.cases.deadlines import escalate_overdue
from egov.cases.model import processing_deadline
from egov.integrations.worker import run_due
from tests.builders import linear_bundle
from tests.conftest import Api
from tests.integration.test_timers_support import (
    FakeClock,
    actions,
    api_of,
    clocked_app,
    deploy,
    file_case,
)

FRIDAY_BEFORE_CHRISTMAS = datetime(2025, 12, 19, 10, 0, 0)
# 10 business days after Fri 19 Dec 2025: 22, 23, 24 Dec (25/26 holidays), 29, 30, 31 Dec,
# (1 Jan holiday) 2, 5, 6, 7 Jan -> the Frist ends Wed 7 Jan 2026, 23:59:59 in Jena (CET).
END_OF_FRIST = datetime(2026, 1, 7, 22, 59, 59)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(FRIDAY_BEFORE_CHRISTMAS)


@pytest.fixture
def timed_app(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Flask]:
    application = clocked_app(database_url, tmp_path / "var", clock)
    yield application
    application.extensions["egov"].db.dispose()


@pytest.fixture
def api(timed_app: Flask) -> Api:
    return api_of(timed_app)


def overdue_ids(api: Api, user: str) -> list[str]:
    response = api.get("/cases?overdue=true", user)
    assert response.status_code == 200, response.get_json()
    return [c["id"] for c in response.get_json()["items"]]


def test_a_frist_skips_weekends_and_the_christmas_and_new_year_holidays() -> None:
    assert processing_deadline(FRIDAY_BEFORE_CHRISTMAS, 10) == END_OF_FRIST


def test_a_frist_counts_from_the_day_of_receipt_in_jena_not_in_utc() -> None:
    thursday_late_utc = datetime(2025, 12, 18, 23, 30)  # already Friday 00:30 in Jena
    assert processing_deadline(thursday_late_utc, 10) == END_OF_FRIST
    thursday_evening = datetime(2025, 12, 18, 22, 30)  # still Thursday 23:30 in Jena
    assert processing_deadline(thursday_evening, 10) == datetime(2026, 1, 6, 22, 59, 59)


def test_a_frist_ending_in_summer_ends_at_midnight_jena_summer_time() -> None:
    monday = datetime(2026, 6, 1, 8, 0)
    assert processing_deadline(monday, 5) == datetime(2026, 6, 8, 21, 59, 59)


def test_an_overdue_case_is_escalated_once_and_listed_for_its_unit(
    api: Api, clock: FakeClock
) -> None:
    deploy(api, linear_bundle("fristen", leika_digits="99000000000103"))
    case_id = file_case(api, "fristen")
    case = api.get(f"/cases/{case_id}", "anna").get_json()
    assert case["due_at"].startswith(END_OF_FRIST.isoformat())

    clock.now = datetime(2026, 1, 7, 22, 0)  # the last day of the Frist, still in time
    assert escalate_overdue(api.container.db, clock) == {}
    assert overdue_ids(api, "anna") == []

    clock.now = datetime(2026, 1, 7, 23, 0)  # 00:00 on 8 Jan in Jena
    assert run_due(api.container) == {"deadline.escalated": 1}
    assert run_due(api.container) == {}

    assert actions(api, case_id).count("case.overdue") == 1
    assert overdue_ids(api, "anna") == [case_id]
    assert overdue_ids(api, "ben") == []  # another unit


def test_a_supervisor_of_the_unit_sees_its_overdue_cases(api: Api, clock: FakeClock) -> None:
    deploy(api, linear_bundle("fristen", leika_digits="99000000000103"))
    case_id = file_case(api, "fristen")
    clock.now = datetime(2026, 2, 1)
    run_due(api.container)

    api.container.directory.add_member("admin", "buero-buergerbudget", "ben", role="supervisor")

    assert case_id in overdue_ids(api, "ben")


def test_the_overdue_filter_rejects_a_value_that_is_not_a_flag(api: Api) -> None:
    assert api.get("/cases?overdue=perhaps", "anna").status_code == 400
