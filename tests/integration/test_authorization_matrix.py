"""The authorization matrix: every principal against every endpoint of the route table.

EXPECTATIONS names, for every (method, rule) the app serves, how to call it and what each
principal gets: "ok" (2xx), "redirect" (302/303 to this site or the dev IdP), 400 (a login
callback without valid state), 401, 403 (wrong role), "scope" (403: a technical client lacks
the operation's scope), 404 (the object is hidden from them), 409 (authorized, but the process
instance's or migration batch's state refuses the command) or 422 (authorized, but the login is
too weak for the procedure).

Two issuers: the dev IdP and `twin`, a real issuer on a loopback port whose people have the
same `sub` as the dev IdP's (`erika`, `anna`) and whose client has the same id (`portal`),
but are others: they must read and change nothing of the dev IdP's people. A new endpoint
without an entry fails `test_every_route_has_an_entry_in_the_authorization_matrix`. Refusals
must be problem+json with a code and must leave the database exactly as it was.

Building the scenario takes most of the time, so it is built once per backend (and module) and
shared by every probe that must leave it as it is: all refusals and all allowed reads. Each of
those checks that the shared scenario is still exactly as built, before and after its request.
Only the allowed writes get a fresh scenario each.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import itertools
import json
import os
import shutil
import time
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select

from egov.app import create_app
from egov.audit.store import AuditEvent
from egov.buergerbudget.implementation import begin
from egov.cases.store import Case
from egov.container import Container
from egov.identity.store import Deputy, OrgUnit, OrgUnitMembership
from egov.identity.tokens import KeyPair
from egov.intake.xbau import JENA_BAUAUFSICHT, build_status_1170
from egov.integrations import signing
from egov.integrations.fachverfahren import Endpoint
from egov.outbox.store import Incident
from egov.postfach.store import PostfachMessage
from egov.settings import Settings
from egov.workflow.deploy import read_bundle
from egov.workflow.store import (
    DefinitionActivation,
    ProcessDefinition,
    Task,
    WorkflowInstance,
    get_instance_by_case,
)
from tests.builders import ROOT, example, proposal
from tests.conftest import BACKENDS, Api, _admin, _with_db, make_settings
from tests.integration.test_beteiligung_intake import INITIIEREN, around_today
from tests.support.idp import LoopbackIdp

TWINS = ("twin_erika", "twin_anna", "twin_portal")  # issuer `twin`, colliding subjects
PRINCIPALS = (
    "anonymous", "erika", "max", "anna", "ben", "admin", "portal", "fachverfahren", *TWINS
)  # fmt: skip
OK = "ok"
REDIRECT = "redirect"
SCOPE = "scope"
Outcome = str | int
FEASIBLE = {"feasible": True, "cost_estimate_eur": 3600, "feasibility_note": "Standort geeignet."}
DEPUTY = {"valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z"}
NOT_MATRIX = ("ui.static",)  # the pages' static files; the dev IdP (/dev-idp) issues the tokens
ATTACHMENT = {
    "filename": "skizze.txt",
    "media_type": "text/plain",
    "content_base64": base64.b64encode(b"Skizze des Standorts").decode(),
}


PHOTO = {
    "filename": "buegel.png",
    "media_type": "image/png",
    "content_base64": base64.b64encode(b"\x89PNG\r\n\x1a\n").decode(),
}


def expect(**allowed: Outcome) -> dict[str, Outcome]:
    """Anonymous 401, every role 403, unless named."""
    return {"anonymous": 401, **{p: 403 for p in PRINCIPALS[1:]}, **allowed}


EVERYONE = {p: OK for p in PRINCIPALS}
CLERK_OF_A = expect(anna=OK, ben=OK, admin=OK, twin_anna=404)  # ben: his unit has a task
CLERK_OF_B = expect(anna=OK, ben=404, admin=OK, twin_anna=404)
OWNER_OF_A = dict(CLERK_OF_A, erika=OK, max=404, twin_erika=404)
OWNER_OF_B = dict(CLERK_OF_B, erika=OK, max=404, twin_erika=404)
CLERKS = {"anna": OK, "ben": OK, "twin_anna": OK}


ROUND_2031 = {
    "year": 2031,
    "total_budget_eur": 25000,
    "cap_per_proposal_eur": 5000,
    "submissions_open": "2031-03-01",
    "submission_deadline": "2031-05-31",
    "vote_opens": "2031-07-01",
    "vote_closes": "2031-07-31",
    "votes_per_citizen": 3,
    "vertrauensniveau": "substantial",
    "categories": ["verkehr"],
}


def modified_bundle() -> dict[str, Any]:
    """The shipped bundle with a comment added: a new version if the deployment is accepted."""
    files = {k: v.decode() for k, v in read_bundle(ROOT / "bpmn" / "buergerbudget").items()}
    files["buergerbudget.bpmn"] += "\n<!-- authorization matrix -->\n"
    return {"json": {"files": files}}


@dataclass(frozen=True)
class Probe:
    method: str
    rule: str
    target: str  # which object, in words
    path: str  # str.format-ed with the scenario's ids
    outcomes: dict[str, Outcome]
    body: dict[str, Any] = field(default_factory=dict)  # keyword arguments of client.open
    claimed_by: str | None = None  # claim the path's task as this clerk first
    signed: bool = False  # sign `data` with INBOUND_SECRET at call time (POST /inbound)
    page: bool = False  # a page (egov.ui): refusals are German HTML error pages, not problems


MODELER_DIAGRAM = ROOT / "bpmn" / "buergerbudget" / "buergerbudget.bpmn"  # a path: read per call
INBOUND_SECRET = b"matrix-inbound-secret-0123456789"
MIGRATION_PLAN = {"source_definition_id": "{definition}", "target_definition_id": "{definition}"}
STATUS_FOR_UNKNOWN_CASE = build_status_1170(
    message_id="6f1c2a4e-0c1d-4f6b-9a57-2f4f0b7f3e11",
    case_reference="JENA-2099-999999",
    status_code="14",
    created_at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
    reader=JENA_BAUAUFSICHT,
)


# the workspace's admin pages (egov/workspace/admin_*.py): admins only, the 403 page for every
# other role, without a login to the staff login; a bearer token sends no form token, so every
# POST of a page is 400 `form-token-invalid` (tests/integration/ui/test_workspace_admin.py
# sends them from a browser session)
ADMIN_PAGE = expect(admin=OK, anonymous=REDIRECT)
ADMIN_POST = {p: 400 for p in PRINCIPALS}
ADMIN = "/arbeitsplatz/admin"
ADMIN_PAGES = [
    *(
        Probe("GET", f"{ADMIN}{rule}", f"admin page {rule or '/'}", f"{ADMIN}{path}", ADMIN_PAGE,
              page=True)
        for rule, path in (
            ("", ""),
            ("/organisationseinheiten", "/organisationseinheiten"),
            ("/organisationseinheiten/<key>", "/organisationseinheiten/buero-buergerbudget"),
            ("/verfahren", "/verfahren"),
            ("/verfahren/<key>", "/verfahren/buergerbudget"),
            ("/buergerbudget", "/buergerbudget"),
            ("/buergerbudget/<int:year>", "/buergerbudget/2026"),
            ("/buergerbudget/neu", "/buergerbudget/neu"),
            ("/buergerbudget/<int:year>/aendern", "/buergerbudget/2026/aendern"),
            ("/prozesse", "/prozesse"),
            ("/prozesse/<process_id>", "/prozesse/buergerbudget"),
            ("/prozessversionen/<definition_id>/diagramm.bpmn",
             "/prozessversionen/{definition}/diagramm.bpmn"),
            ("/stoerungen", "/stoerungen"),
            ("/stoerungen/<incident_id>", "/stoerungen/{incident_c}"),
        )
    ),
    *(
        Probe("POST", f"{ADMIN}{rule}", f"admin form {rule}", f"{ADMIN}{path}", ADMIN_POST,
              page=True)
        for rule, path in (
            ("/organisationseinheiten", "/organisationseinheiten"),
            ("/organisationseinheiten/<key>/name",
             "/organisationseinheiten/buero-buergerbudget/name"),
            ("/organisationseinheiten/<key>/mitglieder",
             "/organisationseinheiten/buero-buergerbudget/mitglieder"),
            ("/organisationseinheiten/<key>/mitglieder/entfernen",
             "/organisationseinheiten/buero-buergerbudget/mitglieder/entfernen"),
            ("/organisationseinheiten/<key>/vertretungen",
             "/organisationseinheiten/buero-buergerbudget/vertretungen"),
            ("/vertretungen/<deputy_id>/beenden", "/vertretungen/{deputy}/beenden"),
            ("/buergerbudget/neu", "/buergerbudget/neu"),
            ("/buergerbudget/<int:year>/aendern", "/buergerbudget/2026/aendern"),
            ("/prozessversionen/<definition_id>/aktivieren",
             "/prozessversionen/{definition}/aktivieren"),
            ("/stoerungen/<incident_id>/wiederholen", "/stoerungen/{incident_c}/wiederholen"),
            ("/stoerungen/<incident_id>/erledigen", "/stoerungen/{incident_c}/erledigen"),
        )
    ),
]  # fmt: skip


# the workspace's inbox and case pages (egov/workspace/inbox.py, casepage.py, taskform.py):
# without a login to the staff login; a bearer token sends no form token, so every POST of a
# page is 400 `form-token-invalid` (tests/integration/ui/test_workspace_*.py send them from
# a browser session)
STAFF_PAGE = {"anonymous": REDIRECT}
PAGE_POST = {p: 400 for p in PRINCIPALS}
WORKSPACE_PAGES = [
    Probe(
        "GET",
        "/arbeitsplatz/posteingang",
        "the Posteingang",
        "/arbeitsplatz/posteingang",
        expect(admin=OK, **CLERKS, **STAFF_PAGE),
        page=True,
    ),
    Probe(
        "GET",
        "/arbeitsplatz/aufgaben/<task_id>",
        "ben's task",
        "/arbeitsplatz/aufgaben/{task_a}",
        expect(anna=404, ben=OK, admin=OK, twin_anna=404, **STAFF_PAGE),
        page=True,
    ),
    Probe(
        "GET",
        "/arbeitsplatz/vorgaenge/<case_id>",
        "case A",
        "/arbeitsplatz/vorgaenge/{case_a}",
        dict(CLERK_OF_A, **STAFF_PAGE),
        page=True,
    ),
    Probe(
        "GET",
        "/arbeitsplatz/dokumente/<document_id>",
        "attachment of case A",
        "/arbeitsplatz/dokumente/{attachment_a}",
        dict(CLERK_OF_A, **STAFF_PAGE),
        page=True,
    ),
    Probe(
        "GET",
        "/arbeitsplatz/prozessinstanzen/<instance_id>/diagramm",
        "the diagram of case A's instance",
        "/arbeitsplatz/prozessinstanzen/{instance_a}/diagramm",
        expect(anna=OK, ben=404, admin=OK, twin_anna=404, **STAFF_PAGE),
        page=True,
    ),
    *(
        Probe(
            "POST",
            f"/arbeitsplatz/aufgaben/<task_id>/{action}",
            "ben's task",
            f"/arbeitsplatz/aufgaben/{{task_a}}/{action}",
            PAGE_POST,
            page=True,
        )
        for action in (
            "uebernehmen",
            "zurueckgeben",
            "erledigen",
            "freigeben",
            "ablehnen",
            "triage",
        )
    ),
]


# the portal's apply pages (egov/portal/apply.py): a bearer token sends no form token, so
# every POST of a page is 400 `form-token-invalid` (tests/integration/ui/test_portal_apply.py
# sends them from a browser session)
APPLY_PAGE = expect(anonymous=REDIRECT, erika=OK, max=422, twin_erika=OK)
NO_FORM_TOKEN = {p: 400 for p in PRINCIPALS}
APPLY = "/antrag/buergerbudget"
APPLY_PAGES = [
    Probe("GET", "/antrag/<key>", "the Bürgerbudget procedure", APPLY, EVERYONE, page=True),
    Probe(
        "GET", "/antrag/<key>/formular", "the form", f"{APPLY}/formular", APPLY_PAGE, page=True
    ),
    Probe(
        "POST", "/antrag/<key>/formular", "the form", f"{APPLY}/formular", NO_FORM_TOKEN, page=True
    ),
    Probe(
        "GET",
        "/antrag/<key>/anhaenge",
        "the attachments",
        f"{APPLY}/anhaenge",
        APPLY_PAGE,
        page=True,
    ),
    Probe(
        "POST", "/antrag/<key>/anhaenge", "an upload", f"{APPLY}/anhaenge", NO_FORM_TOKEN, page=True
    ),
    Probe(
        "POST",
        "/antrag/<key>/anhaenge/<file_id>/entfernen",
        "a file of a draft",
        f"{APPLY}/anhaenge/no-such-file/entfernen",
        NO_FORM_TOKEN,
        page=True,
    ),
    Probe(
        "GET",
        "/antrag/<key>/pruefen",
        "the review of an empty draft (back to the form)",
        f"{APPLY}/pruefen",
        dict(APPLY_PAGE, erika=REDIRECT, twin_erika=REDIRECT),
        page=True,
    ),
    Probe(
        "POST", "/antrag/<key>/pruefen", "the submit", f"{APPLY}/pruefen", NO_FORM_TOKEN, page=True
    ),
    Probe(
        "GET",
        "/antrag/<key>/eingang/<case_id>",
        "the receipt of case A",
        APPLY + "/eingang/{case_a}",
        expect(anonymous=REDIRECT, erika=OK, max=404, twin_erika=404),
        page=True,
    ),
]


EXPECTATIONS = [
    Probe(
        "POST",
        "/api/v1/submissions",
        "an XML message",
        "/api/v1/submissions",
        expect(erika=OK, max=422, portal=OK, fachverfahren=SCOPE, twin_erika=OK),
        {"data": example("buergerbudget-zwei-anhaenge.xml"), "content_type": "application/xml"},
    ),
    Probe(
        "POST",
        "/api/v1/applications",
        "a web form",
        "/api/v1/applications",
        expect(
            erika=OK, max=422, twin_erika=OK, portal=SCOPE, fachverfahren=SCOPE, twin_portal=SCOPE
        ),
        {"json": proposal()},
    ),
    Probe("GET", "/api/v1/procedures", "the catalogue", "/api/v1/procedures", EVERYONE),
    Probe(
        "POST",
        "/api/v1/participations/<participation_id>/statements",
        "participation P (anonymous statements not allowed)",
        "/api/v1/participations/{participation}/statements",
        expect(erika=OK, max=OK, twin_erika=OK),
        {"json": {"text": "Bitte mehr Bäume."}},
    ),
    Probe(
        "GET",
        "/api/v1/participations/<participation_id>/statements",
        "participation P of Fachdienst Stadtplanung",
        "/api/v1/participations/{participation}/statements",
        expect(ben=OK, admin=OK, anna=404, twin_anna=404),
    ),
    Probe(
        "POST",
        "/api/v1/participations/<participation_id>/statements/<statement_id>/hide",
        "statement S of participation P",
        "/api/v1/participations/{participation}/statements/{statement}/hide",
        expect(ben=OK, admin=OK, anna=404, twin_anna=404),
        {"json": {"reason": "Beleidigung"}},
    ),
    Probe(
        "POST",
        "/api/v1/participations/<participation_id>/weighing",
        "statement S of participation P",
        "/api/v1/participations/{participation}/weighing",
        expect(ben=OK, admin=OK, anna=404, twin_anna=404),
        {"json": {"statement_ids": ["{statement}"], "decision": "noted", "reasoning": "Gelesen."}},
    ),
    Probe(
        "POST",
        "/api/v1/participations/<participation_id>/weighing-report",
        "participation P, still open (409 for those who may publish)",
        "/api/v1/participations/{participation}/weighing-report",
        expect(ben=409, admin=409, anna=404, twin_anna=404),
    ),
    Probe(
        "POST",
        "/api/v1/participations/<participation_id>/toeb-invitations",
        "participation P",
        "/api/v1/participations/{participation}/toeb-invitations",
        expect(ben=OK, admin=OK, anna=404, twin_anna=404),
        {"json": {"body_name": "Untere Naturschutzbehörde", "email": "unb@jena.example"}},
    ),
    Probe(
        "POST",
        "/api/v1/toeb-answers/<token>",
        "an unknown invitation link",
        "/api/v1/toeb-answers/unknown-token",
        {p: 404 for p in PRINCIPALS},
        {"json": {"text": "Keine Bedenken."}},
    ),
    Probe(
        "GET",
        "/api/v1/public/participations",
        "the public list",
        "/api/v1/public/participations",
        EVERYONE,
    ),
    Probe("GET", "/api/v1/open-data", "the open-data catalogue", "/api/v1/open-data", EVERYONE),
    Probe(
        "GET",
        "/api/v1/open-data/datasets/<dataset_id>.csv",
        "the case statistics as CSV",
        "/api/v1/open-data/datasets/vorgangsstatistik.csv",
        EVERYONE,
    ),
    Probe(
        "GET",
        "/api/v1/open-data/datasets/<dataset_id>.json",
        "the proposals as JSON",
        "/api/v1/open-data/datasets/buergerbudget-vorschlaege.json",
        EVERYONE,
    ),
    Probe(
        "GET",
        "/api/v1/public/participations/<participation_id>",
        "participation P, in public",
        "/api/v1/public/participations/{participation}",
        EVERYONE,
    ),
    Probe(
        "GET",
        "/api/v1/public/participations/<participation_id>/documents/<document_id>",
        "case A's attachment, asked for as a document of participation P",
        "/api/v1/public/participations/{participation}/documents/{attachment_a}",
        {p: 404 for p in PRINCIPALS},
    ),
    Probe(
        "GET",
        "/api/v1/public/buergerbudget/rounds/<year>",
        "the 2026 round, in public",
        "/api/v1/public/buergerbudget/rounds/2026",
        EVERYONE,
    ),
    Probe(
        "GET",
        "/api/v1/public/buergerbudget/rounds/<year>/commitments",
        "the ballot commitments of the 2020 round, whose vote has closed, in public",
        "/api/v1/public/buergerbudget/rounds/2020/commitments",
        EVERYONE,
    ),
    Probe(
        "GET",
        "/api/v1/public/buergerbudget/photos/<document_id>",
        "a document that is no implementation photo (attachment of case A)",
        "/api/v1/public/buergerbudget/photos/{attachment_a}",
        {p: 404 for p in PRINCIPALS},
    ),
    Probe(
        "GET",
        "/api/v1/statement-confirmations/<token>",
        "an unknown confirmation link",
        "/api/v1/statement-confirmations/unknown-token",
        {p: 404 for p in PRINCIPALS},
    ),
    Probe(
        "POST",
        "/api/v1/statement-confirmations/<token>",
        "an unknown confirmation link",
        "/api/v1/statement-confirmations/unknown-token",
        {p: 404 for p in PRINCIPALS},
    ),
    Probe(
        "GET",
        "/api/v1/procedures/<key>",
        "a procedure",
        "/api/v1/procedures/buergerbudget",
        EVERYONE,
    ),
    Probe(
        "GET",
        "/api/v1/buergerbudget/implementations/<case_id>",
        "implementation I of Fachdienst Stadtplanung",
        "/api/v1/buergerbudget/implementations/{implementation}",
        expect(ben=OK, admin=OK, anna=404, twin_anna=404),
    ),
    Probe(
        "POST",
        "/api/v1/buergerbudget/implementations/<case_id>/milestones",
        "implementation I",
        "/api/v1/buergerbudget/implementations/{implementation}/milestones",
        expect(ben=OK, admin=OK, anna=404, twin_anna=404),
        {"json": {"title": "Bügel montiert", "planned_on": "2027-04-01"}},
    ),
    Probe(
        "PATCH",
        "/api/v1/buergerbudget/implementations/<case_id>/milestones/<milestone_id>",
        "milestone M of implementation I",
        "/api/v1/buergerbudget/implementations/{implementation}/milestones/{milestone}",
        expect(ben=OK, admin=OK, anna=404, twin_anna=404),
        {"json": {"status": "done", "actual_on": "2027-03-04"}},
    ),
    Probe(
        "PUT",
        "/api/v1/buergerbudget/implementations/<case_id>/cost",
        "implementation I",
        "/api/v1/buergerbudget/implementations/{implementation}/cost",
        expect(ben=OK, admin=OK, anna=404, twin_anna=404),
        {"json": {"actual_cost_eur": 3400}},
    ),
    Probe(
        "POST",
        "/api/v1/buergerbudget/implementations/<case_id>/photos",
        "implementation I",
        "/api/v1/buergerbudget/implementations/{implementation}/photos",
        expect(ben=OK, admin=OK, anna=404, twin_anna=404),
        {"json": PHOTO},
    ),
    Probe(
        "POST",
        "/api/v1/buergerbudget/implementations/<case_id>/complete",
        "implementation I without its actual cost (422 for those who may close it)",
        "/api/v1/buergerbudget/implementations/{implementation}/complete",
        expect(ben=422, admin=422, anna=404, twin_anna=404),
    ),
    Probe("GET", "/api/v1/cases", "the case list", "/api/v1/cases", expect(admin=OK, **CLERKS)),
    Probe("GET", "/api/v1/cases/<case_id>", "case A", "/api/v1/cases/{case_a}", CLERK_OF_A),
    Probe("GET", "/api/v1/cases/<case_id>", "case B", "/api/v1/cases/{case_b}", CLERK_OF_B),
    Probe(
        "GET",
        "/api/v1/cases/<case_id>/events",
        "case A",
        "/api/v1/cases/{case_a}/events",
        CLERK_OF_A,
    ),
    Probe(
        "GET",
        "/api/v1/cases/<case_id>/events",
        "case B",
        "/api/v1/cases/{case_b}/events",
        CLERK_OF_B,
    ),
    Probe(
        "GET",
        "/api/v1/cases/<case_id>/documents",
        "case A",
        "/api/v1/cases/{case_a}/documents",
        OWNER_OF_A,
    ),
    Probe(
        "GET",
        "/api/v1/cases/<case_id>/documents",
        "case B",
        "/api/v1/cases/{case_b}/documents",
        OWNER_OF_B,
    ),
    Probe(
        "GET",
        "/api/v1/documents/<document_id>/content",
        "attachment of case A",
        "/api/v1/documents/{attachment_a}/content",
        OWNER_OF_A,
    ),
    Probe(
        "GET",
        "/api/v1/documents/<document_id>/content",
        "original message of case A",
        "/api/v1/documents/{original_a}/content",
        dict(OWNER_OF_A, erika=404),
    ),
    Probe(
        "GET",
        "/api/v1/documents/<document_id>/content",
        "attachment of case B",
        "/api/v1/documents/{attachment_b}/content",
        OWNER_OF_B,
    ),
    Probe("GET", "/api/v1/tasks", "the inbox", "/api/v1/tasks", expect(admin=OK, **CLERKS)),
    Probe(
        "GET",
        "/api/v1/tasks/<task_id>",
        "ben's task",
        "/api/v1/tasks/{task_a}",
        expect(anna=404, ben=OK, admin=OK, twin_anna=404),
    ),
    Probe(
        "GET",
        "/api/v1/tasks/<task_id>",
        "anna's task",
        "/api/v1/tasks/{task_b}",
        expect(anna=OK, ben=404, admin=OK, twin_anna=404),
    ),
    Probe(
        "POST",
        "/api/v1/tasks/<task_id>/claim",
        "ben's task",
        "/api/v1/tasks/{task_a}/claim",
        expect(anna=404, ben=OK, twin_anna=404),
    ),
    Probe(
        "POST",
        "/api/v1/tasks/<task_id>/claim",
        "anna's task",
        "/api/v1/tasks/{task_b}/claim",
        expect(anna=OK, ben=404, twin_anna=404),
    ),
    Probe(
        "POST",
        "/api/v1/tasks/<task_id>/unclaim",
        "ben's claimed task",
        "/api/v1/tasks/{task_a}/unclaim",
        expect(anna=404, ben=OK, twin_anna=404),
        claimed_by="ben",
    ),
    Probe(
        "POST",
        "/api/v1/tasks/<task_id>/complete",
        "ben's task",
        "/api/v1/tasks/{task_a}/complete",
        expect(anna=404, ben=OK, twin_anna=404),
        {"json": {"data": FEASIBLE}},
    ),
    Probe(
        "POST",
        "/api/v1/tasks/<task_id>/complete",
        "anna's task",
        "/api/v1/tasks/{task_b}/complete",
        expect(anna=OK, ben=404, twin_anna=404),
        {"json": {"data": {"formal_decision": "admissible"}}},
    ),
    Probe(  # no decision waits for approval: its clerk gets 409, no one else sees it
        "POST",
        "/api/v1/tasks/<task_id>/approve",
        "ben's task",
        "/api/v1/tasks/{task_a}/approve",
        expect(anna=404, ben=409, twin_anna=404),
    ),
    Probe(
        "POST",
        "/api/v1/tasks/<task_id>/reject",
        "ben's task",
        "/api/v1/tasks/{task_a}/reject",
        expect(anna=404, ben=409, twin_anna=404),
        {"json": {"reason": "Begründung fehlt"}},
    ),
    Probe(  # a feasibility task is no triage review task: its clerk gets 409, no one else sees it
        "POST",
        "/api/v1/tasks/<task_id>/triage",
        "ben's task",
        "/api/v1/tasks/{task_a}/triage",
        expect(anna=404, ben=409, twin_anna=404),
        {"json": {"decision": "confirm"}},
    ),
    Probe(
        "GET",
        "/api/v1/triage/metrics",
        "the override metrics",
        "/api/v1/triage/metrics",
        expect(admin=OK),
    ),
    Probe(
        "GET",
        "/api/v1/me/cases",
        "my cases",
        "/api/v1/me/cases",
        expect(erika=OK, max=OK, twin_erika=OK),
    ),
    Probe(
        "GET",
        "/api/v1/me/cases/<case_id>",
        "case A",
        "/api/v1/me/cases/{case_a}",
        expect(erika=OK, max=404, twin_erika=404),
    ),
    Probe(
        "GET",
        "/api/v1/me/export",
        "my data",
        "/api/v1/me/export",
        expect(erika=OK, max=OK, twin_erika=OK),
    ),
    Probe(
        "GET",
        "/api/v1/me/messages",
        "my Postfach",
        "/api/v1/me/messages",
        expect(erika=OK, max=OK, twin_erika=OK),
    ),
    Probe(
        "POST",
        "/api/v1/me/cases/<case_id>/messages",
        "case A",
        "/api/v1/me/cases/{case_a}/messages",
        expect(erika=OK, max=404, twin_erika=404),
        {"json": {"subject": "Frage", "body": "Wann wird abgestimmt?"}},
    ),
    Probe(
        "PUT",
        "/api/v1/me/notification-email",
        "my notification address",
        "/api/v1/me/notification-email",
        expect(erika=OK, max=OK, twin_erika=OK),
        {"json": {"email": "erika.neu@example.org"}},
    ),
    Probe(
        "DELETE",
        "/api/v1/me/notification-email",
        "my notification address",
        "/api/v1/me/notification-email",
        expect(erika=OK, max=OK, twin_erika=OK),
    ),
    Probe(
        "POST",
        "/api/v1/me/erasure-requests",
        "my data",
        "/api/v1/me/erasure-requests",
        expect(erika=OK, max=OK, twin_erika=OK),
    ),
    Probe(
        "POST",
        "/api/v1/me/exports",
        "my data",
        "/api/v1/me/exports",
        expect(erika=OK, max=OK, twin_erika=OK),
    ),
    Probe(
        "GET",
        "/api/v1/me/exports/<export_id>",
        "an export of nobody",
        "/api/v1/me/exports/00000000-0000-0000-0000-000000000000",
        expect(erika=404, max=404, twin_erika=404),
    ),
    Probe(
        "GET",
        "/api/v1/me/exports/<export_id>/download",
        "an export of nobody",
        "/api/v1/me/exports/00000000-0000-0000-0000-000000000000/download",
        expect(erika=404, max=404, twin_erika=404),
    ),
    Probe(
        "POST",
        "/api/v1/me/cases/<case_id>/withdraw",
        "case A",
        "/api/v1/me/cases/{case_a}/withdraw",
        expect(erika=OK, max=404, twin_erika=404),
        {"json": {}},
    ),
    Probe(
        "GET",
        "/api/v1/process-definitions",
        "all definitions",
        "/api/v1/process-definitions",
        expect(admin=OK),
    ),
    Probe(
        "POST",
        "/api/v1/process-definitions",
        "a changed bundle",
        "/api/v1/process-definitions",
        expect(admin=OK),
        modified_bundle(),
    ),
    Probe(
        "POST",
        "/api/v1/migrations/plans",
        "a plan from the Bürgerbudget version to itself",
        "/api/v1/migrations/plans",
        expect(admin=OK),
        {"json": MIGRATION_PLAN},
    ),
    Probe(
        "POST",
        "/api/v1/migrations/dry-run",
        "a dry run of case B",
        "/api/v1/migrations/dry-run",
        expect(admin=OK),
        {"json": {"plan": MIGRATION_PLAN, "instance_ids": ["{instance_b}"]}},
    ),
    Probe(
        "POST",
        "/api/v1/migrations",
        "a migration of case B",
        "/api/v1/migrations",
        expect(admin=OK),
        {"json": {"plan": MIGRATION_PLAN, "instance_ids": ["{instance_b}"]}},
    ),
    Probe(
        "GET",
        "/api/v1/migrations/<migration_id>",
        "an empty migration",
        "/api/v1/migrations/{migration}",
        expect(admin=OK),
    ),
    Probe(
        "GET",
        "/api/v1/process-definitions/<definition_id>",
        "the active Bürgerbudget version",
        "/api/v1/process-definitions/{definition}",
        expect(admin=OK),
    ),
    Probe(
        "GET",
        "/api/v1/process-definitions/<definition_id>/files/<path:name>",
        "its BPMN file",
        "/api/v1/process-definitions/{definition}/files/buergerbudget.bpmn",
        expect(admin=OK),
    ),
    Probe(
        "POST",
        "/api/v1/migrations/<migration_id>/confirm",
        "an empty migration (nothing held)",
        "/api/v1/migrations/{migration}/confirm",
        expect(admin=409),
    ),
    Probe(
        "POST",
        "/api/v1/migrations/<migration_id>/reverse",
        "an empty migration",
        "/api/v1/migrations/{migration}/reverse",
        expect(admin=OK),
    ),
    Probe(
        "POST",
        "/api/v1/process-definitions/<definition_id>/activate",
        "the active Bürgerbudget version",
        "/api/v1/process-definitions/{definition}/activate",
        expect(admin=OK),
        {"json": {"reason": "Rücknahme nach Fehler in Version 2"}},
    ),
    Probe(
        "POST",
        "/api/v1/camunda/engine-rest/deployment/create",
        "the shipped Bürgerbudget diagram as Camunda Modeler sends it",
        "/api/v1/camunda/engine-rest/deployment/create",
        expect(admin=OK),
        {
            "data": {
                "deployment-name": "buergerbudget",
                "buergerbudget.bpmn": (str(MODELER_DIAGRAM), "buergerbudget.bpmn"),
            },
            "content_type": "multipart/form-data",
        },
    ),
    Probe(
        "GET",
        "/api/v1/camunda/engine-rest/deployment",
        "the Modeler's connection check",
        "/api/v1/camunda/engine-rest/deployment?maxResults=0",
        expect(admin=OK),
    ),
    Probe(
        "GET",
        "/api/v1/camunda/engine-rest/version",
        "the Camunda version",
        "/api/v1/camunda/engine-rest/version",
        expect(admin=OK),
    ),
    Probe("GET", "/api/v1/incidents", "open incidents", "/api/v1/incidents", expect(admin=OK)),
    Probe(
        "POST",
        "/api/v1/incidents/<incident_id>/retry",
        "the failed start of case C",
        "/api/v1/incidents/{incident_c}/retry",
        expect(admin=OK),
    ),
    Probe(
        "POST",
        "/api/v1/incidents/<incident_id>/resolve",
        "the failed start of case C",
        "/api/v1/incidents/{incident_c}/resolve",
        expect(admin=OK),
        {"json": {"note": "Antrag telefonisch geklärt und von Hand angelegt."}},
    ),
    Probe(
        "POST",
        "/api/v1/cases/<case_id>/legal-hold",
        "a legal hold on case A",
        "/api/v1/cases/{case_a}/legal-hold",
        expect(admin=OK),
        {"json": {"reason": "Klage vor dem Verwaltungsgericht anhängig (Beispiel)"}},
    ),
    Probe(
        "DELETE",
        "/api/v1/cases/<case_id>/legal-hold",
        "the legal hold case A does not have",
        "/api/v1/cases/{case_a}/legal-hold",
        expect(admin=409),
        {"json": {"reason": "Verfahren beendet"}},
    ),
    Probe(
        "GET",
        "/api/v1/process-instances",
        "all instances",
        "/api/v1/process-instances",
        expect(admin=OK),
    ),
    Probe(
        "GET",
        "/api/v1/process-instances/<instance_id>",
        "the instance of case A (anna's unit)",
        "/api/v1/process-instances/{instance_a}",
        expect(anna=OK, ben=404, admin=OK, twin_anna=404),
    ),
    Probe(
        "POST",
        "/api/v1/process-instances/<instance_id>/suspend",
        "the instance of case A",
        "/api/v1/process-instances/{instance_a}/suspend",
        expect(admin=OK),
        {"json": {"reason": "Rückfrage an die Antragstellerin"}},
    ),
    Probe(
        "POST",
        "/api/v1/process-instances/<instance_id>/resume",
        "the running instance of case A",
        "/api/v1/process-instances/{instance_a}/resume",
        expect(admin=409),
        {"json": {}},
    ),
    Probe(
        "POST",
        "/api/v1/process-instances/<instance_id>/cancel",
        "the instance of case B",
        "/api/v1/process-instances/{instance_b}/cancel",
        expect(admin=OK),
        {"json": {"reason": "Vorschlag zurückgezogen"}},
    ),
    Probe(
        "POST",
        "/api/v1/process-instances/<instance_id>/restart",
        "the instance of case A, without a failed step",
        "/api/v1/process-instances/{instance_a}/restart",
        expect(admin=409),
    ),
    Probe("GET", "/api/v1/org-units", "all org units", "/api/v1/org-units", expect(admin=OK)),
    Probe(
        "POST",
        "/api/v1/org-units",
        "a new org unit",
        "/api/v1/org-units",
        expect(admin=OK),
        {"json": {"key": "fachdienst-matrix", "name": "Fachdienst Matrix"}},
    ),
    Probe(
        "PATCH",
        "/api/v1/org-units/<key>",
        "an org unit's name",
        "/api/v1/org-units/fachdienst-stadtgruen",
        expect(admin=OK),
        {"json": {"name": "Fachdienst Umwelt"}},
    ),
    Probe(
        "GET",
        "/api/v1/org-units/<key>/members",
        "members of a unit",
        "/api/v1/org-units/fachdienst-stadtgruen/members",
        expect(admin=OK),
    ),
    Probe(
        "POST",
        "/api/v1/org-units/<key>/members",
        "a new member",
        "/api/v1/org-units/fachdienst-stadtgruen/members",
        expect(admin=OK),
        {"json": {"subject": "dev:dora", "role": "clerk"}},
    ),
    Probe(
        "DELETE",
        "/api/v1/org-units/<key>/members/<subject>",
        "carla's membership",
        "/api/v1/org-units/fachdienst-stadtgruen/members/dev:carla",
        expect(admin=OK),
    ),
    Probe(
        "PATCH",
        "/api/v1/org-units/<key>/members/<subject>",
        "carla's e-mail address",
        "/api/v1/org-units/fachdienst-stadtgruen/members/dev:carla",
        expect(admin=OK),
        {"json": {"email": "carla@example.org"}},
    ),
    Probe("GET", "/api/v1/deputies", "all deputies", "/api/v1/deputies", expect(admin=OK)),
    Probe(
        "POST",
        "/api/v1/deputies",
        "a new deputy",
        "/api/v1/deputies",
        expect(admin=OK),
        {"json": {**DEPUTY, "deputy_subject": "dev:carla", "absent_subject": "dev:dora"}},
    ),
    Probe(
        "DELETE",
        "/api/v1/deputies/<deputy_id>",
        "dora standing in for carla",
        "/api/v1/deputies/{deputy}",
        expect(admin=OK),
    ),
    Probe(
        "POST",
        "/api/v1/inbound",
        "a signed status for an unknown case (kept, 202)",
        "/api/v1/inbound?procedure=buergerbudget",
        expect(fachverfahren=OK, portal=SCOPE, twin_portal=SCOPE),
        {"data": STATUS_FOR_UNKNOWN_CASE, "content_type": "application/xml"},
        signed=True,
    ),
    Probe("GET", "/api/v1/openapi.json", "the API description", "/api/v1/openapi.json", EVERYONE),
    Probe("GET", "/", "the portal's start page", "/", EVERYONE, page=True),
    *APPLY_PAGES,
    Probe(
        "GET",
        "/arbeitsplatz",
        "the workspace's landing page",
        "/arbeitsplatz",
        expect(anonymous=REDIRECT, anna=OK, ben=OK, admin=OK, twin_anna=OK),
        page=True,
    ),
    Probe(
        "POST",
        "/sprache",
        "the language form without its CSRF token",
        "/sprache",
        {p: 400 for p in PRINCIPALS},
        {"data": {"lang": "en"}},
        page=True,
    ),
    Probe(
        "GET",
        "/beteiligung",
        "the open participations (page)",
        "/beteiligung",
        EVERYONE,
        page=True,
    ),
    Probe(
        "GET",
        "/beteiligung/<participation_id>",
        "a participation's page",
        "/beteiligung/{participation}",
        EVERYONE,
        page=True,
    ),
    Probe(
        "GET",
        "/beteiligung/<participation_id>/stellungnahme",
        "the statement form (page)",
        "/beteiligung/{participation}/stellungnahme",
        EVERYONE,
        page=True,
    ),
    Probe(
        "POST",
        "/beteiligung/<participation_id>/stellungnahme",
        "the statement form without its CSRF token",
        "/beteiligung/{participation}/stellungnahme",
        {p: 400 for p in PRINCIPALS},
        {"data": {"text": "Ohne Formular-Token."}},
        page=True,
    ),
    Probe(
        "GET",
        "/beteiligung/<participation_id>/stellungnahme/eingegangen",
        "the receipt page without a receipt (back to the participation)",
        "/beteiligung/{participation}/stellungnahme/eingegangen",
        {p: REDIRECT for p in PRINCIPALS},
        page=True,
    ),
    Probe(
        "GET",
        "/buergerbudget/<int(max=9999):year>",
        "the 2026 round (page)",
        "/buergerbudget/2026",
        EVERYONE,
        page=True,
    ),
    Probe(
        "GET",
        "/buergerbudget/<int(max=9999):year>/vorschlaege/<int:number>",
        "a proposal's page of a round without admitted proposals",
        "/buergerbudget/2026/vorschlaege/1",
        {p: 404 for p in PRINCIPALS},
        page=True,
    ),
    Probe(
        "GET",
        "/buergerbudget/<int(max=9999):year>/abstimmung",
        "the ballot page, before the vote",
        "/buergerbudget/2026/abstimmung",
        expect(anonymous=REDIRECT, erika=OK, max=OK, twin_erika=OK),
        page=True,
    ),
    Probe(
        "POST",
        "/buergerbudget/<int(max=9999):year>/abstimmung",
        "the ballot form without its CSRF token",
        "/buergerbudget/2026/abstimmung",
        {p: 400 for p in PRINCIPALS},
        {"data": {"vorschlag": []}},
        page=True,
    ),
    Probe(
        "GET",
        "/api/v1/problems/<code>",
        "the page of a problem type",
        "/api/v1/problems/case-not-found",
        EVERYONE,
    ),
    Probe("GET", "/api/v1/docs", "Swagger UI", "/api/v1/docs", EVERYONE),
    Probe("GET", "/api/v1/docs/start.js", "Swagger UI's start", "/api/v1/docs/start.js", EVERYONE),
    Probe(
        "GET",
        "/api/v1/docs/<folder>/<filename>",
        "Swagger UI's files",
        "/api/v1/docs/js/swagger-ui-bundle.js",
        EVERYONE,
    ),
    Probe("GET", "/healthz", "liveness", "/healthz", EVERYONE),
    Probe("GET", "/readyz", "readiness", "/readyz", EVERYONE),
    Probe("GET", "/metrics", "metrics", "/metrics", EVERYONE),
    Probe(
        "GET",
        "/auth/login/<issuer_name>",
        "the browser login at the dev IdP",
        "/auth/login/dev?next=/api/v1/me/cases",
        {p: REDIRECT for p in PRINCIPALS},
    ),
    Probe(
        "GET",
        "/auth/callback/<issuer_name>",
        "a login callback with a forged state",
        "/auth/callback/dev?code=forged&state=forged",
        {p: 400 for p in PRINCIPALS},
    ),
    Probe("POST", "/auth/logout", "the logout", "/auth/logout", {p: REDIRECT for p in PRINCIPALS}),
    Probe(
        "GET", "/auth/session", "who is logged in", "/auth/session", dict(EVERYONE, anonymous=401)
    ),
    # Bürgerbudget (today the demo round 2026 takes submissions: its vote is not open)
    Probe(
        "GET",
        "/api/v1/admin/buergerbudget/rounds",
        "the Bürgerbudget rounds",
        "/api/v1/admin/buergerbudget/rounds",
        expect(admin=OK),
    ),
    Probe(
        "POST",
        "/api/v1/admin/buergerbudget/rounds",
        "a new round",
        "/api/v1/admin/buergerbudget/rounds",
        expect(admin=OK),
        {"json": ROUND_2031},
    ),
    Probe(
        "GET",
        "/api/v1/admin/buergerbudget/rounds/<year>",
        "one round",
        "/api/v1/admin/buergerbudget/rounds/2026",
        expect(admin=OK),
    ),
    Probe(
        "PATCH",
        "/api/v1/admin/buergerbudget/rounds/<year>",
        "a round's safe field",
        "/api/v1/admin/buergerbudget/rounds/2026",
        expect(admin=OK),
        {"json": {"total_budget_eur": 30000}},
    ),
    Probe(
        "PUT",
        "/api/v1/buergerbudget/rounds/<year>/ballot",
        "my ballot, before the vote",
        "/api/v1/buergerbudget/rounds/2026/ballot",
        expect(erika=409, max=422, twin_erika=409),  # max: below the round's Vertrauensniveau
        {"json": {"proposals": []}},
    ),
    Probe(
        "GET",
        "/api/v1/buergerbudget/rounds/<year>/ballot",
        "my ballot (none cast)",
        "/api/v1/buergerbudget/rounds/2026/ballot",
        expect(erika=404, max=404, twin_erika=404),
    ),
    Probe(
        "GET",
        "/api/v1/buergerbudget/rounds/<year>/tally",
        "the tally, before the close",
        "/api/v1/buergerbudget/rounds/2026/tally",
        expect(anna=409, admin=409),  # ben, twin_anna: not of Büro Bürgerbudget
    ),
    Probe(
        "PUT",
        "/api/v1/buergerbudget/rounds/<year>/offline-votes",
        "offline votes, before the vote",
        "/api/v1/buergerbudget/rounds/2026/offline-votes",
        expect(anna=409),
        {"json": {"votes": {}}},
    ),
    Probe(
        "POST",
        "/api/v1/buergerbudget/rounds/<year>/offline-votes/<proposal_id>/confirm",
        "offline votes not entered",
        "/api/v1/buergerbudget/rounds/2026/offline-votes/{case_a}/confirm",
        expect(anna=409),
    ),
    Probe(
        "GET",
        "/api/v1/buergerbudget/rounds/<year>/result",
        "the result of a round that does not exist",
        "/api/v1/buergerbudget/rounds/2031/result",
        expect(anna=404, admin=404),  # ben, twin_anna: not of Büro Bürgerbudget
    ),
    Probe(
        "POST",
        "/api/v1/buergerbudget/rounds/<year>/result",
        "propose the result, before the close",
        "/api/v1/buergerbudget/rounds/2026/result",
        expect(anna=409, admin=409),
    ),
    Probe(
        "POST",
        "/api/v1/buergerbudget/rounds/<year>/result/confirm",
        "confirm a result none proposed",
        "/api/v1/buergerbudget/rounds/2026/result/confirm",
        expect(anna=409, admin=409),
    ),
    Probe(
        "POST",
        "/api/v1/buergerbudget/rounds/<year>/result/reject",
        "reject a result none proposed",
        "/api/v1/buergerbudget/rounds/2026/result/reject",
        expect(anna=409, admin=409),
        {"json": {"reason": "Prüfung"}},
    ),
    *ADMIN_PAGES,
    *WORKSPACE_PAGES,
]
# The portal's pages of the citizen (egov/portal/cases.py, postfach.py, account.py): without
# a login, to the login; refusals are error pages. A page form without its token is refused
# before anything else (400 `form-token-invalid`): bearer-token callers never have one.
CITIZEN_PAGE = {**expect(erika=OK, max=OK, twin_erika=OK), "anonymous": REDIRECT}
OWN_PAGE = {**expect(erika=OK, max=404, twin_erika=404), "anonymous": REDIRECT}


def page_probe(
    method: str, rule: str, target: str, path: str, outcomes: dict[str, Outcome]
) -> Probe:
    return Probe(method, rule, target, path, outcomes, page=True)


EXPECTATIONS += [
    page_probe("GET", "/antraege", "my applications", "/antraege", CITIZEN_PAGE),
    page_probe("GET", "/antraege/<case_id>", "case A's page", "/antraege/{case_a}", OWN_PAGE),
    *(
        page_probe(
            method,
            f"/antraege/<case_id>/{page}",
            f"case A: {page}",
            f"/antraege/{{case_a}}/{page}",
            outcome,
        )
        for page in ("antworten", "zuruecknehmen")
        for method, outcome in (("GET", OWN_PAGE), ("POST", NO_FORM_TOKEN))
    ),
    page_probe("GET", "/postfach", "my Postfach", "/postfach", CITIZEN_PAGE),
    page_probe(
        "GET", "/postfach/<message_id>", "erika's reply on A", "/postfach/{reply_a}", OWN_PAGE
    ),
    page_probe(
        "GET", "/dokumente/<document_id>", "attachment of A", "/dokumente/{attachment_a}", OWN_PAGE
    ),
    page_probe(
        "GET",
        "/dokumente/<document_id>",
        "original message of A",
        "/dokumente/{original_a}",
        dict(OWN_PAGE, erika=404),
    ),
    page_probe(
        "GET",
        "/dokumente/<document_id>/ansicht",
        "attachment of A, shown",
        "/dokumente/{attachment_a}/ansicht",
        OWN_PAGE,
    ),
    page_probe("GET", "/konto", "my account", "/konto", CITIZEN_PAGE),
    page_probe("GET", "/konto/auskunft", "my data", "/konto/auskunft", CITIZEN_PAGE),
    page_probe("GET", "/konto/loeschen", "the erasure page", "/konto/loeschen", CITIZEN_PAGE),
    *(
        page_probe("POST", path, f"the form {path}", path, NO_FORM_TOKEN)
        for path in (
            "/konto/benachrichtigung",
            "/konto/benachrichtigung/abbestellen",
            "/konto/auskunft",
            "/konto/loeschen",
        )
    ),
]


# the twin issuer's people: the same `sub` (and Postfach claim) as the dev IdP's, other people
TWIN_CLAIMS: dict[str, dict[str, Any]] = {
    "twin_erika": {
        "sub": "erika",
        "roles": ["citizen"],
        "acr": "http://eidas.europa.eu/LoA/substantial",
        "postfach": "postfach:erika",
        "name": "Erika Zwilling",
    },
    "twin_anna": {"sub": "anna", "roles": ["clerk"], "name": "Anna Zwilling"},
    "twin_portal": {"sub": "svc-portal", "azp": "portal", "roles": [], "name": "Anderes Portal"},
}


def twin_config(idp: LoopbackIdp) -> dict[str, Any]:
    issuer = {
        "name": "twin",
        "issuer": idp.issuer,
        "audience": "egov-api",
        "allowed_roles": ["citizen", "clerk", "client"],
        "claims": {"roles": {"claim": "roles"}, "client_id": "azp"},
    }
    portal = {"issuer": "twin", "procedures": ["bauantrag"], "scopes": ["submissions:write"]}
    return {"issuers": [issuer], "clients": {"portal": portal}}


@pytest.fixture(scope="module")
def twin() -> Iterator[LoopbackIdp]:
    idp = LoopbackIdp("twin", [KeyPair.generate()]).start()
    yield idp
    idp.stop()


def with_twin(settings: Settings, idp: LoopbackIdp, folder: Path) -> Settings:
    path = folder / "twin-oidc.json"
    path.write_text(json.dumps(twin_config(idp)))
    return dataclasses.replace(settings, oidc_config=str(path))


class MatrixApi(Api):
    """Tokens of the dev IdP's people and of the twin issuer's."""

    def __init__(self, client: Any, container: Container, idp: LoopbackIdp) -> None:
        super().__init__(client, container)
        self.idp = idp

    def token(self, user: str) -> str:
        if user in TWIN_CLAIMS and user not in self._tokens:
            self._tokens[user] = self.idp.token(**TWIN_CLAIMS[user])
        return super().token(user)


@pytest.fixture
def app(database_url: str, tmp_path: Path, twin: LoopbackIdp) -> Iterator[Flask]:
    """The app of the allowed writes: both issuers, as for the shared scenarios."""
    settings = with_twin(make_settings(tmp_path / "var", database_url), twin, tmp_path)
    application = create_app(settings)
    yield application
    application.extensions["egov"].db.dispose()


@pytest.fixture
def api(app: Flask, container: Container, twin: LoopbackIdp) -> MatrixApi:
    return MatrixApi(app.test_client(), container, twin)


def matrix_routes(app: Flask) -> dict[tuple[str, str], str]:
    """(method, rule) -> endpoint for every route the matrix must cover."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_MATRIX or rule.rule.startswith("/dev-idp/"):
            continue
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            routes[(method, rule.rule)] = rule.endpoint
    return routes


