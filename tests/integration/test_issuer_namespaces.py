"""A principal is (issuer, subject): two issuers that hand out the same `sub`, or the same
Postfach reference, make two principals. Memberships, deputies and Postfach ownership of one
never reach the other; the migration moved the rows written before to the dev IdP's issuer.
(The authorization matrix proves the same for every endpoint with a second real issuer.)"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import select

from egov.audit import guard
from egov.audit.chain import verify_chain
from egov.audit.store import list_events
from egov.casefile.queries import CaseFilter
from egov.cases.service import NewCase, open_case
from egov.cases.store import Case, Procedure
from egov.cli import MIGRATIONS
from egov.container import Container
from egov.db import Database
from egov.identity.model import Principal, Role
from egov.identity.store import Deputy, OrgUnit, OrgUnitMembership
from egov.intake.jsonform import build_xfall_message
from egov.intake.model import Applicant
from tests.builders import proposal
from tests.conftest import Api

GREEN = "fachdienst-stadtgruen"
LEIKA_BUERGERBUDGET = "urn:de:fim:leika:leistung:99107004000000"


def clerk(subject: str) -> Principal:
    return Principal(subject=subject, roles=frozenset({Role.CLERK}), name=subject)


def test_a_membership_of_one_issuers_person_is_nothing_to_the_same_sub_of_another(
    container: Container,
) -> None:
    directory = dataclasses.replace(container.directory, issuers=frozenset({"dev", "twin"}))
    directory.add_member("test", GREEN, "dev:carla")

    assert directory.enrich(clerk("dev:carla")).org_units == {GREEN}
    assert directory.enrich(clerk("twin:carla")).org_units == frozenset()


def test_a_deputy_of_one_issuer_stands_in_for_nobody_of_another(container: Container) -> None:
    directory = dataclasses.replace(container.directory, issuers=frozenset({"dev", "twin"}))
    directory.add_member("test", GREEN, "dev:carla")
    now = container.clock()
    period = {"valid_from": now - timedelta(days=1), "valid_until": now + timedelta(days=1)}
    directory.add_deputy("test", "dev:dora", "dev:carla", **period)

    assert directory.enrich(clerk("dev:dora")).org_units == {GREEN}
    assert directory.enrich(clerk("twin:dora")).org_units == frozenset()


def test_the_directory_takes_only_subjects_qualified_by_a_known_issuer(api: Api) -> None:
    for subject in ("carla", "twin:carla", ":carla"):
        refused = api.post(f"/org-units/{GREEN}/members", "admin", json={"subject": subject})
        assert refused.status_code == 422, subject
        assert refused.get_json()["code"] == "directory-input-invalid"
    added = api.post(f"/org-units/{GREEN}/members", "admin", json={"subject": "dev:carla"})
    assert added.status_code == 201


def portal_message(postfach: str) -> bytes:
    return build_xfall_message(
        message_id=str(uuid.uuid4()),
        leika_key=LEIKA_BUERGERBUDGET,
        authority_ars="160530000000",
        applicant=Applicant("Erika", "Mustermann", None, "bundid", "substantial"),
        reply_postfach=postfach,
        fachdaten_namespace="urn:egov-oss:fachdaten:buergerbudget:1.0",
        data=proposal()["data"],
        attachments=[],
        created_at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
    )


def test_a_portal_files_for_a_postfach_of_its_namespace_and_only_that_citizen_sees_it(
    api: Api, container: Container
) -> None:
    filed = api.post(
        "/submissions",
        "portal",
        data=portal_message("postfach:erika"),  # erika's Postfach claim at the dev IdP
        content_type="application/xml",
    )
    assert filed.status_code == 201, filed.get_json()
    case_id = filed.get_json()["case_id"]
    erika = container.verifier.verify(api.token("erika"))
    twin_erika = dataclasses.replace(erika, subject="twin:erika", postfach="twin:postfach:erika")

    assert erika.postfach == "dev:postfach:erika"
    assert [c.id for c in container.case_file.cases(erika, CaseFilter()).items] == [case_id]
    assert container.case_file.cases(twin_erika, CaseFilter()).items == []


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def test_the_migration_moves_the_principals_of_before_to_the_dev_issuer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    # the rows of before are written with today's tables, then the schema goes back to 0008
    # (0009 changes data only, so its downgrade leaves them as written) and up again
    command.upgrade(_config(url), "head")
    db = Database(url)
    guard.install(db.sessions, audited=[Case])
    now = datetime(2026, 1, 5, 9, 0)
    with db.transaction() as session:
        session.add(OrgUnit(key="u", name="Unit"))
        session.flush()
        procedure = Procedure(
            key="p",
            leika_key="urn:de:fim:leika:leistung:99000000000099",
            name="P",
            process_id="p",
            org_unit_key="u",
            required_vertrauensniveau="low",
            processing_days=10,
            fachdaten_namespace="urn:x",
        )
        session.add(procedure)
        session.add(
            OrgUnitMembership(
                subject="carla", org_unit_key="u", role="clerk", created_at=now, created_by="cli"
            )
        )
        session.add(
            Deputy(
                deputy_subject="dora",
                absent_subject="carla",
                valid_from=now,
                valid_until=now + timedelta(days=9),
                created_at=now,
                created_by="admin",
            )
        )
        new = NewCase(procedure, "T", "Erika M.", "erika", "postfach:erika", "low", {})
        case_id = open_case(session, new, actor="erika", now=now).id
    db.dispose()

    command.downgrade(_config(url), "0008")
    command.upgrade(_config(url), "head")

    db = Database(url)
    with db.reading() as session:
        case = session.get(Case, case_id)
        member = session.get(OrgUnitMembership, ("dev:carla", "u"))
        deputy = session.scalars(select(Deputy)).one()
        events = list_events(session, case_id)
    db.dispose()
    assert case is not None and (case.owner_subject, case.owner_postfach) == (
        "dev:erika",
        "dev:postfach:erika",
    )
    assert member is not None and member.created_by == "cli"  # egov's own actors stay
    assert (deputy.deputy_subject, deputy.absent_subject, deputy.created_by) == (
        "dev:dora",
        "dev:carla",
        "dev:admin",
    )
    # audit events keep their actors: rewriting them would break the hash chain
    assert [e.actor for e in events] == ["erika"]
    assert verify_chain([e.record() for e in events]).valid


def test_new_audit_events_name_the_qualified_actor_and_the_chain_verifies(
    api: Api, container: Container
) -> None:
    case_id = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    with container.db.reading() as session:
        events = list_events(session, case_id)

    assert events[0].actor == "dev:erika"
    assert all(e.actor.startswith(("dev:", "system:")) for e in events)
    assert verify_chain([e.record() for e in events]).valid
