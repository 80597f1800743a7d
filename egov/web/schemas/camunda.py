"""Camunda 7 REST's shapes, for Camunda Modeler's "Deploy to Camunda 7" (web/api_camunda.py)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, RootModel


class CamundaProcessDefinition(BaseModel):
    """A deployed version as Camunda 7 names it (`deployedProcessDefinitions`)."""

    id: str = Field(description="die Versions-ID in egov")
    key: str = Field(description="die Prozess-ID")
    version: int
    name: str | None = None
    resource: str | None = Field(None, description="die BPMN-Datei")
    deploymentId: str
    suspended: bool = False
    tenantId: str | None = None
    versionTag: str | None = None
    description: str | None = None
    category: str | None = None
    diagram: str | None = None
    historyTimeToLive: int | None = None
    startableInTasklist: bool = True


class CamundaDeployment(BaseModel):
    """Camunda 7's `DeploymentDto`; `id` is the id of the egov version."""

    model_config = ConfigDict(extra="allow")

    id: str
    name: str | None = None
    source: str | None = None
    tenantId: str | None = None
    deploymentTime: str = Field(description="Camunda-Format yyyy-MM-dd'T'HH:mm:ss.SSSZ")


class CamundaDeploymentList(RootModel[list[CamundaDeployment]]):
    """A bare JSON array, as Camunda 7 answers GET /deployment."""


class CamundaDeploymentCreated(CamundaDeployment):
    """Camunda 7's `DeploymentWithDefinitionsDto`, keyed by definition id as Camunda does."""

    deployedProcessDefinitions: dict[str, CamundaProcessDefinition]
    deployedDecisionDefinitions: dict[str, object] | None = None
    deployedCaseDefinitions: dict[str, object] | None = None
    deployedDecisionRequirementsDefinitions: dict[str, object] | None = None
    active: bool = Field(description="egov: neue Fälle starten auf dieser Version")
    created: bool = Field(description="egov: neue Version (false: gleicher Inhalt wie eine)")


class CamundaDeploymentQuery(BaseModel):
    maxResults: int = Field(
        50, ge=0, le=200, description="höchstens so viele (0: nur die Verbindungsprüfung)"
    )


class CamundaVersion(BaseModel):
    version: str = Field(description="die Camunda-7-Version, deren Attribute egov übersetzt")


MODELER_DEPLOYMENT = {
    "type": "object",
    "description": "Wie Camunda Modelers „Deploy to Camunda 7“: deployment-name, "
    "deployment-source, enable-duplicate-filtering/deploy-changed-only, tenant-id (ignoriert), "
    "dazu je Datei ein Teil (das Diagramm, angehängte .dmn-, .form-, .json- und .txt-Dateien)",
    "properties": {
        "deployment-name": {"type": "string"},
        "deployment-source": {"type": "string"},
        "enable-duplicate-filtering": {"type": "string"},
        "deploy-changed-only": {"type": "string"},
        "tenant-id": {"type": "string"},
    },
    "additionalProperties": {"type": "string", "format": "binary"},
}
