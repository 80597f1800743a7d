"""Bürgerbudget: the implementation of funded proposals (milestones, actual cost, photos)

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "buergerbudget_implementations",
        sa.Column(
            "case_id",
            sa.String(36),
            sa.ForeignKey("cases.id", name="fk_buergerbudget_implementations_case_id_cases"),
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("org_unit_key", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("milestones", JSON, nullable=False),
        sa.Column("actual_cost_cents", sa.Integer(), nullable=True),
        sa.Column("photo_ids", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_buergerbudget_implementations")),
    )
    op.create_index(
        "ix_buergerbudget_implementations_year", "buergerbudget_implementations", ["year"]
    )


def downgrade() -> None:
    op.drop_index("ix_buergerbudget_implementations_year", "buergerbudget_implementations")
    op.drop_table("buergerbudget_implementations")
