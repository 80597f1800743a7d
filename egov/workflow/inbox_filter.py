"""Which of the inbox's tasks a clerk looks at (the workspace's tabs and filters, issue 17):
a view (mine, my units, unclaimed, overdue), the case's procedure, the task's status and a
search in the case's reference and title and the task's title.

The view narrows `egov.workflow.inbox.inbox_query`, so no filter ever widens what a clerk may
see; each filter's cursors fit only it (`TaskFilter.scope`). The search is ILIKE over the
open tasks of the clerk's units (the inbox's index narrows them first); the indexed search
over all cases (`egov.casefile.search`, ADR 0047) lives on a floor above this one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, or_

from egov.cases.store import Case
from egov.workflow.store import Task, TaskStatus


class View(StrEnum):
    MINE = "mine"  # claimed by me
    UNITS = "units"  # everything of my org units the inbox offers me
    UNCLAIMED = "unclaimed"  # open, nobody works on it
    OVERDUE = "overdue"  # its Frist has passed


MAX_SEARCH = 200


@dataclass(frozen=True)
class TaskFilter:
    view: View = View.UNITS
    procedure: str | None = None  # the case's procedure key
    status: TaskStatus | None = None  # open, claimed or proposed
    search: str | None = None  # part of the case's reference or title, or the task's title

    @property
    def scope(self) -> str:
        """The paging scope: a cursor of one filter is refused by another."""
        parts = (self.view, self.procedure or "", self.status or "", self.search or "")
        return "tasks:" + "|".join(parts)


def narrowed(query: Select[Task], found: TaskFilter, now: datetime) -> Select[Task]:
    """`query` (the inbox's tasks of a clerk) narrowed to `found`."""
    if found.view == View.UNCLAIMED:
        query = query.where(Task.status == TaskStatus.OPEN)
    elif found.view == View.OVERDUE:
        query = query.where(Task.due_at.is_not(None), Task.due_at < now)
    if found.status is not None:
        query = query.where(Task.status == found.status)
    if found.procedure or found.search:
        query = query.join(Case, Case.id == Task.case_id)
    if found.procedure:
        query = query.where(Case.procedure_key == found.procedure)
    if found.search:
        pattern = "%" + _escaped(found.search[:MAX_SEARCH]) + "%"
        query = query.where(
            or_(
                Case.reference.ilike(pattern, escape="\\"),
                Case.title.ilike(pattern, escape="\\"),
                Task.title.ilike(pattern, escape="\\"),
            )
        )
    return query


def _escaped(text: str) -> str:
    """`%` and `_` taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
