"""The `egov` command line (click, as Flask uses it)."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import click
from alembic import command
from alembic.config import Config

from egov.container import Container, build
from egov.errors import DomainError
from egov.identity.directory import Directory, parse_moment
from egov.runtime import logs
from egov.runtime.dispatch import QUEUES
from egov.runtime.schema import MIGRATIONS
from egov.runtime.sweep import embedded_worker, scheduler_tick
from egov.settings import Settings, configuration_markdown

log = logging.getLogger(__name__)


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

    with _container() as container:
        container.directory.ensure_org_units(list(demo_org_units()))
    click.echo("demo org units ready")


@main.command()
@click.argument("folders", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
def deploy(folders: tuple[Path, ...]) -> None:
    """Deploy process bundles (default: every folder under EGOV_BPMN_DIR)."""
    from egov.workflow.deploy import read_bundle

    settings = _settings()
    targets = folders or tuple(
        sorted(p for p in settings.bpmn_dir.iterdir() if p.is_dir() and any(p.glob("*.bpmn")))
    )
    with _container() as container:
        for folder in targets:
            try:
                result = container.definitions.deploy(read_bundle(folder), actor="cli")
            except DomainError as exc:
                raise click.ClickException(_refusal(folder.name, exc)) from exc
            definition = result.definition
            state = "deployed" if result.created else "unchanged"
            click.echo(f"{folder.name}: {definition.process_id} v{definition.version} {state}")


def _refusal(bundle: str, exc: DomainError) -> str:
    """A refused deploy as lines: the code and message, then every refused part."""
    lines = [f"{bundle}: {exc.code}: {exc.message}"]
    for param in exc.invalid_params:
        line = f" (Zeile {param['line']})" if param.get("line") else ""
        lines.append(f"  {param['name']}{line}: {param['reason']}")
    return "\n".join(lines)


@main.command()
@click.argument("file", type=click.File("rb"))
@click.option(
    "--postfach-namespace",
    default="dev",
    show_default=True,
    help="Whose Postfach the message's reply reference names (an issuer's Postfach namespace).",
)
def submit(file: BinaryIO, postfach_namespace: str) -> None:
    """File one XML message as the local operator (like a portal client)."""
    from egov.identity.model import Principal, Role

    operator = Principal(
        subject="cli",
        roles=frozenset({Role.CLIENT}),
        name="CLI",
        procedures=frozenset({"*"}),
        postfach_namespace=postfach_namespace,
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
    with _container() as container:
        try:
            checked = container.case_file.verify(case)
        except DomainError:
            raise click.ClickException(f"no case {case}") from None
    click.echo(json.dumps({"case": checked.reference, **checked.verdict.as_dict()}, indent=2))
    sys.exit(0 if checked.verdict.valid else 1)


@main.command()
@click.option("--host", default=None)
@click.option("--port", default=None, type=int)
def serve(host: str | None, port: int | None) -> None:
    """Serve the API (and the development IdP) with the built-in threaded server."""
    from werkzeug.serving import run_simple

    from egov.app import create_app
    from egov.web.serving import ProblemRequestHandler

    settings = _settings()
    if host is not None or port is not None:
        settings = dataclasses.replace(
            settings, host=host or settings.host, port=port or settings.port
        )
    app = create_app(settings)
    sweeper = embedded_worker(app.extensions["egov"])  # embedded mode: outbox, timers
    if sweeper is not None:
        sweeper.start()
    click.echo(f"egov serving on {settings.base_url} (env={settings.env})")
    run_simple(
        settings.host,
        settings.port,
        app,
        threaded=True,
        use_reloader=False,
        request_handler=ProblemRequestHandler,
    )


@main.command()
@click.option("--concurrency", type=int, default=None, help="Default: EGOV_WORKER_CONCURRENCY.")
@click.option("--queues", default=",".join(QUEUES), show_default=True)
def worker(concurrency: int | None, queues: str) -> None:
    """Run a Celery worker (production mode, needs EGOV_BROKER_URL)."""
    from egov.runtime.celery_app import run_worker

    settings = _settings()
    if not settings.broker_url:
        raise click.ClickException("EGOV_BROKER_URL is empty: `egov serve` works embedded")
    run_worker(settings, build, concurrency, queues)


@main.command()
def scheduler() -> None:
    """Every EGOV_SWEEP_INTERVAL_SECONDS: sweep due outbox rows, timers and stranded cases."""
    with _container() as container:
        logs.configure(container.settings)
        tick = scheduler_tick(container)
        click.echo(f"egov scheduler every {container.settings.sweep_interval_seconds} s")
        while True:
            try:
                tick()
            except Exception:
                log.exception("scheduler_tick_failed")
            time.sleep(container.settings.sweep_interval_seconds)


@main.command("config-docs")
def config_docs() -> None:
    """Print docs/configuration.md, generated from the settings declarations."""
    click.echo(configuration_markdown(), nl=False)


@main.command("error-docs")
def error_docs() -> None:
    """Print docs/errors.md, generated from the table of error codes."""
    from egov.error_codes import markdown

    click.echo(markdown(), nl=False)


@contextmanager
def _directory() -> Iterator[Directory]:
    """The directory service; a refused change ends the command with its code and message."""
    with _container() as container:
        try:
            yield container.directory
        except DomainError as exc:
            raise click.ClickException(f"{exc.code}: {exc.message}") from exc


@main.group("org-unit")
def org_unit() -> None:
    """Org units (Organisationseinheiten)."""


@org_unit.command("add")
@click.argument("key")
@click.argument("name")
def org_unit_add(key: str, name: str) -> None:
    """Add an org unit."""
    with _directory() as directory:
        directory.add_org_unit("cli", key, name)
    click.echo(f"org unit {key} added")


@org_unit.command("rename")
@click.argument("key")
@click.argument("name")
def org_unit_rename(key: str, name: str) -> None:
    """Rename an org unit."""
    with _directory() as directory:
        directory.rename_org_unit("cli", key, name)
    click.echo(f"org unit {key} renamed")


@main.group()
def member() -> None:
    """Memberships of people in org units."""


@member.command("add")
@click.argument("subject")
@click.argument("org_unit_key", metavar="ORG_UNIT")
@click.option("--role", type=click.Choice(["clerk", "supervisor"]), default="clerk")
def member_add(subject: str, org_unit_key: str, role: str) -> None:
    """Make SUBJECT (issuer:subject, e.g. dev:anna) a member of ORG_UNIT."""
    with _directory() as directory:
        directory.add_member("cli", org_unit_key, subject, role)
    click.echo(f"{subject} is a {role} of {org_unit_key}")


@member.command("remove")
@click.argument("subject")
@click.argument("org_unit_key", metavar="ORG_UNIT")
def member_remove(subject: str, org_unit_key: str) -> None:
    """Remove SUBJECT from ORG_UNIT."""
    with _directory() as directory:
        directory.remove_member("cli", org_unit_key, subject)
    click.echo(f"{subject} removed from {org_unit_key}")


@main.group()
def deputy() -> None:
    """Deputies (Vertretungen)."""


@deputy.command("add")
@click.argument("deputy_subject", metavar="DEPUTY")
@click.argument("absent_subject", metavar="ABSENT")
@click.option("--from", "valid_from", required=True, help="ISO 8601; without offset: UTC.")
@click.option("--until", "valid_until", required=True, help="ISO 8601; without offset: UTC.")
@click.option("--org-unit", default=None, help="Only this unit (default: all of ABSENT's).")
def deputy_add(
    deputy_subject: str,
    absent_subject: str,
    valid_from: str,
    valid_until: str,
    org_unit: str | None,
) -> None:
    """DEPUTY stands in for ABSENT (both issuer:subject) from --from until --until."""
    with _directory() as directory:
        created = directory.add_deputy(
            "cli",
            deputy_subject,
            absent_subject,
            valid_from=parse_moment("valid_from", valid_from),
            valid_until=parse_moment("valid_until", valid_until),
            org_unit=org_unit,
        )
    click.echo(f"deputy {created.id} added")


@deputy.command("end")
@click.argument("deputy_id", metavar="ID")
def deputy_end(deputy_id: str) -> None:
    """End the Vertretung ID now."""
    with _directory() as directory:
        directory.end_deputy("cli", deputy_id)
    click.echo(f"deputy {deputy_id} ended")
