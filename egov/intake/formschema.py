"""The application form of a procedure as JSON Schema (2020-12), generated from its Fachdaten XSD.

A portal renders the form from it; the JSON path (`POST /applications`) and the XML path
(`POST /submissions`) then accept the same data, because the JSON path writes the same
Fachdaten element and validates it against the same XSD. What is generated, per field of a
:class:`~egov.intake.xfall.FieldListFachdaten` (a flat sequence of simple elements):

- the XSD type: ``xs:string``/``xs:token`` -> string, ``xs:decimal`` -> number,
  ``xs:boolean`` -> boolean (checked against the field's kind, else :class:`FormSchemaError`);
- the facets ``minLength``, ``maxLength``, ``pattern`` (anchored), ``enumeration``,
  ``minInclusive``, ``maxInclusive``, ``minExclusive``, ``maxExclusive``, and ``totalDigits``
  as the largest number of that many digits, both ``totalDigits`` and ``fractionDigits`` as
  ``x-egov-total-digits``/``x-egov-fraction-digits`` (JSON Schema cannot count the digits of a
  number, and ``multipleOf`` is unreliable on binary floats): the server's XSD check refuses
  e.g. ``12.345`` or ``99999999999.99``, which this schema lets through;
- ``minOccurs="0"`` -> not required (checked against the field spec), the XSD's German
  ``xs:documentation`` -> ``description``, no other properties (``additionalProperties: false``).

``xs:token`` collapses white space before the XSD checks it; the JSON Schema checks the value as
sent, so it may refuse surrounding blanks the XML path would have accepted.
"""

from __future__ import annotations

import copy
import functools
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from egov.intake.formats import FachdatenFormat
from egov.intake.xfall import FieldListFachdaten, FieldSpec

XS = "http://www.w3.org/2001/XMLSchema"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
_KINDS = {"string": "text", "token": "text", "normalizedString": "text"}
_KINDS |= {"decimal": "decimal", "boolean": "bool"}
_JSON_TYPES = {"text": "string", "decimal": "number", "bool": "boolean"}
_ANY_CHAR_XSD, _ANY_CHAR_JSON = r"(.|\s)", r"[\s\S]"
_UNTRANSLATABLE = re.compile(r"\\[iIcC]|-\[")  # XSD-only regex constructs


class FormSchemaError(ValueError):
    """The XSD and the field list disagree, or the XSD uses what the generator cannot express."""


def _x(local: str) -> str:
    return f"{{{XS}}}{local}"


def _documentation(element: etree._Element) -> str | None:
    path = f"{_x('annotation')}/{_x('documentation')}"
    texts = [" ".join((doc.text or "").split()) for doc in element.iterfind(path)]
    return " ".join(t for t in texts if t) or None


def _local(qname: str) -> tuple[str | None, str]:
    prefix, _, local = qname.rpartition(":")
    return (prefix or None), local


def _pattern(value: str) -> str:
    if _UNTRANSLATABLE.search(value):
        raise FormSchemaError(f"XSD pattern {value!r} cannot be expressed in JSON Schema")
    # XSD's `.` is [^\n\r], so `(.|\s)` is any character: one class, not an alternation a
    # backtracking engine walks per character (seconds on a long text)
    return "^(?:" + value.replace(_ANY_CHAR_XSD, _ANY_CHAR_JSON) + ")$"


