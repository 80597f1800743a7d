"""One paging scheme on every list: walked page by page past its page size, following `Link`.

LISTS names every list endpoint of the route table with who reads it and how; NOT_LISTS every
other GET endpoint. A new GET endpoint in neither fails `test_every_get_route_is_classified`,
and a handler of NOT_LISTS that answers `items` fails it too: a new list cannot escape paging.
The pages (egov.ui) are classified the same way: PAGE_LISTS, walked by their `rel="next"`
links, and PAGE_NOT_LISTS.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from egov.outbox.incidents import open_incident
from egov.outbox.store import IncidentKind
from egov.paging import DEFAULT_LIMIT, MAX_LIMIT
from tests.builders import example, proposal
from tests.conftest import Api
from tests.integration.test_authorization_matrix import open_participation

API = "/api/v1"
UNIT = "fachdienst-stadtgruen"
PERIOD = {"valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z"}


@dataclass(frozen=True)
class Listing:
    user: str
    path: str  # str.format-ed with the scenario's ids; may carry query parameters


LISTS = {
    "/api/v1/cases": Listing("anna", "/cases?procedure=buergerbudget"),
    "/api/v1/me/cases": Listing("erika", "/me/cases"),
    "/api/v1/cases/<case_id>/events": Listing("admin", "/cases/{case_id}/events"),
    "/api/v1/cases/<case_id>/documents": Listing("admin", "/cases/{submitted}/documents"),
    "/api/v1/tasks": Listing("anna", "/tasks"),
    "/api/v1/me/messages": Listing("erika", "/me/messages"),
    "/api/v1/incidents": Listing("admin", "/incidents?status=all"),
    "/api/v1/process-definitions": Listing("admin", "/process-definitions"),
    "/api/v1/org-units": Listing("admin", "/org-units"),
    "/api/v1/org-units/<key>/members": Listing("admin", f"/org-units/{UNIT}/members"),
    "/api/v1/deputies": Listing("admin", "/deputies"),
    "/api/v1/procedures": Listing("erika", "/procedures"),
    "/api/v1/process-instances": Listing("admin", "/process-instances"),
    "/api/v1/public/participations": Listing("erika", "/public/participations"),
    "/api/v1/admin/buergerbudget/rounds": Listing("admin", "/admin/buergerbudget/rounds"),
    "/api/v1/participations/<participation_id>/statements": Listing(
        "ben", "/participations/{participation}/statements"
    ),
}
NOT_LISTS = {  # one object, a download or a document that is not a list of rows
    "/api/v1/admin/buergerbudget/rounds/<year>",  # one round
    "/api/v1/buergerbudget/rounds/<year>/ballot",  # the caller's own ballot
    "/api/v1/buergerbudget/rounds/<year>/tally",  # one round's counts (admitted proposals)
    "/api/v1/buergerbudget/rounds/<year>/result",  # one round's result (admitted proposals)
    "/api/v1/statement-confirmations/<token>",  # the page that confirms one statement
    "/api/v1/public/participations/<participation_id>",  # one participation, its statements
    "/api/v1/open-data",  # the DCAT-AP.de catalogue: five datasets, no paging (open-data.md)
    "/api/v1/open-data/datasets/<dataset_id>.csv",  # a download, the whole dataset
    "/api/v1/open-data/datasets/<dataset_id>.json",
    "/api/v1/public/participations/<participation_id>/documents/<document_id>",  # bytes
    "/api/v1/migrations/<migration_id>",  # one batch: its counts and failures
    "/api/v1/cases/<case_id>",
    "/api/v1/me/cases/<case_id>",
    "/api/v1/me/export",  # one ZIP: everything about the citizen
    "/api/v1/me/exports/<export_id>",  # one background export's state
    "/api/v1/me/exports/<export_id>/download",  # its ZIP
    "/api/v1/tasks/<task_id>",
    "/api/v1/buergerbudget/implementations/<case_id>",  # one implementation, its milestones
    "/api/v1/public/buergerbudget/rounds/<year>",  # one round, its admitted proposals
    "/api/v1/public/buergerbudget/rounds/<year>/commitments",  # one round's, not paged
    "/api/v1/public/buergerbudget/photos/<document_id>",
    "/api/v1/triage/metrics",  # one report: figures overall and per procedure, unit, clerk
    "/api/v1/documents/<document_id>/content",
    "/api/v1/openapi.json",
    "/api/v1/docs",
    "/api/v1/docs/start.js",
    "/api/v1/docs/<folder>/<filename>",
    "/api/v1/problems/<code>",
    "/api/v1/procedures/<key>",
    "/api/v1/process-instances/<instance_id>",
    "/api/v1/process-definitions/<definition_id>",
    "/api/v1/process-definitions/<definition_id>/files/<path:name>",
    # Camunda Modeler's connection check: Camunda 7's bare array of at most maxResults (<= 200)
    "/api/v1/camunda/engine-rest/deployment",
    "/api/v1/camunda/engine-rest/version",
}


def get_rules(app: Flask) -> dict[str, Any]:
    return {
        rule.rule: app.view_functions[rule.endpoint]
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.rule.startswith(API)
    }


def test_every_get_route_is_classified(app: Flask) -> None:
    rules = get_rules(app)
    unclassified = set(rules) - set(LISTS) - NOT_LISTS
    assert unclassified == set(), "add the route to LISTS (and page it) or to NOT_LISTS"
    answering_items = {
        r for r in NOT_LISTS & set(rules) if '"items"' in inspect.getsource(rules[r])
    }
    assert answering_items == set()
    assert set(LISTS) <= set(rules)


@pytest.fixture
def scenario(api: Api) -> dict[str, str]:
    """At least two rows in every list."""
    cases = [api.post("/applications", "erika", json=proposal()) for _ in range(3)]
    assert all(r.status_code == 201 for r in cases)
    case_id = cases[0].get_json()["case_id"]
    submitted = api.post(
        "/submissions",
        "portal",
        data=example("buergerbudget-zwei-anhaenge.xml"),
        content_type="application/xml",
    )
    assert submitted.status_code == 201, submitted.get_data(as_text=True)
    for text in ("Erste Frage", "Zweite Frage"):
        body = {"subject": "Frage", "body": text}
        assert api.post(f"/me/cases/{case_id}/messages", "erika", json=body).status_code == 201
    for subject in ("dev:carla", "dev:dora", "dev:emil"):
        member = {"subject": subject}
        assert api.post(f"/org-units/{UNIT}/members", "admin", json=member).status_code == 201
    for deputy, absent in (("dev:carla", "dev:dora"), ("dev:emil", "dev:carla")):
        body = {**PERIOD, "deputy_subject": deputy, "absent_subject": absent}
        assert api.post("/deputies", "admin", json=body).status_code == 201
    container = api.container
    with container.db.transaction() as session:
        for n in range(3):
            open_incident(
                session,
                kind=IncidentKind.CORRELATION,
                code="message-uncorrelated",
                message=f"Nachricht {n} ohne Vorgang",
                now=container.clock(),
                actor="tests",
            )
    participation = open_participation(api)
    open_participation(api, "VG-paging-2")  # at least two in the public list
    for text in ("Erste Stellungnahme", "Zweite Stellungnahme", "Dritte Stellungnahme"):
        filed = api.post(
            f"/participations/{participation}/statements", "erika", json={"text": text}
        )
        assert filed.status_code == 201, filed.get_json()
    return {
        "case_id": case_id,
        "submitted": submitted.get_json()["case_id"],
        "participation": participation,
    }


def walk(api: Api, listing: Listing, ids: dict[str, str], limit: int) -> list[Any]:
    """Every item, page by page, following the `Link` header; checks each page's shape."""
    path = listing.path.format(**ids)
    joiner = "&" if "?" in path else "?"
    url, items, pages = f"{path}{joiner}limit={limit}", [], 0
    while url:
        response = api.get(url, listing.user)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
        body = response.get_json()
        assert len(body["items"]) <= limit
        items += body["items"]
        pages += 1
        link = response.headers.get("Link")
        if body["next_cursor"] is None:
            assert link is None
            url = ""
            continue
        url = _next(link, body["next_cursor"], path, limit)
        assert pages < 1000
    return items


