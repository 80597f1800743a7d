"""Commands that talk to the running server over HTTP: `url`, `dev-token`.

They work from any shell: the server's URL comes from `--url`, else EGOV_URL, else the file
`egov serve --url-file` wrote (`make run`: var/egov.env), else the settings' base URL.
Tokens come from the server's own development IdP, so they fit the server that checks them
(whatever its data dir or port).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from egov.cli import common
from egov.cli.failures import CliError

URL_FILE = Path("var/egov.env")  # written by `egov serve --url-file` (make run)
TIMEOUT_SECONDS = 5.0
_URL_OPTION = click.option(
    "--url",
    default=None,
    help="The running server (default: EGOV_URL, else var/egov.env from `make run`).",
)


@dataclass(frozen=True)
class Server:
    url: str
    source: str  # where the URL came from, for the message when it does not answer


def server(url: str | None) -> Server:
    if url:
        return Server(url.rstrip("/"), "--url")
    if os.environ.get("EGOV_URL"):
        return Server(os.environ["EGOV_URL"].rstrip("/"), "EGOV_URL")
    written = read_url_file(URL_FILE)
    if written:
        return Server(written, str(URL_FILE))
    return Server(common.settings().base_url, "Einstellungen EGOV_HOST/EGOV_PORT")


def read_url_file(path: Path) -> str | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        name, _, value = line.partition("=")
        if name.strip() == "EGOV_URL" and value.strip():
            return value.strip().rstrip("/")
    return None


def write_url_file(path: Path, url: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# written by `egov serve`: the URL of the running server\nEGOV_URL={url}\n")


def _unreachable(where: Server) -> CliError:
    return CliError(
        "server-unreachable",
        f"Kein egov-Server antwortet unter {where.url} (aus {where.source}): "
        "`make run` in einem anderen Terminal starten oder --url bzw. EGOV_URL angeben.",
    )


def fetch(where: Server, path: str, form: dict[str, str] | None = None) -> tuple[int, Any]:
    """GET (or POST a form to) the server; the status and the JSON body (None if none)."""
    if not where.url.startswith(("http://", "https://")):
        message = f"Die Server-URL muss mit http:// oder https:// beginnen: {where.url}"
        raise CliError("cli-usage", message, exit_code=2)
    data = None if form is None else urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(where.url + path, data=data)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, _json(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _json(exc.read())
    except (OSError, ValueError):
        raise _unreachable(where) from None


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


@click.command("url")
@_URL_OPTION
def url_command(url: str | None) -> None:
    """Print the URL of the running server (and check that it answers /healthz)."""
    where = server(url)
    status, _ = fetch(where, "/healthz")
    if status != 200:
        raise _unreachable(where)
    click.echo(where.url)


@click.command("dev-token")
@click.argument("user")
@click.option("--lifetime", default=3600, help="Seconds until the token expires.")
@_URL_OPTION
def dev_token(user: str, lifetime: int, url: str | None) -> None:
    """Print an access token of a demo user or client from the server's development IdP."""
    where = server(url)
    status, discovery = fetch(where, "/dev-idp/.well-known/openid-configuration")
    if status == 404:
        raise CliError(
            "dev-idp-off",
            f"Der Entwicklungs-IdP ist auf {where.url} ausgeschaltet (EGOV_DEV_IDP=false); "
            "Tokens gibt dort der konfigurierte OIDC-Anbieter aus.",
        )
    if status != 200 or not isinstance(discovery, dict):
        raise _unreachable(where)
    endpoint = urllib.parse.urlsplit(str(discovery.get("token_endpoint", ""))).path
    grants = (  # dev IdP: a person's password and a client's secret are its name
        {"grant_type": "password", "username": user, "password": user},
        {"grant_type": "client_credentials", "client_id": user, "client_secret": user},
    )
    for grant in grants:
        status, body = fetch(where, endpoint, {**grant, "lifetime": str(lifetime)})
        if status == 200 and isinstance(body, dict) and body.get("access_token"):
            click.echo(body["access_token"])
            return
    raise CliError(
        "unknown-user",
        f"Der Entwicklungs-IdP auf {where.url} kennt weder eine Person noch einen Client "
        f"namens {user!r} (Demo: erika, max, anna, ben, admin, portal, fachverfahren).",
    )


COMMANDS = (url_command, dev_token)
