"""The DCAT-AP.de catalogue (version 2.0) as JSON-LD: a `dcat:Catalog` whose `dcat:Dataset`s
each have a CSV and a JSON `dcat:Distribution` under the same API. Pure, no I/O; field meanings
in docs/open-data.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from egov.opendata.datasets import EU, Built, Spec

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatde": "http://dcat-ap.de/def/dcatde/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
LICENSE = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
GEOCODING = "http://dcat-ap.de/def/politicalGeocoding"
IANA = "https://www.iana.org/assignments/media-types"
FORMATS = {  # extension: (media type, EU file type)
    "csv": ("text/csv", "CSV"),
    "json": ("application/json", "JSON"),
}


@dataclass(frozen=True)
class Publisher:
    name: str
    url: str
    municipality_key: str
    contributor_id: str = ""

    @property
    def geocoding(self) -> str:
        return f"{GEOCODING}/municipalityKey/{self.municipality_key}"


def ref(uri: str) -> dict[str, str]:
    return {"@id": uri}


def german(text: str) -> dict[str, str]:
    return {"@value": text, "@language": "de"}


def day(value: date) -> dict[str, str]:
    return {"@value": value.isoformat(), "@type": "xsd:date"}


def moment(value: datetime) -> dict[str, str]:
    return {"@value": value.replace(microsecond=0).isoformat() + "Z", "@type": "xsd:dateTime"}


def distribution_url(base: str, dataset_id: str, extension: str) -> str:
    return f"{base}/open-data/datasets/{dataset_id}.{extension}"


def _distribution(
    base: str, spec: Spec, built: Built, extension: str, size: int, publisher: Publisher
) -> dict[str, Any]:
    url = distribution_url(base, spec.id, extension)
    media_type, file_type = FORMATS[extension]
    found: dict[str, Any] = {
        "@id": f"{url}#distribution",
        "@type": "dcat:Distribution",
        "dct:title": german(f"{spec.title} ({file_type})"),
        "dcat:accessURL": ref(url),
        "dcat:downloadURL": ref(url),
        "dcat:mediaType": ref(f"{IANA}/{media_type}"),
        "dct:format": ref(f"{EU}/file-type/{file_type}"),
        "dct:license": ref(LICENSE),
        "dcatde:licenseAttributionByText": german(publisher.name),
        "dcat:byteSize": {"@value": str(size), "@type": "xsd:decimal"},
    }
    if built.modified is not None:
        found["dct:modified"] = moment(built.modified)
    return found


def _dataset(
    base: str, spec: Spec, built: Built, sizes: dict[str, int], publisher: Publisher
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "@id": f"{base}/open-data/datasets/{spec.id}",
        "@type": "dcat:Dataset",
        "dct:identifier": spec.id,
        "dct:title": german(spec.title),
        "dct:description": german(spec.description),
        "dcat:keyword": [german(k) for k in spec.keywords],
        "dcat:theme": [ref(t) for t in spec.themes],
        "dct:publisher": ref(publisher.url),
        "dct:accessRights": ref(f"{EU}/access-right/PUBLIC"),
        "dct:accrualPeriodicity": ref(spec.periodicity),
        "dct:language": ref(f"{EU}/language/DEU"),
        "dct:spatial": ref(publisher.geocoding),
        "dcatde:politicalGeocodingURI": ref(publisher.geocoding),
        "dcatde:politicalGeocodingLevelURI": ref(f"{GEOCODING}/Level/municipality"),
        "dcat:distribution": [
            _distribution(base, spec, built, ext, sizes[ext], publisher) for ext in FORMATS
        ],
    }
    if publisher.contributor_id:
        found["dcatde:contributorID"] = ref(publisher.contributor_id)
    if built.start is not None and built.end is not None:
        found["dct:temporal"] = {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": day(built.start),
            "dcat:endDate": day(built.end),
        }
    if built.modified is not None:
        found["dct:modified"] = moment(built.modified)
    return found


def catalogue(
    base: str,
    publisher: Publisher,
    datasets: list[tuple[Spec, Built, dict[str, int]]],
) -> dict[str, Any]:
    """`base` is the API's public address (EGOV_PUBLIC_URL/api/v1); `sizes` by extension."""
    changed = [built.modified for _, built, _ in datasets if built.modified is not None]
    found: dict[str, Any] = {
        "@context": CONTEXT,
        "@id": f"{base}/open-data",
        "@type": "dcat:Catalog",
        "dct:title": german(f"Offene Daten aus egov – {publisher.name}"),
        "dct:description": german(
            "Bürgerbudget, Beteiligungsverfahren und Vorgangsstatistik aus der "
            "Vorgangsbearbeitung egov, ohne personenbezogene Daten."
        ),
        "dct:publisher": {
            "@id": publisher.url,
            "@type": "foaf:Agent",
            "foaf:name": german(publisher.name),
        },
        "foaf:homepage": ref(publisher.url),
        "dct:language": ref(f"{EU}/language/DEU"),
        "dct:license": ref(LICENSE),
        "dct:spatial": ref(publisher.geocoding),
        "dcat:themeTaxonomy": ref(f"{EU}/data-theme"),
        "dcat:dataset": [_dataset(base, *entry, publisher) for entry in datasets],
    }
    if changed:
        found["dct:modified"] = moment(max(changed))
    return found
