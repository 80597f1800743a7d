"""The round of public bodies (Träger öffentlicher Belange): invited by the Fachdienst
Stadtplanung, each answers through its own link within the TöB period of the 0401, as a named
statement of the round `toeb`."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Api
from tests.integration.test_beteiligung_intake import INITIIEREN, case, submit, with_period
from tests.integration.test_participation_statements import (  # noqa: F401 (fixture)
    anonymous_api,
    mails,
)

BODY = {"body_name": "Untere Naturschutzbehörde Jena", "email": "naturschutz@jena.example"}
TOEB = """
      <xbeteiligung:beteiligungTOEB>
        <xbeteiligung:beteiligungsID>TOEB-47-1</xbeteiligung:beteiligungsID>
        <xbeteiligung:durchgang>1</xbeteiligung:durchgang>
        <xbeteiligung:bekanntmachung>2026-11-06</xbeteiligung:bekanntmachung>
        <xbeteiligung:zeitraum>
          <xbeteiligung:beginn>{start}</xbeteiligung:beginn>
          <xbeteiligung:ende>{end}</xbeteiligung:ende>
        </xbeteiligung:zeitraum>
        <xbeteiligung:beteiligungKommunalTOEBArt>
          <xbeteiligung:beteiligungKommunalFormalTOEB listURI="urn:xoev-de:xleitstelle:codeliste:verfahrensschrittkommunal" listVersionID="1">
            <code>4000</code>
          </xbeteiligung:beteiligungKommunalFormalTOEB>
        </xbeteiligung:beteiligungKommunalTOEBArt>
      </xbeteiligung:beteiligungTOEB>"""  # noqa: E501


def participation_with_toeb(api: Api, toeb_start: str, toeb_end: str) -> str:
    """The 0401 sample, its public period running, with a TöB round of the given days."""
    text = with_period(INITIIEREN.read_text(encoding="utf-8"), -7, 30)
    block = TOEB.format(start=toeb_start, end=toeb_end)
    text = text.replace("</xbeteiligung:beteiligungOeffentlichkeit>",
                        "</xbeteiligung:beteiligungOeffentlichkeit>" + block)  # fmt: skip
    response = submit(api, text.encode("utf-8"))
    assert response.status_code == 201, response.get_json()
    pid: str = response.get_json()["case_id"]
    return pid


def invite(api: Api, pid: str) -> str:
    response = api.post(f"/participations/{pid}/toeb-invitations", "ben", json=BODY)
    assert response.status_code == 201, response.get_json()
    match = re.search(r"/api/v1(/toeb-answers/\S+)$", response.get_json()["answer_url"])
    assert match is not None
    return match.group(1)


def answer(api: Api, path: str, **body: Any) -> Any:
    return api.post(path, json={"text": "Artenschutzgutachten fehlt.", **body})


def test_an_invited_public_body_answers_in_its_own_round_named(
    anonymous_api: Api,  # noqa: F811
) -> None:
    api = anonymous_api
    pid = participation_with_toeb(api, "2026-01-05", "2099-12-31")
    link = invite(api, pid)
    [mail] = [m for m in mails(api, pid) if m.payload["to"] == BODY["email"]]
    assert link in mail.payload["text"]

    answered = answer(api, link)

    assert answered.status_code == 201, answered.get_json()
    assert answered.get_json()["status"] == "received"
    [public] = api.get(f"/public/participations/{pid}").get_json()["statements"]
    assert (public["round"], public["author"]) == ("toeb", "Untere Naturschutzbehörde Jena")
    events = api.get(f"/cases/{pid}/events?limit=200", "admin").get_json()["items"]
    assert [e["after"]["round"] for e in events if e["action"] == "statement.received"] == ["toeb"]


def test_outside_the_toeb_period_a_body_cannot_answer(api: Api) -> None:
    pid = participation_with_toeb(api, "2020-01-06", "2020-02-07")
    assert case(api, pid)["status"] == "participation_open"  # the public round runs
    refused = answer(api, invite(api, pid))
    assert (refused.status_code, refused.get_json()["code"]) == (422, "participation-closed")


def test_an_unknown_link_and_a_clerk_of_another_unit_are_refused(api: Api) -> None:
    pid = participation_with_toeb(api, "2026-01-05", "2099-12-31")
    unknown = answer(api, "/toeb-answers/not-a-token")
    assert (unknown.status_code, unknown.get_json()["code"]) == (404, "invitation-not-found")
    other = api.post(f"/participations/{pid}/toeb-invitations", "anna", json=BODY)
    assert other.status_code == 404
