"""BPMN tests of the Anliegen process (bpmn/anliegen/) through egov's runtime: the review
task goes to the unit triage suggested (or Allgemein), the next task to the decided unit, the
answer letter is rendered from the process data. Triage itself is tested through the API
(tests/integration/triage/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema

from egov.postfach import letters
from egov.workflow.deploy import read_bundle
from egov.workflow.engine import Engine, compile_bundle

BUNDLE = Path(__file__).resolve().parent


def request(**extra: Any) -> dict[str, Any]:
    """The start data as egov passes it: Fachdaten, reference, applicant, filing time."""
    return {
        "text": "Vor dem Haus Markt 3 ist die Straßenlaterne seit einer Woche dunkel.",
        "location": None,
        "coordinates": None,
        "case_reference": "JENA-2026-000123",
        "applicant_name": "Erika Mustermann",
        "submitted_at": "2026-12-01T09:30:00+01:00",
        **extra,
    }


class Run:
    def __init__(self, data: dict[str, Any]) -> None:
        self.definition = compile_bundle(read_bundle(BUNDLE))
        self.calls: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        self.instance = Engine.start(self.definition, data)
        self.instance.advance(self.handle)

    def handle(self, operator: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
        self.calls.append((operator, params, dict(data)))
        return params.get("status") or "ok"

    def complete(self, spec_name: str, form: dict[str, Any]) -> Any:
        self.instance = Engine.load(self.definition, self.instance.dump())
        [view] = self.instance.ready_user_tasks()
        assert view.spec_name == spec_name
        jsonschema.validate(form, view.form_schema, cls=jsonschema.Draft202012Validator)
        self.instance.complete_user_task(view.task_id, form)
        self.instance.advance(self.handle)
        return view


def test_the_review_task_goes_to_the_suggested_unit_and_the_work_to_the_decided_one() -> None:
    run = Run(request(triage_org_unit="strassen-verkehr"))
    review = run.complete(
        "route_request", {"routed_org_unit": "ordnungsamt", "triage_decision": "override"}
    )
    assert review.org_unit == "strassen-verkehr"
    [work] = run.instance.ready_user_tasks()
    assert (work.spec_name, work.org_unit) == ("handle_request", "ordnungsamt")
    run.complete("handle_request", {"answer_text": "Die Laterne wird am Montag repariert."})
    assert run.instance.completed
    statuses = [params["status"] for op, params, _ in run.calls if op == "case.set_status"]
    assert statuses == ["in_progress", "closed"]


def test_without_a_suggestion_the_review_task_goes_to_allgemein() -> None:
    run = Run(request())
    [review] = run.instance.ready_user_tasks()
    assert (review.spec_name, review.org_unit) == ("route_request", "allgemein")


def test_the_answer_letter_leaves_no_placeholder_behind() -> None:
    run = Run(request(triage_org_unit="allgemein"))
    run.complete("route_request", {"routed_org_unit": "allgemein", "triage_decision": "confirm"})
    run.complete("handle_request", {"answer_text": "Danke, wir kümmern uns."})
    [(_, params, data)] = [call for call in run.calls if call[0] == "letters.create"]
    assert params["template"] == "antwort"
    text = letters.render((BUNDLE / "letters" / "antwort.txt").read_text("utf-8"), data)
    assert "$" not in text
    assert "01.12.2026" in text and "Danke, wir kümmern uns." in text
