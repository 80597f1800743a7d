"""XBeteiligung 1.2: the copied schemas, the summary of a 0401/0402, its identifiers."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from egov.intake.errors import IntakeError
from egov.intake.xbeteiligung import identifiers, parse_aktualisieren, procedure_key, summarize
from egov.participation.geometry import inside, point_of

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
