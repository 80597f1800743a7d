"""The clerk's case search (`GET /cases?q=`) by index, not by scanning every case (issue 18,
ADR 0047): a term that is an Aktenzeichen is looked up by equality (the unique index of
`cases.reference`); any other term is a case-insensitive substring of the reference, title
or applicant name, answered by trigram indexes: `pg_trgm` GIN indexes on PostgreSQL (ILIKE
uses them), the FTS5 trigram table `cases_search` on SQLite (migration 0035 keeps it in step
with `cases` by triggers). Terms shorter than three characters have no trigram: they fall
back to ILIKE over the table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, literal_column, or_, select, table, text

from egov.cases.model import REFERENCE_PATTERN
from egov.cases.store import Case

TRIGRAM = 3  # characters: the shortest term an index can answer
SEARCH_TABLE = "cases_search"  # SQLite's FTS5 table (migration 0035)


def matching(term: str, dialect: str) -> ColumnElement[bool]:
    """The condition a case meets when `term` names it."""
    term = term.strip()
    if REFERENCE_PATTERN.match(term.upper()):
        return Case.reference == term.upper()
    if dialect == "sqlite" and len(term) >= TRIGRAM:
        phrase = '"' + term.replace('"', '""') + '"'  # an FTS5 string: the term as typed
        hits: Select[Any] = (
            select(literal_column("rowid"))
            .select_from(table(SEARCH_TABLE))
            .where(text(f"{SEARCH_TABLE} MATCH :phrase").bindparams(phrase=phrase))
        )
        return literal_column("cases.rowid").in_(hits)
    pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(
        Case.reference.ilike(pattern, escape="\\"),
        Case.title.ilike(pattern, escape="\\"),
        Case.applicant_name.ilike(pattern, escape="\\"),
    )
