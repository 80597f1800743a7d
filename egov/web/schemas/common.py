"""Models every part of the API shares: the problem, list paging, the intake headers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class InvalidParam(BaseModel):
    name: str
    reason: str
    line: int | None = None


class Problem(BaseModel):
    """RFC 9457 problem details with egov's stable `code` (docs/errors.md)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="URL der Seite zu diesem Fehlercode (GET /problems/{code})")
    title: str
    status: int
    code: str = Field(description="Stabiler Fehlercode, siehe docs/errors.md")
    correlation_id: str
    detail: str | None = None
    instance: str | None = Field(None, description="Der Pfad der Anfrage")
    invalid_params: list[InvalidParam] | None = None


class ListQuery(BaseModel):
    """Paging of every list: `cursor` from the last answer's `next_cursor` (or its `Link`
    header, rel=next), at most `limit` items."""

    cursor: str | None = Field(None, description="next_cursor der vorigen Seite")
    limit: int = Field(50, ge=1, le=200, description="höchstens so viele Einträge")


LINK_HEADER = {
    "Link": {
        "description": 'RFC 8288: die nächste Seite (rel="next"), falls es eine gibt',
        "schema": {"type": "string"},
    }
}


def listed(example: dict[str, Any] | None = None) -> ConfigDict:
    """model_config of a list response: the `Link` header (and an example)."""
    extra: dict[str, Any] = {"headers": LINK_HEADER}
    if example is not None:
        extra["example"] = example
    return ConfigDict(openapi_extra=extra)  # type: ignore[typeddict-unknown-key]


class IdempotencyHeader(BaseModel):
    idempotency_key: str | None = Field(
        None,
        alias="Idempotency-Key",
        description="1..128 druckbare ASCII-Zeichen: eine Wiederholung mit demselben "
        "Schlüssel erhält die erste Quittung (200) statt eines zweiten Vorgangs",
    )


class PendingCommand(BaseModel):
    command: str = Field(description="der beantragte Befehl")
    requested_by: str = Field(description="wer ihn beantragt hat")
    requested_at: str
    until: str = Field(description="bis wann eine zweite Administratorin bestätigen kann")
