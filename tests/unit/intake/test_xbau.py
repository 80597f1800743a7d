"""XBau 2.5 (Kernmodul 1.2.2): 1200 intake through parse_message, 1170 status parser and builder."""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from lxml import etree

from egov.intake import xbau
from egov.intake.errors import IntakeError
from egov.intake.formats import FormatRegistry, default_schema_dir
from egov.intake.parsing import parse_message
from egov.intake.xml_guard import Limits

SCHEMAS = default_schema_dir()
XBAU = SCHEMAS / "xbau"
EXAMPLES = XBAU / "examples"
VALID = sorted((EXAMPLES / "valid").glob("*.xml"))
ANTRAEGE = [path for path in VALID if path.name.startswith("bauantrag-")]
STATUS = [path for path in VALID if path.name.startswith("status-")]
INVALID = sorted((EXAMPLES / "invalid").glob("*.xml"))
EXPECTED = re.compile(rb"<!-- erwarteter Fehlercode: ([a-z0-9-]+) -->")
UPSTREAM = Path("/work/shared/schemas-upstream/xbau-2.5")
PORTAL = xbau.Behoerde("xbau-portal:egov-demo", "Bauportal (Beispiel)")
CET = timezone(timedelta(hours=1))


@pytest.fixture(scope="module")
def xsd() -> dict[str, xmlschema.XMLSchema]:
    return {
        xbau.ANTRAG_ROOT: xmlschema.XMLSchema(str(SCHEMAS / xbau.ANTRAG_XSD)),
        xbau.STATUS_ROOT: xmlschema.XMLSchema(str(SCHEMAS / xbau.STATUS_XSD)),
    }


def lxml_schema(root_tag: str) -> etree.XMLSchema:
    path = xbau.ANTRAG_XSD if root_tag == xbau.ANTRAG_ROOT else xbau.STATUS_XSD
    return etree.XMLSchema(etree.parse(str(SCHEMAS / path)))


def parse_file(path: Path, workdir: Path, registry: FormatRegistry) -> Any:
    with path.open("rb") as source:
        return parse_message(source, limits=Limits(), workdir=workdir, registry=registry)


def expected_code(path: Path) -> str:
    match = EXPECTED.search(path.read_bytes()[:400])
    assert match, f"{path.name} has no 'erwarteter Fehlercode' comment"
    return match.group(1).decode()


def test_the_example_folders_hold_applications_statuses_and_invalid_messages() -> None:
    assert len(ANTRAEGE) >= 2
    assert {p.name for p in STATUS} >= {
        "status-eingang.xml",
        "status-unterlagen-nachgefordert.xml",
        "status-bescheid-erteilt.xml",
    }
    assert len(INVALID) >= 5


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_every_valid_example_is_valid_for_both_lxml_and_xmlschema(
    path: Path, xsd: dict[str, xmlschema.XMLSchema]
) -> None:
    document = etree.parse(str(path))
    root_tag = document.getroot().tag
    schema = lxml_schema(root_tag)
    assert schema.validate(document), schema.error_log
    xsd[root_tag].validate(str(path))


@pytest.mark.parametrize("path", ANTRAEGE, ids=lambda p: p.name)
def test_every_valid_application_maps_through_the_hardened_intake(
    path: Path, workdir: Path, registry: FormatRegistry
) -> None:
    application = parse_file(path, workdir, registry)
    assert application.format_key == xbau.FORMAT_KEY
    assert application.message_type == "1200"
    assert application.leika_key == xbau.LEIKA_BAUANTRAG
    assert application.fachdaten_namespace == xbau.NS
    assert application.applicants
    assert json.loads(json.dumps(application.data)) == application.data


