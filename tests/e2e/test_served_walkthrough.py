"""docs/walkthrough.sh runs in a fresh shell (only the variables it documents) against a real
server over HTTP on loopback, started like `make run` does; it names no year, case number
or port of its own."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.e2e.served_app import EGOV, ROOT, Served, served

__all__ = ["served"]
WALKTHROUGH = ROOT / "docs" / "walkthrough.sh"


def walk(served: Served, cwd: str, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(WALKTHROUGH)],
        cwd=cwd,
        env=served.fresh_shell(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_walkthrough_finds_the_server_make_run_started(served: Served) -> None:
    result = walk(served, str(served.folder), EGOV=EGOV)  # var/egov.env from `serve --url-file`
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"erika files a proposal at {served.url}" in result.stdout
    assert "walkthrough ok" in result.stdout
    assert "rejection names the cost rule" in result.stdout
    assert re.search(r"case JENA-\d{4}-\d{6}", result.stdout)


def test_the_walkthrough_takes_the_server_from_egov_url(served: Served) -> None:
    result = walk(served, str(ROOT), EGOV=EGOV, EGOV_URL=served.url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "walkthrough ok" in result.stdout


def test_without_a_server_the_walkthrough_stops_with_one_line_saying_so(tmp_path: Path) -> None:
    nobody = Served("http://127.0.0.1:9", tmp_path)
    result = walk(nobody, str(ROOT), EGOV=EGOV, EGOV_URL=nobody.url)
    assert result.returncode != 0
    assert result.stderr.splitlines()[0].startswith("Fehler [server-unreachable]: ")


def test_the_walkthrough_names_no_year_case_number_or_port() -> None:
    text = WALKTHROUGH.read_text()
    assert not re.search(r"\b20\d\d\b|JENA-\d|:\d{2,5}\b", text)
    documented = set(re.findall(r"^#\s+(EGOV\w*)\s", text, re.M))
    assert set(re.findall(r"\$\{?(EGOV\w*)", text)) <= documented == {"EGOV", "EGOV_URL"}