def _next(link: str, cursor: str, path: str, limit: int) -> str:
    """The path (under /api/v1) of a `Link: <absolute URL>; rel="next"`, checked."""
    target, rel = link.split(";")
    assert rel.strip() == 'rel="next"'
    parts = urlsplit(target.strip().strip("<>"))
    assert parts.scheme == "http" and parts.netloc  # absolute
    query = parse_qs(parts.query)
    assert query["cursor"] == [cursor] and query["limit"] == [str(limit)]
    for name, values in parse_qs(urlsplit(path).query).items():
        assert query[name] == values  # the other query parameters are kept
    assert parts.path.startswith(API)
    return f"{parts.path.removeprefix(API)}?{parts.query}"


def test_every_list_is_walked_past_its_page_size_without_loss_or_repeat(
    api: Api, scenario: dict[str, str]
) -> None:
    for rule, listing in LISTS.items():
        everything = walk(api, listing, scenario, MAX_LIMIT)
        assert len(everything) >= 2, rule
        one_by_one = walk(api, listing, scenario, 1)
        assert one_by_one == everything, rule
        assert len(walk(api, listing, scenario, 2)) == len(everything), rule


def test_a_page_holds_fifty_rows_unless_the_limit_says_otherwise(api: Api) -> None:
    before = len(walk(api, LISTS["/api/v1/org-units"], {}, MAX_LIMIT))
    for n in range(DEFAULT_LIMIT + 1 - before):
        unit = {"key": f"einheit-{n:03}", "name": f"Einheit {n}"}
        assert api.post("/org-units", "admin", json=unit).status_code == 201
    first = api.get("/org-units", "admin")
    rest = api.get(f"/org-units?cursor={first.get_json()['next_cursor']}", "admin").get_json()
    assert len(first.get_json()["items"]) == DEFAULT_LIMIT and len(rest["items"]) == 1
    assert "limit=50" in first.headers["Link"] and rest["next_cursor"] is None