def test_the_house_application_maps_header_applicant_authority_and_plot(
    workdir: Path, registry: FormatRegistry
) -> None:
    app = parse_file(EXAMPLES / "valid" / "bauantrag-einfamilienhaus.xml", workdir, registry)
    assert app.message_id == "3b0e5a52-7c2d-4f4e-9a51-0c6f1d2e8a10"
    assert app.created_at == datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
    assert app.authority_ars == "160530000000"
    (erika,) = app.applicants
    assert (erika.given_name, erika.family_name) == ("Erika", "Mustermann")
    assert erika.email == "erika.mustermann@example.org"
    assert (erika.authentication, erika.vertrauensniveau) == ("xbau-antragsservice", "low")
    assert (app.reply_postfach, app.follow_up_case_reference, app.attachments) == (None, None, ())
    data = app.data
    assert data["title"] == "Bauantrag: Neubau eines Einfamilienhauses mit Carport"
    assert data["referenz_antragsservice"] == "9d7c1f0a-2b3e-4c5d-8e6f-7a8b9c0d1e2f"
    assert data["bauherr"][0]["anschrift"] == [
        {"strasse": "Am Anger", "hausnummer": "1", "postleitzahl": "07743", "ort": "Jena"}
    ]
    (plot,) = data["grundstuecke"]
    assert plot["anschriften"][0]["hausnummer"] == "3"
    assert plot["flurstuecke"] == [
        {
            "bundesland": "16",
            "gemarkung": "Jena",
            "flur": "12",
            "zaehler": "345",
            "nenner": "6",
            "folge": None,
        }
    ]


def test_the_attachment_reference_matches_the_real_pdf_beside_the_examples(
    workdir: Path, registry: FormatRegistry
) -> None:
    app = parse_file(EXAMPLES / "valid" / "bauantrag-einfamilienhaus.xml", workdir, registry)
    lageplan, baubeschreibung = app.data["anlagen"]
    content = (EXAMPLES / "anlagen" / lageplan["dateiname"]).read_bytes()
    assert content.startswith(b"%PDF-")
    assert lageplan["uebermittlung"] == "anhang"
    assert (lageplan["groesse"], lageplan["sha256"]) == (
        len(content),
        hashlib.sha256(content).hexdigest(),
    )
    assert baubeschreibung["uebermittlung"] == "verlinkung"
    assert baubeschreibung["uri"].startswith("https://")
    assert baubeschreibung["versionsnummer"] == 2


def test_a_company_as_applicant_maps_to_its_name_without_a_given_name(
    workdir: Path, registry: FormatRegistry
) -> None:
    path = EXAMPLES / "valid" / "bauantrag-nutzungsaenderung-gmbh.xml"
    app = parse_file(path, workdir, registry)
    (company,) = app.applicants
    assert (company.given_name, company.family_name, company.email) == (
        "",
        "Saalecafé Beispiel GmbH",
        None,
    )
    assert app.data["bauherr"][0]["art"] == "organisation"
    assert app.data["anlagen"] == []
    assert app.data["grundstuecke"][0]["flurstuecke"][0]["nenner"] is None


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_every_invalid_example_is_refused_with_its_expected_code_and_leaves_no_files(
    path: Path, workdir: Path, registry: FormatRegistry
) -> None:
    with pytest.raises(IntakeError) as caught:
        if path.name.startswith("status-"):
            xbau.parse_status_1170(path.read_bytes())
        else:
            parse_file(path, workdir, registry)
    assert caught.value.code == expected_code(path)
    assert caught.value.invalid_params
    assert list(workdir.iterdir()) == []


def test_the_readme_table_agrees_with_the_comments_in_the_invalid_examples() -> None:
    readme = (XBAU / "README.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `([\w.-]+\.xml)` \| `([a-z0-9-]+)` \|", readme, re.M))
    assert table == {path.name: expected_code(path) for path in INVALID}


