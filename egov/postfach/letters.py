"""Letters (Bescheide, rejections) rendered from a process bundle's templates.

A letter becomes a document of the case and a message in the applicant's Postfach, in the
same transaction as the workflow step that wrote it.
"""

from __future__ import annotations

import re
from string import Template
from typing import Any

from egov.cases.service import record
from egov.documents.store import Document
from egov.postfach.store import PostfachMessage
from egov.workflow.operators import OperatorError, OperatorRegistry, StepContext

TEMPLATE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,60}$")


def render(template_text: str, data: dict[str, Any]) -> str:
    values = {key: _plain(value) for key, value in data.items()}
    return Template(template_text).safe_substitute(values)


def create_letter(
    context: StepContext, params: dict[str, Any], data: dict[str, Any]
) -> dict[str, str]:
    name = str(params.get("template", ""))
    if not TEMPLATE_NAME.match(name):
        raise OperatorError("Ungültiger Vorlagenname.", code="letter-template-invalid")
    template_text = context.bundle_files.get(f"letters/{name}.txt")
    if template_text is None:
        raise OperatorError(f"Briefvorlage {name!r} fehlt.", code="letter-template-missing")
    title = str(params.get("title") or "Schreiben zu Ihrem Antrag")
    body = render(template_text, {**data, "case_reference": context.case.reference})
    content = body.encode("utf-8")
    key, sha256 = context.files.put_bytes(content, context.placement)
    document = Document(
        case_id=context.case.id,
        kind="letter",
        filename=f"{context.case.reference}-{name}.txt",
        media_type="text/plain; charset=utf-8",
        size=len(content),
        sha256=sha256,
        sha512=None,
        storage_key=key,
        visible_to_applicant=True,
        created_at=context.now,
        created_by=context.actor,
    )
    context.session.add(document)
    context.session.flush()
    message = PostfachMessage(
        case_id=context.case.id,
        direction="outbound",
        subject=title,
        body=body,
        document_id=document.id,
        created_at=context.now,
        read_at=None,
    )
    context.session.add(message)
    context.session.flush()
    record(
        context.session,
        context.case,
        actor=context.actor,
        action="letter.sent",
        now=context.now,
        details={
            "document_id": document.id,
            "message_id": message.id,
            "template": name,
            "sha256": sha256,
        },
    )
    return {"document_id": document.id, "message_id": message.id}


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, float):
        return f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    if isinstance(value, list):
        return "\n".join(f"- {_plain(item)}" for item in value)
    if isinstance(value, dict):
        return str(value.get("reason") or value)
    return str(value)


def register(registry: OperatorRegistry) -> None:
    registry.register("letters.create", create_letter)
