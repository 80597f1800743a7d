"""BPMN tests for the Bauantrag process (bpmn/bauantrag/), driven through egov.workflow.engine.

The bundle is compiled as egov deploys it (``compile_bundle``), the instance is dumped and
loaded again after every step, and status messages arrive with ``send_message`` exactly as the
inbound correlation delivers them (``bauantrag_status`` with ``{status_code, text, deadline}``,
``nachreichung`` with ``{submission_id, document_ids}``). Service tasks go to a recorder that
behaves like egov's operators: ``outbox.send`` records kind and payload, ``case.set_status``
the status, ``letters.create`` renders ``letters/<template>.txt`` with a strict
``string.Template.substitute`` (every ``$variable`` must exist in the task data).
"""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from egov.intake import xbau
from egov.postfach.letters import render
from egov.workflow.deploy import read_bundle
from egov.workflow.engine import CompiledDefinition, Engine, compile_bundle

BUNDLE = Path(__file__).resolve().parent
REFERENCE = "JENA-2026-000123"


def application(**overrides: Any) -> dict[str, Any]:
    """Start data as egov passes it: the XBau summary plus reference, applicant, time."""
    data: dict[str, Any] = {
        "nachricht": "universellerAntrag.antrag.1200",
        "title": "Bauantrag: Neubau eines Einfamilienhauses mit Carport",
        "grundstuecke": [
            {
                "anschriften": [
                    {
                        "strasse": "Am Anger",
                        "hausnummer": "3",
                        "postleitzahl": "07743",
                        "ort": "Jena",
                    }
                ],
                "flurstuecke": [],
            }
        ],
        "case_reference": REFERENCE,
        "applicant_name": "Erika Mustermann",
        "submitted_at": "2026-03-02T09:15:00+01:00",
    }
    data.update(overrides)
    return data


