"""What the directory means for a principal: memberships and Vertretungen widen a clerk's org
units; a deputy works the absent colleague's tasks only inside the period. And the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from egov import cli
from egov.cli import common
from egov.container import Container
from egov.errors import NotFound
from egov.identity.directory import Directory
from egov.identity.model import Principal, Role
from egov.identity.store import Deputy, OrgUnitMembership
from egov.workflow.inbox import inbox_query
from tests.builders import proposal
from tests.conftest import Api

BUDGET = "buero-buergerbudget"
PLANNING = "fachdienst-stadtplanung"
GREEN = "fachdienst-stadtgruen"
MONDAY = datetime(2030, 3, 4, 8, 0)
FRIDAY = datetime(2030, 3, 8, 18, 0)


class Clock:
    """A clock the test sets."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY - timedelta(days=7))


@pytest.fixture
def directory(container: Container, clock: Clock) -> Directory:
    return Directory(container.db, clock, frozenset({"dev"}))


def person(name: str, *units: str, roles: tuple[Role, ...] = (Role.CLERK,)) -> Principal:
    """A person of the dev IdP (`name` is the token's sub)."""
    return Principal(
        subject=f"dev:{name}", roles=frozenset(roles), name=name, org_units=frozenset(units)
    )


def absent_anna(directory: Directory, org_unit: str | None = None) -> Deputy:
    """anna works in the Bürgerbudget office and Stadtgrün; ben stands in for her all week."""
    directory.add_member("admin", BUDGET, "dev:anna")
    directory.add_member("admin", GREEN, "dev:anna")
    return directory.add_deputy(
        "admin", "dev:ben", "dev:anna", valid_from=MONDAY, valid_until=FRIDAY, org_unit=org_unit
    )


def test_a_clerk_in_two_units_sees_both(directory: Directory) -> None:
    directory.add_member("admin", BUDGET, "dev:carla")
    directory.add_member("admin", GREEN, "dev:carla")

    enriched = directory.enrich(person("carla"))

    assert enriched.org_units == {BUDGET, GREEN}


def test_memberships_add_to_the_org_units_of_the_token(directory: Directory) -> None:
    directory.add_member("admin", GREEN, "dev:ben")

    assert directory.enrich(person("ben", PLANNING)).org_units == {PLANNING, GREEN}


def test_a_membership_makes_its_holder_a_clerk(directory: Directory) -> None:
    directory.add_member("admin", GREEN, "dev:dora", role="supervisor")

    enriched = directory.enrich(person("dora", roles=()))

    assert enriched.is_clerk
    assert enriched.org_units == {GREEN}


def test_someone_without_clerk_role_or_membership_is_left_as_they_are(
    directory: Directory,
) -> None:
    erika = person("erika", roles=(Role.CITIZEN,))
    directory.add_member("admin", GREEN, "dev:someone-else")

    assert directory.enrich(erika) == erika


def test_a_deputy_sees_the_absent_clerks_units_only_inside_the_period(
    directory: Directory, clock: Clock
) -> None:
    absent_anna(directory)
    ben = person("ben", PLANNING)
    seen = {}

    for moment in (
        MONDAY - timedelta(seconds=1),
        MONDAY,
        FRIDAY - timedelta(seconds=1),
        FRIDAY,
    ):
        clock.now = moment
        seen[moment] = directory.enrich(ben).org_units

    assert seen == {
        MONDAY - timedelta(seconds=1): {PLANNING},
        MONDAY: {PLANNING, BUDGET, GREEN},
        FRIDAY - timedelta(seconds=1): {PLANNING, BUDGET, GREEN},
        FRIDAY: {PLANNING},
    }


def test_a_deputy_for_one_unit_sees_only_that_unit(directory: Directory, clock: Clock) -> None:
    absent_anna(directory, org_unit=GREEN)
    clock.now = MONDAY

    assert directory.enrich(person("ben", PLANNING)).org_units == {PLANNING, GREEN}


def test_an_ended_deputy_sees_nothing_more(directory: Directory, clock: Clock) -> None:
    deputy = absent_anna(directory)
    clock.now = MONDAY + timedelta(days=1)

    directory.end_deputy("admin", deputy.id)

    assert directory.enrich(person("ben", PLANNING)).org_units == {PLANNING}
    clock.now = MONDAY + timedelta(days=2)
    assert directory.enrich(person("ben", PLANNING)).org_units == {PLANNING}


