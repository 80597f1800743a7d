"""Explicit versions of a process definition: exactly one version of a process is active, new
cases start on it; any version can be made active again (a rollback), each time with who and
why in the definition's trail (`definition_activations`). Running cases stay on their version.
The files of a version come back byte for byte: the text the engine reads, and the original
bytes (`originals`) of a file whose encoding is not UTF-8.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from egov.errors import Invalid, NotFound
from egov.workflow.store import DefinitionActivation, ProcessDefinition, active_definition

log = logging.getLogger(__name__)
MAX_REASON_CHARS = 2000
DEPLOY_REASON = "bereitgestellt"


@dataclass(frozen=True)
class DefinitionFile:
    name: str
    content: bytes
    media_type: str


MEDIA_TYPES = {
    ".bpmn": "application/xml",
    ".dmn": "application/xml",
    ".json": "application/json",
    ".form": "application/json",  # a Camunda Form (form-js)
    ".txt": "text/plain; charset=utf-8",
}


def get_definition(session: Session, definition_id: str) -> ProcessDefinition:
    definition = session.get(ProcessDefinition, definition_id)
    if definition is None:
        raise NotFound("Prozessdefinition nicht gefunden.", code="definition-not-found")
    return definition


def originals(files: dict[str, bytes], texts: dict[str, str]) -> dict[str, str]:
    """Base64 of the deployed bytes of each file that are not the UTF-8 of its text (a model
    in ISO-8859-1, windows-1252 or UTF-16, a UTF-8 byte order mark)."""
    return {
        name: base64.b64encode(content).decode("ascii")
        for name, content in files.items()
        if content != texts[name].encode("utf-8")
    }


def definition_file(definition: ProcessDefinition, name: str) -> DefinitionFile:
    """One file of a version, byte for byte as it was deployed."""
    if name not in definition.files:
        raise NotFound("Datei nicht in dieser Version.", code="definition-file-not-found")
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    media_type = MEDIA_TYPES.get(suffix, "application/octet-stream")
    kept = (definition.originals or {}).get(name)
    content = base64.b64decode(kept) if kept else definition.files[name].encode("utf-8")
    return DefinitionFile(name, content, media_type)


def check_reason(reason: object) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid(
            "Bitte einen Grund angeben.",
            code="activation-reason-missing",
            invalid_params=[{"name": "reason", "reason": "fehlt"}],
        )
    if len(reason) > MAX_REASON_CHARS:
        raise Invalid(
            f"Der Grund ist länger als {MAX_REASON_CHARS} Zeichen.",
            code="activation-reason-missing",
            invalid_params=[{"name": "reason", "reason": f"höchstens {MAX_REASON_CHARS} Zeichen"}],
        )
    return reason.strip()


def activate(
    session: Session, definition: ProcessDefinition, *, actor: str, reason: str, now: datetime
) -> bool:
    """Make `definition` the active version of its process; False if it already was.
    Two racing activations collide on the unique index of active versions: one is retried."""
    if definition.active:
        return False
    previous = active_definition(session, definition.process_id)
    session.execute(
        update(ProcessDefinition)
        .where(
            ProcessDefinition.process_id == definition.process_id,
            ProcessDefinition.active.is_(True),
        )
        .values(active=False)
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
    definition.active = True
    session.add(
        DefinitionActivation(
            process_id=definition.process_id,
            definition_id=definition.id,
            previous_id=previous.id if previous is not None else None,
            activated_at=now,
            activated_by=actor,
            reason=reason,
        )
    )
    session.flush()
    log.info(
        "definition_activated process_id=%s version=%s previous=%s actor=%s",
        definition.process_id,
        definition.version,
        previous.version if previous is not None else "-",
        actor,
    )
    return True


def activations(session: Session, process_id: str) -> list[DefinitionActivation]:
    """The trail of a process, oldest first."""
    query = (
        select(DefinitionActivation)
        .where(DefinitionActivation.process_id == process_id)
        .order_by(DefinitionActivation.activated_at, DefinitionActivation.id)
    )
    return list(session.scalars(query))
