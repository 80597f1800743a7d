"""What the `/api/v1` handlers declare about themselves (ADR 0012): blueprints of
flask-openapi3 whose pydantic models validate the request, `answers(...)` for the statuses an
operation really gives, `@validated` to validate only after `@requires` has authenticated,
`@documented_body` for bodies a service reads itself (streamed XML, the web form), and the
validation error as our problem+json (400 `bad-request` with German `invalid_params`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any, TypeVar

from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from flask_openapi3.request import _validate_request
from flask_openapi3.utils import parse_parameters
from pydantic import BaseModel, ValidationError

from egov.errors import Invalid
from egov.paging import bad_limit

F = TypeVar("F", bound=Callable[..., Any])
Responses = dict[str | int | HTTPStatus, type[BaseModel] | dict[Any, Any] | None]
PROBLEM_REF = "#/components/schemas/Problem"
REASONS = {
    "missing": "fehlt",
    "string_type": "muss Text sein",
    "int_type": "muss eine ganze Zahl sein",
    "int_parsing": "muss eine ganze Zahl sein",
    "bool_type": "muss true oder false sein",
    "bool_parsing": "muss true oder false sein",
    "dict_type": "muss ein Objekt sein",
    "list_type": "muss eine Liste sein",
    "model_type": "muss ein JSON-Objekt sein",
    "model_attributes_type": "muss ein JSON-Objekt sein",
    "greater_than_equal": "ist zu klein",
    "less_than_equal": "ist zu groß",
    "too_short": "ist zu kurz oder hat zu wenige Einträge",
    "too_long": "ist zu lang oder hat zu viele Einträge",
    "literal_error": "hat keinen der erlaubten Werte",
    "string_too_short": "ist zu kurz",
    "string_too_long": "ist zu lang",
}
STATUS_TEXT = {
    200: "OK",
    201: "Angelegt",
    202: "Angenommen, noch nicht zugeordnet",
    204: "Erledigt, ohne Inhalt",
    400: "Die Anfrage ist fehlerhaft (Parameter, Kopfzeile oder Körper).",
    401: "Nicht angemeldet oder Token ungültig.",
    403: "Rolle, Client oder Berechtigung (Scope) fehlt.",
    404: "Nicht gefunden (oder für den Aufrufer nicht sichtbar).",
    409: "Konflikt mit dem aktuellen Zustand.",
    413: "Die Anfrage ist zu groß.",
    414: "Die Adresse der Anfrage ist zu lang.",
    415: "Nicht unterstützter Medientyp.",
    422: "Inhaltlich nicht verarbeitbar.",
    429: "Zu viele Anfragen (Retry-After).",
    431: "Die Kopfzeilen der Anfrage sind zu zahlreich oder zu groß.",
    500: "Interner Fehler.",
    503: "Vorübergehend nicht verfügbar (Retry-After).",
}


def operation_id(bp_name: str, name: str, path: str, method: str) -> str:
    """`<blueprint>_<function>`, as the document named operations before ADR 0012."""
    return f"{bp_name}_{name}"


def blueprint(
    name: str, import_name: str, description: str, template_folder: str | None = None
) -> APIBlueprint:
    """A blueprint of /api/v1 handlers; its name is the tag of its operations. A handler that
    answers a browser with a page of its own finds its template in `template_folder`."""
    tag = Tag(name=name, description=description)
    return APIBlueprint(
        name,
        import_name,
        abp_tags=[tag],
        operation_id_callback=operation_id,
        template_folder=template_folder,
    )


def problem_response(status: int) -> dict[str, Any]:
    return {
        "description": STATUS_TEXT.get(status, "Problem"),
        "content": {"application/problem+json": {"schema": {"$ref": PROBLEM_REF}}},
    }


def answers(*statuses: int | tuple[int, type[BaseModel] | None]) -> Responses:
    """The responses of an operation: `(201, Model)` or `(204, None)` for success, a bare
    status for a problem. 400, 401, 403, 429, 500 and 503 are added to every operation by
    egov.web.openapi, 413 to every one that takes a body (a DELETE with a reason, too)."""
    responses: Responses = {}
    for entry in statuses:
        if isinstance(entry, tuple):
            status, model = entry
            responses[str(status)] = model
        else:
            responses[str(entry)] = problem_response(entry)
    return responses


def validated(view: F) -> F:
    """Validate path, query, headers and body by the view's annotated models when the view
    is called, i.e. below `@requires`: an anonymous caller gets 401, not a validation error."""
    view.__delay_validate_request__ = True  # type: ignore[attr-defined]

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        models = getattr(wrapper, "_models", None)
        if models is None:
            models = parse_parameters(view, doc_ui=False)
            wrapper._models = models  # type: ignore[attr-defined]
        header, cookie, path, query, form, body, raw = models
        values = _validate_request(
            header,
            cookie,
            path,
            query,
            form,
            body,
            raw,  # type: ignore[arg-type]
            path_kwargs=kwargs,
        )
        values.update(kwargs)
        return view(*args, **values)

    return wrapper  # type: ignore[return-value]


def documented_body(
    media_types: dict[str, dict[str, Any] | type[BaseModel]],
    description: str,
    example: Any = None,
) -> Callable[[F], F]:
    """Describe a request body the handler (or its service) reads itself: streamed with a
    size limit (XML intake), or checked field by field with 422 (the web form). The library
    never reads it; egov.web.openapi puts it into the document."""

    def decorate(view: F) -> F:
        view.documented_body = (media_types, description, example)  # type: ignore[attr-defined]
        return view

    return decorate


def validation_failed(error: ValidationError) -> Any:
    """flask-openapi3's validation error callback: our problem, never pydantic's text."""
    params = []
    for item in error.errors(include_url=False, include_input=False, include_context=False):
        name = ".".join(str(part) for part in item["loc"]) or "body"
        params.append({"name": name, "reason": REASONS.get(item["type"], "ist ungültig")})
    if [p["name"] for p in params] == ["limit"]:
        raise bad_limit() from None  # the same refusal as egov.paging's own
    raise Invalid("Die Anfrage ist ungültig.", code="bad-request", invalid_params=params) from None
