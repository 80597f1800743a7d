"""form-js components as egov's JSON Schema: what form-js submits is what the schema accepts,
what form-js refuses the schema refuses; what egov cannot check is refused by component."""

from __future__ import annotations

from typing import Any

import pytest

from egov.workflow.camunda_forms import Refused, convert
from egov.workflow.forms import form_problems


def schema_of(*components: dict[str, Any]) -> dict[str, Any]:
    schema, refused = convert({"type": "default", "components": list(components)}, "x.form")
    assert refused == []
    return schema


def refusals_of(*components: dict[str, Any]) -> list[Refused]:
    return convert({"type": "default", "components": list(components)}, "x.form")[1]


def problems(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["reason"] for p in form_problems(schema, data)}


def test_an_optional_text_field_takes_its_empty_value_and_checks_only_what_is_entered() -> None:
    schema = schema_of(
        {"type": "textfield", "id": "f", "key": "az", "validate": {"pattern": "^AZ-\\d+$"}}
    )

    assert problems(schema, {"az": ""}) == {}
    assert problems(schema, {"az": "AZ-12"}) == {}
    assert problems(schema, {"az": "12"}) == {"az": "hat nicht das erwartete Format"}


def test_a_required_field_must_not_be_empty_as_form_js_counts_empty() -> None:
    schema = schema_of(
        {"type": "textfield", "id": "t", "key": "name", "validate": {"required": True}},
        {"type": "checklist", "id": "c", "key": "wahl", "validate": {"required": True},
         "values": [{"label": "A", "value": "a"}]},
        {"type": "radio", "id": "r", "key": "art", "validate": {"required": True},
         "values": [{"label": "B", "value": "b"}]},
    )  # fmt: skip

    assert problems(schema, {"name": "", "wahl": [], "art": None}) == {
        "name": "muss mindestens 1 Zeichen lang sein",
        "wahl": "muss mindestens 1 Einträge haben",
        "art": "muss einer dieser Werte sein: „b“",
    }
    assert problems(schema, {"name": "Erika", "wahl": ["a"], "art": "b"}) == {}


def test_keys_with_dots_and_groups_with_a_path_nest_a_group_without_path_is_flattened() -> None:
    schema = schema_of(
        {"type": "textfield", "id": "a", "key": "antrag.titel"},
        {"type": "group", "id": "g", "path": "adresse", "components": [
            {"type": "textfield", "id": "s", "key": "strasse", "validate": {"required": True}},
        ]},
        {"type": "group", "id": "h", "components": [{"type": "number", "id": "n", "key": "zahl"}]},
    )  # fmt: skip

    assert set(schema["properties"]) == {"antrag", "adresse", "zahl"}
    assert schema["properties"]["antrag"]["properties"]["titel"]["type"] == "string"
    assert schema["required"] == ["adresse"]
    assert problems(schema, {"adresse": {"strasse": "Hauptstr. 1"}, "zahl": None}) == {}
    assert problems(schema, {"adresse": {}, "sonst": 1}) == {
        "adresse/strasse": "Pflichtfeld fehlt",
        "sonst": "ist kein Feld dieses Formulars",
    }


def test_disabled_and_always_hidden_fields_are_not_submitted_static_texts_not_fields() -> None:
    schema = schema_of(
        {"type": "text", "id": "t", "text": "Hinweis"},
        {"type": "textfield", "id": "d", "key": "aus", "disabled": True},
        {"type": "textfield", "id": "h", "key": "weg", "conditional": {"hide": True}},
        {"type": "textfield", "id": "r", "key": "fest", "readonly": True, "defaultValue": "x"},
    )

    assert schema["properties"] == {"fest": {"type": "string", "readOnly": True, "default": "x"}}


def test_numbers_keep_form_js_bounds_digits_and_increment_exactly() -> None:
    schema = schema_of(
        {"type": "number", "id": "n", "key": "menge", "decimalDigits": 0, "increment": 5,
         "validate": {"min": "10", "max": 100}},
        {"type": "number", "id": "b", "key": "betrag", "increment": "0.05"},
    )  # fmt: skip

    assert schema["properties"]["menge"]["type"] == ["integer", "null"]
    assert problems(schema, {"menge": 15, "betrag": 0.3}) == {}
    assert problems(schema, {"menge": 5, "betrag": 0.33}) == {
        "menge": "muss mindestens 10 sein",
        "betrag": "muss ein Vielfaches von 0.05 sein",
    }
    assert problems(schema, {"menge": 12}) == {"menge": "muss ein Vielfaches von 5 sein"}


@pytest.mark.parametrize(
    ("field", "good", "bad"),
    [
        ({"subtype": "date"}, "2026-12-07", "07.12.2026"),
        ({"subtype": "time", "timeSerializingFormat": "no_timezone"}, "14:30", "14:30Z"),
        ({"subtype": "datetime", "timeSerializingFormat": "utc_offset"},
         "2026-12-07T14:30+01:00", "2026-12-07T14:30"),
    ],
)  # fmt: skip
def test_dates_and_times_are_checked_in_the_format_form_js_writes(
    field: dict[str, Any], good: str, bad: str
) -> None:
    schema = schema_of({"type": "datetime", "id": "d", "key": "wann", **field})

    assert problems(schema, {"wann": good}) == {}
    assert problems(schema, {"wann": None}) == {}
    assert "wann" in problems(schema, {"wann": bad})


@pytest.mark.parametrize(
    ("component", "named"),
    [
        ({"type": "dynamiclist", "id": "L", "path": "p", "components": []}, "dynamische Listen"),
        ({"type": "table", "id": "L", "dataSource": "=rows"}, "Tabellen"),
        ({"type": "filepicker", "id": "L", "key": "datei"}, "Dateiauswahl"),
        ({"type": "expression", "id": "L", "key": "summe", "expression": "=a+b"}, "berechnete"),
        ({"type": "number", "id": "L", "key": "n", "validate": {"min": "=grenze"}}, "validate.min"),
        ({"type": "select", "id": "L", "key": "s", "valuesExpression": "=o"}, "valuesExpr"),
        ({"type": "textfield", "id": "L", "key": "t", "readonly": "=fertig"}, "readonly"),
        ({"type": "datetime", "id": "L", "key": "d", "disallowPassedDates": True}, "Vergangenheit"),
        ({"type": "signature", "id": "L", "key": "u"}, "Unbekannter Komponententyp"),
        ({"type": "textfield", "id": "L"}, "Schlüssel"),
        ({"type": "textfield", "id": "L", "key": "t", "validate": "required"}, "Objekt"),
        ({"type": "textfield", "id": "L", "key": "t", "validate": {"pattern": "("}}, "Muster"),
    ],
)
def test_what_egov_cannot_check_as_form_js_does_is_refused_naming_the_component(
    component: dict[str, Any], named: str
) -> None:
    [refused] = refusals_of(component)

    assert refused.component == "L"
    assert named in refused.reason


def test_two_fields_bound_to_one_key_are_refused() -> None:
    [refused] = refusals_of(
        {"type": "textfield", "id": "a", "key": "name"},
        {"type": "textarea", "id": "b", "key": "name"},
    )

    assert refused.component == "b"


def test_a_json_that_is_no_form_js_form_is_refused_as_a_whole() -> None:
    assert convert({"type": "object"}, "x.form")[1][0].component == "(form)"
