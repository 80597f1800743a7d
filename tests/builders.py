"""Small builders for test input (fictional people and proposals only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "schemas" / "xfall" / "examples"


def example(name: str, kind: str = "valid") -> bytes:
    return (EXAMPLES / kind / name).read_bytes()


def proposal(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Fahrradbügel am Holzmarkt",
        "description": "Zehn Fahrradbügel vor der Stadtbibliothek.",
        "location": "Holzmarkt, Jena-Zentrum",
        "category": "verkehr",
        "estimated_cost_eur": 3200.0,
        "follow_up_cost_eur": 500.0,
        "public_space": True,
        "other_funding_available": False,
    }
    data.update(overrides)
    return {"procedure": "buergerbudget", "data": data}
