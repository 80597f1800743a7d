"""A procedure's form (JSON Schema 2020-12, `egov.intake.formschema`) as the fields of a page,
and the typed data of what was typed into them. Pure: no Flask request, no database.

- Fields: a string is a text field (a textarea when it may be over 500 characters), with
  `format: date` a date field, `email` an e-mail field; a number or integer a number field;
  a boolean the radios Ja/Nein; an `enum` radios (up to `RADIOS` options) or a select; an
  object a fieldset of its properties; an array of rows, each a fieldset (or one field)
  with its own remove button and an add button below, which work without JavaScript
  (`ADD`, `REMOVE` buttons).
- Labels: the property's `title`, else the German label of its key (`LABELS`), else the key.
  The hint is the property's `description`; a required field says so in its label.
- Names: a field's form name is its path joined by dots (`address.street`, `items.0.name`);
  `values` maps those names to what was typed (texts), `<array>.rows` to its number of rows.
- Problems: the German reasons of `egov.workflow.forms` with the field's label, by field name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from egov.ui.numbers import parse_number
from egov.ui.pages import N_
from egov.workflow.forms import form_problems

Schema = Mapping[str, Any]
Values = Mapping[str, Any]
RADIOS = 8  # more options: a select
LONG_TEXT = 500  # a text that may be longer is a textarea
ADD, REMOVE = "add", "remove"  # the value of the action button: "add:<array>", "remove:<row>"
YES, NO = "ja", "nein"
MAX_ROWS = 50
NOT_A_NUMBER = "keine Zahl"  # the reason of a number field whose text is none
MAX_DIGITS = 15  # a number further from 1 than 10^15 (or 10^-15) counts as none
LABELS = {
    "title": N_("Titel"),
    "description": N_("Beschreibung"),
    "location": N_("Ort"),
    "category": N_("Kategorie"),
    "estimated_cost_eur": N_("Geschätzte Kosten in Euro"),
    "follow_up_cost_eur": N_("Folgekosten für fünf Jahre in Euro"),
    "public_space": N_("Liegt der Ort im öffentlichen Raum?"),
    "other_funding_available": N_("Ist eine andere Förderung möglich?"),
    "text": N_("Ihr Anliegen"),
    "coordinates": N_("Koordinaten"),
}
OPTIONS = {
    "spielplatz": N_("Spielplatz"),
    "gruenflaeche": N_("Grünfläche"),
    "verkehr": N_("Verkehr"),
    "kultur": N_("Kultur"),
    "sport": N_("Sport"),
    "soziales": N_("Soziales"),
    "umwelt": N_("Umwelt"),
    "sonstiges": N_("Sonstiges"),
}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # text, textarea, date, email, number, radios, select, fieldset, array
    required: bool = False
    hint: str | None = None
    value: Any = ""
    error: str | None = None
    options: tuple[tuple[str, str], ...] = ()
    maxlength: int | None = None
    children: tuple[Field, ...] = ()  # a fieldset's fields; an array's rows
    removable: bool = False  # a row of an array with more rows than its minimum
    addable: bool = False  # an array below its maximum


def label_of(key: str, schema: Schema) -> str:
    if isinstance(schema.get("title"), str):
        return str(schema["title"])
    return str(_(LABELS[key])) if key in LABELS else key.replace("_", " ").capitalize()


def fields(schema: Schema, values: Values, errors: Mapping[str, str]) -> list[Field]:
    """The fields of the form `schema`, filled with `values`, with the `errors` by name."""
    return _properties(schema, "", values, errors)


def _properties(
    schema: Schema, prefix: str, values: Values, errors: Mapping[str, str]
) -> list[Field]:
    required = set(schema.get("required", []))
    return [
        _field(key, sub, f"{prefix}{key}", key in required, values, errors)
        for key, sub in schema.get("properties", {}).items()
    ]


def _field(
    key: str, schema: Schema, name: str, required: bool, values: Values, errors: Mapping[str, str]
) -> Field:
    label, hint = label_of(key, schema), schema.get("description")
    kind = _kind(schema)
    base = Field(name, label, kind, required, hint, values.get(name, ""), errors.get(name))
    if kind == "fieldset":
        return _with(base, children=tuple(_properties(schema, f"{name}.", values, errors)))
    if kind == "array":
        return _array(base, schema, values, errors)
    if kind in ("radios", "select"):
        return _with(base, options=_options(schema))
    return _with(base, maxlength=schema.get("maxLength"))


def _with(base: Field, **changes: Any) -> Field:
    return Field(**{**base.__dict__, **changes})


def _kind(schema: Schema) -> str:
    kind = schema.get("type")
    if "enum" in schema:
        return "radios" if len(schema["enum"]) <= RADIOS else "select"
    if kind == "boolean":
        return "radios"
    if kind in ("number", "integer"):
        return "number"
    if kind == "object":
        return "fieldset"
    if kind == "array":
        return "array"
    if schema.get("format") in ("date", "email"):
        return str(schema["format"])
    return "textarea" if schema.get("maxLength", LONG_TEXT + 1) > LONG_TEXT else "text"


def _options(schema: Schema) -> tuple[tuple[str, str], ...]:
    if "enum" in schema:
        return tuple(
            (str(v), str(_(OPTIONS[v])) if v in OPTIONS else str(v)) for v in schema["enum"]
        )
    return ((YES, str(_("Ja"))), (NO, str(_("Nein"))))


def rows(schema: Schema, name: str, values: Values) -> int:
    """How many rows the array `name` shows: as kept, else its minimum (at least one)."""
    try:
        kept = int(values.get(f"{name}.rows", ""))
    except ValueError:
        kept = max(int(schema.get("minItems", 1)), 1)
    return min(max(kept, int(schema.get("minItems", 0))), int(schema.get("maxItems", MAX_ROWS)))


def _array(base: Field, schema: Schema, values: Values, errors: Mapping[str, str]) -> Field:
    items = schema.get("items", {})
    count = rows(schema, base.name, values)
    removable = count > int(schema.get("minItems", 0))
    children = tuple(
        _with(
            _field(
                str(index),
                {**items, "title": _row_label(base.label, index)},
                f"{base.name}.{index}",
                True,
                values,
                errors,
            ),
            removable=removable,
        )
        for index in range(count)
    )
    return _with(base, children=children, addable=count < int(schema.get("maxItems", MAX_ROWS)))


def act(action: str, values: Values) -> dict[str, Any]:
    """`values` after an add or remove button (`add:<array>`, `remove:<array>.<index>`)."""
    changed = dict(values)
    verb, _sep, target = action.partition(":")
    if verb == ADD:
        changed[f"{target}.rows"] = str(_count(target, values) + 1)
    elif verb == REMOVE and "." in target:
        array, _sep, index = target.rpartition(".")
        if index.isdigit():
            changed = _removed(changed, array, int(index))
    return changed


def _count(array: str, values: Values) -> int:
    try:
        return int(values.get(f"{array}.rows", "1"))
    except ValueError:
        return 1


def _removed(values: dict[str, Any], array: str, index: int) -> dict[str, Any]:
    """Row `index` of `array` removed, the rows after it moved up by one."""
    count, prefix = _count(array, values), f"{array}."
    out = {k: v for k, v in values.items() if not k.startswith(prefix)}
    for key, value in values.items():
        if not key.startswith(prefix) or key == f"{array}.rows":
            continue
        head, _sep, rest = key[len(prefix) :].partition(".")
        if head.isdigit() and int(head) != index:
            row = int(head) - (int(head) > index)
            out[f"{prefix}{row}" + (f".{rest}" if rest else "")] = value
    out[f"{array}.rows"] = str(max(count - 1, 0))
    return out


def data_of(schema: Schema, values: Values) -> tuple[dict[str, Any], dict[str, str]]:
    """The typed data of `values` for `schema` and the problems by field name (German, with
    the field's label), those of the conversion first, then the schema's."""
    conversion: dict[str, str] = {}
    data = _object(schema, "", values, conversion)
    problems = {name: message(schema, name, reason) for name, reason in conversion.items()}
    for problem in form_problems(schema, data):
        name = problem["name"].replace("/", ".")
        if name not in problems:
            problems[name] = message(schema, name, problem["reason"])
    return data, problems


def _object(
    schema: Schema, prefix: str, values: Values, problems: dict[str, str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, sub in schema.get("properties", {}).items():
        value = _value(sub, f"{prefix}{key}", values, problems)
        if value is not None:
            out[key] = value
    return out


def _value(schema: Schema, name: str, values: Values, problems: dict[str, str]) -> Any:
    kind = schema.get("type")
    if kind == "object":
        found = _object(schema, f"{name}.", values, problems)
        return found or None
    if kind == "array":
        items = schema.get("items", {})
        listed = [
            _value(items, f"{name}.{i}", values, problems)
            for i in range(rows(schema, name, values))
        ]
        return [item for item in listed if item is not None]
    text = str(values.get(name, "")).strip()
    if text == "":
        return None
    if kind == "boolean":
        return {YES: True, NO: False}.get(text, text)
    if kind in ("number", "integer"):
        return _number(text, kind, name, problems)
    return text


def _number(text: str, kind: str, name: str, problems: dict[str, str]) -> Any:
    """A number as Germans write it (`1.234,56`, `4.800`, `1234,5`) or with a decimal point."""
    number = parse_number(text)
    if number is None or abs(number.adjusted()) > MAX_DIGITS:
        problems[name] = NOT_A_NUMBER
        return None
    return int(number) if number == number.to_integral_value() else float(number)


def message(schema: Schema, name: str, reason: str) -> str:
    """The German message of the problem of the field `name` (dotted), with its label; the
    reasons are those of `egov.workflow.forms` and the intake's, the API's."""
    label, sub = _label_at(schema, name.split("."))
    if reason == NOT_A_NUMBER:
        return str(_("Geben Sie bei „%(label)s“ eine Zahl ein, zum Beispiel 1250,50.", label=label))
    if reason == "Pflichtfeld fehlt" and _kind(sub) in ("radios", "select"):
        return str(_("Wählen Sie bei „%(label)s“ eine Antwort aus.", label=label))
    if reason == "Pflichtfeld fehlt":
        return str(_("Geben Sie „%(label)s“ an.", label=label))
    return f"„{label}“ {reason}."


def _label_at(schema: Schema, path: list[str]) -> tuple[str, Schema]:
    """The label of the field at `path` (in a row: the row's label first) and its schema."""
    label, row, current = "", "", schema
    for part in path:
        if current.get("type") == "array" and part.isdigit():
            current = current.get("items", {})
            row = label = _row_label(label, int(part))
            continue
        current = current.get("properties", {}).get(part, {})
        label = f"{row}: {label_of(part, current)}" if row else label_of(part, current)
    return label, current


def _row_label(array_label: str, index: int) -> str:
    return str(_("%(label)s, Eintrag %(number)s", label=array_label, number=index + 1))


def in_order(form: list[Field], errors: Mapping[str, str]) -> dict[str, str]:
    """`errors` in the order of the form's fields (the error summary), others last."""
    names = [item.name for item in _flat(form)]
    return {
        n: errors[n]
        for n in sorted(errors, key=lambda n: names.index(n) if n in names else len(names))
    }


def _flat(form: list[Field]) -> list[Field]:
    return [leaf for item in form for leaf in [item, *_flat(list(item.children))]]


def summary(form: list[Field]) -> list[tuple[str, str]]:
    """(label, what was entered) of every field, for the review page; fieldsets and rows
    flattened, choices by their label."""
    out: list[tuple[str, str]] = []
    for item in form:
        if item.children:
            out += summary(list(item.children))
        elif item.kind not in ("fieldset", "array"):
            shown = (
                dict(item.options).get(str(item.value), str(item.value))
                if item.options
                else str(item.value)
            )
            out.append((item.label, shown))
    return out