def test_the_absent_clerk_keeps_her_own_units(directory: Directory, clock: Clock) -> None:
    absent_anna(directory)
    clock.now = MONDAY

    assert directory.enrich(person("anna", BUDGET)).org_units == {BUDGET, GREEN}


def formal_check_task(api: Api) -> str:
    """A proposal filed by erika, waiting at the formal check of the Bürgerbudget office."""
    filed = api.post("/applications", "erika", json=proposal())
    assert filed.status_code == 201, filed.get_json()
    tasks = api.get(f"/cases/{filed.get_json()['case_id']}", "admin").get_json()["open_tasks"]
    assert [t["org_unit"] for t in tasks] == [BUDGET]
    return str(tasks[0]["id"])


def test_a_deputy_sees_and_claims_a_task_of_the_absent_colleagues_unit(
    api: Api, container: Container, directory: Directory, clock: Clock
) -> None:
    task_id = formal_check_task(api)
    absent_anna(directory)
    ben = person("ben", PLANNING)
    clock.now = MONDAY
    with pytest.raises(NotFound):
        container.inbox.claim(ben, task_id)

    deputy = directory.enrich(ben)
    with container.db.reading() as session:
        inbox = [t.id for t in session.scalars(inbox_query(deputy))]
    claimed = container.inbox.claim(deputy, task_id)

    assert task_id in inbox
    assert (claimed.status, claimed.assignee) == ("claimed", "dev:ben")


def test_after_the_period_the_deputy_no_longer_reaches_the_task(
    api: Api, container: Container, directory: Directory, clock: Clock
) -> None:
    task_id = formal_check_task(api)
    absent_anna(directory)
    clock.now = FRIDAY

    with pytest.raises(NotFound):
        container.inbox.claim(directory.enrich(person("ben", PLANNING)), task_id)


@pytest.fixture
def run(container: Container, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run an `egov` command against the test's database."""
    monkeypatch.setattr(common, "settings", lambda: container.settings)

    def invoke(*args: str) -> Any:
        return CliRunner().invoke(cli.main, list(args))

    return invoke


def test_the_cli_adds_org_units_members_and_deputies(run: Any, container: Container) -> None:
    results = [
        run("org-unit", "add", "standesamt", "Standesamt"),
        run("org-unit", "rename", "standesamt", "Bürgerservice"),
        run("member", "add", "dev:carla", "standesamt"),
        run("member", "add", "dev:dora", "standesamt", "--role", "supervisor"),
        run("member", "remove", "dev:carla", "standesamt"),
        run(
            "deputy",
            "add",
            "dev:carla",
            "dev:dora",
            "--from",
            "2099-03-04T08:00:00+01:00",
            "--until",
            "2099-03-08",
            "--org-unit",
            "standesamt",
        ),
    ]

    assert [r.exit_code for r in results] == [0] * len(results), [r.output for r in results]
    with container.db.reading() as session:
        members = session.execute(select(OrgUnitMembership.subject, OrgUnitMembership.role)).all()
        deputy = session.scalars(select(Deputy)).one()
    assert members == [("dev:dora", "supervisor")]
    assert (deputy.deputy_subject, deputy.absent_subject, deputy.org_unit_key) == (
        "dev:carla",
        "dev:dora",
        "standesamt",
    )
    assert deputy.valid_from == datetime(2099, 3, 4, 7, 0)
    assert deputy.valid_until == datetime(2099, 3, 8)
    assert deputy.created_by == "cli"
    assert run("deputy", "end", deputy.id).exit_code == 0


def test_the_cli_reports_a_refused_change_by_its_code(run: Any) -> None:
    unknown = run("member", "add", "dev:carla", "nirgendwo")
    period = run(
        "deputy", "add", "dev:ben", "dev:anna", "--from", "2099-03-08", "--until", "2099-03-04"
    )

    assert unknown.exit_code == 1 and "org-unit-unknown" in unknown.output
    assert period.exit_code == 1 and "deputy-period-invalid" in period.output
