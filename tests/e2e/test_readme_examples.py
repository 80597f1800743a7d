"""The README: it starts with `make run` and `make test`, its shell blocks name no year, case
number or port, and its marked example runs in a fresh shell against a served instance."""

from __future__ import annotations

import re
import subprocess

from tests.e2e.served_app import ROOT, Served, served
from tests.support.doc_examples import commands, examples

__all__ = ["served"]
README = ROOT / "README.md"
BLOCKS = re.compile(r"^```sh\n(.*?)^```$", re.M | re.S)


def test_the_readme_starts_with_exactly_make_run_and_make_test() -> None:
    text = README.read_text(encoding="utf-8")
    first = BLOCKS.search(text)
    assert first is not None and text[: first.start()].strip() == "# egov"
    assert commands(first.group(1)) == ["make run", "make test"]


def test_no_shell_block_of_the_readme_names_a_year_a_case_number_or_a_port() -> None:
    for block in BLOCKS.findall(README.read_text(encoding="utf-8")):
        assert not re.search(r"\b20\d\d\b|JENA-\d|:\d{2,5}\b", block), block


def test_the_readme_example_runs_in_a_fresh_shell_against_a_served_instance(
    served: Served,
) -> None:
    script = examples(README)["try it"]
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        env=served.fresh_shell(EGOV_URL=served.url),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "walkthrough ok" in result.stdout
    assert re.search(r'"case_reference": ?"JENA-\d{4}-\d{6}"', result.stdout)
    assert "'valid': True" in result.stdout
