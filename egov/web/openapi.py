"""The OpenAPI 3.1 document at `/api/v1/openapi.json`, from the pydantic models that validate
the requests (flask-openapi3 collects them per blueprint, ADR 0012), completed from the route
table: security and `x-roles` from `@requires`, the problem responses every operation can give,
`X-Correlation-ID` on every response, the bodies the intake reads itself. Swagger UI from the
files of the flask-openapi3-swagger package (no CDN) at `/api/v1/docs`."""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from typing import Any

import flask_openapi3_swagger
from flask import Blueprint, Flask, Response, current_app, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models import APISpec
from flask_openapi3.models.components import Components
from flask_openapi3.models.info import Info
from flask_openapi3.utils import get_model_schema
from pydantic import BaseModel
from werkzeug.security import safe_join

from egov.errors import NotFound
from egov.web.apidoc import STATUS_TEXT, problem_response, validation_failed
from egov.web.auth import public
from egov.web.schemas.common import Problem

bp = Blueprint("openapi", __name__)
API = "/api/v1"
PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
EXTENSION = "egov.openapi"
EVERY_OPERATION = (400, 414, 429, 431, 500, 503)  # 414, 431: egov.web.limits
AUTHENTICATED = (401, 403)
WITH_BODY = {"post", "put", "patch"}
RETRY_AFTER = {"Retry-After": {"description": "Sekunden", "schema": {"type": "integer"}}}
CORRELATION = {
    "X-Correlation-ID": {
        "description": "Korrelations-ID der Anfrage (aus der Anfrage übernommen oder neu)",
        "schema": {"type": "string"},
    }
}
# Swagger UI loads its own files and the document, styles elements inline, shows data: images
SWAGGER_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
)
SWAGGER_FILES = Path(flask_openapi3_swagger.__file__).parent / "templates" / "swagger"
SWAGGER_PAGE = """<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="UTF-8">
<title>egov API</title>
<link rel="stylesheet" type="text/css" href="docs/css/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/js/swagger-ui-bundle.js"></script>
<script src="docs/js/swagger-ui-standalone-preset.js"></script>
<script src="docs/start.js"></script>
</body>
</html>
"""
SWAGGER_START = """window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: new URL("openapi.json", window.location.href).href,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
    showExtensions: true
  });
};
"""


def init_app(app: Flask) -> None:
    """flask-openapi3 reports a failed validation to the app's callback: our problem."""
    app.validation_error_callback = validation_failed  # type: ignore[attr-defined]


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    """This document."""
    if EXTENSION not in current_app.extensions:
        current_app.extensions[EXTENSION] = build_document(current_app)
    return jsonify(current_app.extensions[EXTENSION])


@bp.get("/docs")
@public
def docs() -> Response:
    """Swagger UI for this document."""
    response = Response(SWAGGER_PAGE, mimetype="text/html")
    response.headers["Content-Security-Policy"] = SWAGGER_POLICY
    return response


@bp.get("/docs/start.js")
@public
def docs_start() -> Response:
    """The script that starts Swagger UI."""
    return Response(SWAGGER_START, mimetype="text/javascript")


@bp.get("/docs/<folder>/<filename>")
@public
def docs_file(folder: str, filename: str) -> Response:
    """The files of Swagger UI (css/, js/, images/), shipped with flask-openapi3-swagger."""
    found = safe_join(str(SWAGGER_FILES), folder, filename)
    if found is None or not Path(found).is_file():
        raise NotFound("Keine solche Datei.")
    kind = mimetypes.guess_type(found)[0] or "application/octet-stream"
    response = Response(Path(found).read_bytes(), mimetype=kind)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def build_document(app: Flask) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    tags: list[Any] = []
    for blueprint in app.blueprints.values():
        if isinstance(blueprint, APIBlueprint):
            paths.update({API + uri: item for uri, item in blueprint.paths.items()})
            schemas.update(blueprint.components_schemas)
            tags.extend(blueprint.tags)
    spec = APISpec(
        openapi="3.1.0",
        info=Info(
            title="egov API",
            version="1.0.0",
            description="Workflow and case management for municipalities.",
        ),
        paths=paths,
        tags=tags,
        components=Components(schemas=schemas),
    )
    document: dict[str, Any] = spec.model_dump(
        mode="json", by_alias=True, exclude_unset=True, warnings=False
    )
    components = document.setdefault("components", {})
    components.setdefault("schemas", {}).update(_schemas(Problem))
    components["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An OIDC access token of a configured issuer. The scopes an "
            "operation lists are required from technical clients (client credentials); "
            "people are bound by their roles (x-roles) and object-level checks.",
        }
    }
    extra: dict[str, Any] = {}  # schemas of the bodies described by @documented_body
    for rule in app.url_map.iter_rules():
        path = PARAM.sub(r"{\1}", rule.rule)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            operation = document["paths"].get(path, {}).get(method.lower())
            if operation is not None:
                _complete(operation, app.view_functions[rule.endpoint], method.lower(), extra)
    components["schemas"].update(extra)
    return document


def _schemas(model: type[BaseModel]) -> dict[str, Any]:
    schema = get_model_schema(model, mode="serialization")
    found = {name: value for name, value in schema.pop("$defs", {}).items()}
    found[model.__name__] = schema
    return found


def _complete(operation: dict[str, Any], view: Any, method: str, schemas: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    statuses = list(EVERY_OPERATION)
    if not getattr(view, "public", False):
        statuses += AUTHENTICATED
        scope = getattr(view, "required_scope", None)  # checked for technical clients
        operation["security"] = [{"bearer": [] if scope is None else [scope]}]
        operation["x-roles"] = [str(r) for r in view.required_roles]
    else:
        operation["security"] = []
    if method in WITH_BODY or "requestBody" in operation:  # a DELETE may take a body, too
        statuses.append(413)
    if method in WITH_BODY or method == "delete":
        statuses.append(409)  # concurrent-update, on every write
    for status in statuses:
        responses.setdefault(str(status), problem_response(status))
    for retried in ("429", "503"):
        responses[retried].setdefault("headers", {}).update(RETRY_AFTER)
    for status, response in responses.items():
        response.setdefault("description", STATUS_TEXT.get(int(status), ""))
        response.setdefault("headers", {}).update(CORRELATION)
    documented = getattr(view, "documented_body", None)
    if documented is not None:
        media_types, description, example = documented
        content: dict[str, Any] = {}
        for media_type, schema in media_types.items():
            if isinstance(schema, type) and issubclass(schema, BaseModel):
                schemas.update(_schemas(schema))
                schema = {"$ref": f"#/components/schemas/{schema.__name__}"}
            content[media_type] = {"schema": schema}
            if example is not None:
                content[media_type]["example"] = example
        operation["requestBody"] = {
            "required": True,
            "description": description,
            "content": content,
        }
