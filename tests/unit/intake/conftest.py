from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from egov.intake import xfall
from egov.intake.formats import FormatRegistry, default_registry
from egov.intake.jsonform import build_xfall_message
from egov.intake.model import Applicant, CanonicalApplication
from egov.intake.parsing import parse_message
from egov.intake.xml_guard import Limits

EXAMPLES = Path(__file__).resolve().parents[3] / "schemas" / "xfall" / "examples"
ERIKA = Applicant("Erika", "Mustermann", "erika@example.org", "bundid", "substantial")
PROPOSAL: dict[str, Any] = {
    "title": "Neue Sitzbank",
    "description": "Eine Bank am Saaleufer.",
    "location": "Paradiespark",
    "category": "gruenflaeche",
    "estimated_cost_eur": "1200.50",
    "follow_up_cost_eur": 300,
    "public_space": True,
    "other_funding_available": False,
}


@pytest.fixture(scope="session")
def registry() -> FormatRegistry:
    return default_registry()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


def message(**overrides: Any) -> bytes:
    args: dict[str, Any] = {
        "message_id": "6f1c2b1e-8a4d-4c1e-9f7a-1b2c3d4e5f60",
        "leika_key": xfall.LEIKA_BUERGERBUDGET,
        "authority_ars": xfall.ARS_JENA,
        "applicant": ERIKA,
        "reply_postfach": "postfach:erika",
        "fachdaten_namespace": xfall.NS_BUERGERBUDGET,
        "data": PROPOSAL,
        "attachments": [],
        "created_at": datetime(2025, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=1))),
    }
    args.update(overrides)
    return build_xfall_message(**args)


@pytest.fixture
def parse(workdir: Path, registry: FormatRegistry) -> Callable[..., CanonicalApplication]:
    def run(raw: bytes, limits: Limits | None = None) -> CanonicalApplication:
        return parse_message(
            io.BytesIO(raw), limits=limits or Limits(), workdir=workdir, registry=registry
        )

    return run
