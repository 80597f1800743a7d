"""triage: what triage suggested for a case and what a clerk decided (issue 13)

Revision ID: 0016
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "triage_suggestions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("procedure_key", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("org_unit_key", sa.String(length=64), nullable=False),
        sa.Column("abstained", sa.Boolean(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_triage_suggestions_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_suggestions")),
    )
    with op.batch_alter_table("triage_suggestions") as batch:
        batch.create_index(batch.f("ix_triage_suggestions_case_id"), ["case_id"], unique=False)
    op.create_table(
        "triage_decisions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("suggestion_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("procedure_key", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("suggested_org_unit", sa.String(length=64), nullable=False),
        sa.Column("decided_org_unit", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_triage_decisions_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["suggestion_id"],
            ["triage_suggestions.id"],
            name=op.f("fk_triage_decisions_suggestion_id_triage_suggestions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_decisions")),
        sa.UniqueConstraint("suggestion_id", name=op.f("uq_triage_decisions_suggestion_id")),
    )
    with op.batch_alter_table("triage_decisions") as batch:
        batch.create_index(batch.f("ix_triage_decisions_case_id"), ["case_id"], unique=False)
        batch.create_index(batch.f("ix_triage_decisions_decided_at"), ["decided_at"], unique=False)


def downgrade() -> None:
    op.drop_table("triage_decisions")
    op.drop_table("triage_suggestions")
