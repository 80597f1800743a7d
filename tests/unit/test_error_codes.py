"""Every stable error code in the source is in the one table of codes, and the table lists no
code that the source does not use: a new code, or a kebab-case string that is not a code,
must be declared (egov/error_codes/, or NOT_CODES below)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from egov.error_codes import CODES, COMPOSED

EGOV = Path(__file__).resolve().parents[2] / "egov"
KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
BASE_CODES = {"conflict", "forbidden", "invalid"}  # one word: class attributes of egov.errors

# kebab-case strings in the source that are not error codes
NOT_CODES = {
    "x-egov-decimals",  # a JSON Schema keyword of converted Camunda Forms (workflow/forms.py)
    "egov-auskunft-1",  # the format of the citizen's data export (rights/export.py)
    "ballot-key",  # the generated key file of the ballots' pseudonyms (buergerbudget/vote.py)
    "auto-generated",  # Auto-Submitted mail header
    "deployment-name",  # form fields of Camunda 7's POST /deployment/create
    "deployment-source",
    "deploy-changed-only",
    "enable-duplicate-filtering",
    "tenant-id",
    "bn-beh",  # XÖV address prefixes
    "bn-g2g",
    "buero-buergerbudget",  # org unit keys of the demo city
    "fachdienst-stadtgruen",
    "fachdienst-stadtplanung",
    "untere-bauaufsicht",
    "strassen-verkehr",
    "local-model",  # a triage plugin's name (the example of egov/web/schemas/triage.py)
    "by-hand",  # incident resolutions and kinds
    "workflow-step",
    "callback-authentication",  # FIT-Connect callback headers
    "callback-timestamp",
    "case-reference",  # WebDAV property names
    "document-type",
    "config-docs",  # CLI commands
    "demo-setup",
    "dev-token",
    "org-unit",
    "org-units",
    "process-definitions",
    "verify-audit",
    "dry-run",  # egov retention run --dry-run
    "error-docs",
    "dms-incoming",  # DMS spool folder
    "egov-api",  # names of egov itself
    "egov-oss",
    "egov-sender",
    "egov-web",
    "egov-worker",
    "egov-xfall-profil",
    "xbau-antragsservice",
    "xbeteiligung-planungssystem",
    "public-participations",  # a paging scope
    "statement-attachment",  # document kinds
    "implementation-photo",
    "weighing-report",
    "latin-1",  # an encoding
    "json-webform",  # the catalogue's name of the JSON form path
    "x-egov-fachdaten-namespace",  # JSON Schema annotations of egov's forms
    "x-egov-fraction-digits",
    "x-egov-total-digits",
    "x-egov-xml-element",
    "x-egov-context",  # a task form's declared process data (egov/workflow/forms.py)
    "date-time",  # a JSON Schema format
    "email-not-configured",  # reasons in `escalation.unnotified` audit events
    "no-email-address",
    "no-supervisor",
    "gave-up",  # Celery task result
    "no-cache",  # HTTP header values
    "no-store",
    "no-referrer",
    "original-message",  # document kind
    "secret-key",  # file name
    "store-integrity",  # document store codes; they reach people as dms-store-*
    "store-rejected",
    "store-unavailable",
    "utf-8",  # encodings (egov/workflow/encoding.py)
    "utf-8-sig",
    "utf-16",
    "x-roles",  # OpenAPI extension
    "token-failures",  # a rate limit (egov.web.throttle)
    "open-data",  # the command group `egov open-data`
    "buergerbudget-vorschlaege",  # open datasets' ids (egov/opendata/datasets.py)
    "buergerbudget-runden",
    "beteiligung-stellungnahmen",
    "postfach-reply",  # a kind of held message (egov/workflow/held.py)
    "done-with-failures",  # a migration batch status (egov/workflow/migration_store.py)
    "audit-checkpoint",  # commands `egov audit-checkpoint`, `egov audit-key`
    "audit-key",
    "audit-signing-key",  # file name of the development key (egov/audit/signing.py)
    "egov-audit-checkpoint-1",  # the scheme of a signed checkpoint (egov/audit/checkpoint.py)
}


def kebab_literals() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted(EGOV.rglob("*.py")):
        if path.parent.name == "error_codes":  # the table itself
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and (KEBAB.match(text) or text in BASE_CODES):
                found.setdefault(text, set()).add(str(path.relative_to(EGOV)))
    return found


def test_every_kebab_case_string_of_the_source_is_a_declared_code_or_declared_not_one() -> None:
    undeclared = {
        text: sorted(where)
        for text, where in kebab_literals().items()
        if text not in CODES and text not in NOT_CODES
    }
    assert undeclared == {}, "declare these in egov/error_codes/ (or in NOT_CODES)"


def test_the_table_lists_no_code_that_the_source_does_not_use() -> None:
    used = set(kebab_literals())
    unused = sorted(code for code in CODES if code not in used and code not in COMPOSED)
    assert unused == []
    assert not NOT_CODES & set(CODES), "a string cannot be both a code and not one"


def test_every_code_has_a_meaning_and_a_status_that_http_knows() -> None:
    for name, code in CODES.items():
        assert code.meaning.endswith(".") and len(code.meaning) <= 100, name
        assert code.status is None or 400 <= code.status <= 599, name
