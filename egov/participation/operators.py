"""The operators of the Beteiligung process: compute the period (`beteiligung.zeitraum`),
apply an XBeteiligung 0402 (`beteiligung.aktualisieren`) to the participation, audited, unless
a business rule refuses it (:func:`refusal`), and answer the planning system
(`beteiligung.antwort`: 0411/0412 through the outbox, 0422 for a refused 0402)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from egov.cases.service import record
from egov.intake.xbeteiligung_answers import OK_ROOTS
from egov.integrations.planning_answers import enqueue_answer
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


def refusal(current: dict[str, Any], update: dict[str, Any]) -> list[str]:
    """Why a 0402 the XSD accepts cannot be applied (empty: it can): a period that ends before
    it begins, once merged with the period known."""
    reasons = []
    rounds = (("oeffentlichkeit", "Öffentlichkeit"), ("toeb", "Träger öffentlicher Belange"))
    for key, name in rounds:
        round_ = update.get(key) or {}
        start, end = round_.get("period_start"), round_.get("period_end")
        if start and end and end < start:
            reasons.append(f"Der Beteiligungszeitraum ({name}) endet vor seinem Beginn.")
    start = update.get("period_start") or current.get("period_start")
    end = update.get("period_end") or current.get("period_end")
    if not reasons and start and end and end < start:
        reasons.append("Der Beteiligungszeitraum endet vor seinem Beginn.")
    return reasons


def _update_of(params: dict[str, Any]) -> dict[str, Any]:
    update = params.get("aktualisierung")
    if not isinstance(update, dict):
        raise OperatorError(
            "beteiligung.aktualisieren braucht den Parameter 'aktualisierung'.",
            code="operator-params",
        )
    return update


def aktualisieren(context: StepContext, params: dict[str, Any], data: dict[str, Any]) -> Any:
    update, case = _update_of(params), context.case
    reasons = refusal(case.data, update)
    if reasons:  # nothing changes; `beteiligung.antwort` answers it with a 0422
        details = {"message_id": update.get("message_id"), "reasons": reasons}
        record(
            context.session,
            case,
            actor=context.actor,
            action="participation.update_refused",
            now=context.now,
            details=details,
        )
        return zeitraum(context, params, data)
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
    `nachricht` 0411 after the 0401, 0412 after a 0402 given as `aktualisierung`, which
    becomes the 0422 when :func:`refusal` refused it), through the outbox to the endpoint of
    `beteiligung` (EGOV_FACHVERFAHREN_CONFIG); none configured: nothing is sent. One per
    message: its id and key derive from the message answered."""

    configured: bool

    def __call__(self, context: StepContext, params: dict[str, Any], _data: dict[str, Any]) -> Any:
        if not self.configured:
            return None
        code, update = str(params.get("nachricht")), params.get("aktualisierung") or {}
        if code not in OK_ROOTS:
            raise OperatorError("beteiligung.antwort: 'nachricht' ist 0411 oder 0412.")
        case, data = context.case, context.case.data
        reasons = refusal(data, update) if code == "0412" else []
        code = "0422" if reasons else code
        return enqueue_answer(
            context.session,
            code=code,
            key=f"xbeteiligung-{code}:{case.id}:{update.get('message_id') or 'initiiert'}",
            data=data,
            sender=(update if update else data).get("absender") or {},
            case_id=case.id,
            now=context.now,
            actor=context.actor,
            errors=reasons,
        )


def register(registry: OperatorRegistry, *, answers: bool = False) -> None:
    """`answers`: an endpoint for `beteiligung` is configured (the answers back go out)."""
    registry.register("beteiligung.zeitraum", zeitraum)
    registry.register("beteiligung.aktualisieren", aktualisieren)
    registry.register("beteiligung.antwort", Answers(answers))
