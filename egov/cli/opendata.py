"""`egov open-data export DIR`: the catalogue and every distribution of the open-data API
written to DIR (`catalogue.jsonld`, `datasets/<id>.csv|.json`), read through the same service,
with a progress bar on stderr (docs/open-data.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from egov.cli import common
from egov.cli.failures import CliError


@click.group("open-data")
def open_data() -> None:
    """Open data for the urban data platform (DCAT-AP.de)."""


@open_data.command("export")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
def export(folder: Path) -> None:
    """Write the catalogue and every CSV and JSON distribution to FOLDER."""
    with common.container() as wired:
        files = wired.open_data.export()
        with click.progressbar(files, label="Offene Daten", file=sys.stderr) as bar:
            for name, render in bar:
                write(folder / name, render())
    click.echo(f"{len(files)} Dateien in {folder}")


def write(target: Path, content: bytes) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise CliError("open-data-export-failed", f"{target}: {reason}") from None


COMMANDS = (open_data,)
