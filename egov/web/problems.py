"""RFC 9457 problem details: domain errors become `application/problem+json` with the HTTP
status that `egov.error_codes` gives their stable code: `type` the absolute URL of the code's
page (`problem_types.py`), `title` in German, `instance` the request's path, `detail` where it
helps, `code` and `correlation_id`. Werkzeug's routing errors get German titles too."""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import quote

from flask import Flask, Response, current_app, g, has_request_context, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge

from egov.db import CONCURRENT_UPDATE, INPUT_REFUSED, OUTAGE, error_name, lost_race
from egov.error_codes import status_of
from egov.errors import DomainError, TooManyRequests
from egov.identity.errors import AuthenticationError
from egov.intake.errors import IntakeError
from egov.jsoninput import JsonRefused
from egov.web.problem_types import status_title, type_uri
from egov.workflow.engine import WorkflowError

log = logging.getLogger(__name__)
security_log = logging.getLogger("egov.security")
PATH_SAFE = "/:@!$&'()*+,;=-._~"  # RFC 3986 pchar and "/", kept as they are


def status_for(code: str, default: int = 400) -> int:
    """The HTTP status of a stable code, from the one table `egov.error_codes.CODES`."""
    status = status_of(code)
    return default if status is None else status


def problem(
    status: int,
    code: str,
    title: str,
    *,
    detail: str | None = None,
    invalid_params: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": type_uri(code, current_app.extensions["egov"].settings.base_url),
        "title": title,
        "status": status,
        "code": code,
        "correlation_id": correlation_id(),
    }
    if has_request_context():  # the path percent-encoded: a NUL or a quote stays inert
        body["instance"] = quote(request.path, safe=PATH_SAFE)
    if detail:
        body["detail"] = detail
    if invalid_params:
        body["invalid_params"] = invalid_params
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def correlation_id() -> str:
    if "correlation_id" not in g:
        g.correlation_id = request.headers.get("X-Correlation-ID", "")[:64] or str(uuid.uuid4())
    return str(g.correlation_id)


def register(app: Flask) -> None:
    app.register_error_handler(TooManyRequests, _too_many)
    app.register_error_handler(DomainError, _domain)
    app.register_error_handler(IntakeError, _domain)
    app.register_error_handler(JsonRefused, _domain)
    app.register_error_handler(WorkflowError, _workflow)
    for concurrent in CONCURRENT_UPDATE:
        app.register_error_handler(concurrent, _concurrent)
    for outage in OUTAGE:
        app.register_error_handler(outage, _database)
    for refused in INPUT_REFUSED:
        app.register_error_handler(refused, _input_refused)
    app.register_error_handler(AuthenticationError, _authentication)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(Exception, _unexpected)


def _domain(exc: Any) -> Response:
    status = status_for(exc.code)
    log.info(
        "request_refused code=%s status=%s correlation_id=%s", exc.code, status, correlation_id()
    )
    return problem(status, exc.code, exc.message, invalid_params=getattr(exc, "invalid_params", []))


def _too_many(exc: TooManyRequests) -> Response:
    security_log.warning(
        "rate_limited path=%s remote=%s correlation_id=%s",
        request.path,
        request.remote_addr,
        correlation_id(),
    )
    response = problem(429, exc.code, exc.message)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _workflow(exc: WorkflowError) -> Response:
    """Engine messages may carry engine internals: log them, answer with the code only."""
    status = status_for(exc.code, default=409)
    log.info(
        "workflow_refused code=%s correlation_id=%s detail=%s",
        exc.code,
        correlation_id(),
        exc.message,
    )
    return problem(status, exc.code, "Der Prozess konnte diesen Schritt nicht ausführen.")


def _concurrent(exc: Exception) -> Response:
    log.info("concurrent_update correlation_id=%s error=%s", correlation_id(), type(exc).__name__)
    return problem(409, "concurrent-update", "Gleichzeitige Änderung; bitte erneut versuchen.")


RETRY_AFTER_SECONDS = 2


def _database(exc: Exception) -> Response:
    """The database is down, restarting or out of connections: nothing was committed (or a
    re-send gets the first answer), so the client is told to send again later. The driver's
    message names hosts and SQL: it goes to the log only."""
    if lost_race(exc):
        return _concurrent(exc)
    log.warning(
        "database_unavailable correlation_id=%s error=%s detail=%r",
        correlation_id(),
        error_name(exc),
        str(getattr(exc, "orig", None) or exc).strip()[:300],
    )
    response = problem(
        503,
        "database-unavailable",
        "Der Dienst ist vorübergehend nicht erreichbar. Bitte senden Sie erneut.",
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _input_refused(exc: Exception) -> Response:
    """The database refused a value as it is (a service did not check it): the request is
    wrong and nothing was committed. The driver's message may quote the value: log only."""
    log.warning(
        "input_refused_by_database correlation_id=%s error=%s detail=%r",
        correlation_id(),
        error_name(exc),
        str(getattr(exc, "orig", None) or exc).strip()[:300],
    )
    return problem(400, "input-invalid", "Eine Angabe kann so nicht gespeichert werden.")


def _too_large(exc: RequestEntityTooLarge) -> Response:
    log.info("request_too_large correlation_id=%s path=%s", correlation_id(), request.path)
    return problem(413, "message-too-large", "Die Anfrage ist größer als erlaubt.")


def _authentication(exc: AuthenticationError) -> Response:
    security_log.warning(
        "authentication_refused code=%s path=%s remote=%s correlation_id=%s",
        exc.code,
        request.path,
        request.remote_addr,
        correlation_id(),
    )
    response = problem(401, exc.code, exc.message)
    response.headers["WWW-Authenticate"] = (
        f'Bearer error="invalid_token", error_description="{exc.code}"'
    )
    return response


def _http(exc: HTTPException) -> Response:
    """Werkzeug's errors (unknown route, method, ...): German title, never its English text."""
    status = exc.code or 500
    code = (exc.name or "error").lower().replace(" ", "-")
    allowed = sorted(exc.valid_methods or ()) if isinstance(exc, MethodNotAllowed) else []
    response = problem(status, code, status_title(status), detail=_http_detail(status, allowed))
    if allowed:
        response.headers["Allow"] = ", ".join(allowed)
    return response


def _http_detail(status: int, allowed: list[str]) -> str | None:
    if status == 404:
        return "Unter dieser Adresse gibt es nichts (die Adressen nennt /api/v1/openapi.json)."
    if status == 405 and allowed:
        return f"Diese Adresse nimmt nur diese Methoden an: {', '.join(allowed)}."
    return None


def _unexpected(exc: Exception) -> Response:
    log.exception("unexpected_error correlation_id=%s", correlation_id(), exc_info=exc)
    return problem(
        500,
        "internal-error",
        "Interner Fehler. Bitte nennen Sie die Korrelations-ID.",
        detail="Bitte wenden Sie sich mit der correlation_id dieser Antwort an den Betrieb.",
    )
