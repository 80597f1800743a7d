"""The XBeteiligung answers back to the planning system, written to the outbox as a
`fachverfahren.deliver` with the XML to the endpoint of `beteiligung`: one per message answered
(message UUID and idempotency key derive from `key`). Used by the Beteiligung process's
operator `beteiligung.antwort` (0411, 0412, 0422 for a refused update) and by the incident desk
when an admin discards a 0402 that named no known participation (0422)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from egov.intake.xbeteiligung import PROCEDURE_KEY, UPDATE_MESSAGE
from egov.intake.xbeteiligung_answers import build_answer
from egov.integrations.fachverfahren import KIND as FACHVERFAHREN
from egov.integrations.inbound_parsing import Parsed
from egov.outbox.service import enqueue


def enqueue_answer(
    session: Session,
    *,
    code: str,
    key: str,
    data: dict[str, Any],
    sender: dict[str, Any],
    case_id: str | None,
    now: datetime,
    actor: str,
    errors: Sequence[str] = (),
) -> str:
    """The answer `code` about the participation of summary `data` to `sender` (the
    `absender` of the message answered); the outbox id."""
    round_ = data.get("oeffentlichkeit") or {}
    xml = build_answer(
        code,
        message_id=str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
        created_at=now.replace(tzinfo=UTC),
        ids=(data["vorgangs_id"], data["plan_id"], round_.get("beteiligungs_id") or ""),
        reader=(sender.get("kennung") or "", sender.get("name") or ""),
        errors=errors,
    )
    return enqueue(
        session,
        case_id=case_id,
        kind=FACHVERFAHREN,
        payload={"procedure": PROCEDURE_KEY, "xml": xml.decode("utf-8")},
        now=now,
        idempotency_key=key,
        actor=actor,
    )


def refuse_discarded(
    session: Session, inbound_id: str, parsed: Parsed, now: datetime, actor: str
) -> str | None:
    """A 0402 kept for want of its participation, discarded by an admin: its 0422 (None for
    any other message)."""
    if parsed.message_name != UPDATE_MESSAGE:
        return None
    data = parsed.payload
    text = (
        f"Zu Plan-ID {data['plan_id']} und Vorgangs-ID {data['vorgangs_id']} ist kein "
        "Beteiligungsverfahren bekannt; die Aktualisierung wurde verworfen."
    )
    return enqueue_answer(
        session,
        code="0422",
        key=f"xbeteiligung-0422:inbound:{inbound_id}",
        data=data,
        sender=data.get("absender") or {},
        case_id=None,
        now=now,
        actor=actor,
        errors=(text,),
    )
