"""Documents a 0401 carries inline (`dokument`, base64): stored in the case file like every
attachment (size and SHA-256 checked, hashes kept), published with a link to their bytes on
the public API (no login, ETag); documents given by link stay links. Nothing else of the case
file is reachable that way."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from tests.conftest import Api
from tests.integration.test_beteiligung_intake import EXAMPLES, actions, around_today, submit
from tests.integration.test_participation_statements import statement

INLINE = EXAMPLES / "valid" / "initiieren-mit-inline-unterlagen.xml"
PLANZEICHNUNG = b"%PDF-1.4\n% Bebauungsplan Nr. 49 Winzerla - Planzeichnung (Demo)\n%%EOF\n"


def inline_participation(api: Api) -> str:
    response = submit(api, around_today(INLINE))
    assert response.status_code == 201, response.get_json()
    case_id: str = response.get_json()["case_id"]
    return case_id


def case_documents(api: Api, case_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.get(f"/cases/{case_id}/documents", "admin").get_json()[
        "items"
    ]
    return items


def test_inline_documents_of_a_0401_are_stored_in_the_case_file_with_their_hashes(
    api: Api,
) -> None:
    case_id = inline_participation(api)

    stored = {d["filename"]: d for d in case_documents(api, case_id)}

    assert {"bp49-planzeichnung.pdf", "bp49-begruendung.pdf"} <= set(stored)
    plan = stored["bp49-planzeichnung.pdf"]
    assert plan["sha256"] == hashlib.sha256(PLANZEICHNUNG).hexdigest()
    assert (plan["media_type"], plan["size"]) == ("application/pdf", len(PLANZEICHNUNG))
    added = [e for e in actions(api, case_id) if e["action"] == "document.added"]
    assert len(added) == 2


def test_the_public_api_links_inline_documents_to_their_bytes_and_keeps_other_links(
    api: Api,
) -> None:
    case_id = inline_participation(api)

    documents = api.get(f"/public/participations/{case_id}").get_json()["documents"]
    links = {d["dateiname"] or d["bezeichnung"]: d["link"] for d in documents}
    assert links["Schallgutachten"] == "https://planung.jena.example/bp49/schall.pdf"
    link = links["bp49-planzeichnung.pdf"]
    assert link.startswith(f"/api/v1/public/participations/{case_id}/documents/")

    download = api.get(link.removeprefix("/api/v1"))

    assert download.status_code == 200
    assert download.get_data() == PLANZEICHNUNG
    assert download.mimetype == "application/pdf"
    assert download.headers["ETag"] == f'"{hashlib.sha256(PLANZEICHNUNG).hexdigest()}"'
    assert "bp49-planzeichnung.pdf" in download.headers["Content-Disposition"]
    again = api.get(
        link.removeprefix("/api/v1"), headers={"If-None-Match": download.headers["ETag"]}
    )
    assert (again.status_code, again.get_data()) == (304, b"")


def test_only_the_documents_a_participation_publishes_are_downloadable(api: Api) -> None:
    case_id = inline_participation(api)
    attachment = {
        "filename": "bp49-planzeichnung.pdf",  # a citizen's file of the same name
        "media_type": "application/pdf",
        "content_base64": base64.b64encode(b"%PDF-1.4\n% privat\n%%EOF\n").decode(),
    }
    assert statement(api, case_id, "erika", attachments=[attachment]).status_code == 201
    documents = case_documents(api, case_id)
    published = {
        d["link"].rsplit("/", 1)[-1]
        for d in api.get(f"/public/participations/{case_id}").get_json()["documents"]
        if d["link"] and d["link"].startswith("/api/v1/public/")
    }

    for document in documents:
        answer = api.get(f"/public/participations/{case_id}/documents/{document['id']}")
        expected = 200 if document["id"] in published else 404
        assert answer.status_code == expected, document
    assert len(published) == 2 and len(documents) > 2
    other = api.get(f"/public/participations/unknown/documents/{documents[0]['id']}")
    assert other.get_json()["code"] == "participation-not-found"


UPDATE = EXAMPLES / "valid" / "aktualisieren-inline-neue-planzeichnung.xml"
SECOND = b"%PDF-1.4\n% Bebauungsplan Nr. 49 Winzerla - Planzeichnung, 2. Fassung (Demo)\n%%EOF\n"


def planzeichnungen(api: Api, case_id: str) -> list[str]:
    return [
        d["sha256"]
        for d in case_documents(api, case_id)
        if d["filename"] == "bp49-planzeichnung.pdf"
    ]


def public_planzeichnung(api: Api, case_id: str) -> bytes:
    documents = api.get(f"/public/participations/{case_id}").get_json()["documents"]
    [link] = [d["link"] for d in documents if d["dateiname"] == "bp49-planzeichnung.pdf"]
    data: bytes = api.get(link.removeprefix("/api/v1")).get_data()
    return data


def test_a_0402_replacing_a_document_publishes_the_new_one_and_keeps_the_old_in_the_file(
    api: Api,
) -> None:
    case_id = inline_participation(api)

    response = submit(api, around_today(UPDATE, end_in_days=60))

    assert (response.status_code, response.get_json()["correlated"]) == (202, True)
    assert planzeichnungen(api, case_id) == [
        hashlib.sha256(PLANZEICHNUNG).hexdigest(),
        hashlib.sha256(SECOND).hexdigest(),
    ]
    assert public_planzeichnung(api, case_id) == SECOND
    assert submit(api, around_today(UPDATE, end_in_days=60)).status_code == 202
    assert len(planzeichnungen(api, case_id)) == 2  # a re-send adds nothing


def test_a_0402_kept_for_want_of_its_participation_brings_its_documents_on_retry(
    api: Api,
) -> None:
    assert submit(api, around_today(UPDATE, end_in_days=60)).get_json()["correlated"] is False
    [incident] = api.get("/incidents", "admin").get_json()["items"]
    case_id = inline_participation(api)

    assert api.post(f"/incidents/{incident['id']}/retry", "admin").status_code == 200

    assert len(planzeichnungen(api, case_id)) == 2
    assert public_planzeichnung(api, case_id) == SECOND
