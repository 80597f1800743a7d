"""Bürgerbudget: the rounds (one a year) as data

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "buergerbudget_rounds",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("total_budget_eur", sa.Integer(), nullable=False),
        sa.Column("cap_per_proposal_eur", sa.Integer(), nullable=False),
        sa.Column("submissions_open", sa.Date(), nullable=False),
        sa.Column("submission_deadline", sa.Date(), nullable=False),
        sa.Column("vote_opens", sa.Date(), nullable=False),
        sa.Column("vote_closes", sa.Date(), nullable=False),
        sa.Column("votes_per_citizen", sa.Integer(), nullable=False),
        sa.Column("vertrauensniveau", sa.String(16), nullable=False),
        sa.Column("categories", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_buergerbudget_rounds")),
    )


def downgrade() -> None:
    op.drop_table("buergerbudget_rounds")
