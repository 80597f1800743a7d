"""Set-up and case commands: migrate, demo-setup, deploy, submit, verify-audit, and the
audit checkpoints: audit-checkpoint, audit-key."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import BinaryIO

import click

from egov.audit.checkpoints import AuditReport
from egov.cli import common
from egov.cli.common import container, every, run_migrations
from egov.cli.failures import CliError
from egov.container import Container
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
    """Deploy process bundles (default: every folder under EGOV_BPMN_DIR) and make each the
    active version: reverting a local edit makes the earlier version live again."""
    from egov.workflow.deploy import read_bundle

    current = common.settings()
    targets = folders or tuple(
        sorted(p for p in current.bpmn_dir.iterdir() if p.is_dir() and any(p.glob("*.bpmn")))
    )
    with container() as built:
        _check_org_units(built, targets)
        for folder in targets:
            try:
                result = built.definitions.deploy(read_bundle(folder), actor="cli", activate=True)
            except DomainError as exc:
                raise CliError(exc.code, _refusal(folder.name, exc)) from exc
            definition = result.definition
            state = "deployed" if result.created else "unchanged"
            state += ", activated" if result.activated else ""
            click.echo(f"{folder.name}: {definition.process_id} v{definition.version} {state}")
            _load_rounds(built, folder)


def _load_rounds(built: Container, folder: Path) -> None:
    """A bundle's `rounds/*.json` (Bürgerbudget rounds): the years missing are created."""
    from egov.buergerbudget.rounds import read_rounds

    files = read_rounds(folder)
    try:
        loaded = built.rounds.load(files, actor="cli") if files else {}
    except DomainError as exc:
        raise CliError(exc.code, f"{folder.name}: {exc.message}") from exc
    for year, state in loaded.items():
        click.echo(f"{folder.name}: Runde {year} {state}")


def _check_org_units(built: Container, folders: tuple[Path, ...]) -> None:
    """Before anything is deployed: every org unit the bundles' procedures name exists."""
    from egov.workflow.deploy import PROCEDURE_FILE, read_procedure

    known = {unit.key for unit in every(built.directory.org_units)}
    missing = {}
    for folder in folders:
        spec_file = folder / PROCEDURE_FILE
        if spec_file.is_file():
            try:
                unit = read_procedure(spec_file.read_text(encoding="utf-8"))["org_unit"]
            except DomainError:
                continue  # the deploy itself names what is wrong with the file
            if unit not in known:
                missing[folder.name] = unit
    if missing:
        named = ", ".join(f"{bundle} braucht {unit!r}" for bundle, unit in missing.items())
        first = next(iter(missing.values()))
        raise CliError(
            "bundle-org-unit-missing",
            f"Organisationseinheiten fehlen ({named}); zuerst anlegen, z. B. "
            f'`egov org-unit add {first} "Name"`, dann erneut `egov deploy`.',
        )


def _refusal(bundle: str, exc: DomainError) -> str:
    """A refused deploy in one line: the bundle and message, then every refused part."""
    parts = []
    for param in exc.invalid_params:
        line = f" (Zeile {param['line']})" if param.get("line") else ""
        parts.append(f"{param['name']}{line}: {param['reason']}")
    details = f" – {'; '.join(parts)}" if parts else ""
    return f"{bundle}: {exc.message}{details}"


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


@click.command("verify-audit")
@click.argument("case", required=False)
@click.option(
    "--all", "every_chain", is_flag=True, help="Every chain, and against the latest checkpoint."
)
def verify_audit(case: str | None, every_chain: bool) -> None:
    """Verify the audit hash chain of a case (id or reference), or with --all every chain and
    the latest signed checkpoint (ADR 0044); exit 1 if anything is broken."""
    if every_chain == (case is not None):
        raise click.UsageError("give either a case or --all")
    with container() as built:
        if every_chain:
            report = built.checkpoints.verify_all()
            click.echo(json.dumps(_report(report), indent=2))
            sys.exit(0 if report.valid else 1)
        checked = built.case_file.verify(case or "")
    click.echo(json.dumps({"case": checked.reference, **checked.verdict.as_dict()}, indent=2))
    sys.exit(0 if checked.verdict.valid else 1)


def _report(report: AuditReport) -> dict[str, object]:
    return {
        "valid": report.valid,
        "chains": report.chains,
        "checkpoint": report.checkpoint,
        "checkpoint_fault": report.checkpoint_fault,
        "timestamp": report.timestamp,
        "broken": [{"chain": b.chain, "seq": b.seq, "reason": b.reason} for b in report.broken],
    }


@click.command("audit-checkpoint")
def audit_checkpoint() -> None:
    """Sign a checkpoint of the heads of all audit chains now (the sweep does it on its
    interval, EGOV_AUDIT_CHECKPOINT_INTERVAL_SECONDS)."""
    with container() as built:
        made = built.checkpoints.make()
    click.echo(json.dumps(made.summary(), indent=2))


@click.command("audit-key")
def audit_key() -> None:
    """Print a new Ed25519 private key for EGOV_AUDIT_SIGNING_KEY (keep it secret)."""
    from egov.audit.signing import new_key_text

    click.echo(new_key_text())


COMMANDS = (migrate, demo_setup, deploy, submit, verify_audit, audit_checkpoint, audit_key)
