"""What a hostile probe of the running server found in intake, pinned at the parser: every
refusal is an IntakeError with a stable code, and it is cheap."""

from __future__ import annotations

import codecs
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from egov.errors import Invalid
from egov.intake import formats, xbau, xfall
from egov.intake.errors import MAX_REPORTED_PARAMS, IntakeError
from egov.intake.idempotency import scoped_key
from egov.intake.model import Applicant, filename_problem, media_type_problem
from egov.intake.xml_guard import Limits
from egov.integrations.inbound import parse_inbound

from .conftest import PROPOSAL, message

BUERGERBUDGET_XSD = "fachdaten/buergerbudget/buergerbudget-1.0.xsd"
XBAU_HOUSE = formats.default_schema_dir() / "xbau/examples/valid/bauantrag-einfamilienhaus.xml"

Parse = Callable[..., Any]


def error_of(parse: Parse, raw: bytes, limits: Limits | None = None) -> IntakeError:
    with pytest.raises(IntakeError) as caught:
        parse(raw, limits)
    return caught.value


def with_attributes(count: int, *, element: bytes = b"titel", prefix: bytes = b"a") -> bytes:
    attributes = b" ".join(b'%s%d="x"' % (prefix, i) for i in range(count))
    return message().replace(b"<%s>" % element, b"<%s %s>" % (element, attributes), 1)


# --- finding 1: attributes -------------------------------------------------------------------


def test_too_many_attributes_on_one_element_are_refused(parse: Parse) -> None:
    error = error_of(parse, with_attributes(65))
    assert error.code == "xml-too-many-attributes"
    assert error.invalid_params[0]["line"] is not None


def test_the_attributes_of_one_element_within_the_limit_reach_the_schema(parse: Parse) -> None:
    assert error_of(parse, with_attributes(64)).code == "fachdaten-invalid"


def test_namespace_declarations_count_as_attributes(parse: Parse) -> None:
    declarations = b" ".join(b'xmlns:p%d="urn:p%d"' % (i, i) for i in range(65))
    raw = message().replace(b"<titel>", b"<titel " + declarations + b">", 1)
    assert error_of(parse, raw).code == "xml-too-many-attributes"


def test_too_many_attributes_in_the_whole_message_are_refused(parse: Parse) -> None:
    raw = with_attributes(3, element=b"ort")
    raw = raw.replace(b"<beschreibung>", b'<beschreibung b1="x" b2="x">', 1)
    limits = Limits(max_attributes_per_element=10, max_attributes=4)
    error = error_of(parse, raw, limits)
    assert error.code == "xml-too-many-attributes"


def test_200000_attributes_are_refused_within_a_second_or_so(parse: Parse) -> None:
    raw = with_attributes(200_000)
    started = time.perf_counter()
    error = error_of(parse, raw)
    assert error.code == "xml-too-many-attributes"
    assert time.perf_counter() - started < 5


def test_only_the_reported_schema_errors_are_given_a_readable_path(
    parse: Parse, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str | None] = []
    original = formats.readable_path

    def counting(tree: Any, path: str | None) -> str:
        calls.append(path)
        return original(tree, path)

    monkeypatch.setattr(formats, "readable_path", counting)
    limits = Limits(max_attributes_per_element=64, max_attributes=20_000)
    raw = message()
    for element in (b"titel", b"beschreibung", b"ort", b"kategorie"):
        attributes = b" ".join(b'%s%d="x"' % (element[:1], i) for i in range(60))
        raw = raw.replace(b"<%s>" % element, b"<%s %s>" % (element, attributes), 1)
    error = error_of(parse, raw, limits)
    assert error.code == "fachdaten-invalid"
    assert len(error.invalid_params) == MAX_REPORTED_PARAMS
    assert len(calls) <= MAX_REPORTED_PARAMS


