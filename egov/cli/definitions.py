"""`egov process list | show ID | download ID [--out DIR] | activate ID --reason TEXT`: the
deployed versions, their files byte for byte, and making a version active again (rollback,
in the definition's trail as `cli`). `egov process-definitions` is the old name of the group."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import click

from egov.cli.common import container, every
from egov.cli.failures import CliError
from egov.cli.listing import emit
from egov.workflow.store import ProcessDefinition

_JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
ACTOR = "cli"
COLUMNS = [
    ("process_id", "Prozess"),
    ("version", "Version"),
    ("active", "aktiv"),
    ("deployed_at", "bereitgestellt (UTC)"),
    ("deployed_by", "von"),
    ("content_hash", "Inhalt"),
    ("id", "ID"),
]


def row(d: ProcessDefinition) -> dict[str, object]:
    return {
        "process_id": d.process_id,
        "version": d.version,
        "active": "ja" if d.active else "–",
        "deployed_at": d.deployed_at,
        "deployed_by": d.deployed_by,
        "content_hash": d.content_hash[:12],
        "id": d.id,
    }


def json_row(d: ProcessDefinition) -> dict[str, object]:
    return {**row(d), "active": d.active, "content_hash": d.content_hash}


@click.group("process")
def process() -> None:
    """Deployed process definitions: versions, their files, the active version."""


@process.command("list")
@_JSON_OPTION
def list_versions(as_json: bool) -> None:
    """Every deployed version of every process definition."""
    with container() as built:
        found = every(built.definitions.versions)
    emit([(json_row if as_json else row)(d) for d in found], COLUMNS, as_json)


@process.command("show")
@click.argument("definition_id")
@_JSON_OPTION
def show(definition_id: str, as_json: bool) -> None:
    """One version: files, active flag, who deployed it, the trail of activations."""
    with container() as built:
        found = built.definitions.version(definition_id)
        trail = built.definitions.trail(definition_id)
    activations = [
        {
            "definition_id": a.definition_id,
            "previous_id": a.previous_id,
            "activated_at": a.activated_at,
            "activated_by": a.activated_by,
            "reason": a.reason,
            "kind": a.kind,
        }
        for a in trail
    ]
    if as_json:
        detail = {**json_row(found), "files": sorted(found.files), "activations": activations}
        click.echo(json.dumps(detail, ensure_ascii=False, indent=2, default=str))
        return
    for key, heading in COLUMNS:
        click.echo(f"{heading}: {row(found)[key]}")
    click.echo("Dateien:")
    for name in sorted(found.files):
        click.echo(f"  {name}")
    click.echo("Aktivierungen:")
    emit(
        activations,
        [
            ("activated_at", "wann (UTC)"),
            ("activated_by", "wer"),
            ("definition_id", "Version"),
            ("reason", "Grund"),
        ],
        as_json=False,
    )


@process.command("download")
@click.argument("definition_id")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Zielordner (Standard: <process_id>-v<version>).",
)
def download(definition_id: str, out: Path | None) -> None:
    """Write every file of a version, byte for byte, into a folder (a bundle again)."""
    with container() as built:
        found = built.definitions.version(definition_id)
        files = {name: built.definitions.file(definition_id, name) for name in found.files}
    target = out or Path(f"{found.process_id}-v{found.version}")
    for name, file in sorted(files.items()):
        path = target.joinpath(*PurePosixPath(name).parts)
        if not path.resolve().is_relative_to(target.resolve()):  # names were checked at deploy
            raise CliError("bundle-archive-invalid", f"{name}: außerhalb des Zielordners")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(file.content)
    click.echo(f"{found.process_id} v{found.version}: {len(files)} Dateien in {target}")


@process.command("activate")
@click.argument("definition_id")
@click.option("--reason", required=True, help="Warum diese Version aktiv wird (Audit).")
def activate(definition_id: str, reason: str) -> None:
    """Make a version the active one of its process (rollback); new cases start on it."""
    with container() as built:
        found, pending = built.definitions.activate(definition_id, actor=ACTOR, reason=reason)
    if pending is not None:
        click.echo(
            f"{found.process_id} v{found.version}: Aktivierung beantragt (Vier-Augen-Prinzip); "
            f"eine zweite Administratorin bestätigt bis {pending.until:%Y-%m-%d %H:%M} UTC"
        )
        return
    click.echo(f"{found.process_id} v{found.version} ist aktiv")


COMMANDS = (process,)
ALIASES = {"process-definitions": process}
