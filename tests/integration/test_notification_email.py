"""The citizen changes or withdraws the e-mail address letters on their cases are announced
to (issue 16): on every case of theirs, audited, and on nobody else's."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from tests.conftest import Api
from tests.integration.test_retention import actions
from tests.integration.test_walkthrough import file_proposal

ADDRESS = "/me/notification-email"


def notification_emails(api: Api, user: str) -> list[dict[str, Any]]:
    export = zipfile.ZipFile(io.BytesIO(api.get("/me/export", user).data))
    return list(json.loads(export.read("settings.json"))["notification_email"])


def test_a_changed_address_holds_for_every_case_and_is_audited(api: Api) -> None:
    first = file_proposal(api)
    second = file_proposal(api, title="Trinkbrunnen am Markt", description="Ein Trinkbrunnen.")

    response = api.call("PUT", ADDRESS, "erika", json={"email": "erika.neu@example.org"})

    assert response.status_code == 200, response.get_json()
    references = [first["case_reference"], second["case_reference"]]
    assert response.get_json() == {"email": "erika.neu@example.org", "cases": references}
    assert {e["email"] for e in notification_emails(api, "erika")} == {"erika.neu@example.org"}
    for case in (first, second):
        assert "case.notification_email_changed" in actions(api, case["case_id"])


def test_a_withdrawn_address_leaves_the_letters_in_the_postfach_only(api: Api) -> None:
    case_id = file_proposal(api)["case_id"]

    response = api.call("DELETE", ADDRESS, "erika")

    assert response.status_code == 200 and response.get_json()["email"] is None
    assert [e["email"] for e in notification_emails(api, "erika")] == [None]
    assert "case.notification_email_withdrawn" in actions(api, case_id)


def test_an_address_that_is_none_is_refused(api: Api) -> None:
    file_proposal(api)

    response = api.call("PUT", ADDRESS, "erika", json={"email": "keine adresse"})

    assert (response.status_code, response.get_json()["code"]) == (400, "bad-request")
    assert notification_emails(api, "erika")[0]["email"] != "keine adresse"


def test_another_citizens_cases_keep_their_address(api: Api) -> None:
    case_id = file_proposal(api)["case_id"]

    response = api.call("PUT", ADDRESS, "max", json={"email": "max.neu@example.org"})

    assert response.get_json()["cases"] == []
    assert "case.notification_email_changed" not in actions(api, case_id)
