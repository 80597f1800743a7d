"""Demo users of the development IdP (fictional people, demo data only).

Each entry maps a username to the claims the dev IdP puts into the token
(registered claims such as ``iss``/``exp`` are added when the token is issued).
"""

from __future__ import annotations

import copy
from typing import Any

_EIDAS = "http://eidas.europa.eu/LoA/"

DEMO_USERS: dict[str, dict[str, Any]] = {
    "erika": {
        "sub": "erika",
        "name": "Erika Mustermann",
        "email": "erika.mustermann@example.org",
        "roles": ["citizen"],
        "acr": _EIDAS + "substantial",
        "postfach": "postfach:erika",
    },
    "max": {
        "sub": "max",
        "name": "Max Mustermann",
        "email": "max.mustermann@example.org",
        "roles": ["citizen"],
        "acr": _EIDAS + "low",
    },
    "anna": {
        "sub": "anna",
        "name": "Anna Beispiel",
        "email": "anna.beispiel@example.org",
        "roles": ["clerk"],
        "org_units": ["buero-buergerbudget"],
    },
    "ben": {
        "sub": "ben",
        "name": "Ben Muster",
        "email": "ben.muster@example.org",
        "roles": ["clerk"],
        "org_units": ["fachdienst-stadtplanung"],
    },
    "clara": {
        "sub": "clara",
        "name": "Clara Probe",
        "email": "clara.probe@example.org",
        "roles": ["clerk"],
        "org_units": ["allgemein"],
    },
    "otto": {
        "sub": "otto",
        "name": "Otto Testmann",
        "email": "otto.testmann@example.org",
        "roles": ["clerk"],
        "org_units": ["ordnungsamt", "strassen-verkehr"],
    },
    "admin": {
        "sub": "admin",
        "name": "Demo-Administration",
        "email": "admin@example.org",
        "roles": ["admin"],
    },
    "portal": {
        "sub": "portal",
        "name": "Bürgerportal (Demo)",
        "roles": ["client"],
        "procedures": ["*"],
        "scope": "submissions:write",  # files applications for its citizens
    },
    "fachverfahren": {
        "sub": "fachverfahren",
        "name": "Fachverfahren Bauaufsicht (Demo)",
        "roles": ["client"],
        "procedures": ["*"],
        "scope": "inbound:write",  # answers with status messages, files nothing
    },
}

_ORG_UNITS: tuple[tuple[str, str], ...] = (
    ("buero-buergerbudget", "Büro Bürgerbudget"),
    ("fachdienst-stadtplanung", "Fachdienst Stadtplanung"),
    ("untere-bauaufsicht", "Bauaufsicht"),
    ("buergeramt", "Bürgeramt"),
    ("ordnungsamt", "Ordnungsamt"),
    ("strassen-verkehr", "Straßen und Verkehr"),
    ("fachdienst-stadtgruen", "Umwelt und Grünflächen"),
    ("allgemein", "Allgemein"),
)
"""The demo city's units; their names are triage's categories (`egov.triage.model.ORG_UNITS`),
`allgemein` is the general inbox where a case goes when triage abstains."""


def demo_users() -> dict[str, dict[str, Any]]:
    """A deep copy of ``DEMO_USERS`` that callers may modify freely."""
    return copy.deepcopy(DEMO_USERS)


def demo_org_units() -> list[tuple[str, str]]:
    """The demo municipality's organisational units as ``(id, display name)``."""
    return list(_ORG_UNITS)
