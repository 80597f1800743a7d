"""The operators of the Beteiligung process: compute the period (`beteiligung.zeitraum`),
apply an XBeteiligung 0402 (`beteiligung.aktualisieren`) to the participation, audited, and
answer the planning system (`beteiligung.antwort`, 0411/0412 through the outbox)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from egov.cases.service import record
from egov.intake.xbeteiligung import OK_ROOTS, PROCEDURE_KEY, build_ok
from egov.integrations.fachverfahren import KIND as FACHVERFAHREN
from egov.outbox.service import enqueue
from egov.participation.period import Period
from egov.workflow.operators import OperatorError, OperatorRegistry, StepContext

# what a 0402 may change; a value the 0402 does not carry (an optional block left out) stays
UPDATABLE = (
    "title",
    "arbeitstitel",
    "description",
    "verfahrensschritt",
    "flaechenabgrenzung_url",
    "geltungsbereich",
    "raeumliche_beschreibung",
    "beteiligung_url",
    "oeffentlichkeit",
    "toeb",
    "period_start",
    "period_end",
    "documents",
    "variants",
)


def zeitraum(context: StepContext, _params: dict[str, Any], _data: dict[str, Any]) -> Any:
    data = context.case.data
    period = Period.of(data.get("period_start"), data.get("period_end"))
    return period.variables(context.now)


def changes(current: dict[str, Any], update: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Field -> {before, after} for every value the update carries and changes."""
    return {
        key: {"before": current.get(key), "after": update[key]}
        for key in UPDATABLE
        if update.get(key) not in (None, []) and update[key] != current.get(key)
    }


def aktualisieren(context: StepContext, params: dict[str, Any], data: dict[str, Any]) -> Any:
    update = params.get("aktualisierung")
    if not isinstance(update, dict):
        raise OperatorError(
            "beteiligung.aktualisieren braucht den Parameter 'aktualisierung'.",
            code="operator-params",
        )
    case = context.case
    changed = changes(case.data, update)
    if changed:
        case.data = {**case.data, **{key: value["after"] for key, value in changed.items()}}
        case.updated_at = context.now
    record(
        context.session,
        case,
        actor=context.actor,
        action="participation.updated",
        now=context.now,
        details={"message_id": update.get("message_id"), "changes": changed},
    )
    return zeitraum(context, params, data)


@dataclass(frozen=True)
class Answers:
    """`beteiligung.antwort`: the XBeteiligung answer back to the planning system (param
    `nachricht` 0411 after the 0401, 0412 after a 0402 given as `aktualisierung`), through
    the outbox to the endpoint of `beteiligung` (EGOV_FACHVERFAHREN_CONFIG); none configured:
    nothing is sent. One per message: its id and key derive from the message answered."""

    configured: bool

    def __call__(self, context: StepContext, params: dict[str, Any], _data: dict[str, Any]) -> Any:
        if not self.configured:
            return None
        code, update = str(params.get("nachricht")), params.get("aktualisierung") or {}
        if code not in OK_ROOTS:
            raise OperatorError("beteiligung.antwort: 'nachricht' ist 0411 oder 0412.")
        case, data = context.case, context.case.data
        key = f"xbeteiligung-{code}:{case.id}:{update.get('message_id') or 'initiiert'}"
        sender = (update if code == "0412" else data).get("absender") or {}
        round_ = data.get("oeffentlichkeit") or {}
        xml = build_ok(
            code,
            message_id=str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
            created_at=context.now.replace(tzinfo=UTC),
            ids=(data["vorgangs_id"], data["plan_id"], round_.get("beteiligungs_id") or ""),
            reader=(sender.get("kennung") or "", sender.get("name") or ""),
        )
        payload = {"procedure": PROCEDURE_KEY, "xml": xml.decode("utf-8")}
        return enqueue(
            context.session,
            case_id=case.id,
            kind=FACHVERFAHREN,
            payload=payload,
            now=context.now,
            idempotency_key=key,
            actor=context.actor,
        )


def register(registry: OperatorRegistry, *, answers: bool = False) -> None:
    """`answers`: an endpoint for `beteiligung` is configured (the answers back go out)."""
    registry.register("beteiligung.zeitraum", zeitraum)
    registry.register("beteiligung.aktualisieren", aktualisieren)
    registry.register("beteiligung.antwort", Answers(answers))
