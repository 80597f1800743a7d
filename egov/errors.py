"""Domain errors: a stable kebab-case code, a German message for people, optional details.

Services raise these; the HTTP edge maps codes to statuses in one table (egov/web/problems.py).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain-error"
    default_message = "Die Anfrage konnte nicht verarbeitet werden."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        invalid_params: list[dict[str, Any]] | None = None,
    ) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        self.invalid_params = invalid_params or []
        super().__init__(self.message)


class NotFound(DomainError):
    code = "not-found"
    default_message = "Nicht gefunden."


class Conflict(DomainError):
    code = "conflict"
    default_message = "Der Zustand hat sich geändert; bitte neu laden."


class Forbidden(DomainError):
    code = "forbidden"
    default_message = "Dafür fehlt die Berechtigung."


class Invalid(DomainError):
    code = "invalid"
    default_message = "Die Angaben sind ungültig."


class TooManyRequests(DomainError):
    """A rate limit is exhausted; `retry_after` says in how many seconds to try again."""

    code = "rate-limited"
    default_message = "Zu viele Anfragen. Bitte versuchen Sie es später erneut."

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = max(1, retry_after)