def file_proposal(api: Api, **extra: Any) -> str:
    body = {**proposal(), "attachments": [ATTACHMENT], **extra}
    response = api.post("/applications", "erika", json=body)
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["case_id"])


def open_task(api: Api, case_id: str) -> str:
    tasks = api.get(f"/cases/{case_id}", "admin").get_json()["open_tasks"]
    assert len(tasks) == 1, tasks
    return str(tasks[0]["id"])


def documents(api: Api, case_id: str) -> dict[str, str]:
    items = api.get(f"/cases/{case_id}/documents", "admin").get_json()["items"]
    return {d["kind"]: d["id"] for d in items}


def build_scenario(api: Api) -> dict[str, str]:
    """Case A (erika) waits at ben's feasibility task, case B (erika) at anna's formal check,
    case C (erika) has an open incident: its process could not start. In the directory, carla
    works in Fachdienst Stadtgrün and dora stands in for her."""
    case_a, case_b = file_proposal(api), file_proposal(api)
    formal = open_task(api, case_a)
    assert api.post(f"/tasks/{formal}/claim", "anna").status_code == 200
    done = api.post(
        f"/tasks/{formal}/complete", "anna", json={"data": {"formal_decision": "admissible"}}
    )
    assert done.status_code == 200, done.get_json()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("egov.workflow.service.active_definition", lambda *_: None)
        case_c = file_proposal(api)
    incidents = api.get("/incidents", "admin").get_json()["items"]
    assert [i["case_id"] for i in incidents] == [case_c]
    task_a = open_task(api, case_a)
    assert api.get(f"/tasks/{task_a}", "admin").get_json()["org_unit"] == "fachdienst-stadtplanung"
    docs_a, docs_b = documents(api, case_a), documents(api, case_b)
    definition, instance_b, migration = migration_ids(api, case_b)
    return {
        "case_a": case_a,
        "case_b": case_b,
        "case_c": case_c,
        "task_a": task_a,
        "task_b": open_task(api, case_b),
        "incident_c": incidents[0]["id"],
        "attachment_a": docs_a["attachment"],
        "original_a": docs_a["original-message"],
        "reply_a": reply_on(api, case_a),
        "attachment_b": docs_b["attachment"],
        "deputy": directory_entries(api),
        "instance_a": instance_of(api, case_a),
        "instance_b": instance_b,
        "definition": definition,
        "migration": migration,
        **participation_ids(api),
        **implementation_ids(api),
    }


