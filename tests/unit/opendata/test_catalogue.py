"""The DCAT-AP.de catalogue built from datasets' metadata (pure: no database)."""

from __future__ import annotations

from datetime import date, datetime

from egov.opendata.catalogue import Publisher, catalogue
from egov.opendata.datasets import PROPOSALS, STATISTICS, Built
from egov.opendata.table import Table

BASE = "https://egov.jena.example/api/v1"
JENA = Publisher("Stadt Jena", "https://www.jena.de", "16053000")
EMPTY = Built(Table(("a",), []), None, None, None)
FILLED = Built(
    Table(("a",), [{"a": 1}]), date(2026, 1, 1), date(2026, 12, 31), datetime(2026, 3, 2, 9, 5, 7)
)


def test_each_dataset_has_a_csv_and_a_json_distribution_under_the_api() -> None:
    found = catalogue(BASE, JENA, [(PROPOSALS, FILLED, {"csv": 120, "json": 340})])
    [dataset] = found["dcat:dataset"]
    csv, as_json = dataset["dcat:distribution"]

    assert dataset["@id"] == f"{BASE}/open-data/datasets/buergerbudget-vorschlaege"
    assert csv["dcat:downloadURL"] == {"@id": f"{dataset['@id']}.csv"}
    assert csv["dcat:accessURL"] == csv["dcat:downloadURL"]
    assert csv["dcat:byteSize"] == {"@value": "120", "@type": "xsd:decimal"}
    assert as_json["dcat:mediaType"]["@id"].endswith("/media-types/application/json")
    assert as_json["dcatde:licenseAttributionByText"] == {"@value": "Stadt Jena", "@language": "de"}
    assert dataset["dct:temporal"]["dcat:startDate"] == {
        "@value": "2026-01-01",
        "@type": "xsd:date",
    }
    assert dataset["dct:modified"]["@value"] == "2026-03-02T09:05:07Z"
    assert found["dct:modified"] == dataset["dct:modified"]
    assert dataset["dct:accrualPeriodicity"]["@id"].endswith("/frequency/CONT")


def test_an_empty_dataset_has_no_temporal_coverage_and_no_contributor_id_unless_set() -> None:
    found = catalogue(BASE, JENA, [(STATISTICS, EMPTY, {"csv": 0, "json": 0})])
    [dataset] = found["dcat:dataset"]
    assert "dct:temporal" not in dataset
    assert "dct:modified" not in found
    assert "dcatde:contributorID" not in dataset
    named = Publisher("Stadt Jena", "https://www.jena.de", "16053000", "http://dcat-ap.de/x")
    [with_id] = catalogue(BASE, named, [(STATISTICS, EMPTY, {"csv": 0, "json": 0})])["dcat:dataset"]
    assert with_id["dcatde:contributorID"] == {"@id": "http://dcat-ap.de/x"}
