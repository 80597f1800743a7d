"""Alembic environment: the URL comes from egov's settings (or the caller's config)."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from egov.models import Base
from egov.settings import Settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or Settings.from_env().effective_database_url
config.set_main_option("sqlalchemy.url", url)


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as connection:
        _run(connection)


def _run(connection):  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