def reply_on(api: Api, case_id: str) -> str:
    """Erika's message on her case (her Postfach's only one)."""
    sent = api.post(f"/me/cases/{case_id}/messages", "erika", json={"body": "Eine Frage."})
    assert sent.status_code == 201, sent.get_json()
    return str(sent.get_json()["id"])


def implementation_ids(api: Api) -> dict[str, str]:
    """Implementation I of Fachdienst Stadtplanung (a funded proposal) with milestone M."""
    case_id = file_proposal(api)
    with api.container.db.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
        now = api.container.clock()
        begin(session, case, 2026, "fachdienst-stadtplanung", "tests", now)
    path = f"/buergerbudget/implementations/{case_id}/milestones"
    added = api.post(path, "ben", json={"title": "Bügel bestellt"})
    assert added.status_code == 201, added.get_json()
    return {"implementation": case_id, "milestone": added.get_json()["id"]}


def participation_ids(api: Api) -> dict[str, str]:
    """Participation P (running) with erika's statement S."""
    participation = open_participation(api)
    path = f"/participations/{participation}/statements"
    filed = api.post(path, "erika", json={"text": "Mehr Bäume."})
    assert filed.status_code == 201, filed.get_json()
    return {"participation": participation, "statement": filed.get_json()["statement_id"]}


