"""Task forms: jsonschema's refusals as German reasons naming the field, and the context a
form declares (`x-egov-context`), checked at deploy and filtered by role."""

from __future__ import annotations

from typing import Any

import pytest

from egov.identity.model import Principal, Role
from egov.workflow.forms import context_problems, form_problems, task_context

FORM: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "text": {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[a-z]+$"},
        "amount": {"type": "number", "minimum": 0, "maximum": 10},
        "share": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "day": {"type": "string", "format": "date"},
        "kind": {"enum": ["a", "b"]},
        "fixed": {"const": "x"},
        "tags": {"type": "array", "minItems": 1, "maxItems": 2, "uniqueItems": True},
        "count": {"type": "integer", "multipleOf": 5},
    },
    "required": ["text"],
    "additionalProperties": False,
}


def reason(data: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["reason"] for p in form_problems(FORM, data)}


@pytest.mark.parametrize(
    ("data", "field", "expected"),
    [
        ({}, "text", "Pflichtfeld fehlt"),
        ({"text": 5}, "text", "muss ein Text sein"),
        ({"text": "a"}, "text", "muss mindestens 2 Zeichen lang sein"),
        ({"text": "abcde"}, "text", "darf höchstens 4 Zeichen lang sein"),
        ({"text": "AB"}, "text", "hat nicht das erwartete Format"),
        ({"text": "ab", "amount": -1}, "amount", "muss mindestens 0 sein"),
        ({"text": "ab", "amount": 11}, "amount", "darf höchstens 10 sein"),
        ({"text": "ab", "share": 0}, "share", "muss größer als 0 sein"),
        ({"text": "ab", "share": 1}, "share", "muss kleiner als 1 sein"),
        ({"text": "ab", "day": "3. Mai"}, "day", "muss ein Datum (JJJJ-MM-TT) sein"),
        ({"text": "ab", "kind": "c"}, "kind", "muss einer dieser Werte sein: „a“, „b“"),
        ({"text": "ab", "fixed": "y"}, "fixed", "muss „x“ sein"),
        ({"text": "ab", "tags": []}, "tags", "muss mindestens 1 Einträge haben"),
        ({"text": "ab", "tags": [1, 2, 3]}, "tags", "darf höchstens 2 Einträge haben"),
        ({"text": "ab", "tags": [1, 1]}, "tags", "darf keinen Eintrag doppelt enthalten"),
        ({"text": "ab", "count": 7}, "count", "muss ein Vielfaches von 5 sein"),
        ({"text": "ab", "count": "fünf"}, "count", "muss eine ganze Zahl sein"),
        ({"text": "ab", "colour": "rot"}, "colour", "ist kein Feld dieses Formulars"),
    ],
)
def test_each_refusal_has_a_german_reason_naming_the_field(
    data: dict[str, Any], field: str, expected: str
) -> None:
    assert reason(data)[field] == expected


def test_valid_data_has_no_problems() -> None:
    assert form_problems(FORM, {"text": "ab", "amount": 3, "day": "2026-05-03"}) == []


def person(*roles: Role) -> Principal:
    return Principal(subject="dev:x", roles=frozenset(roles), name="X")


CONTEXT_FORM = {"x-egov-context": ["title", {"name": "applicant_name", "roles": ["clerk"]}]}
DATA = {"title": "Bank", "applicant_name": "Erika", "secret": "nicht deklariert"}


def test_a_clerk_sees_every_declared_variable_and_nothing_else() -> None:
    assert task_context(CONTEXT_FORM, DATA, person(Role.CLERK)) == {
        "title": "Bank",
        "applicant_name": "Erika",
    }


def test_a_variable_for_clerks_is_withheld_from_an_admin() -> None:
    assert task_context(CONTEXT_FORM, DATA, person(Role.ADMIN)) == {"title": "Bank"}


def test_a_form_without_context_shows_none() -> None:
    assert task_context({}, DATA, person(Role.CLERK)) == {}


@pytest.mark.parametrize(
    "declared",
    [
        "title",
        [""],
        [5],
        [{"name": "x"}],
        [{"name": "x", "roles": ["mayor"]}],
        [{"name": "x", "roles": []}],
        [{"name": "x", "roles": ["clerk"], "extra": 1}],
    ],
)
def test_a_malformed_context_declaration_is_refused_at_deploy(declared: Any) -> None:
    assert context_problems({"x-egov-context": declared}) != []


def test_a_well_formed_context_declaration_passes() -> None:
    assert context_problems(CONTEXT_FORM) == []
