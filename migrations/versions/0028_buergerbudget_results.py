"""Bürgerbudget: the round's result under four eyes (proposed, then confirmed)

Revision ID: 0028
Revises: 0027
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "buergerbudget_results",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("votes", JSON, nullable=False),
        sa.Column("proposed_by", sa.String(200), nullable=False),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_by", sa.String(200), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_buergerbudget_results")),
    )


def downgrade() -> None:
    op.drop_table("buergerbudget_results")