def open_participation(api: Api, vorgang: str = "VG-2026-0815") -> str:
    """A participation of the Fachdienst Stadtplanung whose period runs (XBeteiligung 0401)."""
    body = around_today(INITIIEREN).replace(b"VG-2026-0815", vorgang.encode())
    if vorgang != "VG-2026-0815":  # another message
        body = body.replace(b"3f6c2a8e-1b4d-4e5f-9a7b-2c3d4e5f6a70", str(uuid.uuid4()).encode())
    response = api.post(
        "/submissions", "portal", data=body, headers={"Content-Type": "application/xml"}
    )
    assert response.status_code == 201, response.get_json()
    participation: str = response.get_json()["case_id"]
    return participation


def instance_of(api: Api, case_id: str) -> str:
    with api.container.db.reading() as session:
        instance = get_instance_by_case(session, case_id)
        assert instance is not None
        return instance.id


def migration_ids(api: Api, case_b: str) -> tuple[str, str, str]:
    """The Bürgerbudget version, case B's instance and a migration of no instance."""
    with api.container.db.reading() as session:
        instance = session.scalars(
            select(WorkflowInstance).where(WorkflowInstance.case_id == case_b)
        ).one()
        definition, instance_id = instance.definition_id, instance.id
    plan = {"source_definition_id": definition, "target_definition_id": definition}
    created = api.post("/migrations", "admin", json={"plan": plan, "instance_ids": []})
    assert created.status_code == 202, created.get_json()
    return definition, instance_id, str(created.get_json()["id"])


