"""Every failed command ends in one line on stderr, `Fehler [code]: message`, and exit status 1
(2 for a wrong call). A traceback only with the global option `--debug`."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any

import click

from egov.db import OUTAGE, SchemaOutdated
from egov.errors import DomainError
from egov.identity.errors import AuthenticationError
from egov.intake.errors import IntakeError
from egov.workflow.bundle import WorkflowError

log = logging.getLogger(__name__)

# WorkflowError codes whose message embeds the engine's exception text (never shown)
ENGINE_TEXT = frozenset(
    {"process-error", "script-failed", "script-time-limit", "script-memory-limit"}
)
DEBUG_HINT = "mit `egov --debug …` erneut aufrufen, um die Ursache zu sehen"


class CliError(DomainError):
    """A refusal of the command line itself (no service raised it); code and German message."""

    def __init__(self, code: str, message: str, *, exit_code: int = 1) -> None:
        super().__init__(message, code=code)
        self.exit_code = exit_code


def line(code: str, message: str) -> str:
    return f"Fehler [{code}]: {' '.join(message.split())}"


def describe(exc: BaseException) -> tuple[str, str, int]:
    """The code, German message and exit status of a failed command."""
    if isinstance(exc, CliError):
        return exc.code, exc.message, exc.exit_code
    if isinstance(exc, WorkflowError) and exc.code in ENGINE_TEXT:
        return exc.code, f"Fehler im Prozess; {DEBUG_HINT}.", 1
    if isinstance(exc, DomainError | IntakeError | AuthenticationError | WorkflowError):
        return exc.code, exc.message + _params(getattr(exc, "invalid_params", [])), 1
    if isinstance(exc, click.UsageError):
        where = exc.ctx.command_path if exc.ctx is not None else "egov"
        message = f"Aufruf ungültig: {exc.format_message()} (Hilfe: {where} --help)"
        return "cli-usage", message, exc.exit_code
    if isinstance(exc, click.Abort):
        return "cli-aborted", "Abgebrochen.", 1
    if isinstance(exc, click.ClickException):
        return "cli-failed", exc.format_message(), exc.exit_code
    if isinstance(exc, SchemaOutdated):  # e.g. a new data folder: no tables yet
        return (
            exc.code,
            "Das Datenbankschema passt nicht zu dieser Version: `egov migrate` ausführen.",
            1,
        )
    if isinstance(exc, OUTAGE):
        return (
            "database-unavailable",
            "Die Datenbank ist nicht erreichbar oder nicht migriert (EGOV_DATABASE_URL "
            f"prüfen, `egov migrate` ausführen); {DEBUG_HINT}.",
            1,
        )
    return (
        "internal-error",
        f"Unerwarteter Fehler ({type(exc).__name__}); {DEBUG_HINT}.",
        1,
    )


def _params(params: list[dict[str, Any]]) -> str:
    """The refused parts a domain error names, joined into the line (at most five)."""
    parts = []
    for param in params[:5]:
        line = f" (Zeile {param['line']})" if param.get("line") else ""
        parts.append(f"{param.get('name')}{line}: {param.get('reason')}")
    more = f"; und {len(params) - 5} weitere" if len(params) > 5 else ""
    return f" – {'; '.join(parts)}{more}" if parts else ""


class EgovGroup(click.Group):
    """The top-level group: catches what any command raises and reports it in one line."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv[: _first_command(argv)]
        try:
            result = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Exit as exc:
            result = exc.exit_code
        except click.exceptions.NoArgsIsHelpError as exc:  # `egov`, `egov org-unit`: the help
            click.echo(exc.ctx.get_help() if exc.ctx is not None else "egov --help")
            result = 0
        except Exception as exc:  # every failure: one line (and the traceback with --debug)
            code, message, status = describe(exc)
            click.echo(line(code, message), err=True)
            if debug:
                raise
            if code == "internal-error":
                log.debug("cli_failed", exc_info=exc)
            result = status
        except KeyboardInterrupt:
            click.echo(line("cli-aborted", "Abgebrochen."), err=True)
            result = 1
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


def _first_command(argv: list[str]) -> int:
    """Where the command name starts: options before it belong to `egov` itself."""
    for index, arg in enumerate(argv):
        if not arg.startswith("-"):
            return index
    return len(argv)
