"""Whether the database schema is the one this code was written for: the revision in
`alembic_version` against the head of the migrations shipped with the code.

`/readyz` is not ready unless the schema is `current`, and the sweep pauses (and says so in
the log) while it is not, so no step meets a missing column again every second.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text

from egov.db import Database, SchemaOutdated

MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations"


@dataclass(frozen=True)
class SchemaState:
    status: str  # current | behind | unknown (a revision this code does not know) | missing
    revisions: tuple[str, ...]  # in alembic_version
    heads: tuple[str, ...]  # of the shipped migrations

    @property
    def current(self) -> bool:
        return self.status == "current"


@functools.cache
def _script(folder: Path) -> ScriptDirectory:
    return ScriptDirectory(str(folder))


def heads(folder: Path = MIGRATIONS) -> tuple[str, ...]:
    return tuple(sorted(_script(folder).get_heads()))


def schema_state(db: Database, folder: Path = MIGRATIONS) -> SchemaState:
    """The schema's state; an outage is raised (the caller decides what that means)."""
    wanted = heads(folder)
    try:
        with db.reading() as session:
            rows = session.execute(text("SELECT version_num FROM alembic_version")).scalars()
            found = tuple(sorted(str(row) for row in rows))
    except SchemaOutdated:  # no alembic_version table: never migrated
        return SchemaState("missing", (), wanted)
    if not found:
        return SchemaState("missing", (), wanted)
    if found == wanted:
        return SchemaState("current", found, wanted)
    script = _script(folder)
    known = all(_known(script, revision) for revision in found)
    return SchemaState("behind" if known else "unknown", found, wanted)


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for a revision it cannot resolve
        return False