def formatted(value: Any, ids: dict[str, str]) -> Any:
    """A JSON body with the scenario's ids put in (strings like "{instance_b}")."""
    if isinstance(value, str):
        return value.format(**ids) if value.startswith("{") and value.endswith("}") else value
    if isinstance(value, list):
        return [formatted(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: formatted(v, ids) for k, v in value.items()}
    return value


def directory_entries(api: Api) -> str:
    """carla works in Fachdienst Stadtgrün, dora stands in for her; returns the deputy's id."""
    member = {"subject": "dev:carla", "role": "clerk"}
    added = api.post("/org-units/fachdienst-stadtgruen/members", "admin", json=member)
    assert added.status_code == 201, added.get_json()
    body = {**DEPUTY, "deputy_subject": "dev:dora", "absent_subject": "dev:carla"}
    deputy = api.post("/deputies", "admin", json=body)
    assert deputy.status_code == 201, deputy.get_json()
    return str(deputy.get_json()["id"])


Claim = tuple[str, str] | None


def claim_of(probe: Probe) -> Claim:
    """(clerk, task placeholder of the path) when the task must be claimed first, else None."""
    return None if probe.claimed_by is None else (probe.claimed_by, probe.path.split("/")[4])


def claim_first(api: Api, claim: Claim, ids: dict[str, str]) -> None:
    if claim is not None:
        clerk, task = claim
        assert api.post(f"/tasks/{task.format(**ids)}/claim", clerk).status_code == 200


def hidden_ids(ids: dict[str, str], principal: str) -> set[str]:
    """Ids that must not appear in anything this principal is shown."""
    if principal in ("anna", "admin"):
        return set()
    if principal == "erika":
        return {ids["original_a"]}
    if principal == "ben":
        hidden = ("case_b", "case_c", "task_b", "attachment_b", "incident_c", "instance_b")
        return {ids[k] for k in hidden}
    # max, the clients and every twin: nothing of the scenario but the (public) participation
    return {value for key, value in ids.items() if key not in ("participation", "statement")}


DIRECTORY_STATE = (
    (OrgUnit.key, OrgUnit.name),
    (OrgUnitMembership.subject, OrgUnitMembership.org_unit_key, OrgUnitMembership.role),
    (Deputy.id, Deputy.ended_at),
)


def state(container: Container) -> dict[str, Any]:
    """Everything a refused request could have changed."""
    with container.db.reading() as session:

        def count(model: Any) -> int:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

        return {
            "tasks": sorted(session.execute(select(Task.id, Task.status, Task.assignee)).all()),
            "instances": sorted(
                session.execute(select(WorkflowInstance.id, WorkflowInstance.status)).all()
            ),
            "incidents": sorted(
                session.execute(select(Incident.id, Incident.status, Incident.attempts)).all()
            ),
            "counts": [
                count(m)
                for m in (
                    Case,
                    AuditEvent,
                    PostfachMessage,
                    ProcessDefinition,
                    DefinitionActivation,
                )
            ],
            "active": sorted(
                session.execute(select(ProcessDefinition.id, ProcessDefinition.active)).all()
            ),
            "directory": [
                sorted(session.execute(select(*columns)).all()) for columns in DIRECTORY_STATE
            ],
        }


def call(api: Api, probe: Probe, principal: str, ids: dict[str, str]) -> Any:
    headers = (
        {} if principal == "anonymous" else {"Authorization": f"Bearer {api.token(principal)}"}
    )
    if probe.signed:  # the Fachverfahren secret of the procedure, and a fresh timestamp
        api.container.inbound.endpoints = {"buergerbudget": Endpoint("http://unused", "S")}
        api.container.inbound.environ = {"S": INBOUND_SECRET.decode()}
        headers.update(signing.sign(INBOUND_SECRET, probe.body["data"], int(time.time())))
    body = (
        {**probe.body, "json": formatted(probe.body["json"], ids)}
        if "json" in probe.body
        else probe.body
    )
    return api.client.open(probe.path.format(**ids), method=probe.method, headers=headers, **body)


@dataclass(frozen=True)
class World:
    """A scenario built once, and the state it was built to."""

    app: Flask
    api: Api
    container: Container
    ids: dict[str, str]
    built: dict[str, Any]


_databases = itertools.count()


class SharedWorlds:
    """Per backend and module: one scenario (each in its own database copy) per claim made
    first, built on first use, for the probes that must leave it as it is."""

    def __init__(self, request: pytest.FixtureRequest, folder: Path, idp: LoopbackIdp) -> None:
        self.request = request
        self.folder = folder
        self.idp = idp
        self.worlds: dict[Claim, World] = {}
        self.apps: list[Flask] = []

    def database_url(self, folder: Path) -> str:
        """A copy of the migrated template, as the `database_url` fixture makes one."""
        if self.request.param == "sqlite":
            target = folder / "egov.sqlite3"
            shutil.copy(self.request.getfixturevalue("sqlite_template"), target)
            return f"sqlite:///{target}"
        server = self.request.getfixturevalue("postgres_server_url")
        template = self.request.getfixturevalue("postgres_template")
        name = f"egov_matrix_{os.getpid()}_{next(_databases)}"
        _admin(server, f"CREATE DATABASE {name} TEMPLATE {template}")
        return _with_db(server, name)

    def world(self, claim: Claim = None) -> World:
        if claim not in self.worlds:
            folder = self.folder / f"scenario-{len(self.worlds)}"
            folder.mkdir()
            settings = make_settings(folder / "var", self.database_url(folder))
            application = create_app(with_twin(settings, self.idp, folder))
            self.apps.append(application)
            container: Container = application.extensions["egov"]
            api = MatrixApi(application.test_client(), container, self.idp)
            ids = build_scenario(api)
            claim_first(api, claim, ids)
            self.worlds[claim] = World(application, api, container, ids, state(container))
        return self.worlds[claim]

    def close(self) -> None:
        for application in self.apps:
            application.extensions["egov"].db.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, twin: LoopbackIdp
) -> Iterator[SharedWorlds]:
    worlds = SharedWorlds(request, tmp_path_factory.mktemp("authorization-matrix"), twin)
    try:
        yield worlds
    finally:
        worlds.close()


