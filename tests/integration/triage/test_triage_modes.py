"""Where triage runs and what it reads: the XFall path, the photo, triage as a service task,
and the deploy-time check of a procedure's triage configuration."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from egov.cases.store import get_procedure
from egov.intake.jsonform import build_xfall_message
from egov.intake.model import Applicant
from egov.intake.xfall import NS_ANLIEGEN
from egov.triage.store import DatabaseRecentCases
from egov.workflow.deploy import read_bundle
from tests.builders import ROOT
from tests.conftest import Api
from tests.integration.triage.conftest import PARKING, POTHOLE, events, file_request, task_of
from tests.triage_plugins import SEEN

ERIKA = Applicant("Erika", "Mustermann", "erika@example.org", "oidc", "low")
PHOTO = {
    "filename": "schlagloch.jpg",
    "media_type": "image/jpeg",
    "content_base64": base64.b64encode(b"\xff\xd8\xff fiktives Foto").decode(),
}
SERVICE_TASK = """    <bpmn:serviceTask id="suggest_unit" name="Zuständige Stelle vorschlagen">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="triage.suggest" resultVariable="triage_org_unit" />
      </bpmn:extensionElements>
      <bpmn:incoming>flow_prepared</bpmn:incoming>
      <bpmn:outgoing>flow_suggested</bpmn:outgoing>
    </bpmn:serviceTask>
"""


def with_service_task(model: str) -> str:
    """The shipped model with `triage.suggest` between its first script and route_request."""
    flow = 'sourceRef="prepare_routing" targetRef="route_request"'
    model = model.replace(flow, 'sourceRef="prepare_routing" targetRef="suggest_unit"')
    model = model.replace(
        "<bpmn:incoming>flow_prepared</bpmn:incoming>\n      <bpmn:outgoing>flow_routed",
        "<bpmn:incoming>flow_suggested</bpmn:incoming>\n      <bpmn:outgoing>flow_routed",
    )
    added = '<bpmn:sequenceFlow id="flow_suggested" sourceRef="suggest_unit" targetRef="{0}" />'
    added = added.format("route_request")
    model = model.replace("  </bpmn:process>", f"    {added}\n  </bpmn:process>")
    task = '    <bpmn:userTask id="route_request"'
    return model.replace(task, SERVICE_TASK + task)


def anliegen_files(triage: object) -> dict[str, str]:
    files = {k: v.decode() for k, v in read_bundle(ROOT / "bpmn" / "anliegen").items()}
    procedure = json.loads(files["procedure.json"])
    files["procedure.json"] = json.dumps({**procedure, "triage": triage})
    return files


def test_an_anliegen_filed_as_xfall_message_is_triaged_like_a_web_form(api: Api) -> None:
    with api.container.db.reading() as session:
        procedure = get_procedure(session, "anliegen")
        assert procedure is not None
        leika = procedure.leika_key
    message = build_xfall_message(
        message_id=str(uuid.uuid4()),
        leika_key=leika,
        authority_ars="160530000000",
        applicant=ERIKA,
        reply_postfach="postfach:erika",
        fachdaten_namespace=NS_ANLIEGEN,
        data={"text": POTHOLE, "location": "Löbdergraben", "coordinates": "50.9271,11.5892"},
        attachments=[],
        created_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    )
    answer = api.post("/submissions", "erika", data=message, content_type="application/xml")
    assert answer.status_code == 201, answer.get_json()
    case_id = answer.get_json()["case_id"]
    assert task_of(api, "otto", case_id)["org_unit"] == "strassen-verkehr"
    assert SEEN[-1].location == "Löbdergraben"
    assert SEEN[-1].texts == {"text": POTHOLE}
    assert SEEN[-1].channel == "egov-xfall-profil-1.0"


def test_triage_reads_the_photos_metadata_never_its_content(api: Api) -> None:
    file_request(api, POTHOLE, location="Markt 1")
    body = {"procedure": "anliegen", "data": {"text": PARKING}, "attachments": [PHOTO]}
    assert api.post("/applications", "erika", json=body).status_code == 201
    [photo] = SEEN[-1].attachments
    assert (photo.filename, photo.media_type) == ("schlagloch.jpg", "image/jpeg")
    assert SEEN[-1].applicant_key is not None and "erika" not in SEEN[-1].applicant_key


def test_as_a_service_task_triage_suggests_where_the_model_asks_for_it(api: Api) -> None:
    files = anliegen_files({"on": "service_task", "threshold": 0.9})
    files["anliegen.bpmn"] = with_service_task(files["anliegen.bpmn"])
    deployed = api.post("/process-definitions", "admin", json={"files": files})
    assert deployed.status_code == 201, deployed.get_json()
    case_id = file_request(api, POTHOLE)
    assert task_of(api, "otto", case_id)["org_unit"] == "strassen-verkehr"
    [suggested] = events(api, case_id, "triage.suggested")
    assert suggested["actor"] == "system:triage"
    assert (suggested["after"]["mode"], suggested["after"]["threshold"]) == ("service_task", 0.9)


@pytest.mark.parametrize(
    ("triage", "field"),
    [
        ({"on": "sometimes"}, "procedure.json/triage/on"),
        ({"on": "intake", "threshold": 1.5}, "procedure.json/triage/threshold"),
        ({"on": "intake", "threshold": True}, "procedure.json/triage/threshold"),
        ({"on": "intake", "model": "x"}, "procedure.json/triage/model"),
        ("intake", "procedure.json/triage"),
        ({"on": "intake", "review_task": "route"}, "procedure.json/triage/review_task"),
        ({"on": "service_task"}, "procedure.json/triage/on"),  # the model has no triage.suggest
    ],
)
def test_a_triage_configuration_that_is_not_one_is_refused_at_deploy(
    api: Api, triage: object, field: str
) -> None:
    answer = api.post("/process-definitions", "admin", json={"files": anliegen_files(triage)})
    assert answer.status_code == 422
    assert answer.get_json()["code"] == "procedure-invalid"
    assert field in [p["name"] for p in answer.get_json()["invalid_params"]]


def test_the_triage_review_task_cannot_demand_four_eyes(api: Api) -> None:
    """Its completion writes the triage decision too: four eyes there would be bypassed."""
    files = anliegen_files({"on": "intake"})
    procedure = json.loads(files["procedure.json"])
    files["procedure.json"] = json.dumps({**procedure, "four_eyes_tasks": ["route_request"]})

    answer = api.post("/process-definitions", "admin", json={"files": files})

    assert (answer.status_code, answer.get_json()["code"]) == (422, "procedure-invalid")
    assert "procedure.json/four_eyes_tasks" in [
        p["name"] for p in answer.get_json()["invalid_params"]
    ]


def test_recent_cases_of_the_same_applicant_or_place_are_found_for_the_duplicate_check(
    api: Api,
) -> None:
    first = file_request(api, POTHOLE, location="Markt 1")
    recent = DatabaseRecentCases(api.container.db)
    since = datetime(2000, 1, 1)
    assert [r.case_id for r in recent.recent(None, "Markt 1", since)] == [first]
    assert [r.text for r in recent.recent(SEEN[-1].applicant_key, None, since)] == [POTHOLE]
    assert recent.recent(None, "Anderswo", since) == []
    tomorrow = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1)
    assert recent.recent(None, "Markt 1", tomorrow) == []
