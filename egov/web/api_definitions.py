"""Process definitions: deploy (JSON, multipart as Camunda Modeler sends it, or a ZIP), the
versions with their files byte for byte, and making a version active again (rollback)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from pydantic import ValidationError

from egov.errors import DomainError
from egov.identity.model import Role
from egov.web import downloads, views
from egov.web.apidoc import answers, blueprint, documented_body, validated, validation_failed
from egov.web.auth import current_principal, requires, requires_recent_login
from egov.web.context import container
from egov.web.edge import message_body
from egov.web.paging import page_request, paged
from egov.web.schemas.admin import (
    FILE_CONTENT,
    MULTIPART_BUNDLE,
    ZIP_BUNDLE,
    ActivationRequest,
    Bundle,
    Definition,
    DefinitionDetail,
    DefinitionFilePath,
    DefinitionList,
    DefinitionPath,
    DefinitionPending,
    DeployQuery,
)
from egov.web.schemas.common import ListQuery
from egov.workflow import archive

bp = blueprint("definitions", __name__, "Prozessdefinitionen")
ZIP_TYPES = {"application/zip", "application/x-zip-compressed"}
TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off"}


@bp.get("/process-definitions", responses=answers((200, DefinitionList)))
@requires(Role.ADMIN)
@validated
def definitions(query: ListQuery) -> Response:
    """Every deployed version of every process definition."""
    return paged(container().definitions.versions(page_request()), views.definition)


@bp.post(
    "/process-definitions",
    responses=answers((201, Definition), (200, Definition), 409, 415, 422),
)
@requires(Role.ADMIN)
@requires_recent_login()
@message_body
@documented_body(
    {
        "application/json": Bundle,
        "multipart/form-data": MULTIPART_BUNDLE,
        "application/zip": ZIP_BUNDLE,
    },
    "Das Bündel: JSON, Dateien wie Camunda Modeler sie sendet, oder ein ZIP-Archiv",
)
@validated
def deploy(query: DeployQuery) -> Response:
    """Deploy a bundle; new content is a new version and becomes active, content equal to a
    deployed version answers that version (200, `active` says whether new cases start on it;
    `?activate=true` makes it active again)."""
    files, activate = _bundle()
    if query.activate is not None:
        activate = query.activate
    deployment = container().definitions.deploy(
        files, actor=current_principal().subject, activate=activate
    )
    response = jsonify(views.definition(deployment.definition))
    response.status_code = 201 if deployment.created else 200
    return response


@bp.get("/process-definitions/<definition_id>", responses=answers((200, DefinitionDetail), 404))
@requires(Role.ADMIN)
@validated
def definition(path: DefinitionPath) -> Response:
    """One version: its files, whether it is active, who deployed it when, and the trail of
    activations of its process."""
    found = container().definitions.version(path.definition_id)
    trail = container().definitions.trail(path.definition_id)
    return jsonify(views.definition_detail(found, trail))


@bp.get(
    "/process-definitions/<definition_id>/files/<path:name>",
    responses={**answers(404), "200": FILE_CONTENT},
)
@requires(Role.ADMIN)
@validated
def definition_file(path: DefinitionFilePath) -> Response:
    """One file of a version, byte for byte as deployed (BPMN DI included)."""
    found = container().definitions.file(path.definition_id, path.name)
    response = Response(found.content, mimetype=found.media_type)
    response.headers["Content-Disposition"] = downloads.attachment(found.name)
    return response


@bp.post(
    "/process-definitions/<definition_id>/activate",
    responses=answers((200, Definition), (202, DefinitionPending), 404, 409, 422),
)
@requires(Role.ADMIN)
@requires_recent_login()
@documented_body({"application/json": ActivationRequest}, "Warum diese Version aktiv wird")
@validated
def activate(path: DefinitionPath) -> Response:
    """Make this version the active one of its process (e.g. roll back to an earlier one),
    `{"reason": "..."}`: new cases start on it, running cases stay on theirs. Audited with
    who and why; the service checks the reason (422 `activation-reason-missing`). Where the
    procedure of this or the active version lists `activate` in `four_eyes`, the first
    admin's activation is a request (202, `pending`), another admin's within 24 hours carries
    it out (200), the same admin again is 409 `four-eyes-own-request`."""
    body = request.get_json(silent=True)
    reason = body.get("reason") if isinstance(body, dict) else None
    found, pending = container().definitions.activate(
        path.definition_id, actor=current_principal().subject, reason=reason
    )
    if pending is None:
        return jsonify(views.definition(found))
    response = jsonify({**views.definition(found), "pending": views.pending(pending)})
    response.status_code = 202
    return response


def _bundle() -> tuple[dict[str, bytes], bool | None]:
    """The files of the request body by its media type, and an `activate` field if any."""
    if request.mimetype == "application/json":
        try:
            bundle = Bundle.model_validate(request.get_json(silent=True))
        except ValidationError as error:
            validation_failed(error)
        return {k: v.encode() for k, v in bundle.files.items()}, bundle.activate
    if request.mimetype == "multipart/form-data":
        parts = [
            (archive.part_name(field, storage.filename), storage.read())
            for field, storage in request.files.items(multi=True)
        ]
        return archive.from_parts(parts), _flag(request.form.get("activate"))
    if request.mimetype in ZIP_TYPES:
        return archive.unpack_zip(request.get_data()), None
    raise DomainError(
        "Erwartet wird application/json, multipart/form-data oder application/zip.",
        code="unsupported-media-type",
    )


def _flag(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if str(value).lower() in TRUE:
        return True
    if str(value).lower() in FALSE:
        return False
    raise archive.refused("activate", "true oder false")