@pytest.fixture
def scenario(api: Api) -> dict[str, str]:
    """A scenario of the test's own, on its own database copy."""
    return build_scenario(api)


def test_every_route_has_an_entry_in_the_authorization_matrix(shared: SharedWorlds) -> None:
    served = set(matrix_routes(shared.world().app))
    listed = {(p.method, p.rule) for p in EXPECTATIONS}
    assert sorted(served - listed) == [], "routes without an entry in EXPECTATIONS"
    assert sorted(listed - served) == [], "entries in EXPECTATIONS for routes that do not exist"
    assert all(sorted(p.outcomes) == sorted(PRINCIPALS) for p in EXPECTATIONS)


def test_every_view_declares_its_required_roles(shared: SharedWorlds) -> None:
    app = shared.world().app
    undeclared = sorted(
        endpoint
        for endpoint in set(matrix_routes(app).values())
        if not hasattr(app.view_functions[endpoint], "required_roles")
    )
    assert undeclared == [], "views without @requires or @public"


def writes(probe: Probe, outcome: Outcome) -> bool:
    """An allowed write changes the scenario, so it gets a fresh one; all else shares one."""
    return outcome == OK and probe.method not in ("GET", "HEAD", "OPTIONS")


def case(probe: Probe, who: str, outcome: Outcome) -> Any:
    return pytest.param(
        probe,
        who,
        outcome,
        id=f"{probe.method} {probe.rule} on {probe.target} as {who} is {outcome}",
    )


