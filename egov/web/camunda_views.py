"""Camunda 7 REST's JSON of egov's process definitions, for Camunda Modeler (api_camunda.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from egov.errors import DomainError
from egov.workflow.deploy import Deployment
from egov.workflow.store import ProcessDefinition

# the Camunda 7 release whose extension attributes egov translates (docs/modeling.md)
CAMUNDA_VERSION = "7.20.0"


def camunda_time(moment: datetime) -> str:
    """Camunda's `yyyy-MM-dd'T'HH:mm:ss.SSSZ`; egov's times are naive UTC."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}+0000"


def deployment(d: ProcessDefinition, name: str | None, source: str | None) -> dict[str, Any]:
    return {
        "id": d.id,
        "name": name or f"{d.process_id} v{d.version}",
        "source": source,
        "tenantId": None,
        "deploymentTime": camunda_time(d.deployed_at),
    }


def created(done: Deployment, name: str | None, source: str | None) -> dict[str, Any]:
    d = done.definition
    resource = next((n for n in sorted(d.files) if n.endswith(".bpmn")), None)
    definition = {
        "id": d.id,
        "key": d.process_id,
        "version": d.version,
        "name": d.process_id,
        "resource": resource,
        "deploymentId": d.id,
        "suspended": False,
        "tenantId": None,
        "versionTag": None,
        "description": None,
        "category": None,
        "diagram": None,
        "historyTimeToLive": None,
        "startableInTasklist": True,
    }
    return {
        **deployment(d, name, source),
        "deployedProcessDefinitions": {d.id: definition},
        "deployedDecisionDefinitions": None,
        "deployedCaseDefinitions": None,
        "deployedDecisionRequirementsDefinitions": None,
        "active": d.active,
        "created": done.created,
    }


def refusal_message(refusal: DomainError) -> str:
    """Camunda's `message` (the Modeler writes it to its log): the title, then every place."""
    places = [
        f"{p.get('name')}"
        + (f" (Zeile {p['line']})" if p.get("line") else "")
        + f": {p.get('reason')}"
        for p in refusal.invalid_params or []
    ]
    return "\n".join([refusal.message, *places])
