"""Follow-up submissions (`nachreichung`) and Postfach replies for a suspended instance are held
like inbound messages: the citizen gets the normal receipt, the case's trail says
`message.held` and, on the resume, `message.released`, in arrival order; a message arriving
between the resume and the release queues behind the held ones; a cancel discards them."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from egov.cases.store import Case
from egov.container import Container
from egov.identity.model import Principal, Role
from egov.runtime.sweep import Sweeper
from tests.conftest import Api
from tests.integration.test_inbound import actions, deploy_and_file, open_tasks
from tests.integration.test_inbound_followup import documents, follow_up, submit


def instance_of(api: Api, procedure: str) -> str:
    (listed,) = api.get(f"/process-instances?procedure={procedure}", "admin").get_json()["items"]
    return str(listed["id"])


def command(api: Api, instance_id: str, name: str, **body: Any) -> Any:
    answer = api.post(f"/process-instances/{instance_id}/{name}", "admin", json=body)
    assert answer.status_code == 200, answer.get_json()
    return answer


def events(api: Api, case_id: str, action: str) -> list[dict[str, Any]]:
    items = api.get(f"/cases/{case_id}/events", "admin").get_json()["items"]
    return [e["after"] for e in items if e["action"] == action]


def held(api: Api, instance_id: str) -> list[tuple[str, str]]:
    detail = api.get(f"/process-instances/{instance_id}", "admin").get_json()
    return [(h["kind"], h["status"]) for h in detail["held_messages"]]


def incidents(api: Api, case_id: str) -> list[str]:
    return [i["code"] for i in api.get(f"/cases/{case_id}", "admin").get_json()["incidents"]]


def reply(api: Api, case_id: str, subject: str) -> Any:
    path = f"/me/cases/{case_id}/messages"
    return api.post(path, "erika", json={"subject": subject, "body": "Anbei."})


def test_a_follow_up_for_a_suspended_instance_is_held_and_delivered_on_the_resume(
    api: Api,
) -> None:
    case = deploy_and_file(api, "nachtest", "nachreichung")
    instance_id = instance_of(api, "nachtest")
    command(api, instance_id, "suspend", reason="Rückfrage beim Bauamt")

    response = submit(api, "erika", follow_up(api, "nachtest", case["case_reference"]))

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["case_id"] == case["case_id"]  # the normal receipt
    assert "lageplan.txt" in documents(api, case["case_id"])  # the submission is stored
    assert incidents(api, case["case_id"]) == []
    assert [(e["kind"], e["reason"]) for e in events(api, case["case_id"], "message.held")] == [
        ("nachreichung", "instance-suspended")
    ]
    assert held(api, instance_id) == [("nachreichung", "held")]
    assert open_tasks(api, case["case_id"]) == []

    command(api, instance_id, "resume")

    assert open_tasks(api, case["case_id"]) == ["Prüfen"]
    (released,) = events(api, case["case_id"], "message.released")
    assert (released["kind"], released["delivered"]) == ("nachreichung", True)
    assert held(api, instance_id) == [("nachreichung", "delivered")]
    assert incidents(api, case["case_id"]) == []


def test_postfach_replies_for_a_suspended_instance_are_delivered_in_arrival_order(
    api: Api,
) -> None:
    case = deploy_and_file(api, "antworttest", "citizen_reply")
    instance_id = instance_of(api, "antworttest")
    command(api, instance_id, "suspend")

    first, second = reply(api, case["case_id"], "Erste"), reply(api, case["case_id"], "Zweite")

    assert first.status_code == 201
    assert (first.get_json()["correlated"], first.get_json()["held"]) == (False, True)
    assert second.get_json()["held"] is True
    command(api, instance_id, "resume")

    assert open_tasks(api, case["case_id"]) == ["Prüfen"]
    (correlated,) = events(api, case["case_id"], "message.correlated")
    assert correlated["payload"]["subject"] == "Erste"  # the first to arrive took the event
    released = events(api, case["case_id"], "message.released")
    assert [r["delivered"] for r in released] == [True, False]
    assert held(api, instance_id) == [
        ("postfach-reply", "delivered"),
        ("postfach-reply", "unclaimed"),
    ]
    assert incidents(api, case["case_id"]) == []  # a reply nobody waits for is just a message


def test_cancelling_a_suspended_instance_discards_its_held_messages_and_keeps_what_they_brought(
    api: Api,
) -> None:
    case = deploy_and_file(api, "nachtest", "nachreichung")
    instance_id = instance_of(api, "nachtest")
    command(api, instance_id, "suspend")
    assert (
        submit(api, "erika", follow_up(api, "nachtest", case["case_reference"])).status_code == 201
    )
    assert reply(api, case["case_id"], "Frage").status_code == 201

    command(api, instance_id, "cancel", reason="Antrag zurückgezogen")

    discarded = events(api, case["case_id"], "message.discarded")
    assert [(d["kind"], d["reason"]) for d in discarded] == [
        ("nachreichung", "instance-cancelled"),
        ("postfach-reply", "instance-cancelled"),
    ]
    assert held(api, instance_id) == [
        ("nachreichung", "discarded"),
        ("postfach-reply", "discarded"),
    ]
    assert "message.released" not in actions(api, case["case_id"])
    assert "lageplan.txt" in documents(api, case["case_id"])
    messages = api.get("/me/messages", "erika").get_json()["items"]
    assert "Frage" in [m["subject"] for m in messages]


def test_a_message_arriving_between_the_resume_and_the_release_queues_behind_the_held_ones(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = deploy_and_file(api, "antworttest", "citizen_reply")
    instance_id = instance_of(api, "antworttest")
    command(api, instance_id, "suspend")
    assert reply(api, case["case_id"], "Gehalten").get_json()["held"] is True
    resumed, arrived = threading.Event(), threading.Event()
    release = container.instance_commands.on_resume

    def release_later(case_id: str) -> object:
        resumed.set()  # the instance runs again; the held message is not released yet
        assert arrived.wait(30)
        return release(case_id)

    monkeypatch.setattr(container.instance_commands, "on_resume", release_later)
    resuming = threading.Thread(
        target=container.instance_commands.resume, args=("dev:admin", instance_id)
    )
    resuming.start()
    assert resumed.wait(30)
    late = container.postfach.reply(citizen(container), case["case_id"], "Neu", "Später.")
    arrived.set()
    resuming.join(30)

    assert (late.correlated, late.held) == (False, True)
    reasons = [e["reason"] for e in events(api, case["case_id"], "message.held")]
    assert reasons == ["instance-suspended", "queued"]
    (correlated,) = events(api, case["case_id"], "message.correlated")
    assert correlated["payload"]["subject"] == "Gehalten"
    assert [r["delivered"] for r in events(api, case["case_id"], "message.released")] == [
        True,
        False,
    ]
    assert open_tasks(api, case["case_id"]) == ["Prüfen"]


def test_concurrent_replies_during_a_release_keep_their_arrival_order(
    api: Api, container: Container
) -> None:
    case = deploy_and_file(api, "antworttest", "citizen_reply")
    instance_id = instance_of(api, "antworttest")
    command(api, instance_id, "suspend")
    for n in range(3):
        assert reply(api, case["case_id"], f"gehalten-{n}").status_code == 201
    erika = citizen(container)
    start = threading.Barrier(5)
    failures: list[BaseException] = []

    def run(work: Any) -> None:
        try:
            start.wait(30)
            resent(work)
        except BaseException as exc:  # reported below
            failures.append(exc)

    def late(n: int) -> Any:
        return lambda: container.postfach.reply(erika, case["case_id"], f"neu-{n}", "Später.")

    works = [lambda: container.instance_commands.resume("dev:admin", instance_id)]
    works += [late(n) for n in range(4)]
    threads = [threading.Thread(target=run, args=(w,)) for w in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert failures == []
    (correlated,) = events(api, case["case_id"], "message.correlated")
    assert correlated["payload"]["subject"] == "gehalten-0"  # no late one overtook it
    assert held(api, instance_id)[0] == ("postfach-reply", "delivered")
    assert all(status != "held" for _, status in held(api, instance_id))


def resent(work: Any) -> Any:
    """As a client does after a 409: on PostgreSQL two writers of one case's audit trail at
    once collide on its sequence number (the loser is rolled back) and send again."""
    for _ in range(20):
        try:
            return work()
        except IntegrityError:
            time.sleep(0.05)
    return work()


def citizen(container: Container) -> Principal:
    """erika (the owner of the only case) as a Principal, for the Postfach from a thread."""
    with container.db.reading() as session:
        subject = session.scalars(select(Case.owner_subject)).one()
    assert subject is not None
    return Principal(subject=subject, roles=frozenset({Role.CITIZEN}), name="Erika Mustermann")


def test_the_sweep_releases_messages_left_held_when_the_release_after_a_resume_died(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = deploy_and_file(api, "antworttest", "citizen_reply")
    instance_id = instance_of(api, "antworttest")
    command(api, instance_id, "suspend")
    assert reply(api, case["case_id"], "Gehalten").get_json()["held"] is True
    monkeypatch.setattr(container.instance_commands, "on_resume", lambda _case_id: 0)
    command(api, instance_id, "resume")  # the release is lost
    assert reply(api, case["case_id"], "Neu").get_json()["held"] is True  # queues behind

    assert Sweeper(container, None)()["held_released"] == 1

    (correlated,) = events(api, case["case_id"], "message.correlated")
    assert correlated["payload"]["subject"] == "Gehalten"
    assert held(api, instance_id) == [
        ("postfach-reply", "delivered"),
        ("postfach-reply", "unclaimed"),
    ]
    assert "held_released" not in Sweeper(container, None)()


def test_instance_show_lists_the_held_messages_in_arrival_order(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from egov.cli import common, main

    case = deploy_and_file(api, "antworttest", "citizen_reply")
    instance_id = instance_of(api, "antworttest")
    command(api, instance_id, "suspend")
    reply(api, case["case_id"], "Erste")
    monkeypatch.setattr(common, "settings", lambda: container.settings)

    shown = CliRunner().invoke(main, ["instance", "show", instance_id, "--json"])

    assert shown.exit_code == 0, shown.output
    (listed,) = json.loads(shown.output)["held_messages"]
    assert (listed["kind"], listed["message_name"], listed["status"]) == (
        "postfach-reply",
        "citizen_reply",
        "held",
    )
    table = CliRunner().invoke(main, ["instance", "show", instance_id]).output
    assert "Gehaltene Nachrichten (Eingangsfolge):" in table