CASES = [(probe, who, outcome) for probe in EXPECTATIONS for who, outcome in probe.outcomes.items()]
SHARED_CASES = [case(*c) for c in CASES if not writes(c[0], c[2])]
FRESH_CASES = [case(*c) for c in CASES if writes(c[0], c[2])]


def shown_text(response: Any) -> str:
    """What an answer shows: its text, or every file of a ZIP (the citizen's export)."""
    if response.mimetype != "application/zip":
        return str(response.get_data(as_text=True))
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        return "".join(archive.read(name).decode(errors="replace") for name in archive.namelist())


def check_outcome(
    api: Api,
    container: Container,
    ids: dict[str, str],
    probe: Probe,
    principal: str,
    outcome: Outcome,
) -> None:
    before = state(container)

    response = call(api, probe, principal, ids)

    if outcome == OK:
        assert 200 <= response.status_code < 300, response.get_data(as_text=True)
        shown = shown_text(response)
        assert {i for i in hidden_ids(ids, principal) if i in shown} == set()
        return
    if outcome == REDIRECT:
        assert response.status_code in (302, 303), response.get_data(as_text=True)
        assert urlsplit(response.location).netloc in ("", "127.0.0.1:8000")
        assert state(container) == before, "a redirect changed the database"
        return
    status = 403 if outcome == SCOPE else outcome
    assert response.status_code == status, response.get_data(as_text=True)
    if probe.page:
        assert response.mimetype == "text/html"
        assert response.headers["X-Correlation-ID"] in response.get_data(as_text=True)
        assert state(container) == before, "a refused request changed the database"
        return
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == status and problem["code"]
    if outcome == SCOPE:
        assert problem["code"] == "insufficient-scope"
    elif outcome == 401:
        assert problem["code"] == "token-missing"
    elif outcome == 403:
        assert problem["code"] == "forbidden"
    elif outcome == 404:
        assert problem["code"].endswith("-not-found")
    elif outcome == 400:
        assert problem["code"] == "login-state-invalid"
    elif outcome == 409:  # authorized, but the state of the instance, task, batch, participation,
        code = problem["code"]  # vote or legal hold
        states = ("instance-", "migration-", "triage-not-review-task", "vote-", "offline-votes-")
        states += ("task-decision-not-pending", "result-")
        assert code.startswith(states) or code in ("weighing-incomplete", "legal-hold-missing")
    else:  # 422: a login too weak for the procedure, an implementation closed without its cost
        assert problem["code"] in ("assurance-level-too-low", "implementation-invalid")
    assert state(container) == before, "a refused request changed the database"


