"""Every stable error code egov answers or records, with its HTTP status and its meaning.

The one table of codes, in four parts (`general.py`, `applications.py`, `processes.py`,
`operations.py`), merged here in the order of docs/errors.md. `egov.web.problems` takes the
HTTP status of a refusal from here, `docs/errors.md` is generated from it (`egov error-docs`,
egov/cli/processes.py), and a test scans the source so that a code used in the code but
missing here (or listed here but used nowhere) fails the build.
`status` None: the code never reaches an HTTP client; it names an incident or a log line.
"""

from __future__ import annotations

from egov.error_codes import applications, general, operations, processes
from egov.error_codes.code import Code

CODES: dict[str, Code] = {
    **general.CODES,
    **applications.CODES,
    **processes.CODES,
    **operations.CODES,
}

# Codes built at run time (`f"{peer.code_prefix}-timeout"`, `f"dms-{store_code}"`, werkzeug's
# error names), which a scan of the source cannot find as literals.
COMPOSED = frozenset(
    {
        *(
            f"{peer}-{outcome}"
            for peer in ("receiver", "webhook")
            for outcome in ("timeout", "unreachable", "error", "refused", "tls")
        ),
        *(f"dms-{store}" for store in ("store-unavailable", "store-rejected", "store-integrity")),
        "method-not-allowed",
    }
)


def status_of(code: str) -> int | None:
    """The HTTP status of a code (None: unknown code, or one that never reaches HTTP)."""
    entry = CODES.get(code)
    return None if entry is None else entry.status


__all__ = ["CODES", "COMPOSED", "Code", "status_of"]
