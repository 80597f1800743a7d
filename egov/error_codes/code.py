"""One entry of the table of error codes (`egov.error_codes`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    status: int | None
    meaning: str
    family: str  # the section of docs/errors.md


def codes(family: str, status: int | None, **meanings: str) -> dict[str, Code]:
    """`meanings` by Python name (underscores), as codes (hyphens) of one family and status."""
    return {name.replace("_", "-"): Code(status, text, family) for name, text in meanings.items()}
