"""The OpenAPI 3.1 document, generated from the route table (so it cannot drift)."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify

from egov.web.auth import public

bp = Blueprint("openapi", __name__)
PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
PROBLEM = {"$ref": "#/components/schemas/Problem"}


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    """This document."""
    return jsonify(build_document(current_app))


def build_document(app: Flask) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        if not hasattr(view, "required_roles"):
            continue
        path = PARAM.sub(r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule.endpoint, view, path)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "egov API",
            "version": "1.0.0",
            "description": "Workflow and case management for municipalities.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "An OIDC access token of a configured issuer. The scopes an "
                    "operation lists are required from technical clients (client credentials); "
                    "people are bound by their roles (x-roles) and object-level checks.",
                }
            },
            "schemas": {"Problem": _problem_schema()},
        },
    }


def _operation(endpoint: str, view: Any, path: str) -> dict[str, Any]:
    roles = [str(r) for r in view.required_roles]
    doc = (view.__doc__ or endpoint).strip().splitlines()[0]
    operation: dict[str, Any] = {
        "operationId": endpoint.replace(".", "_"),
        "summary": doc,
        "parameters": [
            {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
            for n in PARAM.findall(path.replace("{", "<").replace("}", ">"))
        ],
        "responses": {
            "200": {"description": "OK"},
            "default": {
                "description": "Problem",
                "content": {"application/problem+json": {"schema": PROBLEM}},
            },
        },
    }
    if getattr(view, "public", False):
        operation["security"] = []
    else:
        scope = getattr(view, "required_scope", None)  # checked for technical clients
        operation["security"] = [{"bearer": [] if scope is None else [scope]}]
        operation["x-roles"] = roles
    return operation


def _problem_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "title", "status", "code", "correlation_id"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "code": {"type": "string"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "correlation_id": {"type": "string"},
            "invalid_params": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "reason": {"type": "string"},
                        "line": {"type": ["integer", "null"]},
                    },
                },
            },
        },
    }
