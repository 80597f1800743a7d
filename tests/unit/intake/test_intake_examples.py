from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from egov.intake.errors import IntakeError
from egov.intake.formats import FormatRegistry
from egov.intake.parsing import parse_message
from egov.intake.xml_guard import Limits

from .conftest import EXAMPLES

VALID = sorted((EXAMPLES / "valid").glob("*.xml"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.xml"))
EXPECTED = re.compile(rb"<!-- erwarteter Fehlercode: ([a-z0-9-]+) -->")


def expected_code(path: Path) -> str:
    match = EXPECTED.search(path.read_bytes()[:400])
    assert match, f"{path.name} has no 'erwarteter Fehlercode' comment"
    return match.group(1).decode()


def test_the_example_folders_hold_the_required_examples() -> None:
    assert len(VALID) >= 3
    assert len(INVALID) >= 10


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_every_valid_example_parses_and_its_attachments_match(
    path: Path, workdir: Path, registry: FormatRegistry
) -> None:
    with path.open("rb") as source:
        application = parse_message(source, limits=Limits(), workdir=workdir, registry=registry)
    assert application.applicants
    for attachment in application.attachments:
        content = attachment.path.read_bytes()
        assert len(content) == attachment.size
        assert hashlib.sha512(content).hexdigest() == attachment.sha512
        assert hashlib.sha256(content).hexdigest() == attachment.sha256


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_every_invalid_example_fails_with_its_expected_code_and_leaves_no_files(
    path: Path, workdir: Path, registry: FormatRegistry
) -> None:
    with path.open("rb") as source, pytest.raises(IntakeError) as caught:
        parse_message(source, limits=Limits(), workdir=workdir, registry=registry)
    assert caught.value.code == expected_code(path)
    assert caught.value.invalid_params
    assert list(workdir.iterdir()) == []


def test_the_readme_table_agrees_with_the_comments_in_the_invalid_examples() -> None:
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `([\w.-]+\.xml)` \| `([a-z0-9-]+)` \|$", readme, re.M))
    assert table == {path.name: expected_code(path) for path in INVALID}


def test_the_two_attachment_example_carries_a_real_pdf_and_png(
    workdir: Path, registry: FormatRegistry
) -> None:
    with (EXAMPLES / "valid" / "buergerbudget-zwei-anhaenge.xml").open("rb") as source:
        application = parse_message(source, limits=Limits(), workdir=workdir, registry=registry)
    pdf, png = application.attachments
    assert (pdf.media_type, pdf.path.read_bytes()[:5]) == ("application/pdf", b"%PDF-")
    assert (png.media_type, png.path.read_bytes()[:8]) == ("image/png", b"\x89PNG\r\n\x1a\n")


def test_the_proposal_over_the_cost_limit_is_schema_valid_and_maps_its_costs(
    workdir: Path, registry: FormatRegistry
) -> None:
    with (EXAMPLES / "valid" / "buergerbudget-ueber-kostengrenze.xml").open("rb") as source:
        application = parse_message(source, limits=Limits(), workdir=workdir, registry=registry)
    assert application.data["estimated_cost_eur"] + application.data["follow_up_cost_eur"] > 5000
    assert application.attachments == ()
    assert application.reply_postfach is None
    assert application.applicants[0].vertrauensniveau == "high"
