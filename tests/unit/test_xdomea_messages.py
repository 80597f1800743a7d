"""The xdomea 3.0.0 Aussonderung messages against the real schemas in schemas/xdomea/."""

import dataclasses
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from egov.intake.formats import compiled_schema
from egov.retention import xdomea

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
PATTERNS = SCHEMAS / "xdomea" / "pattern" / "xdomea_3.0.0"
HEAD = xdomea.Head(
    "4f3c2a10-0000-4000-8000-000000000501",
    datetime(2031, 1, 15, 9, 30, tzinfo=UTC),
    xdomea.Authority("stadt-musterhausen", "Stadt Musterhausen"),
    xdomea.Authority("LATh", "Landesarchiv Thüringen"),
)
RECORD = xdomea.Record(
    "0b7e0c4e-1111-4111-8111-000000000001",
    "BB-2020-0001",
    "Bürgerbudget",
    datetime(2020, 3, 1),
    datetime(2020, 9, 30),
)


def test_the_archive_patterns_validate_against_the_copied_schemas() -> None:
    schema = compiled_schema(SCHEMAS / xdomea.XSD)
    for pattern in sorted(PATTERNS.glob("*.xml")):
        assert schema.problems(etree.parse(str(pattern)).getroot()) == [], pattern.name


def test_an_offer_lists_each_record_as_a_vorgang_for_the_archive_to_value() -> None:
    body = xdomea.build_offer(HEAD, [RECORD], SCHEMAS)
    root = etree.fromstring(body)
    ns = {"x": xdomea.NS}
    assert root.tag == f"{{{xdomea.NS}}}{xdomea.OFFER}"
    assert root.findtext("x:Kopf/x:ProzessID", namespaces=ns) == HEAD.process_id
    assert root.findtext("x:Kopf/x:Nachrichtentyp/code", namespaces=ns) == "0501"
    vorgang = root.find("x:Schriftgutobjekt/x:Vorgang", ns)
    assert vorgang is not None
    assert vorgang.findtext("x:Identifikation/x:ID", namespaces=ns) == RECORD.id
    assert vorgang.findtext("x:AllgemeineMetadaten/x:Kennzeichen", namespaces=ns) == (
        "BB-2020-0001"
    )
    assert vorgang.findtext("x:Laufzeit/x:Ende", namespaces=ns) == "2020-09-30"


def test_an_offer_that_would_break_the_schema_is_never_built() -> None:
    with pytest.raises(xdomea.XdomeaInvalid, match="0501 ungültig"):
        xdomea.build_offer(HEAD, [], SCHEMAS)  # at least one Schriftgutobjekt


def valuation(decisions: dict[str, str], process_id: str = HEAD.process_id) -> bytes:
    items = "".join(
        f"<x:BewertetesObjekt><x:ID>{record}</x:ID><x:Aussonderungsart><x:Aussonderungsart>"
        f"<code>{code}</code></x:Aussonderungsart></x:Aussonderungsart></x:BewertetesObjekt>"
        for record, code in decisions.items()
    )
    return (
        f'<x:Aussonderung.Bewertungsverzeichnis.0502 xmlns:x="{xdomea.NS}"><x:Kopf>'
        f"<x:ProzessID>{process_id}</x:ProzessID><x:Nachrichtentyp><code>0502</code>"
        "</x:Nachrichtentyp><x:Erstellungszeitpunkt>2031-02-01T10:00:00</x:Erstellungszeitpunkt>"
        "<x:Absender><x:Behoerdenkennung><x:Behoerdenschluessel><code>LATh</code>"
        "</x:Behoerdenschluessel></x:Behoerdenkennung></x:Absender><x:Empfaenger>"
        "<x:Behoerdenkennung><x:Behoerdenschluessel><code>stadt-musterhausen</code>"
        "</x:Behoerdenschluessel></x:Behoerdenkennung></x:Empfaenger><x:SendendesSystem>"
        "<x:Produktname>Stub-Archiv</x:Produktname></x:SendendesSystem>"
        "<x:Empfangsbestaetigung>1</x:Empfangsbestaetigung></x:Kopf>"
        f"{items}</x:Aussonderung.Bewertungsverzeichnis.0502>"
    ).encode()


