"""Open data for the urban data platform (ADR 0033, docs/open-data.md): the DCAT-AP.de
catalogue and the CSV and JSON distributions of its datasets; public, no personal data
(decided in egov/opendata/), cacheable by ETag, CORS like the public participation API."""

from __future__ import annotations

from flask import Response

from egov.web import downloads
from egov.web.api_public import cacheable
from egov.web.apidoc import answers, blueprint, validated
from egov.web.auth import public
from egov.web.context import container
from egov.web.schemas.opendata import (
    CATALOGUE,
    CSV_DISTRIBUTION,
    JSON_DISTRIBUTION,
    DatasetPath,
)

bp = blueprint("open_data", __name__, "Offene Daten")
CSV = "text/csv; charset=utf-8"


def _download(body: bytes, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = downloads.attachment(name)
    return cacheable(response)


@bp.get("/open-data", responses={**answers((304, None)), "200": CATALOGUE})
@public
@validated
def catalogue() -> Response:
    """The DCAT-AP.de catalogue (JSON-LD) of every open dataset and its distributions."""
    body = container().open_data.catalogue()
    return cacheable(Response(body, mimetype="application/ld+json"))


@bp.get(
    "/open-data/datasets/<dataset_id>.csv",
    responses={**answers((304, None), 404), "200": CSV_DISTRIBUTION},
)
@public
@validated
def dataset_csv(path: DatasetPath) -> Response:
    """One dataset as CSV."""
    body = container().open_data.distribution(path.dataset_id, "csv")
    return _download(body, CSV, f"{path.dataset_id}.csv")


@bp.get(
    "/open-data/datasets/<dataset_id>.json",
    responses={**answers((304, None), 404), "200": JSON_DISTRIBUTION},
)
@public
@validated
def dataset_json(path: DatasetPath) -> Response:
    """One dataset as JSON."""
    body = container().open_data.distribution(path.dataset_id, "json")
    return _download(body, "application/json", f"{path.dataset_id}.json")
