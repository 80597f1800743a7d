"""The directory: org units, memberships, deputies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from egov.cli.common import container
from egov.identity.directory import Directory, parse_moment


@contextmanager
def _directory() -> Iterator[Directory]:
    """The directory service; a refused change ends the command in its code and message."""
    with container() as built:
        yield built.directory


@click.group("org-unit")
def org_unit() -> None:
    """Org units (Organisationseinheiten)."""


@org_unit.command("add")
@click.argument("key")
@click.argument("name")
def org_unit_add(key: str, name: str) -> None:
    """Add an org unit."""
    with _directory() as directory:
        directory.add_org_unit("cli", key, name)
    click.echo(f"org unit {key} added")


@org_unit.command("rename")
@click.argument("key")
@click.argument("name")
def org_unit_rename(key: str, name: str) -> None:
    """Rename an org unit."""
    with _directory() as directory:
        directory.rename_org_unit("cli", key, name)
    click.echo(f"org unit {key} renamed")


@click.group()
def member() -> None:
    """Memberships of people in org units."""


@member.command("add")
@click.argument("subject")
@click.argument("org_unit_key", metavar="ORG_UNIT")
@click.option("--role", type=click.Choice(["clerk", "supervisor"]), default="clerk")
def member_add(subject: str, org_unit_key: str, role: str) -> None:
    """Make SUBJECT (issuer:subject, e.g. dev:anna) a member of ORG_UNIT."""
    with _directory() as directory:
        directory.add_member("cli", org_unit_key, subject, role)
    click.echo(f"{subject} is a {role} of {org_unit_key}")


@member.command("remove")
@click.argument("subject")
@click.argument("org_unit_key", metavar="ORG_UNIT")
def member_remove(subject: str, org_unit_key: str) -> None:
    """Remove SUBJECT from ORG_UNIT."""
    with _directory() as directory:
        directory.remove_member("cli", org_unit_key, subject)
    click.echo(f"{subject} removed from {org_unit_key}")


@click.group()
def deputy() -> None:
    """Deputies (Vertretungen)."""


@deputy.command("add")
@click.argument("deputy_subject", metavar="DEPUTY")
@click.argument("absent_subject", metavar="ABSENT")
@click.option("--from", "valid_from", required=True, help="ISO 8601; without offset: UTC.")
@click.option("--until", "valid_until", required=True, help="ISO 8601; without offset: UTC.")
@click.option("--org-unit", default=None, help="Only this unit (default: all of ABSENT's).")
def deputy_add(
    deputy_subject: str,
    absent_subject: str,
    valid_from: str,
    valid_until: str,
    org_unit: str | None,
) -> None:
    """DEPUTY stands in for ABSENT (both issuer:subject) from --from until --until."""
    with _directory() as directory:
        created = directory.add_deputy(
            "cli",
            deputy_subject,
            absent_subject,
            valid_from=parse_moment("valid_from", valid_from),
            valid_until=parse_moment("valid_until", valid_until),
            org_unit=org_unit,
        )
    click.echo(f"deputy {created.id} added")


@deputy.command("end")
@click.argument("deputy_id", metavar="ID")
def deputy_end(deputy_id: str) -> None:
    """End the Vertretung ID now."""
    with _directory() as directory:
        directory.end_deputy("cli", deputy_id)
    click.echo(f"deputy {deputy_id} ended")


COMMANDS = (org_unit, member, deputy)
