"""Camunda Forms (the form-js JSON of a `.form` file) converted to the JSON Schema of egov's
task forms (docs/modeling.md, "Camunda Forms"; read against bpmn-io/form-js 1.18,
`packages/form-json-schema` and the viewer's `Validator.js` and `Form.js`).

What form-js submits is what the schema accepts: every keyed field at its value path (`key`
may be dotted, a group's `path` nests its children, a group without `path` is flattened),
untouched fields with their empty value (`""` for text, `null` for number, radio, select and
datetime, `false` for a checkbox, `[]` for checklist and taglist), nothing else
(`additionalProperties: false`), disabled and always-hidden fields left out. form-js checks
`pattern`, lengths and bounds only of a value that is not empty; a required field must not be
empty (an unchecked checkbox, `""`, `null`, `[]` count as empty). Labels become `title`,
descriptions `description`, static `values` an `enum` with their labels (`oneOf` of `const` and
`title`). What egov cannot check the way form-js does (dynamic lists, tables, file pickers,
computed fields, FEEL expressions `=...` anywhere egov reads, options from a variable or an
expression, `disallowPassedDates`, unknown component types) is refused naming the component.

Pure: no Flask, no database, no engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

FORM_SUFFIX = ".form"
DECIMALS = "x-egov-decimals"  # form-js's decimalDigits and increment (egov.workflow.forms)
SKIPPED = {"text", "html", "image", "spacer", "separator", "button"}  # shown, never submitted
REFUSED = {
    "dynamiclist": "dynamische Listen",
    "table": "Tabellen aus Prozessdaten",
    "documentPreview": "Dokumentvorschauen",
    "iframe": "eingebettete Seiten (iframe)",
    "expression": "berechnete Felder (expression)",
    "filepicker": "Dateiauswahl (filepicker)",
}
_EMAIL = r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$"  # noqa: E501 (form-js's)
_PHONE = r"^(\+|00)\d{6,24}$"  # form-js checks country codes; egov: international digits
_TIME = {
    "no_timezone": r"([01]\d|2[0-3]):[0-5]\d",
    "utc_normalized": r"([01]\d|2[0-3]):[0-5]\dZ",
    "utc_offset": r"([01]\d|2[0-3]):[0-5]\d[+-]\d\d:\d\d",
}
_ANY_TIME = r"([01]\d|2[0-3]):[0-5]\d(Z|[+-]\d\d:\d\d)?"
_DATE = r"\d{4}-\d\d-\d\d"
_KEY = re.compile(r"^\w+(\.\w+)*$")


@dataclass(frozen=True)
class Refused:
    component: str  # the component's id (else its key or position)
    reason: str


class _Refusal(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def form_id(form: Any) -> str | None:
    """The form's `id` (what `camunda:formRef` names)."""
    value = form.get("id") if isinstance(form, Mapping) else None
    return value if isinstance(value, str) and value else None


def convert(form: Any, name: str) -> tuple[dict[str, Any], list[Refused]]:
    """The JSON Schema of a form-js form and what in it egov refuses (empty: none)."""
    if not isinstance(form, Mapping) or not isinstance(form.get("components"), list):
        return {}, [Refused("(form)", "kein Camunda-Formular (form-js): „components“ fehlt")]
    if form.get("type", "default") != "default":
        return {}, [Refused("(form)", f"Formulartyp {form.get('type')!r} statt „default“")]
    root = _object()
    refused: list[Refused] = []
    _walk(form["components"], root, refused, set(), "")
    _require_groups(root)
    version = form.get("schemaVersion", "?")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": form_id(form) or name,
        "description": f"Übersetzt aus dem Camunda-Formular {name} (form-js, schemaVersion "
        f"{version}); das Original liegt unverändert im Bündel.",
        **root,
    }
    return schema, refused


def _object() -> dict[str, Any]:
    return {"type": "object", "properties": {}, "required": [], "additionalProperties": False}


def _walk(
    components: list[Any], node: dict[str, Any], refused: list[Refused], keys: set[str], at: str
) -> None:
    for index, component in enumerate(components):
        where = f"{at}components[{index}]"
        if not isinstance(component, Mapping):
            refused.append(Refused(where, "eine Komponente muss ein Objekt sein"))
            continue
        ident = str(component.get("id") or component.get("key") or where)
        try:
            _component(component, node, refused, keys, where)
        except _Refusal as exc:
            refused.append(Refused(ident, exc.reason))


