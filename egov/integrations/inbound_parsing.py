"""Inbound messages parsed for their correlation, dispatched by root element: the XBau status
`statusFuerAntragsportal.1170` (message `bauantrag_status`, by case or portal reference) and the
XBeteiligung update `kommunal.Aktualisieren.0402` (message `beteiligung_aktualisieren`, by the
case key of its plan id and Vorgangs-ID) and the information messages
`kommunal.Information.*.045x` (by the same key, `record_only`: written to the case's audit trail,
no BPMN event waits for them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from egov.intake.xbau import STATUS_ROOT, parse_status_1170
from egov.intake.xbeteiligung import (
    AKTUALISIEREN_ROOT,
    INFORMATION_MESSAGE,
    INFORMATION_ROOTS,
    UPDATE_MESSAGE,
    parse_aktualisieren,
    read_update,
    read_valid,
)
from egov.intake.xbeteiligung_documents import InlineDocument, inline_documents
from egov.intake.xml_guard import Limits, root_tag

STATUS_MESSAGE = "bauantrag_status"


@dataclass(frozen=True)
class Parsed:
    message_name: str
    message_id: str  # the message UUID of the XÖV header (lower case)
    case_reference: str | None
    portal_reference: str | None
    payload: dict[str, Any]
    case_key: tuple[str, str] | None = None  # (scheme, value) of egov.cases.keys
    record_only: bool = False  # recorded in the case's audit trail, not correlated to BPMN
    documents: tuple[InlineDocument, ...] = ()  # carried inline, for the case file


def _status(body: bytes, limits: Limits, schema_dir: Path | None) -> Parsed:
    status = parse_status_1170(body, limits=limits, schema_dir=schema_dir)
    deadline = None if status.deadline is None else status.deadline.isoformat()
    return Parsed(
        STATUS_MESSAGE,
        status.message_id,
        status.case_reference,
        status.portal_reference,
        {"status_code": status.status_code, "text": status.text, "deadline": deadline},
    )


def _aktualisieren(body: bytes, limits: Limits, schema_dir: Path | None) -> Parsed:
    root = read_valid(body, limits=limits, schema_dir=schema_dir)
    message_id, key, summary = read_update(root)
    payload = {**summary, "message_id": message_id}
    documents = inline_documents(root)
    return Parsed(UPDATE_MESSAGE, message_id, None, None, payload, key, documents=documents)


def _information(body: bytes, limits: Limits, schema_dir: Path | None) -> Parsed:
    message_id, key, summary = parse_aktualisieren(
        body, limits=limits, schema_dir=schema_dir, roots=INFORMATION_ROOTS
    )
    payload = {**summary, "message_id": message_id}
    return Parsed(INFORMATION_MESSAGE, message_id, None, None, payload, key, record_only=True)


PARSERS: dict[str, Callable[[bytes, Limits, Path | None], Parsed]] = {
    STATUS_ROOT: _status,
    AKTUALISIEREN_ROOT: _aktualisieren,
    **{root: _information for root in INFORMATION_ROOTS},
}


def parse_inbound(body: bytes, limits: Limits, schema_dir: Path | None = None) -> Parsed:
    """Dispatch by root element (a DOCTYPE refused first, in any encoding); unknown roots go
    to the 1170 parser, which refuses them."""
    parser = PARSERS.get(root_tag(body) or "", _status)
    return parser(body, limits, schema_dir)