R1, R2 = RECORD.id, "0b7e0c4e-1111-4111-8111-000000000002"


def test_a_valuation_names_archive_or_destroy_per_record() -> None:
    body = valuation({R1: "A", R2: "V"})
    assert xdomea.read_valuation(body, SCHEMAS) == (HEAD.process_id, {R1: "A", R2: "V"})


def test_the_toolkit_pattern_valuation_is_read() -> None:
    body = (PATTERNS / "xx_Aussonderung.Bewertungsverzeichnis.0502.xml").read_bytes()
    process_id, decisions = xdomea.read_valuation(body, SCHEMAS)
    assert process_id == "242f44e8-bebf-4503-a086-db252c6a4277"
    assert decisions == {"cbdbfccc-72e5-44b2-9e71-937e6f4f8ce9": "A"}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<nicht", "kein XML"),
        (
            b'<x:Aussonderung.Aussonderung.0503 xmlns:x="urn:xoev-de:xdomea:schema:3.0.0"/>',
            "erwartet",
        ),
        (
            f'<x:{xdomea.VALUATION} xmlns:x="{xdomea.NS}"/>'.encode(),
            "ungültig",
        ),
    ],
)
def test_a_valuation_that_is_not_one_is_refused(body: bytes, reason: str) -> None:
    with pytest.raises(xdomea.XdomeaInvalid, match=reason):
        xdomea.read_valuation(body, SCHEMAS)


def test_a_valuation_other_than_archive_or_destroy_is_refused() -> None:
    with pytest.raises(xdomea.XdomeaInvalid, match="weder A noch V"):
        xdomea.read_valuation(valuation({R1: "B"}), SCHEMAS)


DOCUMENT = xdomea.PrimaryDocument(
    "0b7e0c4e-2222-4222-8222-000000000001", "Bescheid", "application/pdf", b"%PDF-1.7", "b.pdf"
)


def test_a_handover_is_a_zip_of_the_valid_message_and_the_files_it_names() -> None:
    record = dataclasses.replace(RECORD, documents=(DOCUMENT,))
    package = zipfile.ZipFile(io.BytesIO(xdomea.build_handover(HEAD, [record], SCHEMAS)))
    message_name = f"{HEAD.process_id}_Aussonderung.Aussonderung.0503.xml"
    assert xdomea.package_name(HEAD.process_id) == message_name.replace(".xml", ".zip")
    root = etree.fromstring(package.read(message_name))
    assert compiled_schema(SCHEMAS / xdomea.XSD).problems(root) == []
    ns = {"x": xdomea.NS}
    named = root.xpath("//x:Primaerdokument/x:Dateiname/text()", namespaces=ns)
    assert named == [f"{DOCUMENT.id}_b.pdf"]
    assert package.read(named[0]) == b"%PDF-1.7"
    assert sorted(package.namelist()) == sorted([message_name, named[0]])


def imported(results: dict[str, str], process_id: str = HEAD.process_id) -> bytes:
    items = "".join(
        f"<x:AusgesondertesSGO><x:IDSGO>{record}</x:IDSGO><x:Erfolgreich>{ok}</x:Erfolgreich>"
        "</x:AusgesondertesSGO>"
        for record, ok in results.items()
    )
    return (
        f'<x:{xdomea.IMPORTED} xmlns:x="{xdomea.NS}"><x:Kopf>'
        f"<x:ProzessID>{process_id}</x:ProzessID><x:Nachrichtentyp><code>0506</code>"
        "</x:Nachrichtentyp><x:Erstellungszeitpunkt>2031-03-01T10:00:00</x:Erstellungszeitpunkt>"
        "<x:Absender><x:Behoerdenkennung><x:Behoerdenschluessel><code>LATh</code>"
        "</x:Behoerdenschluessel></x:Behoerdenkennung></x:Absender><x:Empfaenger>"
        "<x:Behoerdenkennung><x:Behoerdenschluessel><code>stadt-musterhausen</code>"
        "</x:Behoerdenschluessel></x:Behoerdenkennung></x:Empfaenger><x:SendendesSystem>"
        "<x:Produktname>Stub-Archiv</x:Produktname></x:SendendesSystem></x:Kopf>"
        f"{items}</x:{xdomea.IMPORTED}>"
    ).encode()


