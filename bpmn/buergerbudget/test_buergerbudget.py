"""BPMN tests for the Bürgerbudget 2020 process (bpmn/buergerbudget/).

The process is driven with SpiffWorkflow directly: SpiffBpmnParser (with XSD validation of
BPMN, spiffworkflow extensions and DMN) + BpmnWorkflow. Service tasks go to a recorder that
behaves like egov's operators: ``case.set_status`` records the status, ``letters.create``
renders ``letters/<template>.txt`` with ``string.Template.substitute`` (strict: every ``$var``
must exist in the task data) and records the letter.

Each scenario runs twice: with SpiffWorkflow's default script engine and with egov's
restricted script engine (egov.workflow.scripting), which is what production uses.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from egov import grammar
from egov.postfach import letters
from egov.workflow import bescheide, scripting
from egov.workflow.engine import Engine, compile_bundle

BUNDLE = Path(__file__).resolve().parent
PROCESS_ID = "buergerbudget"

STADTPLANUNG = "fachdienst-stadtplanung"
STADTGRUEN = "fachdienst-stadtgruen"

COST_RULE_REASON = (
    "Gesamtkosten einschließlich Folgekosten für fünf Jahre über 5.000 EUR "
    "(Regel 2020: max. 5.000 EUR je Vorschlag)"
)


def bescheid_values(params: dict[str, Any]) -> dict[str, str]:
    spec = json.loads((BUNDLE / "procedure.json").read_text("utf-8"))
    config = bescheide.parse(spec)
    assert config is not None
    if params["template"] not in config.letters:
        return {}
    return config.values(datetime(2020, 10, 1, tzinfo=UTC))


def proposal(**overrides: Any) -> dict[str, Any]:
    """Form data of a proposal that satisfies every 2020 rule (as egov starts the process)."""
    data: dict[str, Any] = {
        "title": "Sitzbänke am Saaleradweg",
        "description": "Drei Sitzbänke zwischen Paradiesbahnhof und Burgauer Brücke.",
        "location": "Saaleradweg, Höhe Paradiespark",
        "category": "verkehr",
        "estimated_cost_eur": 3000,
        "follow_up_cost_eur": 800,
        "public_space": True,
        "other_funding_available": False,
        "case_reference": "BB-2020-0042",
        "applicant_name": "Erika Mustermann",
        "submitted_at": "2020-09-15T10:30:00+02:00",
        "submission_deadline": "2020-09-30",
        # the figures of the proposal's round (egov sets them at the start)
        "round_year": 2020,
        "cap_per_proposal_eur": 5000,
        "total_budget_eur": 25000,
    }
    data.update(overrides)
    return data


# --------------------------------------------------------------------------- engines


class RecordingServices:
    """Stands in for egov's service operators and records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.letters: list[dict[str, str]] = []
        self.vote_closed = False
        self.funded = False  # the round's result for this proposal (egov: results.py)

    @property
    def statuses(self) -> list[str]:
        return [params["status"] for name, params in self.calls if name == "case.set_status"]

    def __call__(self, task: Task, operation_name: str, operation_params: dict[str, Any]) -> str:
        """SpiffWorkflow's call_service convention: params as {name: {value, type}}, JSON reply."""
        params = {key: spec["value"] for key, spec in operation_params.items()}
        return json.dumps(self.handle(operation_name, params, task.data))

    def handle(self, operation: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
        """egov's ServiceHandler convention: (operator, params, data) -> JSON-able result."""
        self.calls.append((operation, params))
        if operation == "case.set_status":
            return {"status": params["status"]}
        if operation == "letters.create":
            template = (BUNDLE / "letters" / f"{params['template']}.txt").read_text("utf-8")
            # strict substitute: every $variable of the template must exist in the task data,
            # a Bescheid's gets its procedure's authority, date and Rechtsbehelfsbelehrung too,
            # unit names come with their articles too (egov.grammar)
            values = {**data, **grammar.unit_forms(data), **bescheid_values(params)}
            text = string.Template(template).substitute(values)
            letter = {"template": params["template"], "title": params["title"], "text": text}
            self.letters.append(letter)
            return {"document_id": f"doc-{len(self.letters)}"}
        if operation in ("buergerbudget.zulassen", "buergerbudget.abstimmung"):
            # the vote of the round: the process waits until it closed (egov: vote.py)
            closes_at = (
                "2020-11-14T00:00:00+01:00" if self.vote_closed else "2099-01-01T00:00:00+01:00"
            )
            return {"closed": self.vote_closed, "closes_at": closes_at}
        if operation == "buergerbudget.ergebnis":
            return {
                "year": 2020,
                "rank": 2 if self.funded else 6,
                "votes": 60,
                "online_votes": 55,
                "offline_votes": 5,
                "funded": self.funded,
                "reason": "gefördert: Rang 2 mit 60 Stimmen"
                if self.funded
                else "nicht gefördert: Rang 6 mit 60 Stimmen, passt nicht mehr in das "
                "verbleibende Budget (Rest: 3.700,00 EUR)",
                "cost_text": "4.250,50 EUR",
                "proposals": 8,
                "budget_text": "25.000,00 EUR",
            }
        if operation == "buergerbudget.umsetzung":
            return {"implementation": "in_implementation"}
        raise AssertionError(f"unknown service operation {operation}")


class RecordingScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """SpiffWorkflow's default engine with recorded service calls."""

    def __init__(self, services: RecordingServices) -> None:
        super().__init__()
        self.services = services

    def call_service(self, task: Task, **kwargs: Any) -> str:
        return self.services(task, kwargs["operation_name"], kwargs["operation_params"])


def default_engine(services: RecordingServices) -> PythonScriptEngine:
    return RecordingScriptEngine(services)


def restricted_engine(services: RecordingServices) -> PythonScriptEngine:
    engine = scripting.RestrictedScriptEngine()
    engine.service_caller = services
    return engine


EngineFactory = Callable[[RecordingServices], Any]

ENGINES: dict[str, EngineFactory] = {
    "spiff-default-engine": default_engine,
    "egov-restricted-engine": restricted_engine,
}


@pytest.fixture(params=sorted(ENGINES))
def engine_factory(request: pytest.FixtureRequest) -> EngineFactory:
    return ENGINES[request.param]


# --------------------------------------------------------------------------- driver


def parse_bundle() -> SpiffBpmnParser:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_files([str(path) for path in sorted(BUNDLE.glob("*.bpmn"))])
    parser.add_dmn_files([str(path) for path in sorted(BUNDLE.glob("*.dmn"))])
    return parser


class Run:
    """One process instance driven like egov drives it."""

    def __init__(self, engine_factory: EngineFactory, data: dict[str, Any]) -> None:
        parser = parse_bundle()
        self.services = RecordingServices()
        self.workflow = BpmnWorkflow(
            parser.get_spec(PROCESS_ID),
            parser.get_subprocess_specs(PROCESS_ID),
            script_engine=engine_factory(self.services),
        )
        [start] = self.workflow.get_tasks(state=TaskState.READY)
        start.data.update(data)
        self.workflow.do_engine_steps()

    def user_task(self) -> Task:
        tasks = self.workflow.get_tasks(state=TaskState.READY, manual=True)
        assert len(tasks) == 1, [t.task_spec.name for t in tasks]
        return tasks[0]

    def complete(self, spec_name: str, form: dict[str, Any]) -> None:
        task = self.user_task()
        assert task.task_spec.name == spec_name
        schema = load_form(task.task_spec.extensions["properties"]["formJsonSchemaFilename"])
        jsonschema.validate(form, schema, cls=jsonschema.Draft202012Validator)
        task.data.update(form)
        task.run()
        self.workflow.do_engine_steps()

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.workflow.last_task.data
        return data

    def close_vote(self) -> None:
        """The round's vote closes: the timer (its moment has passed) fires, the process asks
        `buergerbudget.abstimmung` again and ends."""
        self.services.vote_closed = True
        [timer] = self.workflow.get_tasks(state=TaskState.WAITING)
        timer.task_spec.event_definition.expression = "'2020-11-14T00:00:00+01:00'"
        timer.data["abstimmung"] = {"closed": True, "closes_at": "2020-11-14T00:00:00+01:00"}
        timer.internal_data.clear()  # the moment is evaluated again: it has passed
        self.workflow.refresh_timers()
        self.workflow.do_engine_steps()

    @property
    def waiting_for(self) -> list[str]:
        return [t.task_spec.name for t in self.workflow.get_tasks(state=TaskState.WAITING)]

    @property
    def end_event(self) -> str:
        if self.waiting_for == ["wait_vote_closed"]:
            self.close_vote()
        assert self.workflow.is_completed()
        [end] = [
            t
            for t in self.workflow.get_tasks(state=TaskState.COMPLETED)
            if t.task_spec.name.startswith("end_")
        ]
        return str(end.task_spec.bpmn_name)

    @property
    def operations(self) -> list[str]:
        return [name for name, _ in self.services.calls]


def load_form(filename: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((BUNDLE / filename).read_text("utf-8"))
    return schema


def org_unit_of(task: Task) -> str:
    """egov's rule: property orgUnit, else property orgUnitVariable, else the lane name."""
    properties = task.task_spec.extensions.get("properties", {})
    if "orgUnit" in properties:
        return str(properties["orgUnit"])
    if "orgUnitVariable" in properties:
        return str(task.data[properties["orgUnitVariable"]])
    return str(task.task_spec.lane)


def reject_formally(run: Run, note: str = "") -> None:
    form = {"formal_decision": "rejected"}
    if note:
        form["formal_note"] = note
    run.complete("review_formal_check", form)


def finding_rules(run: Run) -> list[str]:
    return [finding["rule"] for finding in run.user_task().data["formal_findings"]]


# --------------------------------------------------------------------------- paths A-E


def test_an_admissible_and_feasible_proposal_is_admitted_to_the_vote_with_a_bescheid(
    engine_factory: EngineFactory,
) -> None:
    run = Run(engine_factory, proposal())

    review = run.user_task()
    assert review.task_spec.bpmn_name == "Formale Prüfung"
    assert org_unit_of(review) == "buero-buergerbudget"
    assert review.data["formal_findings"] == []
    assert review.data["formally_admissible"] is True
    run.complete("review_formal_check", {"formal_decision": "admissible"})

    assessment = run.user_task()
    assert assessment.task_spec.bpmn_name == "Machbarkeit und Kostenschätzung"
    assert assessment.task_spec.lane == "fachabteilung"
    assert org_unit_of(assessment) == STADTPLANUNG
    assert run.services.statuses == ["in_feasibility_check"]
    run.complete(
        "assess_feasibility",
        {"feasible": True, "cost_estimate_eur": 4250.5, "feasibility_note": "Standorte geprüft."},
    )

    assert run.waiting_for == ["wait_vote_closed"]  # admitted: waits for the round's vote
    assert run.operations[-2:] == ["letters.create", "buergerbudget.zulassen"]
    assert run.end_event == "Nicht gefördert"
    assert run.services.statuses == ["in_feasibility_check", "admitted_to_vote", "not_funded"]
    assert run.operations[-7:] == [
        "case.set_status",
        "letters.create",
        "buergerbudget.zulassen",
        "buergerbudget.abstimmung",
        "buergerbudget.ergebnis",
        "letters.create",
        "case.set_status",
    ]
    letter, result = run.services.letters
    assert result["template"] == "result_not_funded"
    assert "Rang 6 von 8" in result["text"] and "(Rest: 3.700,00 EUR)" in result["text"]
    assert letter["template"] == "bescheid_admission"
    assert "zur öffentlichen Abstimmung über das Bürgerbudget 2020 zugelassen" in letter["text"]
    assert "4.250,50 EUR" in letter["text"]
    assert "Fachdienst Stadtplanung" in letter["text"]
    assert "BB-2020-0042" in letter["text"]
    assert "Gründe:" in letter["text"] and "Datum: 01.10.2020" in letter["text"]
    assert "innerhalb eines Monats nach seiner Bekanntgabe Widerspruch" in letter["text"]
    assert letter["text"].rstrip().endswith("ist ohne Unterschrift gültig (§ 37 Abs. 5 ThürVwVfG).")
    json.dumps(run.data)  # task data stays JSON-serializable


def test_a_funded_proposal_gets_its_letter_and_waits_for_its_implementation(
    engine_factory: EngineFactory,
) -> None:
    run = Run(engine_factory, proposal())
    run.complete("review_formal_check", {"formal_decision": "admissible"})
    run.complete("assess_feasibility", {"feasible": True, "cost_estimate_eur": 4250.5})
    run.services.funded = True
    run.close_vote()
    assert run.waiting_for == ["wait_implemented"]
    assert run.operations[-3:] == [
        "buergerbudget.ergebnis",
        "letters.create",
        "buergerbudget.umsetzung",
    ]
    result = run.services.letters[-1]
    assert result["template"] == "result_funded"
    assert (
        "wird aus dem Bürgerbudget (Gesamtbudget 25.000,00 EUR) mit 4.250,50 EUR gefördert"
        in (result["text"])
    )


def test_a_proposal_over_the_cost_limit_shows_the_finding_and_the_rejection_letter_names_the_rule(
    engine_factory: EngineFactory,
) -> None:
    run = Run(engine_factory, proposal(estimated_cost_eur=4000, follow_up_cost_eur=1500))

    review = run.user_task()
    assert review.data["formal_findings"] == [{"rule": "max_kosten", "reason": COST_RULE_REASON}]
    assert review.data["formally_admissible"] is False
    assert COST_RULE_REASON in review.data["findings_text"]
    reject_formally(run)

    assert run.end_event == "Vorschlag abgelehnt (formal)"
    assert run.operations == ["letters.create", "case.set_status"]
    assert run.services.statuses == ["rejected"]
    [letter] = run.services.letters
    assert letter["template"] == "rejection"
    assert f"- {COST_RULE_REASON}" in letter["text"]
    json.dumps(run.data)


def test_a_proposal_outside_public_space_is_rejected_naming_the_public_space_rule(
    engine_factory: EngineFactory,
) -> None:
    run = Run(engine_factory, proposal(public_space=False))

    assert finding_rules(run) == ["oeffentlicher_raum"]
    reject_formally(run, note="Das Grundstück gehört einem privaten Verein.")

    assert run.services.statuses == ["rejected"]
    [letter] = run.services.letters
    assert "Regel 2020: nur im öffentlichen Raum oder frei zugänglich für alle" in letter["text"]
    assert (
        "- Hinweis des Büros Bürgerbudget: Das Grundstück gehört einem privaten Verein."
        in (letter["text"])
    )


def test_a_proposal_with_other_funding_available_is_rejected_naming_the_funding_rule(
    engine_factory: EngineFactory,
) -> None:
    run = Run(engine_factory, proposal(category="sport", other_funding_available=True))

    assert finding_rules(run) == ["keine_andere_foerderung"]
    reject_formally(run)

    [letter] = run.services.letters
    assert "Ortsteilratsbudget, Kultur- oder Sportförderung" in letter["text"]
    assert "nur Vorhaben, für die keine andere Förderung greift" in letter["text"]
    assert run.services.statuses == ["rejected"]


def test_an_infeasible_proposal_gets_a_feasibility_rejection_with_the_departments_reason(
    engine_factory: EngineFactory,
) -> None:
    run = Run(engine_factory, proposal(category="sonstiges"))
    run.complete("review_formal_check", {"formal_decision": "admissible"})
    assert org_unit_of(run.user_task()) == STADTPLANUNG

    run.complete(
        "assess_feasibility",
        {
            "feasible": False,
            "cost_estimate_eur": 2000,
            "feasibility_note": "Die Fläche ist für 2021 als Baustelleneinrichtung verplant.",
        },
    )

    assert run.end_event == "Vorschlag abgelehnt (Machbarkeit)"
    assert run.services.statuses == ["in_feasibility_check", "rejected"]
    assert run.operations[-2:] == ["letters.create", "case.set_status"]
    [letter] = run.services.letters
    assert letter["template"] == "rejection_feasibility"
    assert "nach Prüfung durch den Fachdienst Stadtplanung nicht umsetzbar" in letter["text"]
    assert "Baustelleneinrichtung" in letter["text"]
    assert "2.000,00 EUR" in letter["text"]


# --------------------------------------------------------------------------- further rules


def test_a_feasible_proposal_whose_cost_estimate_exceeds_5000_eur_is_rejected(
    engine_factory: EngineFactory,
) -> None:
    run = Run(engine_factory, proposal(category="spielplatz"))
    run.complete("review_formal_check", {"formal_decision": "admissible"})
    assert org_unit_of(run.user_task()) == STADTGRUEN

    run.complete("assess_feasibility", {"feasible": True, "cost_estimate_eur": 12345.678})

    assert run.end_event == "Vorschlag abgelehnt (Machbarkeit)"
    [letter] = run.services.letters
    assert "betragen 12.345,68 EUR (Regel 2020: max. 5.000 EUR je Vorschlag)" in letter["text"]
    assert "nicht umsetzbar" not in letter["text"]
    assert "durch den Fachdienst Stadtgrün und Umwelt auf Machbarkeit" in letter["text"]


def test_a_cost_estimate_of_exactly_5000_eur_is_still_admitted(
    engine_factory: EngineFactory,
) -> None:
    run = Run(engine_factory, proposal(estimated_cost_eur=4000, follow_up_cost_eur=1000))
    assert finding_rules(run) == []
    run.complete("review_formal_check", {"formal_decision": "admissible"})
    run.complete("assess_feasibility", {"feasible": True, "cost_estimate_eur": 5000})
    assert run.end_event == "Nicht gefördert"


def test_a_late_proposal_is_a_finding_naming_the_deadline(engine_factory: EngineFactory) -> None:
    run = Run(engine_factory, proposal(submitted_at="2020-10-01T00:05:00+02:00"))

    [finding] = run.user_task().data["formal_findings"]
    assert finding["rule"] == "einreichungsfrist"
    assert "Einreichung bis 30.09.2020" in finding["reason"]


def test_a_proposal_on_the_deadline_day_is_in_time(engine_factory: EngineFactory) -> None:
    run = Run(engine_factory, proposal(submitted_at="2020-09-30T23:59:00+02:00"))
    assert finding_rules(run) == []


def test_the_deadline_and_the_cap_come_from_the_round_in_the_start_data(
    engine_factory: EngineFactory,
) -> None:
    later_deadline = Run(
        engine_factory,
        proposal(submitted_at="2020-10-10T09:00:00+02:00", submission_deadline="2020-10-15"),
    )
    assert finding_rules(later_deadline) == []

    dearer = proposal(estimated_cost_eur=6000, follow_up_cost_eur=1000)
    assert finding_rules(Run(engine_factory, dearer)) == ["max_kosten"]
    assert finding_rules(Run(engine_factory, {**dearer, "cap_per_proposal_eur": 8000})) == []


def test_a_proposal_without_a_round_does_not_start_the_formal_check(
    engine_factory: EngineFactory,
) -> None:
    data = proposal()
    del data["cap_per_proposal_eur"]
    with pytest.raises(Exception, match="cap_per_proposal_eur"):
        Run(engine_factory, data)


def test_every_broken_rule_is_collected_and_named_in_the_rejection_letter(
    engine_factory: EngineFactory,
) -> None:
    run = Run(
        engine_factory,
        proposal(
            estimated_cost_eur=9000,
            public_space=False,
            other_funding_available=True,
            submitted_at="2020-11-02T08:00:00+01:00",
        ),
    )
    assert finding_rules(run) == [
        "max_kosten",
        "oeffentlicher_raum",
        "keine_andere_foerderung",
        "einreichungsfrist",
    ]
    reject_formally(run)

    [letter] = run.services.letters
    for finding in run.data["formal_findings"]:
        assert f"- {finding['reason']}" in letter["text"]


def test_the_clerk_decides_and_can_admit_a_proposal_despite_an_automatic_finding(
    engine_factory: EngineFactory,
) -> None:
    run = Run(engine_factory, proposal(public_space=False))
    assert finding_rules(run) == ["oeffentlicher_raum"]

    run.complete(
        "review_formal_check",
        {
            "formal_decision": "admissible",
            "formal_note": "Schulhof ist nachmittags frei zugänglich.",
        },
    )

    assert run.user_task().task_spec.name == "assess_feasibility"
    assert run.services.letters == []


def test_a_clerks_rejection_without_automatic_findings_gives_the_clerks_note_as_reason(
    engine_factory: EngineFactory,
) -> None:
    run = Run(engine_factory, proposal())
    reject_formally(run, note="Der Vorschlag liegt außerhalb des Stadtgebiets.")

    [letter] = run.services.letters
    assert "- Hinweis des Büros Bürgerbudget: Der Vorschlag liegt außerhalb" in letter["text"]


@pytest.mark.parametrize(
    ("category", "org_unit"),
    [
        ("spielplatz", STADTGRUEN),
        ("gruenflaeche", STADTGRUEN),
        ("umwelt", STADTGRUEN),
        ("verkehr", STADTPLANUNG),
        ("kultur", STADTPLANUNG),
        ("sport", STADTPLANUNG),
        ("soziales", STADTPLANUNG),
        ("sonstiges", STADTPLANUNG),
        ("unbekannt", STADTPLANUNG),
    ],
)
def test_the_category_decides_which_department_checks_feasibility(
    category: str, org_unit: str
) -> None:
    run = Run(default_engine, proposal(category=category))
    run.complete("review_formal_check", {"formal_decision": "admissible"})
    assert org_unit_of(run.user_task()) == org_unit


# --------------------------------------------------------------------------- bundle


def test_the_bundle_parses_with_xsd_validation_and_declares_forms_lanes_and_letters() -> None:
    parser = parse_bundle()
    spec = parser.get_spec(PROCESS_ID)
    user_tasks = {
        name: task_spec
        for name, task_spec in spec.task_specs.items()
        if task_spec.__class__.__name__ == "UserTask"
    }
    assert sorted(user_tasks) == ["assess_feasibility", "review_formal_check"]
    assert user_tasks["review_formal_check"].lane == "buero-buergerbudget"
    assert user_tasks["assess_feasibility"].lane == "fachabteilung"
    assert user_tasks["assess_feasibility"].extensions["properties"]["orgUnitVariable"] == (
        "responsible_org_unit"
    )
    for task_spec in user_tasks.values():
        form = load_form(task_spec.extensions["properties"]["formJsonSchemaFilename"])
        jsonschema.Draft202012Validator.check_schema(form)
        assert form["additionalProperties"] is False

    templates = {
        params["template"]["value"].strip("'")
        for task_spec in spec.task_specs.values()
        if getattr(task_spec, "operation_name", None) == "letters.create"
        for params in [task_spec.operation_params]
    }
    assert templates == {
        "rejection",
        "rejection_feasibility",
        "bescheid_admission",
        "result_funded",
        "result_not_funded",
    }
    for template in templates:
        assert (BUNDLE / "letters" / f"{template}.txt").is_file()


@pytest.mark.parametrize(
    ("form_file", "submission"),
    [
        ("forms/formal_check.schema.json", {}),
        ("forms/formal_check.schema.json", {"formal_decision": "vielleicht"}),
        ("forms/formal_check.schema.json", {"formal_decision": "rejected", "extra": 1}),
        ("forms/feasibility.schema.json", {"feasible": True}),
        ("forms/feasibility.schema.json", {"feasible": True, "cost_estimate_eur": -1}),
        ("forms/feasibility.schema.json", {"feasible": "ja", "cost_estimate_eur": 10}),
        ("forms/feasibility.schema.json", {"feasible": False, "cost_estimate_eur": 10}),
        (
            "forms/feasibility.schema.json",
            {"feasible": False, "cost_estimate_eur": 10, "feasibility_note": ""},
        ),
    ],
)
def test_the_forms_reject_incomplete_or_invalid_submissions(
    form_file: str, submission: dict[str, Any]
) -> None:
    validator = jsonschema.Draft202012Validator(load_form(form_file))
    assert not validator.is_valid(submission)


def test_a_waiting_instance_survives_serialization_and_finishes_afterwards() -> None:
    run = Run(default_engine, proposal())
    run.complete("review_formal_check", {"formal_decision": "admissible"})
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

    restored = serializer.deserialize_json(serializer.serialize_json(run.workflow))
    restored.script_engine = run.workflow.script_engine
    run.workflow = restored
    run.complete("assess_feasibility", {"feasible": True, "cost_estimate_eur": 100})

    assert run.end_event == "Nicht gefördert"
    assert run.services.statuses == ["in_feasibility_check", "admitted_to_vote", "not_funded"]


# --------------------------------------------------------------------------- egov runtime


def read_bundle() -> dict[str, bytes]:
    """Same selection as egov.workflow.deploy.read_bundle: model, form and letter files."""
    return {
        path.relative_to(BUNDLE).as_posix(): path.read_bytes()
        for path in sorted(BUNDLE.rglob("*"))
        if path.is_file()
        and path.suffix in {".bpmn", ".dmn", ".json", ".txt"}
        and not path.name.startswith("test_")
    }


class RuntimeRun:
    """Drives the bundle through egov.workflow.engine, reloading the state after every step."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.definition = compile_bundle(read_bundle())
        self.services = RecordingServices()
        self.instance = Engine.start(self.definition, data)
        self.instance.advance(self.services.handle)

    def complete(self, spec_name: str, form: dict[str, Any]) -> Any:
        self.instance = Engine.load(self.definition, self.instance.dump())
        [view] = self.instance.ready_user_tasks()
        assert view.spec_name == spec_name
        jsonschema.validate(form, view.form_schema, cls=jsonschema.Draft202012Validator)
        self.instance.complete_user_task(view.task_id, form)
        self.instance.advance(self.services.handle)
        return view


def test_through_the_egov_runtime_an_admissible_proposal_reaches_the_vote() -> None:
    run = RuntimeRun(proposal(category="sonstiges"))
    assert run.definition.process_id == PROCESS_ID
    assert sorted(run.definition.forms) == ["assess_feasibility", "review_formal_check"]

    review = run.complete("review_formal_check", {"formal_decision": "admissible"})
    assert review.org_unit == "buero-buergerbudget"
    assert review.title == "Formale Prüfung"
    assert review.data["formal_findings"] == []

    [assessment] = run.instance.ready_user_tasks()
    assert assessment.lane == "fachabteilung"
    assert assessment.org_unit == STADTPLANUNG
    run.complete("assess_feasibility", {"feasible": True, "cost_estimate_eur": 4999.99})

    assert not run.instance.completed  # admitted: it waits for the end of the round's vote
    assert run.instance.next_timer_due() is not None
    assert run.services.statuses == ["in_feasibility_check", "admitted_to_vote"]
    [letter] = run.services.letters
    assert letter["template"] == "bescheid_admission"
    assert "4.999,99 EUR" in letter["text"]
    assert run.instance.data["responsible_org_unit"] == STADTPLANUNG
    rendered = letters.render(
        (BUNDLE / "letters" / "bescheid_admission.txt").read_text("utf-8"),
        {**run.instance.data, **bescheid_values({"template": "bescheid_admission"})},
    )
    assert rendered == letter["text"]  # egov's renderer leaves no $placeholder behind


def test_through_the_egov_runtime_a_too_expensive_proposal_is_rejected_naming_the_rule() -> None:
    run = RuntimeRun(proposal(category="verkehr", estimated_cost_eur=5000, follow_up_cost_eur=1))
    [review] = run.instance.ready_user_tasks()
    assert review.data["formal_findings"] == [{"rule": "max_kosten", "reason": COST_RULE_REASON}]

    run.complete("review_formal_check", {"formal_decision": "rejected"})

    assert run.instance.completed
    assert run.services.statuses == ["rejected"]
    [letter] = run.services.letters
    assert letter["template"] == "rejection"
    assert COST_RULE_REASON in letter["text"]


def test_through_the_egov_runtime_an_infeasible_proposal_is_rejected() -> None:
    run = RuntimeRun(proposal(category="verkehr"))
    run.complete("review_formal_check", {"formal_decision": "admissible"})
    run.complete(
        "assess_feasibility",
        {"feasible": False, "cost_estimate_eur": 0, "feasibility_note": "Kein Baurecht."},
    )

    assert run.instance.completed
    assert run.services.statuses == ["in_feasibility_check", "rejected"]
    [letter] = run.services.letters
    assert letter["template"] == "rejection_feasibility"
    assert "- Hinweis der Fachabteilung: Kein Baurecht." in letter["text"]