def _component(
    component: Mapping[str, Any],
    node: dict[str, Any],
    refused: list[Refused],
    keys: set[str],
    where: str,
) -> None:
    kind = str(component.get("type"))
    if kind in SKIPPED:
        return
    if kind in REFUSED:
        raise _Refusal(f"egov führt {REFUSED[kind]} in Formularen nicht aus ({kind}).")
    for part in ("validate", "conditional"):
        if component.get(part) is not None and not isinstance(component[part], Mapping):
            raise _Refusal(f"{part} muss ein Objekt sein.")
    _no_feel(component)
    if _left_out(component):
        return
    if kind == "group":
        path = str(component.get("path") or "")
        target = _descend(node, path.split(".")) if path else node
        children = component.get("components") or []
        if not isinstance(children, list):
            raise _Refusal("components einer Gruppe muss eine Liste sein.")
        _walk(children, target, refused, keys, f"{where}.")
        return
    field = FIELDS.get(kind)
    if field is None:
        raise _Refusal(f"Unbekannter Komponententyp {kind!r}.")
    key = component.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        raise _Refusal("Ein Eingabefeld braucht einen Schlüssel (key, z. B. „betrag“).")
    if key in keys:
        raise _Refusal(f"Der Schlüssel {key!r} ist schon an ein anderes Feld gebunden.")
    keys.add(key)
    *parents, leaf = key.split(".")
    target = _descend(node, parents)
    required = bool((component.get("validate") or {}).get("required"))
    target["properties"][leaf] = {**_annotations(component), **field(component, required)}
    if required:
        target["required"].append(leaf)


def _no_feel(component: Mapping[str, Any]) -> None:
    """FEEL (`=...`) where egov reads a component: it cannot be evaluated at deploy."""
    validate = component.get("validate") or {}
    for where, value in [
        *((p, component.get(p)) for p in ("label", "description", "readonly", "defaultValue")),
        *((f"validate.{p}", v) for p, v in validate.items()),
    ]:
        if isinstance(value, str) and value.startswith("="):
            raise _Refusal(f"FEEL-Ausdruck in {where} ({value!r}) wird nicht ausgewertet.")
    hide = (component.get("conditional") or {}).get("hide")
    if isinstance(hide, str) and hide.strip():
        raise _Refusal(
            f"Bedingtes Ausblenden (conditional.hide {hide!r}) wird nicht ausgewertet; "
            "egov prüft sonst Felder, die das Formular verbirgt."
        )
    for option in ("valuesKey", "valuesExpression"):
        if component.get(option):
            raise _Refusal(
                f"Optionen aus {option} kennt egov beim Deploy nicht; feste Werte (values) angeben."
            )


def _left_out(component: Mapping[str, Any]) -> bool:
    """form-js submits neither disabled fields nor ones that are always hidden."""
    disabled = component.get("disabled")
    if isinstance(disabled, str) and disabled.strip():
        raise _Refusal(f"disabled als Ausdruck ({disabled!r}) wird nicht ausgewertet.")
    return disabled is True or (component.get("conditional") or {}).get("hide") is True


def _descend(node: dict[str, Any], names: list[str]) -> dict[str, Any]:
    for name in names:
        child = node["properties"].setdefault(name, _object())
        if child.get("type") != "object":
            raise _Refusal(f"{name!r} ist schon ein Feld und kann keine Felder enthalten.")
        node = child
    return node


def _require_groups(node: dict[str, Any]) -> None:
    """An object holding a required field is required itself (form-js submits the object of
    every path); empty `required` lists are dropped."""
    for name, child in node["properties"].items():
        if child.get("type") == "object" and "properties" in child:
            _require_groups(child)
            if child.get("required") and name not in node["required"]:
                node["required"].append(name)
    if not node["required"]:
        del node["required"]


