"""docs/production.md, run as written: its settings, first installation and release blocks
in bash against the PostgreSQL and Redis the suite starts (only the site's values, which the
page declares as variables, come from here), then each line of its processes block as a
process: gunicorn becomes ready, the worker and the scheduler keep running."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT, _admin, _with_db
from tests.support.doc_examples import commands, examples
from tests.support.redis import redis_or_skip

pytestmark = pytest.mark.postgres
PAGE = ROOT / "docs" / "production.md"
BIN = Path(sys.executable).parent
OIDC_CONFIG = {  # a provider egov never needs to reach for what this test does
    "issuers": [
        {
            "name": "verwaltung",
            "issuer": "https://id.example.invalid/realms/verwaltung",
            "audience": "egov-api",
            "algorithms": ["RS256"],
            "allowed_roles": ["clerk", "admin"],
        }
    ]
}


@pytest.fixture
def site(postgres_server_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The variables the page declares, pointing at this test's servers and folders."""
    _admin(postgres_server_url, "DROP DATABASE IF EXISTS egov_doc_example")
    _admin(postgres_server_url, "CREATE DATABASE egov_doc_example")
    db = urlsplit(_with_db(postgres_server_url, "egov_doc_example"))
    (tmp_path / "oidc.json").write_text(json.dumps(OIDC_CONFIG))
    port = free_port()
    with redis_or_skip() as broker_url:
        yield {
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(tmp_path),
            "DB_HOST": f"{db.hostname}:{db.port}",
            "DB_NAME": db.path.lstrip("/"),
            "DB_USER": db.username or "egov",
            "DB_PASSWORD": "unused-with-trust-auth",
            "REDIS_HOST": urlsplit(broker_url).netloc,
            "EGOV_DATA_DIR": str(tmp_path / "var"),
            "EGOV_SECRET_KEY": "doc-example-secret-key-0123456789abcdef",
            "EGOV_BUERGERBUDGET_BALLOT_KEY": "doc-example-ballot-key-0123456789abcdef",
            "EGOV_AUDIT_SIGNING_KEY": "HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4=",
            "EGOV_OIDC_CONFIG": str(tmp_path / "oidc.json"),
            "EGOV_PORT": str(port),
            "EGOV_WEB_WORKERS": "1",
            "EGOV_LOG_LEVEL": "WARNING",
        }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bash(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_the_production_example_runs_as_written(site: dict[str, str]) -> None:
    blocks = examples(PAGE)
    settings = blocks["settings"]
    first = bash(settings + blocks["first installation"], site)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "buergerbudget: buergerbudget v1 deployed" in first.stdout
    assert "Vorschlag zum Bürgerbudget" in first.stdout  # egov procedures list
    again = bash(settings + blocks["release"], site)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "buergerbudget: buergerbudget v1 unchanged" in again.stdout

    processes = [
        subprocess.Popen(
            ["bash", "-euo", "pipefail", "-c", f"{settings}\nexec {line}"],
            cwd=ROOT,
            env=site,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        for line in commands(blocks["processes"])
    ]
    assert len(processes) == 3
    try:
        url = f"http://127.0.0.1:{site['EGOV_PORT']}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if get(url + "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            assert processes[0].poll() is None, processes[0].stderr
            time.sleep(0.3)
        assert get(url + "/readyz")[0] == 200
        status, page = get(url + "/")
        assert status == 200 and b"/auth/login/dev" not in page  # no dev IdP in production
        assert get(url + "/dev-idp/.well-known/openid-configuration")[0] == 404
        time.sleep(2)
        assert [p.poll() for p in processes] == [None, None, None]  # worker, scheduler run on
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
            if process.stderr:
                process.stderr.close()


def test_the_settings_block_stops_at_the_first_site_value_that_is_missing() -> None:
    result = bash(examples(PAGE)["settings"], {"PATH": os.environ["PATH"]})
    assert result.returncode != 0
    assert "DB_HOST" in result.stderr