def test_a_reason_that_echoes_a_huge_value_is_cut(parse: Parse) -> None:
    raw = message().replace(b"<kategorie>gruenflaeche<", b"<kategorie>" + b"y" * 100_000 + b"<", 1)
    error = error_of(parse, raw)
    assert error.code == "fachdaten-invalid"
    assert all(len(p["reason"]) <= 500 for p in error.invalid_params)


# --- finding 3: text nodes -------------------------------------------------------------------

ELEVEN_MB = 11 * 1024 * 1024


def test_a_text_node_over_the_limit_is_refused(parse: Parse) -> None:
    raw = message().replace(b"<titel>Neue Sitzbank<", b"<titel>" + b"x" * 2001 + b"<", 1)
    error = error_of(parse, raw, Limits(max_text_chars=2000))
    assert error.code == "xml-text-too-long"
    assert error.invalid_params[0]["name"].endswith("titel")


def test_a_text_node_of_11_mb_is_refused_with_a_code(parse: Parse) -> None:
    raw = message().replace(b"<titel>Neue Sitzbank<", b"<titel>" + b"x" * ELEVEN_MB + b"<", 1)
    assert error_of(parse, raw).code == "xml-text-too-long"


def test_attachment_content_is_not_bound_by_the_text_limit(parse: Parse) -> None:
    raw = message(attachments=[("plan.pdf", "application/pdf", b"%" * 30_000)])
    application = parse(raw, Limits(max_text_chars=2000))
    assert application.attachments[0].size == 30_000


def test_an_11_mb_form_field_names_the_json_field() -> None:
    with pytest.raises(IntakeError) as caught:
        message(data={**PROPOSAL, "description": "x" * ELEVEN_MB})
    assert caught.value.code == "fachdaten-invalid"
    assert {p["name"] for p in caught.value.invalid_params} == {"data.description"}


def test_a_schema_that_cannot_validate_a_tree_refuses_it_with_a_code() -> None:
    schema = formats.compiled_schema(formats.default_schema_dir() / BUERGERBUDGET_XSD)
    root = etree.Element(f"{{{xfall.NS_BUERGERBUDGET}}}vorschlag")
    etree.SubElement(root, f"{{{xfall.NS_BUERGERBUDGET}}}titel").text = "x" * ELEVEN_MB
    with pytest.raises(IntakeError) as caught:
        schema.errors(root)
    assert caught.value.code == "schema-invalid"


# --- finding 2: numbers ----------------------------------------------------------------------

HUGE_NUMBERS = ["1e250000000", "1e99999999999999", "1e-250000000", "9" * 100_000, "1" + "0" * 50]


@pytest.mark.parametrize("number", HUGE_NUMBERS, ids=lambda n: n[:20])
def test_a_huge_form_number_is_refused_cheaply_naming_the_field(number: str) -> None:
    started = time.perf_counter()
    with pytest.raises(IntakeError) as caught:
        message(data={**PROPOSAL, "estimated_cost_eur": number})
    assert time.perf_counter() - started < 1
    assert caught.value.code == "fachdaten-invalid"
    assert {p["name"] for p in caught.value.invalid_params} == {"data.estimated_cost_eur"}


@pytest.mark.parametrize("number", ["1e250000000", "1e99999999999999"])
def test_an_exponent_in_an_xml_amount_is_refused_cheaply(parse: Parse, number: str) -> None:
    raw = message().replace(b">1200.50<", b">" + number.encode() + b"<", 1)
    started = time.perf_counter()
    assert error_of(parse, raw).code == "fachdaten-invalid"
    assert time.perf_counter() - started < 1


def test_a_declared_attachment_size_of_5000_digits_is_refused_with_a_code(parse: Parse) -> None:
    raw = message(attachments=[("a.txt", "text/plain", b"abc")])
    raw = raw.replace(b"<xfall:groesse>3<", b"<xfall:groesse>" + b"9" * 5000 + b"<", 1)
    error = error_of(parse, raw)
    assert error.code == "schema-invalid"
    assert error.invalid_params[0]["name"] == "anhang[1].groesse"


