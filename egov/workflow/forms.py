"""Task forms (JSON Schema 2020-12 of a user task): their German validation messages and the
process data a form declares it needs (`x-egov-context`, docs/modeling.md).

A form declares its context as a list of top-level process variables, each a name (seen by
everyone who may see the task) or ``{"name": ..., "roles": [...]}`` (seen only by those roles)::

    "x-egov-context": ["title", "formal_findings", {"name": "applicant_name", "roles": ["clerk"]}]

Pure: no Flask, no database, no engine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema

from egov.identity.model import Principal, Role
from egov.workflow.camunda_forms import DECIMALS, decimal_problems

CONTEXT_KEY = "x-egov-context"
MAX_CONTEXT_ENTRIES = 100
_COMPOSITE = {"oneOf", "anyOf", "allOf", "not", "if", "then", "else"}
_REQUIRED = re.compile(r"^'(.+)' is a required property$")
_TYPES = {
    "string": "ein Text", "number": "eine Zahl", "integer": "eine ganze Zahl",
    "boolean": "ja oder nein (true/false)", "object": "ein Objekt", "array": "eine Liste",
    "null": "leer (null)",
}  # fmt: skip
_FORMATS = {
    "date": "ein Datum (JJJJ-MM-TT)", "date-time": "ein Zeitpunkt (ISO 8601)",
    "email": "eine E-Mail-Adresse", "uri": "eine URL", "uuid": "eine UUID",
    "time": "eine Uhrzeit",
}  # fmt: skip


def _decimals(
    validator: Any, rule: Any, instance: Any, schema: Any
) -> Iterable[jsonschema.ValidationError]:
    """A Camunda Form's decimalDigits and increment, checked exactly (camunda_forms)."""
    for reason in decimal_problems(rule, instance):
        yield jsonschema.ValidationError(reason)


FormValidator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    jsonschema.Draft202012Validator, {DECIMALS: _decimals}
)


@dataclass(frozen=True)
class ContextEntry:
    name: str
    roles: frozenset[Role] | None = None  # None: whoever may see the task

    def visible_to(self, principal: Principal) -> bool:
        return self.roles is None or any(principal.has_role(role) for role in self.roles)


def _shown(value: Any) -> str:
    """A value as the client sends it: true, false and null in JSON's spelling."""
    return json.dumps(value) if value is None or isinstance(value, bool) else str(value)


def _quoted(values: Iterable[Any]) -> str:
    return ", ".join(f"„{_shown(v)}“" for v in values)


def _type_names(expected: Any) -> str:
    names = expected if isinstance(expected, list) else [expected]
    return " oder ".join(_TYPES.get(str(name), str(name)) for name in names)


def german_reason(error: jsonschema.ValidationError) -> str:
    """The German reason of one jsonschema error (by its keyword; a fallback names it)."""
    value: Any = error.validator_value
    keyword = str(error.validator)
    reasons: dict[str, Any] = {
        "required": lambda: "Pflichtfeld fehlt",
        "type": lambda: f"muss {_type_names(value)} sein",
        "enum": lambda: f"muss einer dieser Werte sein: {_quoted(value)}",
        "const": lambda: f"muss „{_shown(value)}“ sein",
        "minLength": lambda: f"muss mindestens {value} Zeichen lang sein",
        "maxLength": lambda: f"darf höchstens {value} Zeichen lang sein",
        "pattern": lambda: "hat nicht das erwartete Format",
        "format": lambda: f"muss {_FORMATS.get(str(value), f'im Format {value}')} sein",
        "minimum": lambda: f"muss mindestens {value} sein",
        "maximum": lambda: f"darf höchstens {value} sein",
        "exclusiveMinimum": lambda: f"muss größer als {value} sein",
        "exclusiveMaximum": lambda: f"muss kleiner als {value} sein",
        "multipleOf": lambda: f"muss ein Vielfaches von {value} sein",
        "minItems": lambda: f"muss mindestens {value} Einträge haben",
        "maxItems": lambda: f"darf höchstens {value} Einträge haben",
        "uniqueItems": lambda: "darf keinen Eintrag doppelt enthalten",
        "additionalProperties": lambda: "ist kein Feld dieses Formulars",
        "oneOf": lambda: "passt zu keiner (oder mehr als einer) der erlaubten Varianten",
        "anyOf": lambda: "passt zu keiner der erlaubten Varianten",
        "not": lambda: "ist hier nicht erlaubt",
        "minProperties": lambda: f"muss mindestens {value} Angaben enthalten",
        "maxProperties": lambda: f"darf höchstens {value} Angaben enthalten",
        DECIMALS: lambda: error.message,  # written in German by decimal_problems
    }
    reason = reasons.get(keyword)
    return reason() if reason is not None else f"ist ungültig (Regel {keyword})"


