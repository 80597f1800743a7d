"""Migration of running instances to another version of their process (issue 12): instances
of the shipped processes at each wait state move to a changed version and finish there; an
instance whose element has no target is reported and left untouched; reversal restores the
old version. On SQLite and PostgreSQL (the `database_url` fixture)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from egov.audit.store import AuditEvent
from egov.container import Container
from egov.workflow.store import WorkflowInstance
from tests.builders import proposal
from tests.conftest import Api

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
NEW_STEP = """    <bpmn:scriptTask id="note_migrated" name="Migration vermerken">
      <bpmn:script>migrated_note = "nach der Migration"</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="flow_noted" sourceRef="note_migrated" targetRef="{after}" />
"""


def bundle(name: str) -> dict[str, str]:
    folder = BPMN / name
    return {
        str(path.relative_to(folder)): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.endswith((".py", ".md"))
    }


def changed_buergerbudget(*, rename: str | None = None) -> dict[str, str]:
    """Version 2: the formal check's label is renamed and a step is added after it;
    `rename` also gives the feasibility task another id (no default target)."""
    files = bundle("buergerbudget")
    text = files["buergerbudget.bpmn"]
    text = text.replace('name="Formale Prüfung">', 'name="Formale Prüfung (neu)">')
    text = text.replace(
        'sourceRef="review_formal_check" targetRef="gw_formal_decision"',
        'sourceRef="review_formal_check" targetRef="note_migrated"',
    )
    step = NEW_STEP.format(after="gw_formal_decision")
    text = text.replace("  </bpmn:process>", step + "  </bpmn:process>", 1)
    if rename:
        text = text.replace('"assess_feasibility"', f'"{rename}"')
    files["buergerbudget.bpmn"] = text
    return files


def deploy(api: Api, files: dict[str, str]) -> dict[str, Any]:
    response = api.post("/process-definitions", "admin", json={"files": files})
    assert response.status_code in (200, 201), response.get_json()
    return dict(response.get_json())


def file_case(api: Api) -> str:
    response = api.post("/applications", "erika", json=proposal())
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["case_id"])


def instance_of(container: Container, case_id: str) -> WorkflowInstance:
    with container.db.reading() as session:
        found = session.scalars(
            select(WorkflowInstance).where(WorkflowInstance.case_id == case_id)
        ).one()
        session.expunge_all()
    return found


def open_task(api: Api, case_id: str, user: str = "anna") -> dict[str, Any]:
    tasks = api.get(f"/cases/{case_id}", user).get_json()["open_tasks"]
    assert tasks, f"no open task for {user}"
    return dict(tasks[0])


def complete(api: Api, case_id: str, user: str, data: dict[str, Any]) -> None:
    task = open_task(api, case_id, user)
    done = api.post(f"/tasks/{task['id']}/complete", user, json={"data": data})
    assert done.status_code == 200, done.get_json()


def actions(container: Container, case_id: str) -> list[str]:
    with container.db.reading() as session:
        query = select(AuditEvent.action).where(AuditEvent.case_id == case_id)
        return list(session.scalars(query.order_by(AuditEvent.seq)))


def plan_body(source: str, target: str, **extra: Any) -> dict[str, Any]:
    return {"source_definition_id": source, "target_definition_id": target, **extra}


def migrate(api: Api, source: str, target: str, ids: list[str], **plan: Any) -> dict[str, Any]:
    selection = {"plan": plan_body(source, target, **plan), "instance_ids": ids}
    created = api.post("/migrations", "admin", json=selection)
    assert created.status_code == 202, created.get_json()
    progress = api.get(f"/migrations/{created.get_json()['id']}", "admin")
    assert progress.status_code == 200
    return dict(progress.get_json())


def at_formal_check(api: Api, container: Container) -> tuple[str, str]:
    case_id = file_case(api)
    return case_id, instance_of(container, case_id).id


def at_feasibility(api: Api, container: Container) -> tuple[str, str]:
    case_id, instance_id = at_formal_check(api, container)
    complete(api, case_id, "anna", {"formal_decision": "admissible"})
    return case_id, instance_id


# the feasibility step's decision that ends the process (a feasible one waits for the vote)
FEASIBLE = {"feasible": False, "cost_estimate_eur": 3600, "feasibility_note": "Kein Standort."}


def test_buergerbudget_instances_at_each_wait_state_migrate_and_finish_on_the_new_version(
    api: Api, container: Container
) -> None:
    formal_case, formal_instance = at_formal_check(api, container)
    feasibility_case, feasibility_instance = at_feasibility(api, container)
    source = instance_of(container, formal_case).definition_id
    target = deploy(api, changed_buergerbudget())

    progress = migrate(api, source, target["id"], [formal_instance, feasibility_instance])

    assert (progress["status"], progress["total"], progress["done"]) == ("done", 2, 2)
    assert progress["failures"] == []
    for case_id in (formal_case, feasibility_case):
        assert instance_of(container, case_id).definition_id == target["id"]
        assert "workflow.migrated" in actions(container, case_id)
    assert open_task(api, formal_case)["title"] == "Formale Prüfung (neu)"
    complete(api, formal_case, "anna", {"formal_decision": "admissible"})  # then the new step
    complete(api, formal_case, "ben", FEASIBLE)
    complete(api, feasibility_case, "ben", FEASIBLE)
    for case_id in (formal_case, feasibility_case):
        assert api.get(f"/cases/{case_id}", "anna").get_json()["closed_at"] is not None
    events = api.get(f"/cases/{formal_case}/events", "admin").get_json()["items"]
    migrated = next(e for e in events if e["action"] == "workflow.migrated")
    assert migrated["actor"] == "dev:admin"
    assert migrated["after"]["from_version"] == 1
    assert migrated["after"]["to_version"] == target["version"]
    assert migrated["after"]["mapping"] == {"review_formal_check": "review_formal_check"}


def test_the_added_step_runs_after_the_current_one(api: Api, container: Container) -> None:
    case_id, instance_id = at_formal_check(api, container)
    source = instance_of(container, case_id).definition_id
    target = deploy(api, changed_buergerbudget())
    migrate(api, source, target["id"], [instance_id])

    complete(api, case_id, "anna", {"formal_decision": "admissible"})

    task = open_task(api, case_id, "ben")
    detail = api.get(f"/tasks/{task['id']}", "admin").get_json()
    assert detail["name"] == "assess_feasibility"
    with container.db.reading() as session:
        state = session.get(WorkflowInstance, instance_id)
        assert state is not None and "nach der Migration" in state.state


def test_a_claimed_task_stays_with_its_clerk_and_takes_the_new_title(
    api: Api, container: Container
) -> None:
    case_id, instance_id = at_formal_check(api, container)
    task = open_task(api, case_id)
    assert api.post(f"/tasks/{task['id']}/claim", "anna").status_code == 200
    source = instance_of(container, case_id).definition_id
    target = deploy(api, changed_buergerbudget())

    migrate(api, source, target["id"], [instance_id])

    after = api.get(f"/tasks/{task['id']}", "anna").get_json()
    assert (after["status"], after["assignee"]) == ("claimed", "dev:anna")
    assert after["title"] == "Formale Prüfung (neu)"
    complete(api, case_id, "anna", {"formal_decision": "admissible"})


def test_an_instance_whose_element_has_no_target_is_reported_and_left_untouched(
    api: Api, container: Container
) -> None:
    case_id, instance_id = at_feasibility(api, container)
    before = instance_of(container, case_id)
    target = deploy(api, changed_buergerbudget(rename="assess_feasibility_2021"))
    body = {"plan": plan_body(before.definition_id, target["id"]), "instance_ids": [instance_id]}

    dry = api.post("/migrations/dry-run", "admin", json=body)
    progress = migrate(api, before.definition_id, target["id"], [instance_id])

    assert dry.status_code == 200, dry.get_json()
    [verdict] = dry.get_json()["instances"]
    assert verdict["migratable"] is False
    assert [(r["code"], r["element"]) for r in verdict["reasons"]] == [
        ("element-unmapped", "assess_feasibility")
    ]
    assert (progress["done"], progress["failed"]) == (0, 1)
    assert progress["failures"][0]["reasons"][0]["code"] == "element-unmapped"
    after = instance_of(container, case_id)
    assert (after.definition_id, after.version, after.state) == (
        before.definition_id,
        before.version,
        before.state,
    )
    assert "workflow.migrated" not in actions(container, case_id)


def test_an_explicit_instruction_maps_a_renamed_element(api: Api, container: Container) -> None:
    case_id, instance_id = at_feasibility(api, container)
    source = instance_of(container, case_id).definition_id
    target = deploy(api, changed_buergerbudget(rename="assess_feasibility_2021"))
    pair = [{"source": "assess_feasibility", "target": "assess_feasibility_2021"}]

    plan = api.post(
        "/migrations/plans", "admin", json=plan_body(source, target["id"], instructions=pair)
    )
    progress = migrate(api, source, target["id"], [instance_id], instructions=pair)

    assert plan.status_code == 200, plan.get_json()
    mapped = {i["source"]: i["target"] for i in plan.get_json()["instructions"]}
    assert mapped["assess_feasibility"] == "assess_feasibility_2021"
    assert mapped["review_formal_check"] == "review_formal_check"
    assert progress["done"] == 1, progress
    complete(api, case_id, "ben", FEASIBLE)
    assert api.get(f"/cases/{case_id}", "anna").get_json()["closed_at"] is not None


def test_reverse_restores_the_old_version(api: Api, container: Container) -> None:
    case_id, instance_id = at_formal_check(api, container)
    before = instance_of(container, case_id)
    target = deploy(api, changed_buergerbudget())
    progress = migrate(api, before.definition_id, target["id"], [instance_id])

    reversed_ = api.post(f"/migrations/{progress['id']}/reverse", "admin")

    assert reversed_.status_code == 200, reversed_.get_json()
    assert (reversed_.get_json()["status"], reversed_.get_json()["reversed"]) == ("reversed", 1)
    after = instance_of(container, case_id)
    assert (after.definition_id, after.state) == (before.definition_id, before.state)
    assert open_task(api, case_id)["title"] == "Formale Prüfung"
    assert "workflow.migration_reversed" in actions(container, case_id)
    complete(api, case_id, "anna", {"formal_decision": "admissible"})
    complete(api, case_id, "ben", FEASIBLE)
    assert api.get(f"/cases/{case_id}", "anna").get_json()["closed_at"] is not None


def test_an_instance_that_moved_on_after_its_migration_is_not_reversed(
    api: Api, container: Container
) -> None:
    case_id, instance_id = at_formal_check(api, container)
    source = instance_of(container, case_id).definition_id
    target = deploy(api, changed_buergerbudget())
    progress = migrate(api, source, target["id"], [instance_id])
    complete(api, case_id, "anna", {"formal_decision": "admissible"})  # moves on
    moved = instance_of(container, case_id)

    reversed_ = api.post(f"/migrations/{progress['id']}/reverse", "admin").get_json()

    assert (reversed_["reversed"], reversed_["done"]) == (0, 1)
    assert reversed_["failures"][0]["reasons"][0]["code"] == "instance-moved"
    after = instance_of(container, case_id)
    assert (after.definition_id, after.state) == (target["id"], moved.state)
    assert "workflow.migration_reversed" not in actions(container, case_id)


def test_a_finished_instance_and_another_process_are_refused_in_the_dry_run(
    api: Api, container: Container
) -> None:
    case_id, instance_id = at_feasibility(api, container)
    complete(api, case_id, "ben", FEASIBLE)
    source = instance_of(container, case_id).definition_id
    body = {"plan": plan_body(source, source), "instance_ids": [instance_id]}
    [verdict] = api.post("/migrations/dry-run", "admin", json=body).get_json()["instances"]
    assert [r["code"] for r in verdict["reasons"]] == ["instance-finished"]

    other = next(
        d["id"]
        for d in api.get("/process-definitions", "admin").get_json()["items"]
        if d["process_id"] == "bauantrag"
    )
    mismatch = api.post("/migrations/plans", "admin", json=plan_body(source, other))
    assert (mismatch.status_code, mismatch.get_json()["code"]) == (
        422,
        "migration-process-mismatch",
    )


def test_a_variable_the_target_form_needs_and_the_instance_lacks_is_reported(
    api: Api, container: Container
) -> None:
    case_id, instance_id = at_formal_check(api, container)
    source = instance_of(container, case_id).definition_id
    files = changed_buergerbudget()
    form = "forms/formal_check.schema.json"
    files[form] = files[form].replace('"x-egov-context": [', '"x-egov-context": ["ortsteil", ', 1)
    target = deploy(api, files)
    body = {"plan": plan_body(source, target["id"]), "instance_ids": [instance_id]}

    [verdict] = api.post("/migrations/dry-run", "admin", json=body).get_json()["instances"]

    assert verdict["migratable"] is False
    assert [(r["code"], r["element"]) for r in verdict["reasons"]] == [
        ("variable-missing", "ortsteil")
    ]
    assert instance_of(container, case_id).definition_id == source


def test_a_filter_selects_the_running_instances_waiting_at_an_element(
    api: Api, container: Container
) -> None:
    formal_case, _ = at_formal_check(api, container)
    _, feasibility_instance = at_feasibility(api, container)
    source = instance_of(container, formal_case).definition_id
    target = deploy(api, changed_buergerbudget())
    body = {
        "plan": plan_body(source, target["id"]),
        "filter": {"activity_ids": ["assess_feasibility"]},
    }

    dry = api.post("/migrations/dry-run", "admin", json=body)
    everything = api.post("/migrations/dry-run", "admin", json={"plan": body["plan"]})

    assert dry.status_code == 200, dry.get_json()
    assert [v["instance_id"] for v in dry.get_json()["instances"]] == [feasibility_instance]
    assert len(everything.get_json()["instances"]) == 2


# ------------------------------------------------------------------------------ Bauantrag

XBAU_EXAMPLE = (
    BPMN.parent / "schemas" / "xbau" / "examples" / "valid" / "bauantrag-einfamilienhaus.xml"
)
RECEIVED = {"status_code": "14", "text": "Eingang bestätigt.", "deadline": None}
MISSING = {"status_code": "17", "text": "Es fehlt die Statik.", "deadline": "2026-04-15"}
DECIDED = {"status_code": "10", "text": "Die Baugenehmigung ist erteilt.", "deadline": None}


def changed_bauantrag(*, rename: str | None = None) -> dict[str, str]:
    """Version 2: the status event's label is renamed and a step is added right after it;
    `rename` also gives the follow-up event another id (no default target)."""
    files = bundle("bauantrag")
    text = files["bauantrag.bpmn"]
    text = text.replace(
        'id="catch_status" name="Statusmeldung empfangen"',
        'id="catch_status" name="Statusmeldung eingegangen"',
    )
    text = text.replace(
        'sourceRef="catch_status" targetRef="take_status"',
        'sourceRef="catch_status" targetRef="note_migrated"',
    )
    step = NEW_STEP.format(after="take_status")
    text = text.replace("  </bpmn:process>", step + "  </bpmn:process>", 1)
    if rename:
        text = text.replace('"catch_follow_up"', f'"{rename}"')
    files["bauantrag.bpmn"] = text
    return files


def file_bauantrag(api: Api, container: Container) -> tuple[str, str]:
    message = XBAU_EXAMPLE.read_bytes().replace(  # a new message each time, not a re-send
        b"3b0e5a52-7c2d-4f4e-9a51-0c6f1d2e8a10", str(uuid.uuid4()).encode()
    )
    response = api.post(
        "/submissions",
        "portal",
        data=message,
        headers={"Content-Type": "application/xml"},
    )
    assert response.status_code == 201, response.get_json()
    case_id = str(response.get_json()["case_id"])
    return case_id, instance_of(container, case_id).id


def hand_over(container: Container, case_id: str, name: str, payload: dict[str, Any]) -> None:
    assert container.workflows.correlate(case_id, name, payload, "client:fachverfahren")


def status(api: Api, case_id: str) -> str:
    return str(api.get(f"/cases/{case_id}", "admin").get_json()["status"])


def test_bauantrag_instances_at_each_wait_state_migrate_and_finish_on_the_new_version(
    api: Api, container: Container
) -> None:
    waiting, waiting_instance = file_bauantrag(api, container)  # waits for a status
    missing, missing_instance = file_bauantrag(api, container)
    hand_over(container, missing, "bauantrag_status", MISSING)  # waits: follow-up or status
    assert status(api, missing) == "documents_missing"
    source = instance_of(container, waiting).definition_id
    target = deploy(api, changed_bauantrag())

    progress = migrate(api, source, target["id"], [waiting_instance, missing_instance])

    assert (progress["done"], progress["failures"]) == (2, [])
    hand_over(container, waiting, "bauantrag_status", RECEIVED)
    assert status(api, waiting) == "received_by_authority"
    hand_over(container, missing, "nachreichung", {"submission_id": "f-1", "document_ids": []})
    assert status(api, missing) == "documents_resubmitted"
    for case_id in (waiting, missing):
        hand_over(container, case_id, "bauantrag_status", DECIDED)
        case = api.get(f"/cases/{case_id}", "admin").get_json()
        assert (case["status"], case["closed_at"] is not None) == ("decided", True)
        assert "nach der Migration" in instance_of(container, case_id).state
        assert instance_of(container, case_id).definition_id == target["id"]


def test_a_bauantrag_waiting_for_a_renamed_event_is_refused_and_untouched(
    api: Api, container: Container
) -> None:
    case_id, instance_id = file_bauantrag(api, container)
    hand_over(container, case_id, "bauantrag_status", MISSING)
    before = instance_of(container, case_id)
    target = deploy(api, changed_bauantrag(rename="catch_follow_up_2026"))

    progress = migrate(api, before.definition_id, target["id"], [instance_id])

    assert (progress["done"], progress["failed"]) == (0, 1)
    reasons = progress["failures"][0]["reasons"]
    assert ("element-unmapped", "catch_follow_up") in [(r["code"], r["element"]) for r in reasons]
    assert instance_of(container, case_id).state == before.state
    hand_over(container, case_id, "nachreichung", {"submission_id": "f-1", "document_ids": []})
    assert status(api, case_id) == "documents_resubmitted"