@pytest.mark.parametrize(
    ("name", "code", "deadline", "text"),
    [
        ("status-eingang.xml", "14", None, "Quittierung: Eingang Vorgang"),
        (
            "status-unterlagen-nachgefordert.xml",
            "17",
            date(2026, 4, 15),
            "Es fehlen der Standsicherheitsnachweis und der Nachweis der "
            "Bauvorlageberechtigung.\nBitte reichen Sie die Unterlagen bis zum 15.04.2026 nach.",
        ),
        (
            "status-bescheid-erteilt.xml",
            "10",
            None,
            "Die Baugenehmigung wurde erteilt. Der Bescheid liegt in Ihrem Postfach.",
        ),
    ],
)
def test_each_status_example_parses_into_a_portal_status(
    name: str, code: str, deadline: date | None, text: str
) -> None:
    status = xbau.parse_status_1170((EXAMPLES / "valid" / name).read_bytes())
    assert (status.status_code, status.deadline, status.text) == (code, deadline, text)
    assert status.case_reference == "JENA-2026-000123"
    assert status.portal_reference == "9d7c1f0a-2b3e-4c5d-8e6f-7a8b9c0d1e2f"
    assert status.created_at.tzinfo is not None


@pytest.mark.parametrize(
    ("code", "text", "deadline"),
    [
        (xbau.STATUS_RECEIVED, None, None),
        (
            xbau.STATUS_DOCUMENTS_MISSING,
            "Es fehlt der Lageplan.\nBitte nachreichen <bis> 1.4.",
            date(2026, 4, 1),
        ),
        (xbau.STATUS_DECISION, "Die Baugenehmigung wurde erteilt.", None),
    ],
)
def test_the_1170_builder_output_is_valid_and_round_trips_through_the_parser(
    code: str, text: str | None, deadline: date | None, xsd: dict[str, xmlschema.XMLSchema]
) -> None:
    created = datetime(2026, 3, 9, 14, 5, tzinfo=CET)
    raw = xbau.build_status_1170(
        message_id="d2b3c4d5-e6f7-4081-92a3-b4c5d6e7f809",
        case_reference="JENA-2026-000123",
        portal_reference="9d7c1f0a-2b3e-4c5d-8e6f-7a8b9c0d1e2f",
        status_code=code,
        created_at=created,
        reader=PORTAL,
        text=text,
        deadline=deadline,
    )
    xsd[xbau.STATUS_ROOT].validate(io.BytesIO(raw))
    assert lxml_schema(xbau.STATUS_ROOT).validate(etree.fromstring(raw))
    status = xbau.parse_status_1170(raw)
    assert status == xbau.PortalStatus(
        message_id="d2b3c4d5-e6f7-4081-92a3-b4c5d6e7f809",
        case_reference="JENA-2026-000123",
        status_code=code,
        text=text or xbau.status_codes()[code],
        created_at=created,
        portal_reference="9d7c1f0a-2b3e-4c5d-8e6f-7a8b9c0d1e2f",
        deadline=deadline,
    )


def test_the_builder_refuses_unknown_codes_and_naive_times() -> None:
    args: dict[str, Any] = {
        "message_id": "d2b3c4d5-e6f7-4081-92a3-b4c5d6e7f809",
        "case_reference": "JENA-2026-000123",
        "reader": PORTAL,
    }
    with pytest.raises(ValueError, match="99"):
        xbau.build_status_1170(status_code="99", created_at=datetime.now(UTC), **args)
    with pytest.raises(ValueError, match="Zeitzone"):
        xbau.build_status_1170(status_code="14", created_at=datetime(2026, 1, 1), **args)


def test_the_status_code_list_is_the_shipped_statusbauportal_3_0() -> None:
    codes = xbau.status_codes()
    assert codes["14"] == "Quittierung: Eingang Vorgang"
    assert codes["17"] == "Unterlagen nachgefordert"
    assert codes["10"] == "Bescheid erteilt"
    assert len(codes) == 34


def test_a_status_message_is_not_accepted_as_an_application(
    workdir: Path, registry: FormatRegistry
) -> None:
    with pytest.raises(IntakeError) as caught:
        parse_file(EXAMPLES / "valid" / "status-eingang.xml", workdir, registry)
    assert caught.value.code == "unknown-format"


def test_an_application_is_not_accepted_as_a_status() -> None:
    with pytest.raises(IntakeError) as caught:
        xbau.parse_status_1170(ANTRAEGE[0].read_bytes())
    assert caught.value.code == "unknown-format"


