"""`egov instance list|show|suspend|resume|cancel|restart` and `egov migration
plan|check|run|confirm|status|reverse`: the operators' instance commands of the API
(`docs/operations.md`), through the same services, as the admin `cli`, audited like the
API's. A table or `--json`. Where four eyes are demanded, the command from the CLI is the
request; a second admin confirms it (over the API)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from egov.cli.common import container, every
from egov.cli.listing import OPERATOR, Row, emit
from egov.container import Container
from egov.workflow.four_eyes import Pending
from egov.workflow.instances import STATES, InstanceFilter, InstanceRow
from egov.workflow.migration_service import BatchView, PlannedMigration, PlanRequest, Verdict
from egov.workflow.migration_store import item_counts

_JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
ACTOR = OPERATOR.subject
COLUMNS = [
    ("id", "Instanz"),
    ("case_reference", "Vorgang"),
    ("procedure", "Verfahren"),
    ("process_id", "Prozess"),
    ("definition_version", "Version"),
    ("state", "Zustand"),
    ("updated_at", "geändert (UTC)"),
]


def row(r: InstanceRow) -> Row:
    return r.summary()


def _echo_json(value: object) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


@click.group("instance")
def instance() -> None:
    """Process instances: list, show, suspend, resume, cancel, restart."""


@instance.command("list")
@click.option("--procedure", help="Schlüssel der Leistung des Vorgangs.")
@click.option("--process", "process_id", help="Prozessmodell (process id).")
@click.option("--version", "definition_version", type=int, help="Version des Prozessmodells.")
@click.option("--state", type=click.Choice(STATES), help="Zustand.")
@click.option("--element", help="Id des Elements, an dem eine Aufgabe wartet.")
@click.option("--incident/--no-incident", "has_incident", default=None, help="Mit Störung?")
@_JSON_OPTION
def list_instances(as_json: bool, **filters: Any) -> None:
    """The instances, oldest first, filtered like GET /process-instances."""
    found = InstanceFilter(**filters)
    with container() as built:
        rows = every(lambda page: built.instances.find(OPERATOR, found, page))
    emit([row(r) for r in rows], COLUMNS, as_json)


@instance.command("show")
@click.argument("instance_id", metavar="ID")
@_JSON_OPTION
def show(instance_id: str, as_json: bool) -> None:
    """One instance: where it waits, what it did, variables (redacted), incidents."""
    with container() as built:
        found = built.instances.detail(OPERATOR, instance_id)
    detail = {
        **row(found.row),
        "position": [e.id for e in found.position],
        "completed": [e.id for e in found.completed],
        "variables": found.variables,
        "incidents": [{"id": i.id, "code": i.code, "message": i.message} for i in found.incidents],
        "held_messages": [held.listing() for held in found.held],
    }
    if as_json:
        _echo_json(detail)
        return
    for key, heading in [*COLUMNS, ("case_id", "Vorgangs-ID")]:
        click.echo(f"{heading}: {detail[key]}")
    click.echo(f"wartet an: {', '.join(detail['position']) or '–'}")
    click.echo(f"erledigt: {', '.join(detail['completed']) or '–'}")
    click.echo("Variablen:")
    for name, value in sorted(found.variables.items()):
        click.echo(f"  {name} = {json.dumps(value, ensure_ascii=False, default=str)[:80]}")
    click.echo("Störungen:")
    emit(detail["incidents"], [("id", "Störung"), ("code", "Code"), ("message", "Meldung")], False)
    if detail["held_messages"]:
        click.echo("Gehaltene Nachrichten (Eingangsfolge):")
        columns = [("kind", "Art"), ("message_name", "Nachricht"), ("status", "Status")]
        emit(detail["held_messages"], columns, False)


def _done(instance_id: str, pending: Pending | None, as_json: bool) -> None:
    with container() as built:
        state = row(built.instances.detail(OPERATOR, instance_id).row)
    if pending is not None:
        state["pending"] = {"command": pending.command, "until": pending.until}
    if as_json:
        _echo_json(state)
    elif pending is not None:
        click.echo(
            f"{instance_id}: {pending.command} beantragt (Vier-Augen-Prinzip); eine zweite "
            f"Administratorin bestätigt bis {pending.until:%Y-%m-%d %H:%M} UTC"
        )
    else:
        click.echo(f"{instance_id}: {state['state']}")


_REASON = click.option("--reason", default=None, help="Grund (Audit).")


@instance.command("suspend")
@click.argument("instance_id", metavar="ID")
@_REASON
@_JSON_OPTION
def suspend(instance_id: str, reason: str | None, as_json: bool) -> None:
    """Stop the instance for now (timers wait, tasks leave the inboxes, messages are held)."""
    with container() as built:
        pending = built.instance_commands.suspend(ACTOR, instance_id, reason)
    _done(instance_id, pending, as_json)


@instance.command("resume")
@click.argument("instance_id", metavar="ID")
@_REASON
@_JSON_OPTION
def resume(instance_id: str, reason: str | None, as_json: bool) -> None:
    """Let a suspended instance run again (held messages first, in arrival order)."""
    with container() as built:
        pending = built.instance_commands.resume(ACTOR, instance_id, reason)
    _done(instance_id, pending, as_json)


@instance.command("cancel")
@click.argument("instance_id", metavar="ID")
@click.option("--reason", required=True, help="Grund der Einstellung (Audit, Brief).")
@_JSON_OPTION
def cancel(instance_id: str, reason: str, as_json: bool) -> None:
    """End the instance: tasks cancelled, the case `cancelled` (eingestellt)."""
    with container() as built:
        pending = built.instance_commands.cancel(ACTOR, instance_id, reason)
    _done(instance_id, pending, as_json)


@instance.command("restart")
@click.argument("instance_id", metavar="ID")
@_JSON_OPTION
def restart(instance_id: str, as_json: bool) -> None:
    """Run the failed step again (the retry of its open incident)."""
    with container() as built:
        pending = built.instance_commands.restart(OPERATOR, instance_id)
    _done(instance_id, pending, as_json)


# -- migration -------------------------------------------------------------------------------


@click.group("migration")
def migration() -> None:
    """Migration of running instances to another version: plan, check, run, status, reverse."""


def _planned(built: Container, source: str, target: str, maps: tuple[str, ...]) -> PlannedMigration:
    pairs: list[tuple[str, str | None]] = []
    for one in maps:
        element, _, to = one.partition("=")
        pairs.append((element, to or None))
    return built.migrations.plan(PlanRequest(source, target, pairs))


F = TypeVar("F", bound=Callable[..., None])
_PLAN: list[Callable[[F], F]] = [
    click.argument("source"),
    click.argument("target"),
    click.option("--map", "maps", multiple=True, metavar="QUELLE=ZIEL", help="Element abbilden."),
]
_SELECTION: list[Callable[[F], F]] = [
    click.option("--instance", "instance_ids", multiple=True, help="Nur diese Instanz(en)."),
    click.option("--at", "waiting_at", multiple=True, help="Nur Instanzen an diesem Element."),
]


def _with(options: list[Callable[[F], F]]) -> Callable[[F], F]:
    def apply(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


@migration.command("plan")
@_with(_PLAN)
@_JSON_OPTION
def plan(source: str, target: str, maps: tuple[str, ...], as_json: bool) -> None:
    """The plan from version SOURCE to TARGET (ids): each element and its target."""
    with container() as built:
        planned = _planned(built, source, target, maps)
    rows = [{"source": s, "target": t} for s, t in sorted(planned.plan.mapping.items())]
    if as_json:
        _echo_json({"instructions": rows, "unmapped": planned.plan.unmapped})
        return
    emit(rows, [("source", "Element"), ("target", "Ziel")], False)


def _verdict(v: Verdict) -> Row:
    return {
        "instance_id": v.instance_id,
        "case_id": v.case_id,
        "migratable": v.migratable,
        "reasons": [r.as_dict() for r in v.reasons],
    }


@migration.command("check")
@_with(_PLAN + _SELECTION)
@_JSON_OPTION
def check(
    as_json: bool, instance_ids: tuple[str, ...], waiting_at: tuple[str, ...], **plan_args: Any
) -> None:
    """Dry run: per instance, can it be migrated, and if not, why. Nothing changes."""
    with container() as built:
        planned = _planned(built, **plan_args)
        found = built.migrations.dry_run(planned, list(instance_ids) or None, waiting_at)
    columns = [("instance_id", "Instanz"), ("migratable", "migrierbar"), ("reasons", "Gründe")]
    emit([_verdict(v) for v in found], columns, as_json)


def _batch(view: BatchView) -> Row:
    counts = item_counts(view.items)
    return {
        "id": view.batch.id,
        "status": view.batch.status,
        "created_by": view.batch.created_by,
        "confirmed_by": view.batch.confirmed_by,
        "total": len(view.items),
        **counts,
        "failures": [
            {"instance_id": i.instance_id, "reasons": i.reasons} for i in view.items if i.reasons
        ],
    }


BATCH_COLUMNS = [
    ("id", "Lauf"),
    ("status", "Status"),
    ("total", "gesamt"),
    ("pending", "offen"),
    ("held", "gehalten"),
    ("migrated", "migriert"),
    ("failed", "abgelehnt"),
    ("reversed", "zurück"),
]


@migration.command("run")
@_with(_PLAN + _SELECTION)
@_JSON_OPTION
def run(
    as_json: bool, instance_ids: tuple[str, ...], waiting_at: tuple[str, ...], **plan_args: Any
) -> None:
    """Create a batch and run it (embedded: here; production: a worker)."""
    with container() as built:
        planned = _planned(built, **plan_args)
        ids = list(instance_ids) or None
        batch_id = built.migrations.create(planned, ids, ACTOR, waiting_at)
        view = built.migrations.get(batch_id)
    emit([_batch(view)], BATCH_COLUMNS, as_json)


def _batch_command(name: str, help_text: str, call: str) -> click.Command:
    @click.command(name, help=help_text)
    @click.argument("migration_id", metavar="ID")
    @_JSON_OPTION
    def command(migration_id: str, as_json: bool) -> None:
        with container() as built:
            migrations = built.migrations
            if call == "get":
                view = migrations.get(migration_id)
            else:
                view = getattr(migrations, call)(migration_id, ACTOR)
        emit([_batch(view)], BATCH_COLUMNS, as_json)

    return command


migration.add_command(_batch_command("status", "Progress of batch ID: counts, failures.", "get"))
migration.add_command(
    _batch_command("confirm", "Four eyes: release the held instances of batch ID.", "confirm")
)
migration.add_command(
    _batch_command("reverse", "Put the migrated instances of batch ID back.", "reverse")
)

COMMANDS = (instance, migration)
