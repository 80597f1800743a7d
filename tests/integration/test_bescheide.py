"""Bescheide a court would accept (issue 16, ADR 0043): a decision letter carries the
authority, date, reference, reasons, Rechtsbehelfsbelehrung and signature line of its
procedure, comes as PDF/A-2b under the letterhead, attached to the Postfach message, with
its plain text kept; deploy refuses a Bescheid that lacks any of them, naming the file."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from egov.participation.report_pdf import as_pdf as report_as_pdf
from egov.postfach.bescheid_pdf import as_pdf as bescheid_pdf
from egov.workflow.deploy import read_bundle
from tests.conftest import Api
from tests.integration.test_letter_notice import OVER_THE_LIMIT, letter_sent
from tests.integration.test_walkthrough import claim_and_complete, file_proposal
from tests.support.pdfa import pdfa_problems, text_of

BUNDLE = Path(__file__).parents[2] / "bpmn" / "buergerbudget"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
WIDERSPRUCH = "innerhalb eines Monats nach seiner Bekanntgabe Widerspruch erhoben werden"


def rejected(api: Api) -> dict[str, Any]:
    receipt = file_proposal(api, **OVER_THE_LIMIT)
    claim_and_complete(api, "anna", receipt["case_id"], {"formal_decision": "rejected"})
    return receipt


def bundle() -> dict[str, str]:
    return {name: content.decode("utf-8") for name, content in read_bundle(BUNDLE).items()}


def deploy(api: Api, files: dict[str, str]) -> Any:
    return api.post("/process-definitions", "admin", json={"files": files})


def test_a_rejection_comes_as_pdfa_with_the_rechtsbehelfsbelehrung_and_its_plain_text(
    api: Api,
) -> None:
    receipt = rejected(api)
    (message,) = [
        m
        for m in api.get("/me/messages", "erika").get_json()["items"]
        if m["case_id"] == receipt["case_id"]
    ]
    content = api.get(f"/documents/{message['document_id']}/content", "erika")
    assert content.status_code == 200
    assert content.mimetype == "application/pdf"
    assert pdfa_problems(content.data) == []
    text = " ".join(text_of(content.data).split())
    for expected in (WIDERSPRUCH, receipt["case_reference"], "Gründe:", "Musterstraße 1"):
        assert expected in text
    assert "Rechtsbehelfsbelehrung:" in message["body"] and WIDERSPRUCH in message["body"]
    assert "$" not in message["body"]
    documents = api.get(f"/cases/{receipt['case_id']}/documents", "admin").get_json()["items"]
    names = sorted(d["filename"] for d in documents if d["kind"] == "letter")
    reference = receipt["case_reference"]
    assert names == [f"{reference}-rejection.pdf", f"{reference}-rejection.txt"]
    assert letter_sent(api, receipt["case_id"])["pdf_document_id"] == message["document_id"]


def test_the_structural_check_finds_a_pdf_that_is_not_pdfa() -> None:
    data = report_as_pdf("BB-1", "Probe", [], datetime(2026, 1, 1, tzinfo=UTC))
    problems = pdfa_problems(data)
    assert "keine XMP-Metadaten" in problems
    assert "keine OutputIntent GTS_PDFA1 mit ICC-Profil" in problems
    assert any("nicht eingebettet" in p for p in problems)


def test_the_structural_check_finds_javascript_and_encryption_added_to_a_bescheid() -> None:
    font = Path(__file__).parents[2] / "egov" / "postfach" / "fonts" / "DejaVuSans.ttf"
    bescheid = bescheid_pdf(
        "Bescheid", title="Bescheid", letterhead=(), font_path=str(font), now=NOW
    )
    assert pdfa_problems(bescheid) == []
    writer = PdfWriter(clone_from=io.BytesIO(bescheid))
    writer.add_open_action(
        DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('Hallo');"),
            }
        )
    )

    assert "JavaScript" in pdfa_problems(_written(writer))
    writer.encrypt("geheim")
    assert pdfa_problems(_written(writer)) == ["verschlüsselt"]


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_deploy_refuses_a_bescheid_without_rechtsbehelfsbelehrung_naming_the_file(
    api: Api,
) -> None:
    files = bundle()
    path = "letters/rejection_feasibility.txt"
    files[path] = files[path].replace("$rechtsbehelfsbelehrung", "").replace("Gründe:", "")
    response = deploy(api, files)
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert problem["code"] == "bescheid-incomplete"
    (param,) = problem["invalid_params"]
    assert param["name"] == path
    assert "Rechtsbehelfsbelehrung" in param["reason"] and "Gründe" in param["reason"]


def test_deploy_refuses_bescheide_without_their_rechtsbehelfsbelehrung_text(api: Api) -> None:
    files = bundle()
    files["procedure.json"] = files["procedure.json"].replace(
        '"rechtsbehelfsbelehrung":', '"rechtsbehelfsbelehrung_alt":'
    )
    response = deploy(api, files)
    assert response.status_code == 422, response.get_json()
    names = [p["name"] for p in response.get_json()["invalid_params"]]
    assert "procedure.json/bescheide/rechtsbehelfsbelehrung" in names
