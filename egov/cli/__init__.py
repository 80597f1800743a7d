"""The `egov` command line (click, as Flask uses it): `main` and its table of commands.

One module per group of commands: `cases` (set-up and cases), `processes` (serve, worker,
scheduler, generated docs), `server` (over HTTP against the running server: url, dev-token),
`directory` (org units, members, deputies), `listing` (list commands, incidents),
`definitions` (process versions: list, show, download, activate), `instances` (process
instances and their migration), `triage` (train and evaluate the triage model), `opendata`
(the open-data export), `retention` (the due list and erasure); `common`
holds what they share, `failures` turns every error into one line with its code.
"""

from __future__ import annotations

import click

from egov.cli import (
    buergerbudget,
    cases,
    definitions,
    directory,
    instances,
    listing,
    opendata,
    processes,
    retention,
    server,
    triage,
)
from egov.cli.common import run_migrations
from egov.cli.failures import EgovGroup
from egov.cli.processes import worker
from egov.runtime.schema import MIGRATIONS

__all__ = ["MIGRATIONS", "main", "run_migrations", "worker"]


@click.group(cls=EgovGroup)
@click.option("--debug", is_flag=True, help="On an error, show the traceback too.")
def main(debug: bool) -> None:
    """egov: workflow and case management for municipalities.

    A failed command prints one line `Fehler [code]: …` and exits non-zero.
    """


COMMAND_MODULES = (
    cases,
    processes,
    server,
    directory,
    listing,
    definitions,
    instances,
    triage,
    opendata,
    retention,
    buergerbudget,
)
for _command in (c for module in COMMAND_MODULES for c in module.COMMANDS):
    main.add_command(_command)
for _name, _group in definitions.ALIASES.items():  # old names of a group
    main.add_command(_group, name=_name)
