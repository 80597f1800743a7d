"""Set-up and case commands: migrate, demo-setup, deploy, submit, dev-token, verify-audit."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import BinaryIO

import click

from egov.cli import common
from egov.cli.common import container, run_migrations
from egov.errors import DomainError


@click.command()
def migrate() -> None:
    """Bring the database schema to the newest version (Alembic)."""
    current = common.settings()
    current.data_dir.mkdir(parents=True, exist_ok=True)
    run_migrations(current.effective_database_url)
    click.echo("database migrated")


@click.command("demo-setup")
def demo_setup() -> None:
    """Create the demo org units (the demo users live in the development IdP)."""
    from egov.identity.users import demo_org_units

    with container() as built:
        built.directory.ensure_org_units(list(demo_org_units()))
    click.echo("demo org units ready")


@click.command()
@click.argument("folders", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
def deploy(folders: tuple[Path, ...]) -> None:
    """Deploy process bundles (default: every folder under EGOV_BPMN_DIR)."""
    from egov.workflow.deploy import read_bundle

    current = common.settings()
    targets = folders or tuple(
        sorted(p for p in current.bpmn_dir.iterdir() if p.is_dir() and any(p.glob("*.bpmn")))
    )
    with container() as built:
        for folder in targets:
            try:
                result = built.definitions.deploy(read_bundle(folder), actor="cli")
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


@click.command()
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
    with container() as built:
        outcome = built.intake.submit(file, operator)
    click.echo(json.dumps(outcome.receipt, indent=2))


@click.command("dev-token")
@click.argument("user")
@click.option("--lifetime", default=3600, help="Seconds until the token expires.")
def dev_token(user: str, lifetime: int) -> None:
    """Print an access token of a demo user from the development IdP."""
    with container() as built:
        if built.dev_idp is None:
            raise click.ClickException("the development IdP is switched off (EGOV_DEV_IDP)")
        click.echo(built.dev_idp.token_for(user, lifetime))


@click.command("verify-audit")
@click.argument("case")
def verify_audit(case: str) -> None:
    """Verify the audit hash chain of a case (id or reference); exit 1 if broken."""
    with container() as built:
        try:
            checked = built.case_file.verify(case)
        except DomainError:
            raise click.ClickException(f"no case {case}") from None
    click.echo(json.dumps({"case": checked.reference, **checked.verdict.as_dict()}, indent=2))
    sys.exit(0 if checked.verdict.valid else 1)


COMMANDS = (migrate, demo_setup, deploy, submit, dev_token, verify_audit)