def _annotations(component: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if component.get("label"):
        out["title"] = str(component["label"])
    if component.get("description"):
        out["description"] = str(component["description"])
    if component.get("readonly") is True:
        out["readOnly"] = True
    if "defaultValue" in component:
        out["default"] = component["defaultValue"]
    return out


def _nullable(kind: str, required: bool) -> str | list[str]:
    return kind if required else [kind, "null"]


def _number(value: Any, what: str) -> int | float:
    if isinstance(value, bool):
        raise _Refusal(f"{what} ist keine Zahl.")
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise _Refusal(f"{what} ({value!r}) ist keine Zahl.") from exc
    return int(number) if number == number.to_integral_value() else float(number)


def _text(component: Mapping[str, Any], required: bool) -> dict[str, Any]:
    validate = component.get("validate") or {}
    checks: dict[str, Any] = {}
    for rule in ("minLength", "maxLength"):
        if rule in validate and validate[rule] not in (None, ""):
            checks[rule] = int(_number(validate[rule], f"validate.{rule}"))
    patterns = [p for p in (validate.get("pattern"),) if p]
    kind = validate.get("validationType")
    if kind == "email":
        patterns.append(_EMAIL)
    elif kind == "phone":
        patterns.append(_PHONE)
    for pattern in patterns:
        try:
            re.compile(str(pattern))
        except re.error as exc:
            raise _Refusal(f"Das Muster {pattern!r} ist kein gültiger regulärer Ausdruck.") from exc
    if patterns:
        checks["allOf"] = [{"pattern": str(p)} for p in patterns]
    schema: dict[str, Any] = {"type": "string"}
    if required:
        schema["minLength"] = 1
    if checks:  # form-js checks a value that is not empty
        schema.update({"if": {"minLength": 1}, "then": checks})
    return schema


def _numeric(component: Mapping[str, Any], required: bool) -> dict[str, Any]:
    if component.get("serializeToString"):
        raise _Refusal("serializeToString (Zahl als Text) wird nicht übernommen.")
    validate = component.get("validate") or {}
    digits = component.get("decimalDigits")
    schema: dict[str, Any] = {"type": _nullable("integer" if digits == 0 else "number", required)}
    for rule, keyword in (("min", "minimum"), ("max", "maximum")):
        if validate.get(rule) not in (None, ""):
            schema[keyword] = _number(validate[rule], f"validate.{rule}")
    decimals: dict[str, Any] = {}
    if isinstance(digits, int) and not isinstance(digits, bool) and digits > 0:
        decimals["decimalDigits"] = digits
    if component.get("increment") not in (None, ""):
        decimals["increment"] = str(_number(component["increment"], "increment"))
    if decimals:
        schema[DECIMALS] = decimals
    return schema


def _checkbox(component: Mapping[str, Any], required: bool) -> dict[str, Any]:
    return {"type": "boolean", "const": True} if required else {"type": "boolean"}


def _choices(component: Mapping[str, Any], nullable: bool) -> dict[str, Any]:
    values = component.get("values")
    if not isinstance(values, list) or not values:
        raise _Refusal("Auswahlfeld ohne feste Werte (values).")
    options = [v for v in values if isinstance(v, Mapping) and "value" in v]
    if len(options) != len(values):
        raise _Refusal("Jeder Eintrag in values braucht einen Wert (value).")
    enum = [o["value"] for o in options]
    labelled = [{"const": o["value"], "title": str(o.get("label") or o["value"])} for o in options]
    if nullable:
        enum, labelled = [*enum, None], [*labelled, {"const": None, "title": "keine Auswahl"}]
    return {"enum": enum, "oneOf": labelled}


def _single(component: Mapping[str, Any], required: bool) -> dict[str, Any]:
    return _choices(component, not required)


def _multiple(component: Mapping[str, Any], required: bool) -> dict[str, Any]:
    schema = {"type": "array", "items": _choices(component, False), "uniqueItems": True}
    return {**schema, "minItems": 1} if required else schema


def _datetime(component: Mapping[str, Any], required: bool) -> dict[str, Any]:
    if component.get("disallowPassedDates"):
        raise _Refusal("disallowPassedDates (kein Datum in der Vergangenheit) prüft egov nicht.")
    subtype = component.get("subtype") or "date"
    fmt = component.get("timeSerializingFormat")
    time = _TIME.get(str(fmt), _ANY_TIME)
    patterns = {"date": _DATE, "time": time, "datetime": f"{_DATE}T{time}"}
    if subtype not in patterns:
        raise _Refusal(f"Unbekannte Datumsart {subtype!r}.")
    schema: dict[str, Any] = {"type": _nullable("string", required)}
    schema["pattern"] = f"^{patterns[subtype]}$"
    if subtype == "date":
        schema["format"] = "date"
    return schema


FIELDS: dict[str, Callable[[Mapping[str, Any], bool], dict[str, Any]]] = {
    "textfield": _text,
    "textarea": _text,
    "number": _numeric,
    "checkbox": _checkbox,
    "radio": _single,
    "select": _single,
    "checklist": _multiple,
    "taglist": _multiple,
    "datetime": _datetime,
}


def decimal_problems(rule: Mapping[str, Any], value: Any) -> Iterator[str]:
    """The German reasons a number breaks form-js's decimalDigits / increment (exact)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    number = Decimal(str(value))
    digits = rule.get("decimalDigits")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(digits, int) and isinstance(exponent, int) and -exponent > digits:
        yield f"darf höchstens {digits} Nachkommastellen haben"
    increment = rule.get("increment")
    if increment and number % Decimal(str(increment)) != 0:
        yield f"muss ein Vielfaches von {increment} sein"
