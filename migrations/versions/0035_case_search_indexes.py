"""Case search by index: trigram indexes (PostgreSQL pg_trgm) or an FTS5 trigram table
(SQLite) over reference, title and applicant name (issue 18, ADR 0047)

Revision ID: 0035
Revises: 0033
"""

from alembic import op

revision = "0035"
down_revision = "0033"
branch_labels = None
depends_on = None

COLUMNS = ("reference", "title", "applicant_name")
INDEXED = "(rowid, reference, title, applicant_name)"
OLD_ROW = "old.rowid, old.reference, old.title, old.applicant_name"
NEW_ROW = "new.rowid, new.reference, new.title, new.applicant_name"
REMOVE = f"INSERT INTO cases_search(cases_search, {INDEXED[1:]} VALUES ('delete', {OLD_ROW});"
ADD = f"INSERT INTO cases_search{INDEXED} VALUES ({NEW_ROW});"
SQLITE_TRIGGERS = {  # keep the external-content FTS5 table in step with `cases`
    "insert": f"AFTER INSERT ON cases BEGIN {ADD} END",
    "delete": f"AFTER DELETE ON cases BEGIN {REMOVE} END",
    "update": f"AFTER UPDATE OF reference, title, applicant_name ON cases BEGIN {REMOVE} {ADD} END",
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in COLUMNS:
            op.execute(
                f"CREATE INDEX ix_cases_{column}_trgm ON cases USING gin ({column} gin_trgm_ops)"
            )
        return
    op.execute(
        "CREATE VIRTUAL TABLE cases_search USING fts5(reference, title, applicant_name, "
        "content='cases', content_rowid='rowid', tokenize='trigram')"
    )
    for name, body in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER cases_search_{name} {body}")
    op.execute("INSERT INTO cases_search(cases_search) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in COLUMNS:
            op.execute(f"DROP INDEX ix_cases_{column}_trgm")
        return
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER cases_search_{name}")
    op.execute("DROP TABLE cases_search")
