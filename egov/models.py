"""Imports every feature's tables so that `Base.metadata` is complete (Alembic, tests)."""

from egov.audit.checkpoints import AuditCheckpoint
from egov.audit.store import AuditEvent
from egov.buergerbudget.ballots_store import AdmittedProposal, Ballot, OfflineCount, RoundEvent
from egov.buergerbudget.implementation_store import Implementation
from egov.buergerbudget.rounds_store import BudgetRound, RoundResult
from egov.cases.keys import CaseKey
from egov.cases.store import Case, Procedure, ReferenceCounter
from egov.db import Base
from egov.documents.store import Document
from egov.identity.store import Deputy, OrgUnit, OrgUnitMembership
from egov.intake.drafts import ApplicationDraft, DraftFile
from egov.intake.store import Submission
from egov.integrations.store import InboundMessage
from egov.outbox.store import Incident, OutboxMessage
from egov.participation.store import Invitation, Statement
from egov.postfach.store import PostfachMessage
from egov.retention.store import ArchiveOffer
from egov.rights.store import DataExport, ErasureRequest
from egov.triage.store import TriageDecision, TriageSuggestion
from egov.workflow.held import HeldMessage
from egov.workflow.migration_store import MigrationBatch, MigrationItem
from egov.workflow.store import ProcessDefinition, Task, WorkflowInstance

__all__ = [
    "AdmittedProposal",
    "ApplicationDraft",
    "ArchiveOffer",
    "AuditCheckpoint",
    "AuditEvent",
    "Ballot",
    "Base",
    "BudgetRound",
    "Case",
    "CaseKey",
    "DataExport",
    "Deputy",
    "Document",
    "DraftFile",
    "ErasureRequest",
    "HeldMessage",
    "Implementation",
    "InboundMessage",
    "Incident",
    "Invitation",
    "MigrationBatch",
    "MigrationItem",
    "OfflineCount",
    "OrgUnit",
    "OrgUnitMembership",
    "OutboxMessage",
    "PostfachMessage",
    "Procedure",
    "ProcessDefinition",
    "ReferenceCounter",
    "RoundEvent",
    "RoundResult",
    "Statement",
    "Submission",
    "Task",
    "TriageDecision",
    "TriageSuggestion",
    "WorkflowInstance",
]
