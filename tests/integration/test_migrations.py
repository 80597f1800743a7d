"""The Alembic migrations build exactly the schema the models describe, on both databases:
a column, index or type added to a model without a migration fails here."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import egov.container  # noqa: F401 - imports every model module
from egov.db import Base


def outside_the_models(obj: Any, name: str | None, kind: str, reflected: bool, _: Any) -> bool:
    """The search indexes of migration 0035 are dialect-specific and not in the models: the
    pg_trgm indexes `ix_cases_*_trgm` and SQLite's FTS5 table `cases_search` (with its shadow
    tables)."""
    search = (name or "").startswith("cases_search") or (name or "").endswith("_trgm")
    return not (reflected and search)


def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            opts = {"compare_type": True, "include_object": outside_the_models}
            context = MigrationContext.configure(connection, opts=opts)
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
