"""Retention commands: `egov retention run --dry-run | --execute` (issue 16)."""

from __future__ import annotations

import sys
from typing import Any

import click

from egov.cli.common import container
from egov.retention.service import ARCHIVE_LABELS, TO_OFFER, WAITING_FOR_ARCHIVE, DueCase

ACTOR = "cli:retention"


@click.group()
def retention() -> None:
    """Retention: cases whose retention ended, and their erasure."""


@retention.command("run")
@click.option("--dry-run", "mode", flag_value="dry-run", default=True, help="Only list (default).")
@click.option("--execute", "mode", flag_value="execute", help="Erase the due cases.")
def run(mode: str) -> None:
    """List the closed cases whose retention ended (none without a rule, none on hold); with
    --execute erase those of procedures without archive duty and offer the others, never
    offered before, to the archive (xdomea 0501) when one is configured."""
    with container() as built:
        due = built.retention.due()
        erased = 0
        lines = []
        bar: Any = click.progressbar(due, label="Aufbewahrung", file=sys.stderr)
        with bar:
            for item in bar:
                done = mode == "execute" and not item.archive_duty
                if done and built.retention.execute(ACTOR, item.case_id):
                    erased += 1
                    lines.append(_line(item, "gelöscht"))
                else:
                    lines.append(_line(item, _pending(item, mode, built.archive.configured)))
        offered = built.archive.offer(ACTOR) if mode == "execute" else None
    for line in lines:
        click.echo(line)
    if offered is not None:
        listed = ", ".join(offered.references)
        click.echo(f"Anbieteverzeichnis {offered.process_id} an das Archiv: {listed}")
    click.echo(f"{len(due)} fällig, {erased} gelöscht")


def _pending(item: DueCase, mode: str, archive: bool) -> str:
    if item.archive_duty:
        state = item.archive_state or TO_OFFER
        return ARCHIVE_LABELS[state] if archive else WAITING_FOR_ARCHIVE
    return "fällig (würde gelöscht)" if mode == "dry-run" else "nicht mehr fällig"


def _line(item: DueCase, state: str) -> str:
    until = item.retention_until.date().isoformat()
    return f"{item.reference} {item.procedure} aufbewahrt bis {until}: {state}"


COMMANDS = (retention,)
