"""XBeteiligung 1.2: the copied schemas, the summary of a 0401/0402, its identifiers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from egov.intake.errors import IntakeError
from egov.intake.formats import compiled_schema
from egov.intake.xbeteiligung import (
    NS,
    identifiers,
    parse_aktualisieren,
    procedure_key,
    summarize,
)
from egov.intake.xbeteiligung_answers import build_answer
from egov.participation.geometry import inside, point_of
from egov.participation.operators import refusal

ROOT = Path(__file__).resolve().parents[3]
HERE = ROOT / "schemas" / "xbeteiligung"
UPSTREAM = ROOT.parent / "shared" / "schemas-upstream" / "xbeteiligung-1.2"


@pytest.mark.skipif(not UPSTREAM.is_dir(), reason="upstream snapshot not available")
def test_the_copied_xsds_and_samples_are_byte_identical_to_the_upstream_snapshot() -> None:
    copies = sorted((HERE / "xsd").glob("*.xsd"))
    assert len(copies) == 20
    for copy in copies:
        assert copy.read_bytes() == (UPSTREAM / "Resources" / "xsd" / copy.name).read_bytes()
    samples = {p.name: p.read_bytes() for p in (HERE / "upstream-samples").iterdir()}
    assert samples == {p.name: p.read_bytes() for p in (UPSTREAM / "tests" / "res").rglob("*.xml")}


def test_the_cockpit_0402_is_summarized_with_its_rounds_and_zoned_dates() -> None:
    body = (HERE / "upstream-samples" / "example402FromCockpit.xml").read_bytes()
    message_id, key, data = parse_aktualisieren(body)

    assert message_id == "f4d3b213-1ce1-4ec5-a7b1-763ca250dcf1"
    assert key == procedure_key("planID1234", "vorgang1234")
    assert (data["period_start"], data["period_end"]) == ("2024-05-24", "2024-05-24")
    assert data["oeffentlichkeit"]["beteiligungs_id"] == "beteiligung1234"
    assert data["toeb"]["documents"][0]["dokument_id"].endswith("bej")
    [document] = data["documents"]
    assert (document["dateiname"], document["groesse"]) == ("test-dokument.pdf", 3908)
    assert data["geltungsbereich"]["type"] == "MultiPolygon"


def test_a_geltungsbereich_that_is_no_geojson_is_kept_out_of_the_data() -> None:
    path = HERE / "examples" / "valid" / "initiieren-ohne-zeitraum.xml"
    text = path.read_text(encoding="utf-8")
    start = text.index("<xbeteiligung:geltungsbereich>") + len("<xbeteiligung:geltungsbereich>")
    end = text.index("</xbeteiligung:geltungsbereich>")
    root = etree.fromstring((text[:start] + "Flur 4, Flurstücke 12-19" + text[end:]).encode())
    data = summarize(root)
    assert data["geltungsbereich"] is None
    assert data["variants"][0]["geometry"] is None
    assert (data["period_start"], data["oeffentlichkeit"]) == (None, None)


def test_empty_identifiers_are_named_in_the_refusal() -> None:
    with pytest.raises(IntakeError) as caught:
        identifiers({"plan_id": "", "vorgangs_id": None})
    assert caught.value.code == "identifiers-missing"
    assert [p["name"] for p in caught.value.invalid_params] == [
        "/nachrichteninhalt/vorgangsID",
        "/nachrichteninhalt/beteiligung/planID",
    ]


def test_a_point_is_inside_a_polygon_but_not_in_its_hole() -> None:
    square = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
    hole = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]
    area = {"type": "Polygon", "coordinates": [square, hole]}
    assert inside((1.0, 1.0), area)
    assert not inside((5.0, 5.0), area)
    assert not inside((11.0, 5.0), area)
    assert inside((11.0, 5.0), None)  # no area given: nothing to check against
    assert point_of({"type": "Point", "coordinates": [11.6, 50.9]}) == (11.6, 50.9)
    assert point_of({"type": "Point", "coordinates": [float("nan"), 1]}) is None
    assert point_of({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}) is None


ANSWERS = HERE / "examples" / "answers"


def _tree(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


@pytest.mark.parametrize("path", sorted((ANSWERS / "valid").glob("*.xml")), ids=lambda p: p.name)
def test_the_answer_samples_egov_sends_are_valid(path: Path) -> None:
    assert compiled_schema(HERE / "xsd" / "xbeteiligung.xsd").problems(_tree(path)) == []


@pytest.mark.parametrize("path", sorted((ANSWERS / "invalid").glob("*.xml")), ids=lambda p: p.name)
def test_the_invalid_answer_samples_fail_the_schema(path: Path) -> None:
    assert compiled_schema(HERE / "xsd" / "xbeteiligung.xsd").problems(_tree(path)) != []


def test_a_nok_carries_its_errors_and_a_0422_the_beteiligungs_id_after_them() -> None:
    xml = build_answer(
        "0422",
        message_id="2d3e4f50-6172-4839-a4b5-c6d7e8f90a1b",
        created_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        ids=("VG-1", "BP-1", "OEFF-1"),
        reader=("planung:demo", "Planungssystem"),
        errors=("erster Fehler", "zweiter Fehler"),
        schema_dir=ROOT / "schemas",
    )
    content = etree.fromstring(xml).find(f"{{{NS}}}nachrichteninhalt")
    assert content is not None
    assert [etree.QName(child).localname for child in content] == [
        "vorgangsID",
        "planID",
        "fehler",
        "fehler",
        "beteiligungsID",
    ]


def test_an_update_whose_period_ends_before_it_begins_is_refused_even_merged() -> None:
    current = {"period_start": "2026-12-10", "period_end": "2027-01-10"}
    assert refusal(current, {"period_end": "2026-12-01"}) == [
        "Der Beteiligungszeitraum endet vor seinem Beginn."
    ]
    assert refusal(current, {"period_end": "2027-02-01"}) == []
    toeb = {"toeb": {"period_start": "2026-12-10", "period_end": "2026-12-09"}}
    assert refusal(current, toeb) == [
        "Der Beteiligungszeitraum (Träger öffentlicher Belange) endet vor seinem Beginn."
    ]
