"""`egov dev-token` and `egov url` in any shell: they ask the running server over HTTP (here a
real server on loopback), so the token fits the server that checks it, whatever data dir the
shell has; without a server or without its dev IdP they say so in one line."""

from __future__ import annotations

import base64
import json
import logging
import shutil
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from werkzeug.serving import make_server

from egov.app import create_app
from egov.cli import main
from egov.cli.server import URL_FILE, read_url_file, write_url_file


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """SQLite only: what is tested here is the HTTP between the command and the server."""
    target = tmp_path / "egov.sqlite3"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


def serve(app: Flask) -> Iterator[str]:
    # the server runs in this process: its access lines would land in the command's captured
    # stderr (egov's log handler writes to whatever sys.stderr is), which is the command's own
    access = logging.getLogger("werkzeug")
    level = access.level
    access.setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        access.setLevel(level)
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def url(app: Flask) -> Iterator[str]:
    yield from serve(app)


def egov(*args: str, **env: str) -> Any:
    return CliRunner(env={"EGOV_URL": None, **env}).invoke(main, list(args))


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def me_cases(url: str, token: str) -> int:
    request = urllib.request.Request(
        f"{url}/api/v1/me/cases", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def test_a_token_from_the_served_dev_idp_is_accepted_by_that_server(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # another folder, another data dir: no local key involved
    result = egov("dev-token", "erika", "--url", url)
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert claims(token)["sub"] == "erika"
    assert me_cases(url, token) == 200


def test_the_url_comes_from_egov_url_or_else_from_the_file_make_run_writes(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shell = tmp_path / "shell"
    (shell / "var").mkdir(parents=True)
    monkeypatch.chdir(shell)
    assert egov("dev-token", "anna", EGOV_URL=url).exit_code == 0
    assert egov("url", EGOV_PORT="9").exit_code == 1  # nothing written: the settings answer not
    (shell / "var" / "egov.env").write_text(f"EGOV_URL={url}\n")
    result = egov("url")
    assert (result.exit_code, result.stdout.strip()) == (0, url)
    assert claims(egov("dev-token", "anna").stdout.strip())["sub"] == "anna"


def test_a_client_gets_its_token_and_the_lifetime_is_the_one_asked_for(url: str) -> None:
    token = egov("dev-token", "portal", "--url", url, "--lifetime", "600").stdout.strip()
    found = claims(token)
    assert found["sub"] == "portal" and found["exp"] - found["iat"] == 600


def test_an_unknown_user_is_named_in_one_line(url: str) -> None:
    result = egov("dev-token", "mallory", "--url", url)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("Fehler [unknown-user]: ") and "mallory" in result.stderr


def test_without_a_server_it_says_where_it_looked_and_what_to_do(tmp_path: Path) -> None:
    for args in (("dev-token", "erika"), ("url",)):
        result = egov(*args, "--url", "http://127.0.0.1:9")
        assert result.exit_code == 1
        [line] = result.stderr.splitlines()
        assert line.startswith("Fehler [server-unreachable]: ")
        assert "http://127.0.0.1:9" in line and "make run" in line


def test_a_server_without_dev_idp_is_named_as_such(app: Flask, tmp_path: Path) -> None:
    settings = replace(
        app.extensions["egov"].settings,
        dev_idp=False,
        token_issuer="https://idp.example.invalid/realms/egov",
        jwks_url="https://idp.example.invalid/realms/egov/certs",
    )
    other = create_app(settings)
    try:
        for served in serve(other):
            result = egov("dev-token", "erika", "--url", served)
            assert result.exit_code == 1
            assert result.stderr.startswith("Fehler [dev-idp-off]: ")
    finally:
        other.extensions["egov"].db.dispose()


def test_make_run_has_the_server_write_the_file_the_commands_read() -> None:
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert f"$(EGOV) serve --url-file {URL_FILE}" in run_recipe


def test_the_url_file_holds_one_assignment_a_shell_can_source(tmp_path: Path) -> None:
    target = tmp_path / "var" / "egov.env"
    write_url_file(target, "http://127.0.0.1:8123")
    assert read_url_file(target) == "http://127.0.0.1:8123"
    lines = [line for line in target.read_text().splitlines() if not line.startswith("#")]
    assert lines == ["EGOV_URL=http://127.0.0.1:8123"]
    assert read_url_file(tmp_path / "nothing.env") is None