@pytest.mark.parametrize(
    ("mutate", "limits", "code"),
    [
        (lambda raw: b"<!DOCTYPE x [<!ENTITY a 'b'>]>" + raw, Limits(), "xml-forbidden-construct"),
        (lambda raw: raw[:-40], Limits(), "xml-malformed"),
        (lambda raw: raw, Limits(max_bytes=500), "message-too-large"),
        (lambda raw: raw, Limits(max_depth=3), "xml-too-deep"),
        (lambda raw: raw, Limits(max_elements=10), "xml-too-many-elements"),
    ],
)
def test_the_status_parser_is_hardened_like_the_intake(
    mutate: Any, limits: Limits, code: str
) -> None:
    raw = (EXAMPLES / "valid" / "status-eingang.xml").read_bytes()
    raw = mutate(raw[raw.index(b"<xbauk:") :])
    with pytest.raises(IntakeError) as caught:
        xbau.parse_status_1170(io.BytesIO(raw), limits=limits)
    assert caught.value.code == code


def test_the_default_registry_keeps_the_xfall_profile_first_and_adds_xbau(
    registry: FormatRegistry,
) -> None:
    assert registry.formats()[0].key != xbau.FORMAT_KEY
    fmt = registry.format_for_root(xbau.ANTRAG_ROOT)
    assert fmt is not None and fmt.key == xbau.FORMAT_KEY
    fachdaten = registry.fachdaten_for(xbau.NS)
    assert fachdaten is not None and fachdaten.procedure_key == "bauantrag"


@pytest.mark.skipif(not UPSTREAM.is_dir(), reason="upstream snapshot not available")
def test_the_copied_xsds_and_code_list_are_byte_identical_to_the_upstream_snapshot() -> None:
    copies = sorted((XBAU / "xsd").glob("*.xsd")) + sorted((XBAU / "codelists").glob("*.xml"))
    assert len(copies) == 14
    for copy in copies:
        assert copy.read_bytes() == (UPSTREAM / copy.parent.name / copy.name).read_bytes()


def test_an_xbau_application_is_also_accepted_as_fachdaten_inside_the_xfall_profile(
    workdir: Path, registry: FormatRegistry
) -> None:
    container = (
        SCHEMAS / "xfall" / "examples" / "valid" / "beteiligung-initiierung.xml"
    ).read_text(encoding="utf-8")
    antrag = ANTRAEGE[0].read_text(encoding="utf-8")
    antrag = antrag[antrag.index("<xbauk:") :]
    message = re.sub(
        r"(<xfall:fachdaten>).*?(</xfall:fachdaten>)",
        lambda match: match.group(1) + antrag + match.group(2),
        container,
        flags=re.S,
    )
    application = parse_message(
        io.BytesIO(message.encode("utf-8")), limits=Limits(), workdir=workdir, registry=registry
    )
    assert application.fachdaten_namespace == xbau.NS
    assert application.data["referenz_antragsservice"] == "9d7c1f0a-2b3e-4c5d-8e6f-7a8b9c0d1e2f"


def test_a_line_wrapped_base64_begruendung_is_read_like_an_unwrapped_one() -> None:
    raw = (EXAMPLES / "valid" / "status-unterlagen-nachgefordert.xml").read_text(encoding="utf-8")
    encoded = re.search(r"<text>(.*?)</text>", raw)
    assert encoded is not None
    wrapped = "\n".join(encoded.group(1)[i : i + 76] for i in range(0, len(encoded.group(1)), 76))
    status = xbau.parse_status_1170(raw.replace(encoded.group(1), wrapped).encode("utf-8"))
    assert status.text.startswith("Es fehlen der Standsicherheitsnachweis")


def test_the_fachdaten_format_names_every_key_of_the_summary_as_process_variables() -> None:
    message = etree.fromstring(f'<x:antrag xmlns:x="{xbau.NS}"/>')

    fmt = xbau.fachdaten_format(default_schema_dir())

    assert set(xbau.summarize(message)) == fmt.data_names()
    assert {"title", "grundstuecke", "bauherr"} <= fmt.data_names()