@pytest.mark.parametrize(
    ("pattern", "replacement"),
    [
        (rb"<versionsnummer>[^<]*<", b"<versionsnummer>" + b"9" * 5000 + b"<"),
        (rb'filesize="[^"]*"', b'filesize="' + b"9" * 5000 + b'"'),
    ],
    ids=["versionsnummer", "filesize"],
)
def test_an_xbau_integer_of_5000_digits_is_refused_with_a_code(
    parse: Parse, pattern: bytes, replacement: bytes
) -> None:
    raw = re.sub(pattern, replacement, XBAU_HOUSE.read_bytes(), count=1)
    assert replacement in raw
    assert error_of(parse, raw).code == "schema-invalid"


# --- findings 4 and 5: file names and media types --------------------------------------------


@pytest.mark.parametrize(
    "name", ["lageplan.pdf", "Lageplan Süd – Müller (2).pdf", "写真.png", "plan v1.0 final.PDF"]
)
def test_ordinary_file_names_are_accepted(name: str) -> None:
    assert filename_problem(name) is None


@pytest.mark.parametrize(
    "name",
    ["", "x" * 256, "a/b", "a\\b", "a\x00b", "a\x1fb", "a\x7fb", "a\x85b", "a\u2028b"]
    + [f"a{chr(c)}b" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
    + ["a\u200bb", "a\ufeffb", "a\ue000b"],
)
def test_control_format_bidi_and_path_characters_in_file_names_are_refused(name: str) -> None:
    assert filename_problem(name) is not None


def test_an_attachment_with_a_bidi_override_in_its_name_is_refused(
    parse: Parse, workdir: Path
) -> None:
    raw = message(attachments=[("rechnung\u202efdp.exe", "application/pdf", b"%PDF")])
    error = error_of(parse, raw)
    assert error.code == "attachment-metadata-invalid"
    assert error.invalid_params[0]["name"] == "anhang[1].dateiname"
    assert "U+202E" in error.invalid_params[0]["reason"]
    assert list(workdir.iterdir()) == []


@pytest.mark.parametrize("media_type", ["application/pdf", "image/svg+xml", "Text/Plain"])
def test_plain_media_types_are_accepted(media_type: str) -> None:
    assert media_type_problem(media_type) is None


@pytest.mark.parametrize(
    "media_type",
    ["pdf", "text/", "/plain", "text/plain; charset=utf-8", "a/" + "b" * 119, "text/pl\u00e4in"],
)
def test_media_types_that_are_not_a_short_type_and_subtype_are_refused(media_type: str) -> None:
    assert media_type_problem(media_type) is not None


# --- finding 7: Idempotency-Key ---------------------------------------------------------------


def test_a_scoped_key_keeps_short_subjects_and_always_fits_the_column() -> None:
    assert scoped_key("erika", "antrag-42") == "erika:antrag-42"  # as stored before
    assert scoped_key("erika", None) is None
    long_a, long_b = "s" * 300 + "a", "s" * 300 + "b"
    key = "k" * 128
    stored = {scoped_key(subject, key) for subject in (long_a, long_b, "erika")}
    assert len(stored) == 3
    assert all(s is not None and len(s) <= 200 for s in stored)


@pytest.mark.parametrize("key", ["", "k" * 129, "a\x00b", "a\nb", "a\x7fb", "ä"])
def test_a_malformed_key_is_refused_not_cut(key: str) -> None:
    with pytest.raises(Invalid) as caught:
        scoped_key("erika", key)
    assert caught.value.code == "idempotency-key-invalid"


# --- finding 9: a DOCTYPE is refused in every encoding the parser reads ----------------------

ENCODINGS = [
    pytest.param("UTF-8", "utf-8", codecs.BOM_UTF8, id="utf-8-bom"),
    pytest.param("UTF-16", "utf-16-le", codecs.BOM_UTF16_LE, id="utf-16-le-bom"),
    pytest.param("UTF-16", "utf-16-be", codecs.BOM_UTF16_BE, id="utf-16-be-bom"),
    pytest.param("UTF-16LE", "utf-16-le", b"", id="utf-16-le"),
    pytest.param("UTF-16BE", "utf-16-be", b"", id="utf-16-be"),
    pytest.param("UTF-32", "utf-32-le", b"", id="utf-32-le"),
    pytest.param("UTF-32", "utf-32-be", b"", id="utf-32-be"),
    pytest.param("UTF-7", "utf-7", b"", id="utf-7"),
    pytest.param("ISO-8859-1", "iso-8859-1", b"", id="latin-1"),
]
DOCTYPE = '<!DOCTYPE a [<!ENTITY x "y">]>'
STATUS = formats.default_schema_dir() / "xbau/examples/valid/status-eingang.xml"


def encoded(raw: bytes, name: str, codec: str, bom: bytes, doctype: str = "") -> bytes:
    _, rest = raw.decode("utf-8").split("?>", 1)
    return bom + f'<?xml version="1.0" encoding="{name}"?>{doctype}{rest}'.encode(codec)


@pytest.mark.parametrize(("name", "codec", "bom"), ENCODINGS)
def test_an_xfall_message_with_a_doctype_is_refused_in_every_encoding(
    parse: Parse, name: str, codec: str, bom: bytes
) -> None:
    raw = message()
    assert parse(encoded(raw, name, codec, bom)).data["title"] == "Neue Sitzbank"
    assert error_of(parse, encoded(raw, name, codec, bom, DOCTYPE)).code == (
        "xml-forbidden-construct"
    )


@pytest.mark.parametrize(("name", "codec", "bom"), ENCODINGS)
def test_an_xbau_application_with_a_doctype_is_refused_in_every_encoding(
    parse: Parse, name: str, codec: str, bom: bytes
) -> None:
    raw = XBAU_HOUSE.read_bytes()
    assert parse(encoded(raw, name, codec, bom)).message_type == "1200"
    assert error_of(parse, encoded(raw, name, codec, bom, DOCTYPE)).code == (
        "xml-forbidden-construct"
    )


@pytest.mark.parametrize(("name", "codec", "bom"), ENCODINGS)
def test_an_xbau_status_with_a_doctype_is_refused_in_every_encoding(
    name: str, codec: str, bom: bytes
) -> None:
    raw = STATUS.read_bytes()
    assert xbau.parse_status_1170(encoded(raw, name, codec, bom)).status_code == "14"
    with pytest.raises(IntakeError) as caught:
        xbau.parse_status_1170(encoded(raw, name, codec, bom, DOCTYPE))
    assert caught.value.code == "xml-forbidden-construct"
    with pytest.raises(IntakeError) as caught:
        parse_inbound(encoded(raw, name, codec, bom, DOCTYPE), Limits())
    assert caught.value.code == "xml-forbidden-construct"


# --- texts XML cannot carry ------------------------------------------------------------------


def test_a_control_character_in_a_form_field_is_named_in_german() -> None:
    with pytest.raises(IntakeError) as caught:
        message(data={**PROPOSAL, "title": "Neue\x00Bank"})
    assert [p["name"] for p in caught.value.invalid_params] == ["data.title"]
    assert "U+0000" in caught.value.invalid_params[0]["reason"]


def test_a_control_character_in_the_applicant_from_the_token_is_refused_with_a_code() -> None:
    applicant = Applicant("Er\x00ika", "Mustermann", None, "oidc", "substantial")
    with pytest.raises(IntakeError) as caught:
        message(applicant=applicant)
    assert caught.value.code == "schema-invalid"
    assert [p["name"] for p in caught.value.invalid_params] == ["applicant.given_name"]