def test_an_import_confirmation_says_per_record_whether_the_archive_imported_it() -> None:
    body = imported({R1: "true", R2: "0"})
    assert xdomea.message_name(body) == xdomea.IMPORTED
    assert xdomea.read_import(body, SCHEMAS) == (HEAD.process_id, {R1: True, R2: False})


def receipt(name: str, process_id: str = HEAD.process_id) -> bytes:
    """The archive's receipt 0504 or 0507: only a Kopf naming the ProzessID."""
    return (
        f'<x:{name} xmlns:x="{xdomea.NS}"><x:Kopf>'
        f"<x:ProzessID>{process_id}</x:ProzessID><x:Nachrichtentyp><code>{name[-4:]}</code>"
        "</x:Nachrichtentyp><x:Erstellungszeitpunkt>2031-01-16T08:00:00</x:Erstellungszeitpunkt>"
        "<x:Absender><x:Behoerdenkennung><x:Behoerdenschluessel><code>LATh</code>"
        "</x:Behoerdenschluessel></x:Behoerdenkennung></x:Absender><x:Empfaenger>"
        "<x:Behoerdenkennung><x:Behoerdenschluessel><code>stadt-musterhausen</code>"
        "</x:Behoerdenschluessel></x:Behoerdenkennung></x:Empfaenger></x:Kopf>"
        f"</x:{name}>"
    ).encode()


@pytest.mark.parametrize("name", xdomea.RECEIPTS)
def test_a_receipt_of_the_archive_names_only_the_process(name: str) -> None:
    assert xdomea.message_name(receipt(name)) == name
    assert xdomea.read_receipt(receipt(name), SCHEMAS) == (HEAD.process_id, {})


def test_the_receipt_pattern_of_the_toolkit_is_read() -> None:
    body = (PATTERNS / "xx_Aussonderung.AnbietungEmpfangBestaetigen.0504.xml").read_bytes()
    process_id, records = xdomea.read_receipt(body, SCHEMAS)
    assert process_id and records == {}


def test_a_valuation_or_an_invalid_receipt_is_no_receipt() -> None:
    with pytest.raises(xdomea.XdomeaInvalid, match="Empfangsbestätigung"):
        xdomea.read_receipt(valuation({R1: "A"}), SCHEMAS)
    broken = receipt(xdomea.OFFER_RECEIVED, process_id="keine-uuid")
    with pytest.raises(xdomea.XdomeaInvalid, match="0504 ungültig"):
        xdomea.read_receipt(broken, SCHEMAS)


def test_egov_receipts_the_valuation_when_the_archive_asks_for_it() -> None:
    assert xdomea.wants_receipt(valuation({R1: "A"}))  # its Kopf says Empfangsbestaetigung 1
    assert not xdomea.wants_receipt(receipt(xdomea.OFFER_RECEIVED))
    body = xdomea.build_valuation_receipt(HEAD, SCHEMAS)
    root = etree.fromstring(body)
    assert root.tag == f"{{{xdomea.NS}}}{xdomea.VALUATION_RECEIVED}"
    ns = {"x": xdomea.NS}
    assert root.findtext("x:Kopf/x:ProzessID", namespaces=ns) == HEAD.process_id
    assert root.findtext("x:Kopf/x:Nachrichtentyp/code", namespaces=ns) == "0505"
    assert compiled_schema(SCHEMAS / xdomea.XSD).problems(root) == []
