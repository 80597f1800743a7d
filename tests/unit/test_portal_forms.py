"""The fields of a generated form and the data of what was typed (egov/portal/forms.py):
kinds, labels and hints from the schema, nested objects and arrays with their rows, numbers
as Germans write them, and German messages with the field's label."""

from __future__ import annotations

from typing import Any

from egov.portal import forms

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "kind", "amount", "address"],
    "properties": {
        "name": {"type": "string", "title": "Name", "maxLength": 80},
        "note": {"type": "string", "description": "Was wir noch wissen sollten."},
        "kind": {"type": "string", "enum": ["spielplatz", "sport"]},
        "city": {"type": "string", "enum": [f"ort-{i}" for i in range(12)]},
        "amount": {"type": "number", "minimum": 0},
        "count": {"type": "integer"},
        "day": {"type": "string", "format": "date"},
        "public": {"type": "boolean"},
        "address": {
            "type": "object",
            "title": "Anschrift",
            "required": ["street"],
            "properties": {
                "street": {"type": "string", "title": "Straße", "maxLength": 100},
                "zip": {"type": "string", "title": "PLZ", "maxLength": 5},
            },
        },
        "items": {
            "type": "array",
            "title": "Posten",
            "minItems": 1,
            "maxItems": 3,
            "items": {
                "type": "object",
                "required": ["what"],
                "properties": {"what": {"type": "string", "title": "Was", "maxLength": 50}},
            },
        },
    },
}


def by_name(items: list[forms.Field]) -> dict[str, forms.Field]:
    return {f.name: f for f in forms._flat(items)}


def test_each_schema_type_becomes_its_kind_of_field() -> None:
    found = by_name(forms.fields(SCHEMA, {}, {}))

    kinds = {name: f.kind for name, f in found.items()}
    assert kinds["name"] == "text" and kinds["note"] == "textarea"
    assert kinds["kind"] == "radios" and kinds["city"] == "select" and kinds["public"] == "radios"
    assert kinds["amount"] == "number" and kinds["count"] == "number" and kinds["day"] == "date"
    assert kinds["address"] == "fieldset" and kinds["address.street"] == "text"
    assert kinds["items"] == "array" and kinds["items.0"] == "fieldset"
    assert kinds["items.0.what"] == "text"


def test_labels_hints_required_marks_and_choices_come_from_the_schema() -> None:
    found = by_name(forms.fields(SCHEMA, {}, {}))

    assert (found["name"].label, found["name"].required, found["name"].maxlength) == (
        "Name",
        True,
        80,
    )
    assert found["note"].hint == "Was wir noch wissen sollten." and not found["note"].required
    assert found["kind"].options == (("spielplatz", "Spielplatz"), ("sport", "Sport"))
    assert found["public"].options == (("ja", "Ja"), ("nein", "Nein"))
    assert found["count"].label == "Count"  # no title, no known label: the key
    assert found["items.0"].label == "Posten, Eintrag 1"


def test_what_was_typed_becomes_typed_data() -> None:
    values = {
        "name": "  Erika  ", "kind": "sport", "amount": "1.250,50", "count": "3",
        "public": "nein", "address.street": "Markt 1", "items.rows": "2",
        "items.0.what": "Bank", "items.1.what": "Baum", "note": "",
    }  # fmt: skip

    data, problems = forms.data_of(SCHEMA, values)

    assert problems == {}
    assert data == {
        "name": "Erika", "kind": "sport", "amount": 1250.5, "count": 3, "public": False,
        "address": {"street": "Markt 1"}, "items": [{"what": "Bank"}, {"what": "Baum"}],
    }  # fmt: skip


def test_problems_are_german_and_name_the_field_by_its_label() -> None:
    values = {"amount": "zwölf", "name": "x" * 81, "items.0.what": ""}

    _data, problems = forms.data_of(SCHEMA, values)

    assert problems["amount"] == ("Geben Sie bei „Amount“ eine Zahl ein, zum Beispiel 1250,50.")
    assert problems["name"] == "„Name“ darf höchstens 80 Zeichen lang sein."
    assert problems["kind"] == "Wählen Sie bei „Kind“ eine Antwort aus."
    assert problems["address"] == "Geben Sie „Anschrift“ an."
    assert problems["items"] == "„Posten“ muss mindestens 1 Einträge haben."


def test_a_nested_required_field_is_named_by_its_path_and_empty_rows_are_no_entries() -> None:
    _data, empty = forms.data_of(SCHEMA, {"address.street": "", "items.0.what": "ok"})
    _data, nested = forms.data_of(SCHEMA, {"address.zip": "07743", "items.0.what": "ok"})
    data, rows = forms.data_of(
        {**SCHEMA, "required": []}, {"items.rows": "2", "items.0.what": "a", "items.1.what": ""}
    )

    assert empty["address"] == "Geben Sie „Anschrift“ an."  # nothing in it: the whole object
    assert nested["address.street"] == "Geben Sie „Straße“ an."
    assert rows == {} and data == {"items": [{"what": "a"}]}


def test_rows_are_added_and_removed_without_javascript() -> None:
    values = {"items.rows": "3", "items.0.what": "a", "items.1.what": "b", "items.2.what": "c"}

    added = forms.act("add:items", {"items.rows": "1"})
    removed = forms.act("remove:items.1", values)
    shown = by_name(forms.fields(SCHEMA, {"items.rows": "3"}, {}))

    assert added == {"items.rows": "2"}
    assert removed == {"items.rows": "2", "items.0.what": "a", "items.1.what": "c"}
    assert not shown["items"].addable  # maxItems 3
    assert shown["items.0"].removable
    assert not by_name(forms.fields(SCHEMA, {}, {}))["items.0"].removable  # minItems 1


def test_the_errors_are_listed_in_the_order_of_the_form() -> None:
    form = forms.fields(SCHEMA, {}, {})

    ordered = forms.in_order(form, {"items.0.what": "c", "name": "a", "address.street": "b"})

    assert list(ordered) == ["name", "address.street", "items.0.what"]


def test_the_summary_shows_choices_by_their_label() -> None:
    values = {"name": "Erika", "kind": "sport", "public": "ja", "address.street": "Markt 1"}

    rows = dict(forms.summary(forms.fields(SCHEMA, values, {})))

    assert rows["Name"] == "Erika" and rows["Kind"] == "Sport" and rows["Public"] == "Ja"
    assert rows["Straße"] == "Markt 1" and rows["Was"] == ""


def test_what_is_no_finite_number_is_refused_as_none() -> None:
    for text in ("nan", "Infinity", "1e999999", "1,2,3"):
        _data, problems = forms.data_of(SCHEMA, {"amount": text})
        assert problems["amount"].startswith("Geben Sie bei „Amount“ eine Zahl ein"), text


def test_a_problem_in_a_row_names_the_row() -> None:
    _data, problems = forms.data_of(SCHEMA, {"items.0.what": "x" * 51})

    assert (
        problems["items.0.what"] == "„Posten, Eintrag 1: Was“ darf höchstens 50 Zeichen lang sein."
    )
