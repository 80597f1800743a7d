"""Moderation and weighing of statements, the weighing report and the authors told once.

The participation runs from the 0401 sample; a 0402 then moves its end into the past, so the
Beteiligung process closes the period at once (and hands the Fachdienst Stadtplanung the
weighing task). Mail is set up, so the authors' outcome mails are in the outbox.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import threading
import zlib
from typing import Any

from egov.cases.service import record
from egov.cases.store import Case
from egov.clock import utcnow
from egov.participation.store import list_by_case
from tests.conftest import Api
from tests.integration.test_beteiligung_intake import AKTUALISIEREN, case, submit, with_period
from tests.integration.test_participation_statements import (  # noqa: F401 (fixture)
    anonymous_api,
    mails,
    participation,
    statement,
)

HIDDEN_TEXT = "Der Planer Herr Beispiel ist ein Idiot."


def close_by_update(api: Api, pid: str, start: int = -7, end: int = 30) -> None:
    """A 0402 for the participation `participation(api, start, end)` ending ten days ago."""
    text = AKTUALISIEREN.read_text(encoding="utf-8").replace("VG-2026-0815", f"VG-{start}-{end}")
    text = with_period(text, -30, -10)
    response = submit(api, text.encode("utf-8"))
    assert response.status_code == 202 and response.get_json()["correlated"], response.get_json()
    assert case(api, pid)["status"] == "participation_closed"


def file_three(api: Api, pid: str) -> list[str]:
    bodies = [
        ("erika", {"text": "Bitte erhalten Sie die Streuobstwiese.", "named": True}),
        ("max", {"text": HIDDEN_TEXT}),
        ("erika", {"text": "Die Bäume am Hang sind alt und wertvoll.", "variant_id": "plan"}),
    ]
    ids = []
    for user, body in bodies:
        response = statement(api, pid, user, **body)
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["statement_id"])
    return ids


def pdf_text(pdf: bytes) -> str:
    """The text drawn on the PDF's pages (fpdf2 writes it in Latin-1, Flate-compressed)."""
    assert pdf.startswith(b"%PDF-")
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    drawn = []
    for stream in streams:
        with contextlib.suppress(zlib.error):
            drawn += re.findall(rb"\((.*?)\) Tj", zlib.decompress(stream), re.S)
    return "".join(d.decode("latin-1").replace("\\(", "(").replace("\\)", ")") for d in drawn)


def content(api: Api, document_id: str) -> bytes:
    response = api.get(f"/documents/{document_id}/content", "admin")
    assert response.status_code == 200
    data: bytes = response.get_data()
    return data


def test_moderation_hides_a_statement_with_a_reason_and_keeps_the_original(
    anonymous_api: Api,  # noqa: F811
) -> None:
    api = anonymous_api
    pid = participation(api)
    ids = file_three(api, pid)

    hidden = api.post(
        f"/participations/{pid}/statements/{ids[1]}/hide", "ben", json={"reason": "Beleidigung"}
    )

    assert hidden.status_code == 200, hidden.get_json()
    assert hidden.get_json()["hidden_reason"] == "Beleidigung"
    listed = api.get(f"/participations/{pid}/statements", "ben").get_json()["items"]
    assert [s["text"] for s in listed][1] == HIDDEN_TEXT  # the original stays
    events = api.get(f"/cases/{pid}/events?limit=200", "admin").get_json()["items"]
    [event] = [e for e in events if e["action"] == "statement.hidden"]
    assert (event["actor"], event["after"]["reason"]) == ("dev:ben", "Beleidigung")
    assert api.post(f"/participations/{pid}/statements/{ids[1]}/hide", "anna",
                    json={"reason": "x"}).status_code == 404  # fmt: skip


