"""Tables of deployed process definitions, running instances and the task projection."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from egov.db import Base, JsonType, new_id
from egov.paging import Page, PageRequest, fetch_page


class InstanceStatus(StrEnum):
    RUNNING = "running"
    SUSPENDED = "suspended"  # an admin stopped it for now: no timer, no advance, no task
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # an admin ended it (the case is `cancelled`, eingestellt)


class TaskStatus(StrEnum):
    OPEN = "open"  # in the inbox of its org unit
    CLAIMED = "claimed"  # a clerk works on it
    PROPOSED = "proposed"  # four eyes: a decision waits for a second clerk (task_four_eyes)
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # the process moved on without it (e.g. a boundary event)


LIVE_TASK = (TaskStatus.OPEN, TaskStatus.CLAIMED, TaskStatus.PROPOSED)


class ActivationKind(StrEnum):
    ACTIVATED = "activated"
    REQUESTED = "requested"  # four eyes: waits for a second admin (egov.workflow.four_eyes)


class ProcessDefinition(Base):
    """One deployed version of a BPMN/DMN bundle; every version is kept and never changes.
    Exactly one version of a process is `active`: new cases start on it (ADR versions)."""

    __tablename__ = "process_definitions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    process_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    files: Mapped[dict[str, str]] = mapped_column(JsonType)  # the text the engine reads
    # base64 of the deployed bytes of each file whose bytes are not the UTF-8 of its text
    originals: Mapped[dict[str, str]] = mapped_column(
        JsonType, default=dict, server_default=text("'{}'")
    )
    spec_json: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict[str, Any]] = mapped_column(JsonType)
    deployed_at: Mapped[datetime]
    deployed_by: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        UniqueConstraint("process_id", "version"),
        UniqueConstraint("process_id", "content_hash"),
        # at most one active version per process; two racing activations: one fails
        Index(
            "uq_process_definitions_active",
            "process_id",
            unique=True,
            postgresql_where=text("active"),
            sqlite_where=text("active"),
        ),
    )


class DefinitionActivation(Base):
    """The audit trail of a process definition: who made which version active, when and why.
    Append-only; a definition is not a case, so this is not the case audit chain."""

    __tablename__ = "definition_activations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    definition_id: Mapped[str] = mapped_column(ForeignKey("process_definitions.id"))
    previous_id: Mapped[str | None] = mapped_column(ForeignKey("process_definitions.id"))
    activated_at: Mapped[datetime]
    activated_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(2000))
    kind: Mapped[str] = mapped_column(  # ActivationKind
        String(20), default=ActivationKind.ACTIVATED, server_default=ActivationKind.ACTIVATED.value
    )


class WorkflowInstance(Base):
    __tablename__ = "workflow_instances"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), unique=True)
    definition_id: Mapped[str] = mapped_column(ForeignKey("process_definitions.id"))
    status: Mapped[str] = mapped_column(String(20))  # InstanceStatus
    next_timer_at: Mapped[datetime | None] = mapped_column(index=True)  # earliest BPMN timer
    # set when input was applied without running the engine on (start, task completion,
    # message); cleared by the advancing step. The sweep advances instances left waiting.
    advance_due_at: Mapped[datetime | None] = mapped_column(index=True)
    state: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Task(Base):
    """Projection of the engine's ready user tasks, for fast inbox queries."""

    __tablename__ = "tasks"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    instance_id: Mapped[str] = mapped_column(ForeignKey("workflow_instances.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    engine_task_id: Mapped[str] = mapped_column(String(36))
    spec_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    org_unit_key: Mapped[str | None] = mapped_column(String(64))
    form_schema: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    status: Mapped[str] = mapped_column(String(20))  # TaskStatus
    assignee: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    # four eyes (egov.workflow.task_four_eyes): the decision waits for a second clerk
    four_eyes: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    proposed_by: Mapped[str | None] = mapped_column(String(200))
    proposed_at: Mapped[datetime | None]
    proposal: Mapped[dict[str, Any] | None] = mapped_column(JsonType)

    __table_args__ = (
        Index("ix_tasks_inbox", "status", "org_unit_key", "assignee"),
        UniqueConstraint("instance_id", "engine_task_id"),
    )


def active_definition(session: Session, process_id: str) -> ProcessDefinition | None:
    """The version new cases of the process start on."""
    query = select(ProcessDefinition).where(
        ProcessDefinition.process_id == process_id, ProcessDefinition.active.is_(True)
    )
    return session.scalars(query).first()


def page_definitions(session: Session, page: PageRequest) -> Page[ProcessDefinition]:
    order = (ProcessDefinition.process_id, ProcessDefinition.version)
    return fetch_page(session, select(ProcessDefinition), page, scope="definitions", order=order)


def get_instance_by_case(session: Session, case_id: str) -> WorkflowInstance | None:
    query = select(WorkflowInstance).where(WorkflowInstance.case_id == case_id)
    return session.scalars(query).first()


def list_live_tasks(session: Session, instance_id: str) -> list[Task]:
    query = select(Task).where(Task.instance_id == instance_id, Task.status.in_(LIVE_TASK))
    return list(session.scalars(query))


def list_tasks_by_case(session: Session, case_id: str) -> list[Task]:
    query = select(Task).where(Task.case_id == case_id).order_by(Task.created_at)
    return list(session.scalars(query))
