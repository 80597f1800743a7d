"""Migration of running instances to another version of their process (issue 12): instances
of the shipped processes at each wait state move to a changed version and finish there; an
instance whose element has no target is reported and left untouched; reversal restores the
old version. On SQLite and PostgreSQL (the `database_url` fixture)."""

from __future__ import annotations

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


def migrate_by_service(container: Container, source: str, target: str) -> Any:
    from egov.workflow.migration_service import PlanRequest

    planned = container.migrations.plan(PlanRequest(source, target))
    batch_id = container.migrations.create(planned, None, actor="dev:admin")
    return container.migrations.get(batch_id)


def test_service_smoke(api: Api, container: Container) -> None:
    case_id = file_case(api)
    source = instance_of(container, case_id).definition_id
    target = deploy(api, changed_buergerbudget())["id"]
    view = migrate_by_service(container, source, target)
    assert [i.status for i in view.items] == ["migrated"], [i.reasons for i in view.items]
    assert instance_of(container, case_id).definition_id == target
    assert open_task(api, case_id)["title"] == "Formale Prüfung (neu)"
    complete(api, case_id, "anna", {"formal_decision": "admissible"})
    assert "workflow.migrated" in actions(container, case_id)
