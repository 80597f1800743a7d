"""The procedure catalogue (`GET /procedures`): what a portal needs to offer a procedure, and a
form (JSON Schema) that means the same on the web path and the XML path: data valid against it
is accepted by both, data it refuses is refused by both."""

from __future__ import annotations

import json
import uuid
from typing import Any

import jsonschema
import pytest
from lxml import etree

from egov.workflow.deploy import read_bundle
from tests.builders import ROOT, example, proposal
from tests.conftest import Api

XFALL = "urn:egov-oss:xfall-profil:1.0"
NS_G2G = "http://xoev.de/schemata/basisnachricht/g2g/1_1"
LONGEST_TITLE = "T" * 200


def catalogue_entry(api: Api, key: str) -> dict[str, Any]:
    response = api.get(f"/procedures/{key}")
    assert response.status_code == 200
    entry: dict[str, Any] = response.get_json()
    return entry


def xml_message(form: dict[str, Any], data: dict[str, Any]) -> bytes:
    """A message of our XFall profile whose Fachdaten are written by hand from `data`, element
    by element as the form names them: not by the web path's own builder."""
    root = etree.fromstring(example("buergerbudget-ueber-kostengrenze.xml"))
    uuid_el = root.find(f".//{{{NS_G2G}}}nachrichtenUUID")
    assert uuid_el is not None
    uuid_el.text = str(uuid.uuid4())
    fachdaten = root.find(f"{{{XFALL}}}fachdaten")
    assert fachdaten is not None
    namespace = form["x-egov-fachdaten-namespace"]
    vorschlag = etree.SubElement(fachdaten, f"{{{namespace}}}vorschlag", nsmap={None: namespace})
    fachdaten.remove(fachdaten[0])
    properties = form["properties"]
    for key, value in data.items():
        element = properties.get(key, {}).get("x-egov-xml-element", key)
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        etree.SubElement(vorschlag, f"{{{namespace}}}{element}").text = text
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def test_the_catalogue_lists_every_procedure_for_anyone(api: Api) -> None:
    response = api.get("/procedures")

    assert response.status_code == 200
    keys = [item["key"] for item in response.get_json()["items"]]
    assert keys == ["anliegen", "bauantrag", "beteiligung", "buergerbudget"]


