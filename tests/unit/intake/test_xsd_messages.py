"""The web form's refusals by the Fachdaten XSD come back with German reasons naming the field,
never libxml2's English text."""

from __future__ import annotations

from typing import Any

import pytest

from egov.intake.errors import IntakeError
from egov.intake.xsd_messages import german_reason

from .conftest import PROPOSAL, message


def reasons(**data: Any) -> dict[str, str]:
    with pytest.raises(IntakeError) as caught:
        message(data={**PROPOSAL, **data})
    return {p["name"]: p["reason"] for p in caught.value.invalid_params}


@pytest.mark.parametrize(
    ("data", "field", "expected"),
    [
        ({"title": "ab"}, "title", "muss mindestens 3 Zeichen lang sein (sind 2)"),
        ({"title": "T" * 201}, "title", "darf höchstens 200 Zeichen lang sein (sind 201)"),
        ({"description": " Bank"}, "description", "hat nicht das erwartete Format"),
        ({"estimated_cost_eur": -1}, "estimated_cost_eur", "muss mindestens 0 sein"),
        ({"estimated_cost_eur": 1e13}, "estimated_cost_eur", "darf höchstens 12 Ziffern haben"),
        (
            {"estimated_cost_eur": 1.234},
            "estimated_cost_eur",
            "darf höchstens 2 Nachkommastellen haben",
        ),
    ],
)
def test_a_refused_field_has_a_german_reason(
    data: dict[str, Any], field: str, expected: str
) -> None:
    assert reasons(**data)[f"data.{field}"] == expected


def test_an_unknown_category_lists_the_allowed_ones() -> None:
    reason = reasons(category="raumfahrt")["data.category"]

    assert reason.startswith("muss einer dieser Werte sein: „spielplatz“, „gruenflaeche“")


def test_a_message_nobody_translated_gets_a_general_german_reason() -> None:
    assert german_reason("Element 'x': something libxml2 says.") == (
        "entspricht nicht den Regeln der Fachdaten"
    )
