"""`egov buergerbudget round list|show YEAR|create FILE|edit YEAR FIELD=VALUE...|verify YEAR`:
the Bürgerbudget rounds as the admin API has them (as actor `cli`), and the check of a
round's vote against its chain (docs/buergerbudget.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from egov.cli.common import container
from egov.cli.failures import CliError
from egov.cli.listing import emit

COLUMNS = (
    ("year", "Jahr"),
    ("total_budget_eur", "Budget"),
    ("cap_per_proposal_eur", "je Vorschlag"),
    ("submission_deadline", "Frist"),
    ("vote_opens", "Abstimmung ab"),
    ("vote_closes", "bis"),
    ("votes_per_citizen", "Stimmen"),
    ("vertrauensniveau", "Niveau"),
)
NUMBERS = {"total_budget_eur", "cap_per_proposal_eur", "votes_per_citizen"}


@click.group("buergerbudget")
def buergerbudget() -> None:
    """Bürgerbudget: rounds and the check of their vote."""


@buergerbudget.group("round")
def round_() -> None:
    """The rounds (one a year)."""


@round_.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
def list_rounds(as_json: bool) -> None:
    """Every round."""
    with container() as built:
        emit([r.as_dict() for r in built.rounds.list()], COLUMNS, as_json)


@round_.command("show")
@click.argument("year", type=int)
def show(year: int) -> None:
    """One round as JSON."""
    with container() as built:
        click.echo(json.dumps(built.rounds.get(year).as_dict(), ensure_ascii=False, indent=2))


@round_.command("create")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def create(file: Path) -> None:
    """A new round from a JSON FILE (the fields of bpmn/buergerbudget/rounds/2026.json)."""
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise CliError("round-invalid", f"{file.name}: kein JSON") from exc
    with container() as built:
        made = built.rounds.create(raw, actor="cli")
    click.echo(f"Runde {made.year} angelegt")


@round_.command("edit")
@click.argument("year", type=int)
@click.argument("changes", nargs=-1, required=True)
def edit(year: int, changes: tuple[str, ...]) -> None:
    """Change fields, e.g. `vote_closes=2027-02-07 votes_per_citizen=5`; after the round
    opened for submissions only the safe ones."""
    with container() as built:
        changed = built.rounds.edit(year, dict(_field(c) for c in changes), actor="cli")
    click.echo(json.dumps(changed.as_dict(), ensure_ascii=False, indent=2))


def _field(text: str) -> tuple[str, Any]:
    name, sep, value = text.partition("=")
    if not sep:
        raise click.UsageError(f"FELD=WERT erwartet, nicht {text!r}")
    if name == "categories":
        return name, [v.strip() for v in value.split(",") if v.strip()]
    return name, int(value) if name in NUMBERS and value.isdigit() else value


@round_.command("verify")
@click.argument("year", type=int)
def verify(year: int) -> None:
    """Recompute every ballot's commitment, check it and the offline counts against the
    round's chain and count again; exit 1 if anything does not fit."""
    with container() as built:
        checked = built.tallies.verify(year)
    chain = "gültig" if checked.chain_valid else "GEBROCHEN"
    click.echo(f"Kette: {chain}, {checked.chain_length} Einträge")
    click.echo(f"Stimmzettel geprüft: {checked.ballots_checked}")
    for problem in checked.problems:
        click.echo(f"Abweichung: {problem}")
    if checked.tally is not None:
        for count in checked.tally.counts:
            click.echo(
                f"{count.proposal}: {count.total} ({count.online} online, {count.offline} offline)"
            )
    if not checked.valid:
        raise CliError("round-verification-failed", f"Die Abstimmung {year} ist nicht nachprüfbar.")


COMMANDS = (buergerbudget,)