def test_the_weighing_report_lists_every_statement_and_tells_each_author_once(
    anonymous_api: Api,  # noqa: F811
) -> None:
    api = anonymous_api
    pid = participation(api)
    ids = file_three(api, pid)
    api.post(
        f"/participations/{pid}/statements/{ids[1]}/hide", "ben", json={"reason": "Beleidigung"}
    )
    early = api.post(f"/participations/{pid}/weighing-report", "ben")
    assert (early.status_code, early.get_json()["code"]) == (409, "weighing-incomplete")
    close_by_update(api, pid)

    grouped = api.post(
        f"/participations/{pid}/weighing",
        "ben",
        json={
            "statement_ids": [ids[0], ids[2]],
            "decision": "partly",
            "reasoning": "Die Streuobstwiese bleibt zur Hälfte erhalten.",
            "topic": "Grün und Bäume",
        },
    )
    assert (grouped.status_code, grouped.get_json()) == (200, {"weighed": 2})
    report = api.post(f"/participations/{pid}/weighing-report", "ben")

    assert report.status_code == 201, report.get_json()
    assert (report.get_json()["statements"], report.get_json()["notified"]) == (3, 2)
    csv_id, json_id, pdf_id = report.get_json()["document_ids"]
    pdf = pdf_text(content(api, pdf_id))
    assert "Nr. 1 (gesamter Plan), Thema: Grün und Bäume, Erika Mustermann" in pdf
    assert "Ausgeblendet durch die Moderation: Beleidigung" in pdf and HIDDEN_TEXT not in pdf
    rows = list(csv.reader(io.StringIO(content(api, csv_id).decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["nummer", "runde", "variante", "thema", "stellungnahme", "verfasser",
                       "ergebnis", "begruendung"]  # fmt: skip
    assert rows[1] == ["1", "Öffentlichkeit", "gesamter Plan", "Grün und Bäume",
                       "Bitte erhalten Sie die Streuobstwiese.", "Erika Mustermann",
                       "teilweise berücksichtigt",
                       "Die Streuobstwiese bleibt zur Hälfte erhalten."]  # fmt: skip
    assert rows[2][4] == "Ausgeblendet durch die Moderation: Beleidigung"
    assert rows[3][2:4] == ["plan", "Grün und Bäume"] and rows[3][5] == ""
    document: dict[str, Any] = json.loads(content(api, json_id))
    assert [s["nummer"] for s in document["stellungnahmen"]] == [1, 2, 3]
    assert HIDDEN_TEXT not in json.dumps(document, ensure_ascii=False)
    assert case(api, pid)["data"]["weighing_report"]["document_ids"] == [csv_id, json_id, pdf_id]

    again = api.post(f"/participations/{pid}/weighing-report", "ben")
    assert (again.status_code, again.get_json()["notified"]) == (201, 0)
    [erikas] = outcome_letters(api, "erika")
    assert "-S0001: teilweise berücksichtigt" in erikas["body"]
    assert "-S0003: teilweise berücksichtigt" in erikas["body"]
    [maxs] = outcome_letters(api, "max")
    assert "-S0002: ausgeblendet. Begründung: Beleidigung" in maxs["body"]
    assert outcome_mails(api, pid) == []  # authors with a login are told in their Postfach


def outcome_letters(api: Api, user: str) -> list[dict[str, Any]]:
    messages = api.get("/me/messages", user).get_json()["items"]
    return [m for m in messages if m["subject"] == "Ergebnis der Abwägung Ihrer Stellungnahme"]


def outcome_mails(api: Api, pid: str) -> list[str]:
    return [m.payload["to"] for m in mails(api, pid) if m.payload["subject"].startswith("Ergebnis")]


def weighed_and_closed(api: Api) -> str:
    """A closed participation with Erika's statement and an anonymous confirmed one, weighed."""
    pid = participation(api)
    [erikas] = file_three(api, pid)[:1]
    anonymous = statement(api, pid, None, email="anna.nym@example.org")
    [mail] = mails(api, pid)
    link = re.search(r"/api/v1(/statement-confirmations/\S+)", mail.payload["text"])
    assert link is not None
    token = link.group(1).rsplit("/", 1)[1]
    assert api.container.confirmations.confirm(token)["status"] == "received"
    close_by_update(api, pid)
    ids = [erikas, anonymous.get_json()["statement_id"]]
    with api.container.db.reading() as session:
        rest = [s.id for s in list_by_case(session, pid) if s.id not in ids]
    for group in (ids, rest):
        body = {"statement_ids": group, "decision": "noted", "reasoning": "Zur Kenntnis."}
        assert api.post(f"/participations/{pid}/weighing", "ben", json=body).status_code == 200
    return pid


def test_each_author_is_told_once_in_the_postfach_or_by_email_also_when_publishing_twice(
    anonymous_api: Api,  # noqa: F811
) -> None:
    api = anonymous_api
    pid = weighed_and_closed(api)
    first = api.post(f"/participations/{pid}/weighing-report", "ben")
    assert (first.status_code, first.get_json()["notified"]) == (201, 3), first.get_json()
    # a second run that read the statements before the first one committed: it finds the
    # letters and mails already written and writes none again
    with api.container.db.transaction() as session:
        for row in list_by_case(session, pid):
            row.notified_at = None
    api.post(f"/participations/{pid}/weighing-report", "ben")
    api.post(f"/participations/{pid}/weighing-report", "ben")

    assert len(outcome_letters(api, "erika")) == 1
    assert len(outcome_letters(api, "max")) == 1
    assert outcome_mails(api, pid) == ["anna.nym@example.org"]


def test_two_concurrent_publications_tell_each_author_once(anonymous_api: Api) -> None:  # noqa: F811
    api = anonymous_api
    pid = weighed_and_closed(api)
    clients = [Api(api.client.application.test_client(), api.container) for _ in range(2)]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def publish(client: Api) -> None:
        client.token("ben")
        barrier.wait()
        statuses.append(client.post(f"/participations/{pid}/weighing-report", "ben").status_code)

    runs = [threading.Thread(target=publish, args=(client,)) for client in clients]
    for run in runs:
        run.start()
    for run in runs:
        run.join()

    assert statuses == [201, 201]
    assert len(outcome_letters(api, "erika")) == 1
    assert len(outcome_letters(api, "max")) == 1
    assert outcome_mails(api, pid) == ["anna.nym@example.org"]


def test_a_weighing_needs_a_known_decision_and_a_reasoning(api: Api) -> None:
    pid = participation(api)
    [first, *_] = file_three(api, pid)
    body = {"statement_ids": [first], "decision": "maybe", "reasoning": "Vielleicht."}
    refused = api.post(f"/participations/{pid}/weighing", "ben", json=body)
    assert (refused.status_code, refused.get_json()["code"]) == (422, "statement-invalid")
    body = {"statement_ids": ["unknown"], "decision": "noted", "reasoning": "Gelesen."}
    unknown = api.post(f"/participations/{pid}/weighing", "ben", json=body)
    assert (unknown.status_code, unknown.get_json()["code"]) == (404, "statement-not-found")


def test_the_participations_applicant_reads_no_letter_to_another_author(
    anonymous_api: Api,  # noqa: F811
) -> None:
    api = anonymous_api
    pid = weighed_and_closed(api)
    assert api.post(f"/participations/{pid}/weighing-report", "ben").status_code == 201
    with api.container.db.transaction() as session:  # Max becomes the participation's applicant
        participation_case = session.get(Case, pid)
        assert participation_case is not None
        participation_case.owner_subject = "dev:max"
        record(session, participation_case, actor="test", action="test.owner", now=utcnow())

    mine = api.get("/me/messages", "max").get_json()["items"]
    case_view = api.get(f"/me/cases/{pid}", "max").get_json()

    assert [m["body"] for m in outcome_letters(api, "max")] == [
        m["body"] for m in mine if m["subject"].startswith("Ergebnis")
    ]
    assert all("-S0001" not in m["body"] for m in mine)  # Erika's statement, Erika's letter
    assert all("-S0001" not in m["body"] for m in case_view["messages"])