@pytest.mark.parametrize("limit", ["0", "201", "-1", "zehn", "1.5"])
def test_a_limit_outside_1_to_200_is_a_400(api: Api, limit: str) -> None:
    response = api.get(f"/tasks?limit={limit}", "anna")
    assert response.status_code == 400 and response.get_json()["code"] == "bad-limit"


def test_an_edited_or_foreign_cursor_is_a_400_bad_cursor(
    api: Api, scenario: dict[str, str]
) -> None:
    cursor = api.get("/tasks?limit=1", "anna").get_json()["next_cursor"]
    edited = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    for path, user in (
        (f"/tasks?cursor={edited}", "anna"),
        (f"/incidents?cursor={cursor}", "admin"),
        ("/tasks?cursor=x", "anna"),
        (f"/tasks?cursor={cursor[1:]}", "anna"),
    ):
        response = api.get(path, user)
        assert response.status_code == 400, path
        assert response.get_json()["code"] == "bad-cursor"
        assert [p["name"] for p in response.get_json()["invalid_params"]] == ["cursor"]


# The pages (egov.ui): a page that lists pages its list too, with a `rel="next"` link.
PAGE_LISTS = {
    "/": "/?q=a",  # the procedure catalogue of the portal's start page
    "/beteiligung": "/beteiligung?",  # the open participations
}
PAGE_NOT_LISTS = {
    "/arbeitsplatz",  # the landing page: a name, a few units and links
    "/beteiligung/<participation_id>",  # one procedure (its statements: all that count)
    "/beteiligung/<participation_id>/stellungnahme",
    "/beteiligung/<participation_id>/stellungnahme/eingegangen",
    "/buergerbudget/<int(max=9999):year>",  # a round: its admitted proposals, filtered, not paged
    "/buergerbudget/<int(max=9999):year>/vorschlaege/<int:number>",
    "/buergerbudget/<int(max=9999):year>/abstimmung",
}
# a citizen's own lists, walked as that citizen in tests/integration/ui/test_portal_cases.py
CITIZEN_PAGE_LISTS = {"/antraege", "/postfach"}
PAGE_NOT_LISTS |= {
    "/antraege/<case_id>",  # one case: its letters and documents (few), its history
    "/antraege/<case_id>/antworten",  # forms
    "/antraege/<case_id>/zuruecknehmen",
    "/postfach/<message_id>",  # one letter
    "/dokumente/<document_id>",  # bytes
    "/dokumente/<document_id>/ansicht",
    "/konto",  # the account's settings and links
    "/konto/auskunft",  # one ZIP, or the form that asks for it
    "/konto/loeschen",  # a form
}
PAGE_NOT_LISTS |= {  # the apply pages (egov/portal/apply.py): a procedure, a form, a receipt
    "/antrag/<key>",
    "/antrag/<key>/formular",
    "/antrag/<key>/anhaenge",  # the draft's files: at most EGOV_MAX_ATTACHMENTS
    "/antrag/<key>/pruefen",
    "/antrag/<key>/eingang/<case_id>",
}
# the admin pages' lists: each paged by its service's cursor (the macro's rel="next" link),
# not yet walked here
ADMIN = "/arbeitsplatz/admin"
ADMIN_PAGE_LISTS = {
    f"{ADMIN}/organisationseinheiten",
    f"{ADMIN}/organisationseinheiten/<key>",  # the unit's members
    f"{ADMIN}/verfahren",
    f"{ADMIN}/buergerbudget",
    f"{ADMIN}/stoerungen",
}
PAGE_NOT_LISTS |= {
    ADMIN,  # links
    f"{ADMIN}/verfahren/<key>",  # one procedure
    f"{ADMIN}/buergerbudget/<int:year>",  # one round
    f"{ADMIN}/buergerbudget/<int:year>/aendern",  # forms
    f"{ADMIN}/buergerbudget/neu",
    f"{ADMIN}/prozesse",  # the deployed process keys: one per bundle
    f"{ADMIN}/prozesse/<process_id>",  # one process's versions
    f"{ADMIN}/prozessversionen/<definition_id>/diagramm.bpmn",  # bytes
    f"{ADMIN}/stoerungen/<incident_id>",  # one incident
}