class Recorder:
    """Stands in for egov's operators and records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.letters: list[dict[str, str]] = []

    def __call__(self, operator: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
        self.calls.append((operator, params))
        if operator == "outbox.send":
            return f"outbox-{len(self.calls)}"
        if operator == "case.set_status":
            return params["status"]
        if operator == "letters.create":
            template = (BUNDLE / "letters" / f"{params['template']}.txt").read_text("utf-8")
            text = string.Template(template).substitute(data)  # strict: no variable missing
            assert render(template, data) == text  # egov's renderer gives the same letter
            self.letters.append({"template": params["template"], "title": params["title"]})
            self.letters[-1]["text"] = text
            return {"document_id": f"doc-{len(self.letters)}", "message_id": "m"}
        raise AssertionError(f"unknown operator {operator}")

    @property
    def statuses(self) -> list[str]:
        return [p["status"] for op, p in self.calls if op == "case.set_status"]

    @property
    def outbox(self) -> list[dict[str, Any]]:
        return [p for op, p in self.calls if op == "outbox.send"]

    def take(self) -> list[tuple[str, dict[str, Any]]]:
        taken, self.calls = self.calls, []
        return taken


class Run:
    """One Bauantrag instance; its state is dumped and loaded again around every step."""

    definition: CompiledDefinition = compile_bundle(read_bundle(BUNDLE))

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.services = Recorder()
        self.instance = Engine.start(self.definition, data or application())
        self.instance.advance(self.services)

    def send(self, name: str, payload: dict[str, Any]) -> bool:
        self.instance = Engine.load(self.definition, self.instance.dump())
        caught = self.instance.send_message(name, payload)
        self.instance.advance(self.services)
        self.instance = Engine.load(self.definition, self.instance.dump())
        return caught

    def status(self, code: str, text: str = "", deadline: str | None = None) -> bool:
        return self.send(
            "bauantrag_status", {"status_code": code, "text": text, "deadline": deadline}
        )


def test_a_new_application_is_archived_forwarded_and_then_waits_for_the_authority() -> None:
    run = Run()

    assert run.services.take() == [
        ("outbox.send", {"kind": "dms.store", "case_reference": REFERENCE, "document_ids": None}),
        (
            "outbox.send",
            {
                "kind": "fachverfahren.deliver",
                "procedure": "bauantrag",
                "case_reference": REFERENCE,
                "submission_id": None,
            },
        ),
        ("case.set_status", {"status": "forwarded"}),
    ]
    assert not run.instance.completed
    assert run.instance.ready_user_tasks() == []


def test_received_missing_resubmitted_received_and_decided_is_the_whole_exchange() -> None:
    run = Run()
    run.services.take()

    assert run.status("14", "Ihr Antrag ist am 03.03.2026 eingegangen.")
    assert run.services.statuses == ["received_by_authority"]
    [receipt] = run.services.letters
    assert receipt["template"] == "eingangsbestaetigung"
    assert "Neubau eines Einfamilienhauses mit Carport" in receipt["text"]
    assert "Am Anger 3, 07743 Jena" in receipt["text"]
    assert "am 02.03.2026 über das Antragsportal" in receipt["text"]
    assert "Ihr Antrag ist am 03.03.2026 eingegangen." in receipt["text"]
    run.services.take()

    missing = "Es fehlen der Standsicherheitsnachweis und der Nachweis der Bauvorlageberechtigung."
    assert run.status("17", missing, "2026-04-15")
    assert run.services.statuses == ["documents_missing"]
    request = run.services.letters[-1]
    assert request["template"] == "nachforderung"
    assert missing in request["text"]
    assert "Bitte reichen Sie die Unterlagen bis zum 15.04.2026 nach." in request["text"]
    assert request["text"].rstrip().endswith("Stadt Jena, Untere Bauaufsichtsbehörde")
    run.services.take()

    assert run.send("nachreichung", {"submission_id": "sub-2", "document_ids": ["d-7", "d-8"]})
    assert run.services.take() == [
        (
            "outbox.send",
            {"kind": "dms.store", "case_reference": REFERENCE, "document_ids": ["d-7", "d-8"]},
        ),
        (
            "outbox.send",
            {
                "kind": "fachverfahren.deliver",
                "procedure": "bauantrag",
                "case_reference": REFERENCE,
                "submission_id": "sub-2",
            },
        ),
        ("case.set_status", {"status": "documents_resubmitted"}),
    ]

    assert run.status("14", "Die nachgereichten Unterlagen sind eingegangen.")
    assert run.services.statuses == ["received_by_authority"]
    run.services.take()

    assert run.status("10", "Die Baugenehmigung wurde am 20.05.2026 erteilt.")
    assert run.services.statuses == ["decided"]
    decision = run.services.letters[-1]
    assert decision["template"] == "bescheid_info"
    assert "Die Baugenehmigung wurde am 20.05.2026 erteilt." in decision["text"]
    assert "Maßgeblich ist allein der Bescheid" in decision["text"]
    assert run.instance.completed
    assert [letter["template"] for letter in run.services.letters] == [
        "eingangsbestaetigung",
        "nachforderung",
        "eingangsbestaetigung",
        "bescheid_info",
    ]
    data = run.instance.data
    assert [entry["status_code"] for entry in data["status_history"]] == ["14", "17", "14", "10"]
    assert data["nachreichungen"] == [{"submission_id": "sub-2", "document_ids": ["d-7", "d-8"]}]
    assert "status_message" not in data and "nachreichung" not in data


def test_a_decision_while_documents_are_missing_ends_the_process_without_a_follow_up() -> None:
    run = Run()
    assert run.status("17", "Es fehlt der Lageplan.", "2026-04-15")
    run.services.take()

    assert run.status("10", "Der Antrag wurde abgelehnt.")

    assert run.services.statuses == ["decided"]
    assert run.services.letters[-1]["template"] == "bescheid_info"
    assert run.instance.completed
    assert not run.send("nachreichung", {"submission_id": "late", "document_ids": []})


@pytest.mark.parametrize("code", ["04", "06", "57"])
def test_a_rejection_code_is_a_decision_too(code: str) -> None:
    run = Run()
    assert run.status(code, "Abgelehnt.")
    assert run.services.statuses[-1] == "decided"
    assert run.instance.completed


def test_another_status_is_passed_on_to_the_applicant_and_the_process_keeps_waiting() -> None:
    run = Run()
    run.services.take()

    assert run.status("08", "Die Denkmalschutzbehörde wurde beteiligt.")

    assert run.services.statuses == []
    [letter] = run.services.letters
    assert letter["template"] == "statusmitteilung"
    assert "(Status 08)" in letter["text"]
    assert "Die Denkmalschutzbehörde wurde beteiligt." in letter["text"]
    assert not run.instance.completed
    assert run.status("10", "Genehmigt.")
    assert run.instance.completed


def test_a_request_without_deadline_or_text_still_reads_well() -> None:
    run = Run(application(title=None, grundstuecke=[]))
    assert run.status("17", "", None)

    [letter] = run.services.letters
    assert "Bitte reichen Sie die Unterlagen so bald wie möglich nach." in letter["text"]
    assert "Ihr Bauvorhaben" in letter["text"] and "Grundstück ohne Angabe" in letter["text"]
    assert "keine weiteren Angaben gemacht" in letter["text"]


def test_a_follow_up_submission_is_only_taken_while_documents_are_missing() -> None:
    run = Run()
    assert not run.send("nachreichung", {"submission_id": "early", "document_ids": ["d-1"]})
    assert run.status("14")
    assert not run.send("nachreichung", {"submission_id": "early", "document_ids": ["d-1"]})
    assert run.services.outbox[2:] == []


def test_a_long_exchange_of_status_messages_keeps_the_stored_state_small() -> None:
    run = Run()
    first = len(run.instance.dump())
    for _ in range(30):
        assert run.status("17", "Es fehlt ein Nachweis.", "2026-04-15")
        assert run.send("nachreichung", {"submission_id": "s", "document_ids": ["d"]})
        assert run.status("14")
    # the history grows by design; the task tree must not (compaction)
    history = len(json.dumps(run.instance.data["status_history"]))
    assert len(run.instance.dump()) < first + 3 * history + 20_000


# --------------------------------------------------------------------------- bundle


def test_the_bundle_parses_with_xsd_validation_and_names_messages_lanes_and_letters() -> None:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(BUNDLE / "bauantrag.bpmn"))
    spec = parser.get_spec("bauantrag")

    # SpiffWorkflow quirk: the catch events behind an event-based gateway carry no event
    # definition of their own; the gateway holds them all (MultipleEventDefinition).
    definitions: list[Any] = []
    for task in spec.task_specs.values():
        definition = getattr(task, "event_definition", None)
        definitions += getattr(definition, "event_definitions", None) or [definition]
    messages = {(d.name, d.message_var) for d in definitions if hasattr(d, "message_var")}
    assert messages == {
        ("bauantrag_status", "status_message"),
        ("nachreichung", "nachreichung"),
    }
    lanes = {task.lane for task in spec.task_specs.values() if getattr(task, "lane", None)}
    assert lanes == {"untere-bauaufsicht", "dms-fachverfahren"}
    templates = {
        task.operation_params["template"]["value"].strip("'")
        for task in spec.task_specs.values()
        if getattr(task, "operation_name", None) == "letters.create"
    }
    assert templates == {
        "eingangsbestaetigung",
        "nachforderung",
        "bescheid_info",
        "statusmitteilung",
    }
    for template in templates:
        text = (BUNDLE / "letters" / f"{template}.txt").read_text("utf-8")
        assert text.rstrip().endswith("Stadt Jena, Untere Bauaufsichtsbehörde")


def test_procedure_json_registers_the_xbau_leistung_for_the_building_authority() -> None:
    procedure = json.loads((BUNDLE / "procedure.json").read_text("utf-8"))
    assert procedure["key"] == xbau.PROCEDURE_KEY == "bauantrag"
    assert procedure["leika_key"] == xbau.LEIKA_BAUANTRAG
    assert procedure["fachdaten_namespace"] == xbau.NS
    assert procedure["org_unit"] == "untere-bauaufsicht"
    assert procedure["required_vertrauensniveau"] == xbau.VERTRAUENSNIVEAU == "low"
