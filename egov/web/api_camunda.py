"""Camunda Modeler's "Deploy to Camunda 7" against egov: the endpoint URL an integrator types
into the Modeler is `<site>/api/v1/camunda/engine-rest` (docs/modeling.md, ADR 0026). Only what
the Modeler calls is served, in Camunda 7 REST's shapes; the deploy is egov's own (same checks,
versions and activation as POST /process-definitions), a refusal egov's problem with status
400 as Camunda answers it and Camunda's `message` listing every place."""

from __future__ import annotations

from flask import Response, jsonify, request

from egov.errors import DomainError, Invalid
from egov.identity.model import Role
from egov.paging import PageRequest
from egov.web import camunda_views
from egov.web.apidoc import answers, blueprint, documented_body, validated
from egov.web.auth import current_principal, requires, requires_recent_login
from egov.web.context import container
from egov.web.edge import message_body
from egov.web.problems import problem
from egov.web.schemas.camunda import (
    MODELER_DEPLOYMENT,
    CamundaDeploymentCreated,
    CamundaDeploymentList,
    CamundaDeploymentQuery,
    CamundaVersion,
)
from egov.workflow import archive

bp = blueprint("camunda", __name__, "Camunda Modeler: Deploy to Camunda 7 (Camunda-7-REST)")
ENGINE = "/camunda/engine-rest"
# the Modeler's window is a page of file:// (Electron); its fetch asks CORS before it sends
# the token. Allowed without credentials: only the Bearer token counts, never a cookie.
MODELER_ORIGINS = frozenset({"file://", "null"})


@bp.before_request
def modeler_preflight() -> Response | None:
    """Answer the Modeler's CORS preflight (egov.web.cors answers the configured origins)."""
    if request.method != "OPTIONS" or request.headers.get("Origin") not in MODELER_ORIGINS:
        return None
    response = Response(status=204)
    response.headers["Access-Control-Allow-Methods"] = "GET, POST"
    response.headers["Access-Control-Allow-Headers"] = "Accept, Authorization, Content-Type"
    response.headers["Access-Control-Max-Age"] = "600"
    return response


@bp.after_request
def modeler_origin(response: Response) -> Response:
    origin = request.headers.get("Origin")
    if origin in MODELER_ORIGINS:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.vary.add("Origin")
    return response


@bp.post(f"{ENGINE}/deployment/create", responses=answers((200, CamundaDeploymentCreated), 415))
@requires(Role.ADMIN)
@requires_recent_login()
@message_body
@documented_body(
    {"multipart/form-data": MODELER_DEPLOYMENT}, "Das Diagramm und die angehängten Dateien"
)
@validated
def create_deployment() -> Response:
    """Deploy what the Modeler sends: a new process needs its procedure.json attached, a new
    version takes the files it does not send from the active version. Equal content answers
    the deployed version (`created` false). A refusal is 400 with `message` and
    `invalid_params` naming file#element and line."""
    if request.mimetype != "multipart/form-data":
        raise DomainError("Erwartet wird multipart/form-data.", code="unsupported-media-type")
    parts = [
        (archive.part_name(field, storage.filename), storage.read())
        for field, storage in request.files.items(multi=True)
    ]
    try:
        done = container().definitions.deploy_from_modeler(
            archive.from_parts(parts), actor=current_principal().subject
        )
    except Invalid as refusal:
        return problem(
            400,
            refusal.code,
            refusal.message,
            invalid_params=refusal.invalid_params,
            message=camunda_views.refusal_message(refusal),
        )
    name, source = request.form.get("deployment-name"), request.form.get("deployment-source")
    return jsonify(camunda_views.created(done, name, source))


@bp.get(f"{ENGINE}/deployment", responses=answers((200, CamundaDeploymentList)))
@requires(Role.ADMIN)
@validated
def deployments(query: CamundaDeploymentQuery) -> Response:
    """The Modeler's connection check (`?maxResults=0`): the first deployed versions as a
    bare array, as Camunda answers; the versions with egov's paging: GET /process-definitions."""
    if query.maxResults == 0:
        return jsonify([])
    page = container().definitions.versions(PageRequest(limit=query.maxResults))
    return jsonify([camunda_views.deployment(d, None, None) for d in page.items])


@bp.get(f"{ENGINE}/version", responses=answers((200, CamundaVersion)))
@requires(Role.ADMIN)
@validated
def version() -> Response:
    """The Camunda 7 release whose attributes egov translates (the Modeler asks before it
    deploys)."""
    return jsonify({"version": camunda_views.CAMUNDA_VERSION})