def two_participations(api: Api) -> None:
    open_participation(api)
    open_participation(api, "VG-2026-0816")


# a clerk's own list, walked as that clerk in tests/integration/ui/test_workspace_inbox.py
CLERK_PAGE_LISTS = {"/arbeitsplatz/posteingang"}
PAGE_NOT_LISTS |= {  # one case, task, document or diagram (the case's trail pages along
    "/arbeitsplatz/vorgaenge/<case_id>",  # rel=next, tests/integration/ui/test_workspace_case.py)
    "/arbeitsplatz/aufgaben/<task_id>",
    "/arbeitsplatz/dokumente/<document_id>",
    "/arbeitsplatz/prozessinstanzen/<instance_id>/diagramm",
}
PAGE_SEEDS = {"/beteiligung": two_participations}  # what a listing page needs for two rows


def page_rules(app: Flask) -> set[str]:
    pages = app.extensions["egov.ui.pages"]
    return {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
        and rule.endpoint.split(".")[0] in pages
        and rule.endpoint != "ui.static"
    }


def test_every_get_page_is_classified(app: Flask) -> None:
    lists = set(PAGE_LISTS) | CITIZEN_PAGE_LISTS | CLERK_PAGE_LISTS | ADMIN_PAGE_LISTS
    assert page_rules(app) - lists - PAGE_NOT_LISTS == set()
    assert lists | PAGE_NOT_LISTS <= page_rules(app)


def walk_page(app: Flask, path: str, limit: int) -> list[str]:
    """The headings of every card, page by page, following the `rel="next"` link."""
    client, url, headings = app.test_client(), f"{path}&limit={limit}", []
    while url:
        html = client.get(url).get_data(as_text=True)
        found = re.findall(r'<li class="card">\s*<h3>\s*(.*?)\s*</h3>', html, flags=re.S)
        assert 0 < len(found) <= limit, url
        headings += found
        link = re.search(r'href="([^"]+)" rel="next"', html)
        url = link.group(1).replace("&amp;", "&") if link else ""
        assert len(headings) < 1000
    return headings


def test_every_listing_page_is_walked_past_its_page_size_without_loss_or_repeat(
    app: Flask, api: Api
) -> None:
    for rule, path in PAGE_LISTS.items():  # in order: a seed adds cards to the start page too
        PAGE_SEEDS.get(rule, lambda _api: None)(api)
        whole = walk_page(app, path, MAX_LIMIT)
        assert len(whole) >= 2, path
        assert walk_page(app, path, 1) == whole, path
