"""Every `/api/v1` answer the suite's test clients get is checked against egov's OpenAPI
document with openapi-core: a status the operation does not document, a body that does not
match its schema or a header of the wrong type fails the test that made the request.

On for the whole suite: tests/conftest.py makes `CheckedClient` the test client of every
Flask app. Requests to a path or method the document does not describe (the probes of 404 and
405) are not checked; nor are the document, Swagger UI and the pages of the problem types."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from werkzeug.test import TestResponse

from egov.web.openapi import build_document

API = "/api/v1/"
NOT_CHECKED = ("/api/v1/openapi.json", "/api/v1/docs", "/api/v1/problems/")  # documentation
_specs: dict[str, OpenAPI] = {}


class UndocumentedResponse(AssertionError):
    pass


class AnsweredRequest(WerkzeugOpenAPIRequest):
    """The request of an answer: its body was read by the app (and is not checked here)."""

    @property
    def body(self) -> bytes | None:
        return None


def spec_of(app: Flask) -> OpenAPI:
    """One parsed document per distinct document (every app of the suite has the same)."""
    text = json.dumps(build_document(app), sort_keys=True)
    if text not in _specs:
        json_types = {"application/problem+json": json.loads, "application/ld+json": json.loads}
        config = Config(extra_media_type_deserializers=json_types)
        _specs[text] = OpenAPI.from_dict(json.loads(text), config=config)
    return _specs[text]


def check(app: Flask, response: TestResponse) -> None:
    request = response.request
    if not request.path.startswith(API) or request.path.startswith(NOT_CHECKED):
        return
    spec = app.extensions.get("egov.openapi.spec")
    if spec is None:
        spec = app.extensions["egov.openapi.spec"] = spec_of(app)
    errors = []
    try:
        for error in spec.iter_response_errors(
            AnsweredRequest(request), WerkzeugOpenAPIResponse(response)
        ):
            errors.append(error)
    except (PathNotFound, OperationNotFound):
        return
    problems = [_describe(error) for error in errors]
    problems = [p for p in problems if p is not None]
    if problems:
        raise UndocumentedResponse(
            f"{request.method} {request.path} -> {response.status_code}: "
            + "; ".join(problems)
            + f"\n{response.get_data(as_text=True)[:800]}"
        )


def _describe(error: Exception) -> str | None:
    if isinstance(error, (PathNotFound, OperationNotFound)):
        return None
    causes: list[Any] = list(getattr(error, "schema_errors", []) or [])
    cause = error.__cause__
    if cause is not None:
        causes.extend(getattr(cause, "schema_errors", []) or [])
    details = "; ".join(str(getattr(c, "message", c))[:300] for c in causes)
    return f"{type(error).__name__}: {str(error)[:300]} {details}".strip()


class CheckedClient(FlaskClient):
    """The Flask test client, checking each `/api/v1` response against the document."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        check(self.application, response)
        return response
