"""Errors raised while authenticating a caller.

Every error carries a stable machine-readable ``code`` (used in API problem
responses and tests) and a German ``message`` for humans.
"""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    "token-missing": "Es wurde kein Zugriffstoken übermittelt.",
    "token-malformed": "Das Zugriffstoken ist fehlerhaft aufgebaut.",
    "token-signature-invalid": "Die Signatur des Zugriffstokens ist ungültig.",
    "token-algorithm-not-allowed": "Das Signaturverfahren des Zugriffstokens ist nicht zulässig.",
    "token-issuer-invalid": "Das Zugriffstoken stammt nicht vom erwarteten Aussteller.",
    "token-audience-invalid": "Das Zugriffstoken ist nicht für diesen Dienst bestimmt.",
    "token-expired": "Das Zugriffstoken ist abgelaufen.",
    "token-not-yet-valid": "Das Zugriffstoken ist noch nicht gültig.",
    "token-unknown-key": "Das Zugriffstoken wurde mit einem unbekannten Schlüssel signiert.",
    "token-claims-invalid": "Die Angaben im Zugriffstoken sind unvollständig oder ungültig.",
    "unknown-user": "Das Benutzerkonto ist nicht bekannt.",
    "invalid-credentials": "Benutzername oder Passwort sind falsch.",
}

_FALLBACK_MESSAGE = "Die Anmeldung ist fehlgeschlagen."


class AuthenticationError(Exception):
    """The caller could not be authenticated.

    ``code`` is stable and machine-readable, ``message`` is German and meant for
    end users. Neither contains token contents or other secrets.
    """

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message if message is not None else MESSAGES.get(code, _FALLBACK_MESSAGE)
        super().__init__(f"{code}: {self.message}")
