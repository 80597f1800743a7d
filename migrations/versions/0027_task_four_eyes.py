"""Four eyes on user task decisions: the pending proposal on the task

Revision ID: 0027
Revises: 0029
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0027"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(
            sa.Column("four_eyes", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("proposed_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("proposed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("proposal", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("proposal")
        batch.drop_column("proposed_at")
        batch.drop_column("proposed_by")
        batch.drop_column("four_eyes")
