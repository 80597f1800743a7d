"""Long-running processes and generated docs: serve, worker, scheduler, config-docs, error-docs."""

from __future__ import annotations

import dataclasses
import logging
import socket
import time
from pathlib import Path

import click

from egov.cli import common
from egov.cli.common import container
from egov.cli.failures import CliError
from egov.cli.server import write_url_file
from egov.container import build
from egov.error_codes import CODES
from egov.runtime import logs
from egov.runtime.dispatch import QUEUES
from egov.runtime.sweep import embedded_worker, scheduler_tick
from egov.settings import Settings, env_name

log = logging.getLogger(__name__)


@click.command()
@click.option("--host", default=None)
@click.option("--port", default=None, type=int)
@click.option(
    "--url-file",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write EGOV_URL=<this server's URL> to this file for other shells (make run: "
    "var/egov.env, read by `egov dev-token` and docs/walkthrough.sh).",
)
def serve(host: str | None, port: int | None, url_file: Path | None) -> None:
    """Serve the API (and the development IdP) with the built-in threaded server."""
    from werkzeug.serving import make_server

    from egov.app import create_app
    from egov.web.serving import ProblemRequestHandler

    current = common.settings()
    if host is not None or port is not None:
        current = dataclasses.replace(current, host=host or current.host, port=port or current.port)
    app = common.built(current, create_app)
    taken = _taken(current.host, current.port)
    if taken is not None:
        app.extensions["egov"].db.dispose()
        raise CliError(
            "port-in-use",
            f"{current.host}:{current.port} ist nicht frei ({taken}); läuft egov schon? "
            "Sonst mit --port oder EGOV_PORT einen anderen Port wählen.",
        )
    server = make_server(
        current.host, current.port, app, threaded=True, request_handler=ProblemRequestHandler
    )
    sweeper = embedded_worker(app.extensions["egov"])  # embedded mode: outbox, timers
    if sweeper is not None:
        sweeper.start()
    if url_file is not None:  # only once the port is ours
        # listening on every interface: other shells of this machine reach it on loopback
        local = "127.0.0.1" if current.host in ("0.0.0.0", "") else current.host
        write_url_file(url_file, f"http://{local}:{current.port}")
    click.echo(f"egov serving on {current.base_url} (env={current.env})")
    server.serve_forever()


def _taken(host: str, port: int) -> str | None:
    """Why the server could not listen there (werkzeug would print two lines and exit)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.strerror or type(exc).__name__
    return None


@click.command()
@click.option("--concurrency", type=int, default=None, help="Default: EGOV_WORKER_CONCURRENCY.")
@click.option("--queues", default=",".join(QUEUES), show_default=True)
def worker(concurrency: int | None, queues: str) -> None:
    """Run a Celery worker (production mode, needs EGOV_BROKER_URL)."""
    from egov.runtime.celery_app import run_worker

    current = common.settings()
    if not current.broker_url:
        raise CliError(
            "broker-not-configured",
            "EGOV_BROKER_URL ist leer: ohne Broker arbeitet `egov serve` eingebettet.",
        )
    run_worker(current, build, concurrency, queues)


@click.command()
def scheduler() -> None:
    """Every EGOV_SWEEP_INTERVAL_SECONDS: sweep due outbox rows, timers and stranded cases."""
    with container() as built:
        logs.configure(built.settings)
        tick = scheduler_tick(built)
        click.echo(f"egov scheduler every {built.settings.sweep_interval_seconds} s")
        while True:
            try:
                tick()
            except Exception:
                log.exception("scheduler_tick_failed")
            time.sleep(built.settings.sweep_interval_seconds)


@click.command("config-docs")
def config_docs() -> None:
    """Print docs/configuration.md, generated from the settings declarations."""
    click.echo(configuration_markdown(), nl=False)


@click.command("error-docs")
def error_docs() -> None:
    """Print docs/errors.md, generated from the table of error codes."""
    click.echo(error_markdown(), nl=False)


def configuration_markdown() -> str:
    """docs/configuration.md: every EGOV_* variable of `egov.settings.Settings`."""
    lines = [
        "# Configuration",
        "",
        "Generated from `egov/settings.py` by `egov config-docs`; do not edit by hand.",
        "",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    for f in dataclasses.fields(Settings):
        lines.append(f"| `{env_name(f)}` | `{f.default}` | {f.metadata['help']} |")
    return "\n".join(lines) + "\n"


def error_markdown() -> str:
    """docs/errors.md: every code with its HTTP status and meaning, by family."""
    lines = [
        "# Error codes",
        "",
        "Generated from `egov/error_codes/` by `egov error-docs` (`make docs`); do not edit.",
        "",
        "Every refusal of the API is an RFC 9457 problem (`application/problem+json`) whose",
        "`code` is one of these; tests and clients match the code, never the German `title`.",
        "Codes without an HTTP status never reach a client: they name incidents (see",
        "`GET /api/v1/incidents`) or log lines.",
    ]
    for family in dict.fromkeys(code.family for code in CODES.values()):
        lines += ["", f"## {family.capitalize()}", "", "| code | HTTP | meaning |", "|---|---|---|"]
        for name, code in sorted(CODES.items()):
            if code.family == family:
                status = "–" if code.status is None else str(code.status)
                lines.append(f"| `{name}` | {status} | {code.meaning} |")
    return "\n".join(lines) + "\n"


COMMANDS = (serve, worker, scheduler, config_docs, error_docs)
