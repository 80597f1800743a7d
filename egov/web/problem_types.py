"""The `type` of every problem: `GET /api/v1/problems/<code>`, a small public page in German
for each code of `egov.error_codes`, so a problem's `type` is a URL that resolves.

Flask's and the request-limit middleware's problems carry the absolute URL (EGOV_PUBLIC_URL,
else the host and port egov listens on); the servers' own refusals, answered before egov
knows its settings (`serving.py`, `gunicorn_worker.py`), the path alone. A code without a
page (a werkzeug error egov does not list) is `about:blank`, as RFC 9457 says.
"""

from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, Response
from markupsafe import escape

from egov.error_codes import CODES
from egov.errors import NotFound
from egov.web.auth import public

PROBLEMS_PATH = "/api/v1/problems"
BLANK = "about:blank"
FAMILIES = {
    "generic": "Allgemein",
    "routing": "Adresse und Methode",
    "authentication": "Anmeldung",
    "intake": "Eingang von Anträgen",
    "cases": "Vorgänge, Aufgaben, Postfach",
    "triage": "Triage: Vorschlag der zuständigen Stelle und Entscheidung",
    "processes": "Prozessdefinitionen und Prozessausführung",
    "incidents": "Störungen",
    "directory": "Verzeichnis: Organisationseinheiten, Mitglieder, Vertretungen",
    "deliveries": "Zustellungen (nur in Störungen)",
}
STATUS_DE = {
    400: "Ungültige Anfrage",
    401: "Nicht angemeldet",
    403: "Keine Berechtigung",
    404: "Nicht gefunden",
    405: "Methode nicht erlaubt",
    409: "Konflikt",
    413: "Anfrage zu groß",
    414: "Adresse zu lang",
    415: "Medientyp nicht unterstützt",
    422: "Inhalt nicht verarbeitbar",
    429: "Zu viele Anfragen",
    431: "Kopfzeilen zu groß",
    500: "Interner Fehler",
    502: "Fehlerhafte Antwort eines anderen Dienstes",
    503: "Dienst nicht verfügbar",
}

bp = Blueprint("problem_types", __name__)


def type_uri(code: str, base_url: str = "") -> str:
    """The `type` of a problem with `code`: its page under `base_url` (no trailing slash)."""
    return f"{base_url}{PROBLEMS_PATH}/{code}" if code in CODES else BLANK


def status_title(status: int) -> str:
    """The German name of an HTTP status (werkzeug's names are English)."""
    if status in STATUS_DE:
        return STATUS_DE[status]
    return "Fehler der Anfrage" if status < 500 else "Fehler des Servers"


@bp.get("/problems/<code>")
@public
def problem_type(code: str) -> Response:
    """What a problem code means (public, HTML)."""
    entry = CODES.get(code)
    if entry is None:
        raise NotFound("Diesen Fehlercode gibt es nicht.", code="problem-type-not-found")
    if entry.status is None:
        status = "– (erreicht keinen Aufrufer; benennt eine Störung oder eine Protokollzeile)"
    else:
        status = f"{entry.status} {status_title(entry.status)} ({HTTPStatus(entry.status).phrase})"
    page = PAGE.format(
        code=escape(code),
        family=escape(FAMILIES.get(entry.family, entry.family)),
        status=escape(status),
        meaning=escape(entry.meaning),
    )
    return Response(page, mimetype="text/html")


PAGE = """<!doctype html>
<html lang="de">
<head><meta charset="utf-8"><title>Fehlercode {code} – egov</title></head>
<body>
<main>
<h1>Fehlercode <code>{code}</code></h1>
<dl>
<dt>Bereich</dt><dd>{family}</dd>
<dt>HTTP-Status</dt><dd>{status}</dd>
<dt>Bedeutung</dt><dd lang="en">{meaning}</dd>
</dl>
<p>Antworten mit diesem Fehler sind <code>application/problem+json</code> nach RFC 9457:
<code>code</code> ist dieser Fehlercode, <code>title</code> sagt auf Deutsch, was nicht ging,
<code>instance</code> nennt die Anfrage, <code>correlation_id</code> die Kennung, unter der
der Betrieb die Anfrage im Protokoll findet. Programme werten <code>code</code> aus, nie den
Text.</p>
</main>
</body>
</html>
"""