@pytest.mark.parametrize(("probe", "principal", "outcome"), SHARED_CASES)
def test_each_principal_gets_the_promised_outcome_at_each_endpoint(
    shared: SharedWorlds,
    probe: Probe,
    principal: str,
    outcome: Outcome,
) -> None:
    """Refusals and allowed reads, on the shared scenario: none may change it."""
    world = shared.world(claim_of(probe))
    assert state(world.container) == world.built, "an earlier probe changed the shared scenario"

    check_outcome(world.api, world.container, world.ids, probe, principal, outcome)

    assert state(world.container) == world.built, "the request changed the database"


@pytest.mark.parametrize(("probe", "principal", "outcome"), FRESH_CASES)
def test_each_principal_gets_the_promised_outcome_at_each_endpoint_that_writes(
    api: Api,
    container: Container,
    scenario: dict[str, str],
    probe: Probe,
    principal: str,
    outcome: Outcome,
) -> None:
    """Allowed writes, each on a scenario of its own."""
    claim_first(api, claim_of(probe), scenario)
    check_outcome(api, container, scenario, probe, principal, outcome)


def test_retrying_an_unknown_incident_is_not_found_for_an_admin(api: Api) -> None:
    response = api.post("/incidents/no-such-incident/retry", "admin")
    assert response.status_code == 404
    assert response.get_json()["code"] == "incident-not-found"
