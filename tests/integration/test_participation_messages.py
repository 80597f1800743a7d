"""Statements through the XFall profile: a portal sends an `antrag.einreichen` with the
Fachdaten `beteiligung-1.0` to `POST /submissions`; the statement is filed on its running
participation by the same rules as the JSON route, no case is opened, and a re-send of the
message UUID is answered with the first receipt."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from sqlalchemy import func, select

from egov.cases.store import Case
from egov.participation.store import Statement
from tests.builders import example
from tests.conftest import Api
from tests.integration.test_beteiligung_intake import case, submit
from tests.integration.test_participation_statements import (  # noqa: F401 (fixture)
    OUTSIDE,
    anonymous_api,
    mails,
    participation,
    statement,
)
from tests.integration.test_participation_weighing import close_by_update, outcome_letters

SHIPPED = example("beteiligung-stellungnahme.xml")
UUID = b"a3b4c5d6-e7f8-4a1b-8c2d-3e4f5a6b7c8d"


def message(participation_ref: str, uuid: str = "a3b4c5d6-e7f8-4a1b-8c2d-000000000001") -> bytes:
    """The shipped statement message for another participation, with its own UUID."""
    body = SHIPPED.replace(UUID, uuid.encode())
    return re.sub(
        rb"<beteiligung>[^<]*</beteiligung>",
        b"<beteiligung>" + participation_ref.encode() + b"</beteiligung>",
        body,
    )


def cases(api: Api) -> int:
    with api.container.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


def authors(api: Api, case_id: str) -> list[dict[str, Any]]:
    with api.container.db.reading() as session:
        rows = session.scalars(select(Statement).where(Statement.case_id == case_id))
        return [
            {"name": s.author_name, "postfach": s.author_postfach, "subject": s.author_subject}
            for s in rows
        ]


def test_the_shipped_statement_is_filed_on_the_participation_the_shipped_0401_opens(
    api: Api,
) -> None:
    opened = submit(api, example("beteiligung-initiierung.xml"))
    assert opened.status_code == 201, opened.get_json()
    pid = opened.get_json()["case_id"]
    assert case(api, pid)["status"] == "participation_open"
    before = cases(api)

    filed = submit(api, SHIPPED)

    assert filed.status_code == 201, filed.get_json()
    receipt = filed.get_json()
    assert (receipt["case_id"], receipt["status"]) == (pid, "received")
    assert receipt["statement"]["number"] == 1
    assert receipt["statement"]["receipt"] == f"{case(api, pid)['reference']}-S0001"
    assert "Location" not in filed.headers
    assert cases(api) == before  # no case opened
    [author] = authors(api, pid)
    assert author == {
        "name": "Erika Mustermann",
        "postfach": "dev:postfach:bundid:erika-mustermann-0001",
        "subject": None,
    }
    documents = api.get(f"/cases/{pid}/documents", "admin").get_json()["items"]
    [photo] = [d for d in documents if d["kind"] == "statement-attachment"]
    assert photo["filename"] == "foto-streuobstwiese.png"
    assert photo["sha512"] == hashlib.sha512(photo_bytes()).hexdigest()
    events = api.get(f"/cases/{pid}/events?limit=200", "admin").get_json()["items"]
    assert [e["action"] for e in events].count("statement.received") == 1


def photo_bytes() -> bytes:
    content = re.search(rb"<xfall:inhalt>(.*?)</xfall:inhalt>", SHIPPED, re.S)
    assert content is not None
    return base64.b64decode(b"".join(content.group(1).split()))


def test_a_resent_statement_message_is_answered_with_its_first_receipt_and_filed_once(
    api: Api,
) -> None:
    pid = participation(api)
    first = submit(api, message(pid))
    again = submit(api, message(pid))
    assert first.status_code == 201, first.get_json()
    assert (again.status_code, again.get_json()) == (200, first.get_json())
    assert len(authors(api, pid)) == 1


def test_statements_of_both_routes_share_one_numbering_and_the_aktenzeichen_names_it_too(
    api: Api,
) -> None:
    pid = participation(api)
    assert statement(api, pid, "erika").get_json()["number"] == 1
    reference = case(api, pid)["reference"]
    filed = submit(api, message(reference))
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["statement"]["number"] == 2


def test_a_statement_message_follows_the_rules_of_the_json_route(api: Api) -> None:
    closed = participation(api, start=-30, end=-10)
    outside = message(participation(api)).replace(
        b'{"type":"Point","coordinates":[11.6105,50.8851]}',
        str(OUTSIDE).replace("'", '"').replace(" ", "").encode(),
    )
    answers = {
        "closed": submit(api, message(closed)),
        "outside": submit(api, outside.replace(b"000000000001", b"000000000002")),
        "unknown": submit(api, message("no-such", uuid="a3b4c5d6-e7f8-4a1b-8c2d-000000000003")),
    }
    codes = {name: (r.status_code, r.get_json()["code"]) for name, r in answers.items()}
    assert codes == {
        "closed": (422, "participation-closed"),
        "outside": (422, "statement-location-outside"),
        "unknown": (404, "participation-not-found"),
    }


def anonymous_message(pid: str) -> bytes:
    return message(pid).replace(b"<xfall:methode>bundid<", b"<xfall:methode>keine<")


def test_an_anonymous_statement_message_needs_the_procedure_to_allow_anonymous_ones(
    api: Api,
) -> None:
    response = submit(api, anonymous_message(participation(api)))
    assert (response.status_code, response.get_json()["code"]) == (
        422,
        "statement-anonymous-not-allowed",
    )


def test_an_anonymous_statement_message_counts_after_its_email_link(
    anonymous_api: Api,  # noqa: F811
) -> None:
    api = anonymous_api
    pid = participation(api)
    filed = submit(api, anonymous_message(pid))
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["statement"]["confirmation_required"] is True
    [mail] = mails(api, pid)
    assert mail.payload["to"] == "erika.mustermann@example.org"
    assert authors(api, pid) == [{"name": None, "postfach": None, "subject": None}]


def test_the_author_of_a_statement_message_is_told_the_outcome_in_the_named_postfach(
    api: Api,
) -> None:
    pid = participation(api)
    body = message(pid).replace(
        b"postfach:bundid:erika-mustermann-0001", b"postfach:erika"
    )  # the reply Postfach of the dev IdP's Erika
    filed = submit(api, body)
    assert filed.status_code == 201, filed.get_json()
    close_by_update(api, pid)
    weighing = {
        "statement_ids": [filed.get_json()["statement"]["statement_id"]],
        "decision": "accepted",
        "reasoning": "Die Streuobstwiese bleibt erhalten.",
    }
    assert api.post(f"/participations/{pid}/weighing", "ben", json=weighing).status_code == 200

    report = api.post(f"/participations/{pid}/weighing-report", "ben")

    assert (report.status_code, report.get_json()["notified"]) == (201, 1)
    [letter] = outcome_letters(api, "erika")
    assert (
        "-S0001: berücksichtigt. Begründung: Die Streuobstwiese bleibt erhalten."
        in (letter["body"])
    )
    assert outcome_letters(api, "max") == []
