"""The fields of a task's form, generated from its JSON Schema (`egov.workflow.forms`: the
same schema the API validates with), and the posted form read back into typed data; pure, for
`egov.workspace.casepage` (showing) and `egov.workspace.taskform` (sending).

Fields: a string with `enum` or `oneOf` of `const`s is a radio group (the `title`s are the
labels), a boolean a yes/no radio group, a number or integer a text field with a numeric
keyboard, a `format: date` a date field, a string with `maxLength` over 200 or none a text
area, any other string a text field. The server checks the form (`novalidate`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from egov.errors import Invalid
from egov.ui.numbers import parse_number

SHORT_TEXT = 200  # characters; a longer string field is a text area
SHORT_LABEL = 60  # characters; a longer description is a hint, not a label


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    hint: str | None
    kind: str  # radios, text, number, date, textarea
    required: bool
    choices: tuple[Choice, ...] = ()
    maxlength: int | None = None


def fields_of(schema: Mapping[str, Any] | None) -> list[FormField]:
    """The fields of a task's form, in the schema's order."""
    if not schema:
        return []
    required = set(schema.get("required", []))
    return [
        _field(name, spec, name in required)
        for name, spec in (schema.get("properties") or {}).items()
        if isinstance(spec, dict)
    ]


def label_of(name: str, spec: Mapping[str, Any]) -> str:
    """A field's label: its `title`, else a short `description`, else the German name of its
    XML element (`x-egov-xml-element`, "geschaetzteKostenEUR" → "Geschaetzte Kosten EUR"),
    else its key: the Fachdaten forms generated from an XSD often carry no title."""
    title, description = spec.get("title"), spec.get("description")
    if title:
        return str(title)
    if isinstance(description, str) and len(description) <= SHORT_LABEL:
        return description.rstrip(".")
    element = spec.get("x-egov-xml-element")
    if isinstance(element, str) and element:
        words = re.sub(r"(?<=[a-zäöüß])(?=[A-ZÄÖÜ])", " ", element)
        return words[0].upper() + words[1:]
    return name


def labels_of(schema: Mapping[str, Any] | None) -> dict[str, str]:
    """The label of each property of a form, by key."""
    properties = (schema or {}).get("properties") or {}
    return {k: label_of(k, v) for k, v in properties.items() if isinstance(v, dict)}


def _field(name: str, spec: Mapping[str, Any], required: bool) -> FormField:
    label, hint = label_of(name, spec), spec.get("description")
    kind, choices = _kind(spec), _choices(spec)
    maxlength = spec.get("maxLength")
    if choices:
        kind = "radios"
    return FormField(name, label, hint, kind, required, choices, maxlength)


def _kind(spec: Mapping[str, Any]) -> str:
    kind = spec.get("type")
    if kind in ("number", "integer"):
        return "number"
    if spec.get("format") == "date":
        return "date"
    if kind == "string" and (spec.get("maxLength") or SHORT_TEXT + 1) > SHORT_TEXT:
        return "textarea"
    return "text"


def _choices(spec: Mapping[str, Any]) -> tuple[Choice, ...]:
    if spec.get("type") == "boolean":
        return (Choice("true", _("Ja")), Choice("false", _("Nein")))
    variants = [v for v in spec.get("oneOf") or [] if isinstance(v, dict) and "const" in v]
    if variants:
        return tuple(Choice(str(v["const"]), str(v.get("title") or v["const"])) for v in variants)
    return tuple(Choice(str(value), str(value)) for value in spec.get("enum") or [])


def data_from(schema: Mapping[str, Any] | None, form: Mapping[str, str]) -> dict[str, Any]:
    """The posted fields as the schema's types; an empty field is left out, a number that
    does not read as one is kept as text (the schema then refuses it with a reason)."""
    properties = (schema or {}).get("properties") or {}
    data: dict[str, Any] = {}
    for name, spec in properties.items():
        raw = (form.get(name) or "").strip()
        if raw:
            data[name] = _typed(spec if isinstance(spec, dict) else {}, raw)
    return data


def _typed(spec: Mapping[str, Any], raw: str) -> Any:
    kind = spec.get("type")
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    if kind in ("number", "integer"):
        number = _number(raw)
        if number is None:
            return raw
        return int(number) if kind == "integer" and number.is_integer() else number
    return raw


def _number(raw: str) -> float | None:
    """A number as German writes it ("3.600,50", "1.200", "0,5") or as code does ("3600.5")."""
    number = parse_number(raw)
    return None if number is None else float(number)


def errors_of(refusal: Invalid, fields: list[FormField]) -> dict[str, str]:
    """The refusal's reasons by field, in the form's order, each with the field's label, so
    that the error summary reads on its own (others under `formular`)."""
    reasons: dict[str, str] = {}
    for problem in refusal.invalid_params:
        name = str(problem.get("name", "")).split("/")[0]
        reasons.setdefault(name, str(problem.get("reason", "")))
    errors = {f.name: f"{f.label}: {reasons.pop(f.name)}" for f in fields if f.name in reasons}
    if reasons or not errors:
        errors["formular"] = "; ".join(reasons.values()) or refusal.message
    return errors


def labelled(fields: list[FormField], data: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    """(label, value) of form data, a choice by its label (a four-eyes proposal)."""
    rows = []
    for f in fields:
        if data and f.name in data:
            value = data[f.name]
            raw = str(value).lower() if isinstance(value, bool) else str(value)
            named = [c.label for c in f.choices if c.value == raw]
            rows.append((f.label, named[0] if named else value))
    return rows
