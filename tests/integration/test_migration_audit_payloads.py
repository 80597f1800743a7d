"""Migration 0023 on a database with audit trails of the old hash scheme: a chain that
verified before verifies after (now on scheme 2, with payload hashes, so it can be erased); a
chain that was broken before stays broken, at the same event."""

from __future__ import annotations

from sqlalchemy import update

from egov.audit.chain import LEGACY_SCHEME, PAYLOAD_HASH_SCHEME
from egov.audit.store import AuditEvent, list_events, verify_case_trail
from egov.container import Container
from tests.builders import proposal
from tests.conftest import Api
from tests.integration.test_migration_active_version import migrate


def test_old_chains_are_rehashed_and_a_broken_one_stays_broken(
    api: Api, container: Container, database_url: str
) -> None:
    intact = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    broken = api.post("/applications", "erika", json=proposal()).get_json()["case_id"]
    container.db.engine.dispose()
    migrate(database_url, "0017", down=True)
    with container.db.engine.begin() as conn:  # a row altered while on the old scheme
        conn.execute(
            update(AuditEvent.__table__)
            .where(AuditEvent.case_id == broken, AuditEvent.seq == 2)
            .values(actor="mallory")
        )
    container.db.engine.dispose()

    migrate(database_url, "head")

    with container.db.reading() as session:
        assert verify_case_trail(session, intact).valid
        schemes = {e.hash_scheme for e in list_events(session, intact)}
        assert schemes == {PAYLOAD_HASH_SCHEME}
        verdict = verify_case_trail(session, broken)
        assert (verdict.valid, verdict.first_broken_seq) == (False, 2)
        assert {e.hash_scheme for e in list_events(session, broken)} == {LEGACY_SCHEME}