def test_a_procedure_says_who_decides_how_fast_and_how_to_apply(api: Api) -> None:
    entry = catalogue_entry(api, "buergerbudget")

    assert entry["name"] == "Vorschlag zum Bürgerbudget"
    assert entry["leika_key"] == "urn:de:fim:leika:leistung:99107004000000"
    assert entry["description"].startswith("Vorschläge für kleine Projekte")
    assert entry["responsible_unit"] == {"key": "buero-buergerbudget", "name": "Büro Bürgerbudget"}
    assert entry["required_vertrauensniveau"] == "substantial"
    assert entry["processing_deadline"] == {"business_days": 42}
    assert [(f["key"], f["media_type"], f["endpoint"]) for f in entry["formats"]] == [
        ("egov-xfall-profil-1.0", "application/xml", "/api/v1/submissions"),
        ("json-webform", "application/json", "/api/v1/applications"),
    ]
    jsonschema.Draft202012Validator.check_schema(entry["form"])
    assert entry["form"]["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert entry["form"]["properties"]["category"]["enum"][0] == "spielplatz"


def test_a_participation_is_initiated_by_xbeteiligung_for_the_fachdienst_stadtplanung(
    api: Api,
) -> None:
    entry = catalogue_entry(api, "beteiligung")

    assert entry["responsible_unit"]["key"] == "fachdienst-stadtplanung"
    assert [f["key"] for f in entry["formats"]] == ["xbeteiligung-1.2"]


def test_the_bauantrag_is_filed_as_xbau_only_and_has_no_web_form(api: Api) -> None:
    entry = catalogue_entry(api, "bauantrag")

    assert [f["key"] for f in entry["formats"]] == ["xbau-2.5-kernmodul-1.2.2"]
    assert entry["form"] is None
    assert entry["responsible_unit"]["key"] == "untere-bauaufsicht"


def test_an_unknown_procedure_is_not_found(api: Api) -> None:
    response = api.get("/procedures/hundesteuer")

    assert response.status_code == 404
    assert response.get_json()["code"] == "procedure-not-found"


VALID = {
    "as shipped": {},
    "longest title": {"title": LONGEST_TITLE},
    "no costs at all": {"estimated_cost_eur": 0, "follow_up_cost_eur": 0},
    "cents": {"estimated_cost_eur": 4999.99},
    "twelve digits": {"estimated_cost_eur": 999_999_999_999},
    "over the cost limit (a rule of the formal check, not of the form)": {
        "estimated_cost_eur": 9000
    },
    "a line break in the description": {"description": "Zwei Bügel.\nUnd eine Bank."},
}
INVALID = {
    "title too short": {"title": "ab"},
    "title too long": {"title": LONGEST_TITLE + "T"},
    "description starts with a blank": {"description": " Bügel"},
    "unknown category": {"category": "hundewiese"},
    "negative cost": {"estimated_cost_eur": -1},
    "cost of thirteen digits": {"estimated_cost_eur": 1_000_000_000_000},
    "a yes/no answer as text": {"public_space": "ja"},
    "a field the form does not have": {"colour": "grün"},
}


@pytest.mark.parametrize("change", VALID.values(), ids=VALID.keys())
def test_data_the_form_accepts_is_accepted_as_json_and_as_xml(
    api: Api, change: dict[str, Any]
) -> None:
    form = catalogue_entry(api, "buergerbudget")["form"]
    body = proposal(**change)
    assert list(jsonschema.Draft202012Validator(form).iter_errors(body["data"])) == []

    as_json = api.post("/applications", "erika", json=body)
    as_xml = api.post(
        "/submissions",
        "erika",
        data=xml_message(form, body["data"]),
        content_type="application/xml",
    )

    assert as_json.status_code == 201, as_json.get_json()
    assert as_xml.status_code == 201, as_xml.get_json()


@pytest.mark.parametrize("change", INVALID.values(), ids=INVALID.keys())
def test_data_the_form_refuses_is_refused_as_json_and_as_xml(
    api: Api, change: dict[str, Any]
) -> None:
    form = catalogue_entry(api, "buergerbudget")["form"]
    body = proposal(**change)
    assert list(jsonschema.Draft202012Validator(form).iter_errors(body["data"])) != []

    as_json = api.post("/applications", "erika", json=body)
    as_xml = api.post(
        "/submissions",
        "erika",
        data=xml_message(form, body["data"]),
        content_type="application/xml",
    )

    assert (as_json.status_code, as_json.get_json()["code"]) == (422, "form-data-invalid")
    assert (as_xml.status_code, as_xml.get_json()["code"]) == (400, "fachdaten-invalid")
    for param in as_json.get_json()["invalid_params"]:  # said to people in German
        assert param["name"].startswith("data.")
        assert "Element" not in param["reason"] and "facet" not in param["reason"]


def test_a_missing_field_is_refused_by_the_form_and_both_paths(api: Api) -> None:
    form = catalogue_entry(api, "buergerbudget")["form"]
    body = proposal()
    del body["data"]["location"]
    assert list(jsonschema.Draft202012Validator(form).iter_errors(body["data"])) != []

    as_json = api.post("/applications", "erika", json=body)
    as_xml = api.post(
        "/submissions", "erika", data=xml_message(form, body["data"]), content_type="text/xml"
    )

    assert as_json.get_json()["code"] == "form-data-invalid"
    assert as_xml.get_json()["code"] == "fachdaten-invalid"


def test_the_description_is_that_of_the_latest_deployed_version(api: Api) -> None:
    assert catalogue_entry(api, "buergerbudget")["description"].startswith("Vorschläge")
    files = {k: v.decode() for k, v in read_bundle(ROOT / "bpmn" / "buergerbudget").items()}
    procedure = json.loads(files["procedure.json"])
    files["procedure.json"] = json.dumps({**procedure, "description": "Neue Beschreibung."})

    deployed = api.post("/process-definitions", "admin", json={"files": files})

    assert deployed.status_code == 201, deployed.get_json()
    assert catalogue_entry(api, "buergerbudget")["description"] == "Neue Beschreibung."
