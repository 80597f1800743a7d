"""List commands for operators: procedures, org units, incidents (with
retry and resolve). Readable tables, or `--json` for scripts; all through the services."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import click

from egov.cli.common import container, every
from egov.container import Container
from egov.identity.model import Principal, Role
from egov.outbox.store import Incident, IncidentStatus
from egov.workflow.deploy import PROCEDURE_FILE, read_procedure

Row = dict[str, Any]
_JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
OPERATOR = Principal(subject="cli", roles=frozenset({Role.ADMIN}), name="CLI")


def emit(rows: Sequence[Row], columns: Sequence[tuple[str, str]], as_json: bool) -> None:
    """`columns`: (key, heading). A table with a header line, or the rows as a JSON list."""
    if as_json:
        click.echo(json.dumps(list(rows), ensure_ascii=False, indent=2, default=_plain))
        return
    if not rows:
        click.echo("(keine Einträge)")
        return
    cells = [[heading for _, heading in columns]]
    cells += [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    for line in cells:
        click.echo(
            "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        )


def _plain(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _cell(value: object) -> str:
    if value is None:
        return "–"
    text = _plain(value) if isinstance(value, datetime) else str(value)
    return " ".join(text.split())[:80]


def listing(
    name: str,
    help_text: str,
    rows: Callable[[Container], list[Row]],
    columns: list[tuple[str, str]],
) -> click.Command:
    @click.command(name, help=help_text)
    @_JSON_OPTION
    def command(as_json: bool) -> None:
        with container() as built:
            found = rows(built)
        emit(found, columns, as_json)

    return command


# -- process definitions, procedures, org units ------------------------------------------------


def procedure_rows(built: Container) -> list[Row]:
    """The procedure catalogue if this build has one, else from the deployed definitions
    (the newest version of each process that ships a procedure.json)."""
    catalogue = getattr(built, "catalogue", None)
    if catalogue is not None:
        found = catalogue.procedures()
        return [
            {
                "key": p.key,
                "name": p.name,
                "org_unit": p.org_unit_key,
                "vertrauensniveau": p.required_vertrauensniveau,
                "processing_days": p.processing_days,
            }
            for p in getattr(found, "items", found)  # a list, or a Page once it is paged
        ]
    newest = {d.process_id: d for d in every(built.definitions.versions)}  # by version
    rows = []
    for definition in newest.values():
        text = definition.files.get(PROCEDURE_FILE)
        if text is None:
            continue
        spec = read_procedure(text)
        rows.append(
            {
                "key": spec["key"],
                "name": spec["name"],
                "org_unit": spec["org_unit"],
                "vertrauensniveau": spec["required_vertrauensniveau"],
                "processing_days": spec["processing_days"],
            }
        )
    return sorted(rows, key=lambda row: str(row["key"]))


def org_unit_rows(built: Container) -> list[Row]:
    return [{"key": u.key, "name": u.name} for u in every(built.directory.org_units)]


procedures_list = listing(
    "list",
    "The procedures (Verfahren) citizens and portals can file.",
    procedure_rows,
    [
        ("key", "Verfahren"),
        ("name", "Name"),
        ("org_unit", "zuständig"),
        ("vertrauensniveau", "Vertrauensniveau"),
        ("processing_days", "Frist (Tage)"),
    ],
)
org_units_list = listing(
    "list",
    "The org units (Organisationseinheiten).",
    org_unit_rows,
    [("key", "Schlüssel"), ("name", "Name")],
)


@click.group("procedures")
def procedures() -> None:
    """Procedures (Verfahren)."""


@click.group("org-units")
def org_units() -> None:
    """Org units (Organisationseinheiten); to change them: egov org-unit add|rename."""


procedures.add_command(procedures_list)
org_units.add_command(org_units_list)


# -- incidents -----------------------------------------------------------------------------------

INCIDENT_COLUMNS = [
    ("id", "Störung"),
    ("status", "Status"),
    ("kind", "Art"),
    ("code", "Code"),
    ("case_id", "Vorgang"),
    ("attempts", "Versuche"),
    ("created_at", "seit (UTC)"),
    ("message", "Meldung"),
]


def incident_row(incident: Incident) -> Row:
    return {
        "id": incident.id,
        "status": incident.status,
        "kind": incident.kind,
        "code": incident.code,
        "case_id": incident.case_id,
        "attempts": incident.attempts,
        "created_at": incident.created_at,
        "message": incident.message,
        "resolution": incident.resolution,
        "resolved_by": incident.resolved_by,
        "resolved_at": incident.resolved_at,
    }


@click.group()
def incidents() -> None:
    """Incidents (Störungen): list, retry, resolve by hand."""


@incidents.command("list")
@click.option("--all", "everything", is_flag=True, help="Resolved ones too (default: open).")
@_JSON_OPTION
def incidents_list(everything: bool, as_json: bool) -> None:
    """The open incidents, oldest first."""
    with container() as built:
        status = None if everything else IncidentStatus.OPEN
        found = every(lambda page: built.incidents.find(status, page))
    emit([incident_row(i) for i in found], INCIDENT_COLUMNS, as_json)


@incidents.command("retry")
@click.argument("incident_id", metavar="ID")
@_JSON_OPTION
def incidents_retry(incident_id: str, as_json: bool) -> None:
    """Run the failed step of incident ID again (audited as actor `cli`)."""
    with container() as built:
        incident = built.incidents.retry(OPERATOR, incident_id)
    _settled(incident, as_json)


@incidents.command("resolve")
@click.argument("incident_id", metavar="ID")
@click.option("--note", required=True, help="How the cause was dealt with (1-2000 characters).")
@_JSON_OPTION
def incidents_resolve(incident_id: str, note: str, as_json: bool) -> None:
    """Close incident ID by hand, with a note (audited as actor `cli`)."""
    with container() as built:
        incident = built.incidents.resolve(OPERATOR, incident_id, note)
    _settled(incident, as_json)


def _settled(incident: Incident, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(incident_row(incident), ensure_ascii=False, default=_plain))
    elif incident.status == IncidentStatus.RESOLVED:
        click.echo(f"Störung {incident.id} behoben ({incident.resolution})")
    else:
        click.echo(f"Störung {incident.id} bleibt offen (Versuch {incident.attempts})")


COMMANDS = (procedures, org_units, incidents)
