"""The form's JSON Schema is generated from the Fachdaten XSD and refuses to be generated when
the XSD and the web form's field list disagree."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jsonschema
import pytest

from egov.intake.formats import default_registry
from egov.intake.formschema import FormSchemaError, form_of, form_schema
from egov.intake.xfall import BETEILIGUNG, BUERGERBUDGET, FieldSpec

FACHDATEN = Path(__file__).resolve().parents[2] / "schemas" / "fachdaten"
BUDGET_XSD = FACHDATEN / "buergerbudget" / "buergerbudget-1.0.xsd"


def test_an_optional_element_is_an_optional_property() -> None:
    schema = form_schema(BETEILIGUNG, FACHDATEN / "beteiligung" / "beteiligung-1.0.xsd", "S")

    assert schema["required"] == ["participation", "text"]
    assert schema["properties"]["location"]["maxLength"] == 500
    assert schema["properties"]["named"]["type"] == "boolean"


def test_a_field_list_that_misses_an_element_of_the_xsd_is_refused() -> None:
    fewer = dataclasses.replace(BUERGERBUDGET, fields=BUERGERBUDGET.fields[:-1])

    with pytest.raises(FormSchemaError):
        form_schema(fewer, BUDGET_XSD, "Bürgerbudget")


def test_a_field_kind_other_than_the_xsd_type_is_refused() -> None:
    fields = (FieldSpec("titel", "title", "decimal"), *BUERGERBUDGET.fields[1:])

    with pytest.raises(FormSchemaError):
        form_schema(dataclasses.replace(BUERGERBUDGET, fields=fields), BUDGET_XSD, "B")


def test_an_optional_field_for_a_required_element_is_refused() -> None:
    fields = (FieldSpec("titel", "title", required=False), *BUERGERBUDGET.fields[1:])

    with pytest.raises(FormSchemaError):
        form_schema(dataclasses.replace(BUERGERBUDGET, fields=fields), BUDGET_XSD, "B")


def test_every_registered_web_form_generates_from_its_xsd() -> None:
    registry = default_registry(FACHDATEN.parent)

    forms = {fmt.namespace: form_of(fmt, "Formular") for fmt in registry.fachdaten_formats()}

    assert forms["urn:egov-oss:fachdaten:buergerbudget:1.0"] is not None
    assert forms["urn:egov-oss:fachdaten:beteiligung:1.0"] is not None
    assert forms["http://www.xleitstelle.de/xbau/kernmodul/1/2/2"] is None  # XML only
    for form in filter(None, forms.values()):
        jsonschema.Draft202012Validator.check_schema(form)