def _field(error: jsonschema.ValidationError) -> str:
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        match = _REQUIRED.match(error.message)
        if match:
            path.append(match.group(1))
    return "/".join(path) or "(root)"


def _unexpected_fields(error: jsonschema.ValidationError) -> list[str]:
    """`additionalProperties: false` names each field that is not in the form."""
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return []
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    known = set(schema.get("properties", {}))
    base = [str(p) for p in error.absolute_path]
    return ["/".join([*base, key]) for key in error.instance if key not in known]


def form_problems(schema: Mapping[str, Any], data: Any) -> list[dict[str, str]]:
    """`invalid_params` ({name, reason}, German) of `data` against the form `schema`."""
    validator = FormValidator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )  # `format` is checked, not only an annotation
    found: list[tuple[str, str, str]] = []  # (field, keyword, reason)
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        names = _unexpected_fields(error) or [_field(error)]
        found += [(name, str(error.validator), german_reason(error)) for name in names]
    # a field refused by a plain rule (enum, type...) is not also "no variant fits" (oneOf)
    plain = {name for name, keyword, _ in found if keyword not in _COMPOSITE}
    problems: list[dict[str, str]] = []
    for name, keyword, reason in found:
        entry = {"name": name, "reason": reason}
        if not (keyword in _COMPOSITE and name in plain) and entry not in problems:
            problems.append(entry)
    return problems


def declared_context(schema: Mapping[str, Any] | None) -> list[ContextEntry]:
    """The context a form declares (already checked at deploy by :func:`context_problems`)."""
    entries = (schema or {}).get(CONTEXT_KEY) or []
    declared = []
    for entry in entries:
        if isinstance(entry, str):
            declared.append(ContextEntry(entry))
        elif isinstance(entry, dict):
            declared.append(ContextEntry(entry["name"], frozenset(map(Role, entry["roles"]))))
    return declared


def context_problems(schema: Mapping[str, Any]) -> list[str]:
    """What is wrong with a form's `x-egov-context` (empty: nothing), for the deploy check."""
    entries = schema.get(CONTEXT_KEY)
    if entries is None:
        return []
    if not isinstance(entries, list) or len(entries) > MAX_CONTEXT_ENTRIES:
        return [f"{CONTEXT_KEY}: eine Liste mit höchstens {MAX_CONTEXT_ENTRIES} Einträgen"]
    roles = {role.value for role in Role}
    problems = []
    for index, entry in enumerate(entries):
        if isinstance(entry, str) and entry:
            continue
        if (
            isinstance(entry, dict)
            and set(entry) == {"name", "roles"}
            and isinstance(entry["name"], str)
            and entry["name"]
            and isinstance(entry["roles"], list)
            and entry["roles"]
            and all(isinstance(r, str) and r in roles for r in entry["roles"])
        ):
            continue
        problems.append(
            f"{CONTEXT_KEY}[{index}]: Variablenname oder {{name, roles}} mit Rollen aus "
            f"{', '.join(sorted(roles))}"
        )
    return problems


def task_context(
    schema: Mapping[str, Any] | None, data: Mapping[str, Any], principal: Principal
) -> dict[str, Any]:
    """The declared process variables the principal may see (absent ones are left out)."""
    return {
        entry.name: data[entry.name]
        for entry in declared_context(schema)
        if entry.visible_to(principal) and entry.name in data
    }