def _facets(restriction: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    enum = [facet.get("value") for facet in restriction.iterfind(_x("enumeration"))]
    if enum:
        out["enum"] = enum
    patterns = [facet.get("value", "") for facet in restriction.iterfind(_x("pattern"))]
    if len(patterns) == 1:
        out["pattern"] = _pattern(patterns[0])
    elif patterns:  # several patterns in one restriction are alternatives
        out["pattern"] = _pattern("|".join(f"(?:{p})" for p in patterns))
    for facet, key in (("minLength", "minLength"), ("maxLength", "maxLength")):
        found = restriction.find(_x(facet))
        if found is not None:
            out[key] = int(found.get("value", "0"))
    bounds = {"minInclusive": "minimum", "maxInclusive": "maximum"}
    bounds |= {"minExclusive": "exclusiveMinimum", "maxExclusive": "exclusiveMaximum"}
    for facet, key in bounds.items():
        found = restriction.find(_x(facet))
        if found is not None:
            out[key] = float(Decimal(found.get("value", "0")))
    fraction = restriction.find(_x("fractionDigits"))
    if fraction is not None:
        out["x-egov-fraction-digits"] = int(fraction.get("value", "0"))
    total = restriction.find(_x("totalDigits"))
    if total is not None:  # the largest number of that many digits; the count itself is noted
        digits = int(total.get("value", "0"))
        out["x-egov-total-digits"] = digits
        out["maximum"] = min(out.get("maximum", 10**digits - 1), 10**digits - 1)
    return out


class _Xsd:
    """One Fachdaten XSD: its named types and the facets of a field's simple type."""

    def __init__(self, path: Path) -> None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        self.root = etree.parse(str(path), parser).getroot()

    def named(self, kind: str, name: str) -> etree._Element:
        found = self.root.find(f"{_x(kind)}[@name='{name}']")
        if found is None:
            raise FormSchemaError(f"{kind} {name!r} is not defined in the XSD")
        return found

    def fields(self, root_element: str) -> list[etree._Element]:
        element = self.named("element", root_element)
        _, type_name = _local(element.get("type", ""))
        sequence = self.named("complexType", type_name).find(_x("sequence"))
        if sequence is None:
            raise FormSchemaError(f"{type_name}: a sequence of simple elements expected")
        return list(sequence.iterfind(_x("element")))

    def simple(self, element: etree._Element) -> tuple[str, dict[str, Any], str | None]:
        """(built-in base type, facets, documentation of the type) of a field element."""
        inline = element.find(_x("simpleType"))
        if inline is not None:
            return self._restriction(inline)
        prefix, local = _local(element.get("type", ""))
        if prefix is not None and self.root.nsmap.get(prefix) == XS:
            return local, {}, None
        return self._restriction(self.named("simpleType", local))

    def _restriction(self, simple: etree._Element) -> tuple[str, dict[str, Any], str | None]:
        restriction = simple.find(_x("restriction"))
        if restriction is None:
            raise FormSchemaError("only xs:restriction simple types are supported")
        prefix, base = _local(restriction.get("base", ""))
        if prefix is None or self.root.nsmap.get(prefix) != XS:
            raise FormSchemaError(f"restriction of {base!r}: built-in base types only")
        return base, _facets(restriction), _documentation(simple)


def _property(spec: FieldSpec, element: etree._Element, xsd: _Xsd) -> dict[str, Any]:
    base, facets, type_doc = xsd.simple(element)
    kind = _KINDS.get(base)
    if kind != spec.kind:
        raise FormSchemaError(f"{spec.element}: XSD type xs:{base}, field kind {spec.kind}")
    prop: dict[str, Any] = {"type": _JSON_TYPES[kind], **facets}
    prop["x-egov-xml-element"] = spec.element
    description = _documentation(element) or type_doc
    if description:
        prop["description"] = description
    return prop


@functools.lru_cache(maxsize=64)
def form_schema(fields: FieldListFachdaten, xsd_path: Path, title: str) -> dict[str, Any]:
    """The JSON Schema of the web form for `fields`, generated from and checked against the
    XSD at `xsd_path` (:class:`FormSchemaError` when they disagree)."""
    xsd = _Xsd(xsd_path)
    elements = {el.get("name"): el for el in xsd.fields(fields.root)}
    specs = {spec.element: spec for spec in fields.fields}
    if list(elements) != list(specs):
        raise FormSchemaError(f"XSD elements {list(elements)} but fields {list(specs)}")
    properties, required = {}, []
    for name, element in elements.items():
        spec = specs[str(name)]
        optional = element.get("minOccurs") == "0"
        if optional == spec.required:
            raise FormSchemaError(f"{name}: minOccurs and the field's `required` disagree")
        properties[spec.key] = _property(spec, element, xsd)
        if spec.required:
            required.append(spec.key)
    schema: dict[str, Any] = {
        "$schema": DIALECT,
        "x-egov-fachdaten-namespace": fields.namespace,
        "title": title,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    if (doc := _documentation(xsd.root)) is not None:
        schema["description"] = doc
    return schema


def form_of(fmt: FachdatenFormat, title: str) -> dict[str, Any] | None:
    """The web form of a Fachdaten format, or None when it has none (e.g. XBau: XML only)."""
    if not isinstance(fmt.form_fields, FieldListFachdaten):
        return None
    return copy.deepcopy(form_schema(fmt.form_fields, fmt.xsd_path, title))  # cached: a copy
