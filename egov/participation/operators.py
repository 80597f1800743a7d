"""The operators of the Beteiligung process: compute the period (`beteiligung.zeitraum`) and
apply an XBeteiligung 0402 (`beteiligung.aktualisieren`) to the participation, audited."""

from __future__ import annotations

from typing import Any

from egov.cases.service import record
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


def register(registry: OperatorRegistry) -> None:
    registry.register("beteiligung.zeitraum", zeitraum)
    registry.register("beteiligung.aktualisieren", aktualisieren)
