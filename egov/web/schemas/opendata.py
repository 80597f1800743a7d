"""Open data (egov/web/api_open_data.py): the DCAT-AP.de catalogue and its distributions."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class DatasetPath(BaseModel):
    dataset_id: str = Field(description="z. B. vorgangsstatistik (siehe dct:identifier)")


CACHE_HEADERS = {"ETag": {"schema": {"type": "string"}}}
CATALOGUE: dict[str, Any] = {
    "description": "Der Katalog nach DCAT-AP.de 2.0 als JSON-LD (docs/open-data.md)",
    "content": {
        "application/ld+json": {
            "schema": {
                "type": "object",
                "required": ["@context", "@id", "@type", "dcat:dataset"],
                "properties": {
                    "@type": {"const": "dcat:Catalog"},
                    "dcat:dataset": {"type": "array", "items": {"type": "object"}},
                },
            }
        }
    },
    "headers": CACHE_HEADERS,
}
CSV_DISTRIBUTION: dict[str, Any] = {
    "description": "Der Datensatz als CSV (RFC 4180, UTF-8, Kopfzeile; `.` = geheimgehalten)",
    "content": {"text/csv": {"schema": {"description": "CSV-Text (OpenAPI 3.1: kein type)"}}},
    "headers": {**CACHE_HEADERS, "Content-Disposition": {"schema": {"type": "string"}}},
}
JSON_DISTRIBUTION: dict[str, Any] = {
    "description": "Der Datensatz als JSON: Spalten und Zeilen (null und `geheimgehalten`)",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["datensatz", "spalten", "zeilen"],
                "properties": {
                    "datensatz": {"type": "string"},
                    "spalten": {"type": "array", "items": {"type": "string"}},
                    "zeilen": {"type": "array", "items": {"type": "object"}},
                },
            }
        }
    },
    "headers": {**CACHE_HEADERS, "Content-Disposition": {"schema": {"type": "string"}}},
}
