"""The `egov` command line (click, as Flask uses it): `main` and its table of commands.

One module per group of commands: `cases` (set-up and cases), `processes` (serve, worker,
scheduler, generated docs), `directory` (org units, members, deputies); `common` holds what
they share.
"""

from __future__ import annotations

import click

from egov.cli import cases, directory, processes
from egov.cli.common import MIGRATIONS, run_migrations
from egov.cli.processes import worker

__all__ = ["MIGRATIONS", "main", "run_migrations", "worker"]


@click.group()
def main() -> None:
    """egov: workflow and case management for municipalities."""


for _command in (*cases.COMMANDS, *processes.COMMANDS, *directory.COMMANDS):
    main.add_command(_command)
