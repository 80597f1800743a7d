"""The `egov` command line (click, as Flask uses it)."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import click
from alembic import command
from alembic.config import Config
from sqlalchemy import select

from egov.container import Container, build
from egov.settings import Settings, configuration_markdown

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _settings() -> Settings:
    return Settings.from_env()


@contextmanager
def _container() -> Iterator[Container]:
    """The same wiring as the web app; its database connections are closed afterwards."""
    container = build(_settings())
    try:
        yield container
    finally:
        container.db.dispose()


@click.group()
def main() -> None:
    """egov: workflow and case management for municipalities."""


@main.command()
def migrate() -> None:
    """Bring the database schema to the newest version (Alembic)."""
    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    run_migrations(settings.effective_database_url)
    click.echo("database migrated")


def run_migrations(url: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")


@main.command("demo-setup")
def demo_setup() -> None:
    """Create the demo org units (the demo users live in the development IdP)."""
    from egov.identity.users import demo_org_units
    from egov.workflow.deploy import ensure_org_units

    with _container() as container, container.db.transaction() as session:
        ensure_org_units(session, list(demo_org_units()))
    click.echo("demo org units ready")


@main.command()
@click.argument("folders", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
def deploy(folders: tuple[Path, ...]) -> None:
    """Deploy process bundles (default: every folder under EGOV_BPMN_DIR)."""
    from egov.workflow.deploy import deploy_bundle, read_bundle

    settings = _settings()
    targets = folders or tuple(
        sorted(p for p in settings.bpmn_dir.iterdir() if p.is_dir() and any(p.glob("*.bpmn")))
    )
    with _container() as container:
        for folder in targets:
            with container.db.transaction() as session:
                result = deploy_bundle(
                    session, read_bundle(folder), actor="cli", now=container.clock()
                )
                definition = result.definition
                state = "deployed" if result.created else "unchanged"
                click.echo(f"{folder.name}: {definition.process_id} v{definition.version} {state}")


@main.command()
@click.argument("file", type=click.File("rb"))
def submit(file: BinaryIO) -> None:
    """File one XML message as the local operator (like a portal client)."""
    from egov.identity.model import Principal, Role

    operator = Principal(
        subject="cli",
        roles=frozenset({Role.CLIENT}),
        name="CLI",
        email=None,
        org_units=frozenset(),
        vertrauensniveau=None,
        procedures=frozenset({"*"}),
        postfach=None,
    )
    with _container() as container:
        outcome = container.intake.submit(file, operator)
    click.echo(json.dumps(outcome.receipt, indent=2))


@main.command("dev-token")
@click.argument("user")
@click.option("--lifetime", default=3600, help="Seconds until the token expires.")
def dev_token(user: str, lifetime: int) -> None:
    """Print an access token of a demo user from the development IdP."""
    with _container() as container:
        if container.dev_idp is None:
            raise click.ClickException("the development IdP is switched off (EGOV_DEV_IDP)")
        click.echo(container.dev_idp.token_for(user, lifetime))


@main.command("verify-audit")
@click.argument("case")
def verify_audit(case: str) -> None:
    """Verify the audit hash chain of a case (id or reference); exit 1 if broken."""
    from egov.audit.store import verify_case_trail
    from egov.cases.store import Case

    with _container() as container, container.db.reading() as session:
        query = select(Case).where((Case.id == case) | (Case.reference == case))
        found = session.scalars(query).first()
        if found is None:
            raise click.ClickException(f"no case {case}")
        verdict = verify_case_trail(session, found.id)
        reference = found.reference
    click.echo(json.dumps({"case": reference, **verdict.as_dict()}, indent=2))
    sys.exit(0 if verdict.valid else 1)


@main.command()
@click.option("--host", default=None)
@click.option("--port", default=None, type=int)
def serve(host: str | None, port: int | None) -> None:
    """Serve the API (and the development IdP) with the built-in threaded server."""
    from werkzeug.serving import run_simple

    from egov.app import create_app

    settings = _settings()
    if host is not None or port is not None:
        settings = dataclasses.replace(
            settings, host=host or settings.host, port=port or settings.port
        )
    app = create_app(settings)
    click.echo(f"egov serving on {settings.base_url} (env={settings.env})")
    run_simple(settings.host, settings.port, app, threaded=True, use_reloader=False)


@main.command("config-docs")
def config_docs() -> None:
    """Print docs/configuration.md, generated from the settings declarations."""
    click.echo(configuration_markdown(), nl=False)
