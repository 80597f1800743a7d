"""The fields of a task form from its JSON Schema and the posted form read back as typed data
(egov/workspace/formfields.py), without a request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask_babel import Babel

from egov.errors import Invalid
from egov.workspace.formfields import data_from, errors_of, fields_of, label_of

SCHEMA = {
    "type": "object",
    "properties": {
        "decision": {
            "type": "string",
            "title": "Entscheidung",
            "oneOf": [{"const": "yes", "title": "Zulassen"}, {"const": "no", "title": "Ablehnen"}],
        },
        "ok": {"type": "boolean", "title": "Geprüft"},
        "amount": {"type": "number", "title": "Betrag"},
        "count": {"type": "integer", "title": "Anzahl"},
        "day": {"type": "string", "format": "date", "title": "Tag"},
        "note": {"type": "string", "title": "Notiz", "maxLength": 2000},
        "code": {"type": "string", "title": "Kürzel", "maxLength": 10},
    },
    "required": ["decision"],
}


@pytest.fixture(autouse=True)
def _request() -> Iterator[None]:
    app = Flask(__name__)
    Babel(app)  # gettext of the yes/no labels (German: the msgids)
    with app.test_request_context():
        yield


def test_every_kind_of_field_is_generated_in_the_schemas_order() -> None:
    fields = fields_of(SCHEMA)

    assert [(f.name, f.kind) for f in fields] == [
        ("decision", "radios"),
        ("ok", "radios"),
        ("amount", "number"),
        ("count", "number"),
        ("day", "date"),
        ("note", "textarea"),
        ("code", "text"),
    ]
    assert [c.label for c in fields[0].choices] == ["Zulassen", "Ablehnen"]
    assert fields[0].required and not fields[1].required


@pytest.mark.parametrize(
    ("raw", "value"),
    [("3.600,50", 3600.5), ("1.200", 1200.0), ("0,5", 0.5), ("3600.5", 3600.5), ("12a", "12a")],
)
def test_numbers_are_read_as_german_writes_them(raw: str, value: object) -> None:
    assert data_from(SCHEMA, {"amount": raw})["amount"] == value


def test_booleans_integers_and_empty_fields() -> None:
    data = data_from(SCHEMA, {"ok": "false", "count": "3", "note": "  ", "decision": "yes"})

    assert data == {"ok": False, "count": 3, "decision": "yes"}


def test_a_refusal_names_each_field_with_its_label_and_keeps_the_rest() -> None:
    refusal = Invalid(
        "ungültig",
        code="form-invalid",
        invalid_params=[
            {"name": "amount", "reason": "keine Zahl"},
            {"name": "decision", "reason": "Pflichtfeld fehlt"},
            {"name": "(root)", "reason": "passt zu keiner Variante"},
        ],
    )

    errors = errors_of(refusal, fields_of(SCHEMA))

    assert list(errors.items()) == [
        ("decision", "Entscheidung: Pflichtfeld fehlt"),
        ("amount", "Betrag: keine Zahl"),
        ("formular", "passt zu keiner Variante"),
    ]


def test_a_label_without_title_is_a_short_description_or_the_xml_elements_name() -> None:
    assert label_of("x", {"description": "Geschätzte Kosten in EUR."}) == "Geschätzte Kosten in EUR"
    assert label_of("x", {"x-egov-xml-element": "oeffentlicherRaum"}) == "Oeffentlicher Raum"
    assert label_of("x", {}) == "x"
