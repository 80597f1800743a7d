"""An XBau Bauantrag from the portal: intake, the `bauantrag` process, the DMS and the outbox.

The portal client submits `universellerAntrag.antrag.1200`; egov opens a case of the Untere
Bauaufsichtsbehörde, archives its documents in the DMS (delivered at once, embedded mode) and
queues the message for the Fachverfahren (delivered by its own handler, not part of this test).
Status messages are handed to the waiting process as the inbound correlation does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from egov.container import Container
from egov.documents.archive import FileSystemArchive
from egov.outbox.store import OutboxMessage, list_outbox_by_case
from egov.workflow.engine import Engine
from tests.conftest import ROOT, Api

EXAMPLE = ROOT / "schemas" / "xbau" / "examples" / "valid" / "bauantrag-einfamilienhaus.xml"


def submit(api: Api, path: Path = EXAMPLE) -> Any:
    return api.post(
        "/submissions",
        "portal",
        data=path.read_bytes(),
        headers={"Content-Type": "application/xml"},
    )


def outbox_rows(container: Container, case_id: str) -> list[OutboxMessage]:
    with container.db.reading() as session:
        rows = list_outbox_by_case(session, case_id)
        session.expunge_all()
        return rows


def hand_over(container: Container, case_id: str, name: str, payload: dict[str, Any]) -> None:
    """What the inbound correlation does: deliver the message in one step, then advance."""
    caught: list[bool] = []

    def deliver(engine: Engine) -> None:
        caught.append(engine.send_message(name, payload))

    container.workflows.act(case_id, "client:fachverfahren", deliver)
    assert caught == [True]
    assert container.workflows.advance(case_id)


def test_a_portal_bauantrag_opens_a_case_that_is_archived_and_queued_for_the_fachverfahren(
    api: Api, container: Container
) -> None:
    response = submit(api)

    assert response.status_code == 201, response.get_json()
    receipt = response.get_json()
    case = api.get(f"/cases/{receipt['case_id']}", "admin").get_json()
    assert (case["procedure"], case["org_unit"]) == ("bauantrag", "untere-bauaufsicht")
    assert case["status"] == "forwarded"
    assert case["title"] == "Bauantrag: Neubau eines Einfamilienhauses mit Carport"
    rows = outbox_rows(container, receipt["case_id"])
    kinds = [row.kind for row in rows]
    assert kinds == ["dms.store", "fachverfahren.deliver"]
    store, forward = rows
    assert store.status == "delivered"
    assert store.payload == {"case_reference": receipt["case_reference"], "document_ids": None}
    assert forward.payload["procedure"] == "bauantrag"
    assert forward.payload["case_reference"] == receipt["case_reference"]
    assert forward.status in {"pending", "delivered", "failed"}  # the Fachverfahren's handler

    archive = FileSystemArchive(container.settings.data_dir / "dms")
    documents = api.get(f"/cases/{receipt['case_id']}/documents", "admin").get_json()["items"]
    original = next(d for d in documents if d["kind"] == "original-message")
    folder = archive.root / receipt["case_reference"]
    [filed] = [p for p in folder.iterdir() if p.name.endswith("_Bauantrag_Antragsnachricht.xml")]
    assert filed.read_bytes() == EXAMPLE.read_bytes()
    metadata = archive.metadata(receipt["case_reference"], filed.name)
    assert metadata is not None
    assert metadata["case_reference"] == receipt["case_reference"]
    assert metadata["document_type"] == "original-message"
    assert metadata["sha256"] == original["sha256"]
    assert archive.verify_file(receipt["case_reference"], filed.name, original["sha256"])


def test_status_messages_update_the_case_and_a_follow_up_goes_to_dms_and_fachverfahren(
    api: Api, container: Container
) -> None:
    receipt = submit(api).get_json()
    case_id, reference = receipt["case_id"], receipt["case_reference"]

    hand_over(
        container,
        case_id,
        "bauantrag_status",
        {"status_code": "14", "text": "Eingang bestätigt.", "deadline": None},
    )
    assert api.get(f"/cases/{case_id}", "admin").get_json()["status"] == "received_by_authority"

    hand_over(
        container,
        case_id,
        "bauantrag_status",
        {"status_code": "17", "text": "Es fehlt die Statik.", "deadline": "2026-04-15"},
    )
    assert api.get(f"/cases/{case_id}", "admin").get_json()["status"] == "documents_missing"

    documents = api.get(f"/cases/{case_id}/documents", "admin").get_json()["items"]
    letters = [d for d in documents if d["kind"] == "letter"]
    assert len(letters) == 2
    request = api.get(f"/documents/{letters[-1]['id']}/content", "admin").get_data(as_text=True)
    assert "Es fehlt die Statik." in request and "bis zum 15.04.2026" in request
    assert reference in request and "$" not in request

    hand_over(
        container,
        case_id,
        "nachreichung",
        {"submission_id": "follow-up-1", "document_ids": [letters[0]["id"]]},
    )
    assert api.get(f"/cases/{case_id}", "admin").get_json()["status"] == "documents_resubmitted"
    rows = outbox_rows(container, case_id)
    assert [row.kind for row in rows] == [
        "dms.store",
        "fachverfahren.deliver",
        "dms.store",
        "fachverfahren.deliver",
    ]
    assert rows[2].status == "delivered"
    assert rows[2].payload["document_ids"] == [letters[0]["id"]]
    assert rows[3].payload["submission_id"] == "follow-up-1"

    hand_over(
        container,
        case_id,
        "bauantrag_status",
        {"status_code": "10", "text": "Die Baugenehmigung ist erteilt.", "deadline": None},
    )
    case = api.get(f"/cases/{case_id}", "admin").get_json()
    assert case["status"] == "decided" and case["closed_at"] is not None
    trail = api.get(f"/cases/{case_id}/events", "admin").get_json()
    assert trail["verification"]["valid"] is True
    assert "dms.archived" in [event["action"] for event in trail["items"]]
