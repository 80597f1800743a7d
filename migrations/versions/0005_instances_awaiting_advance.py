"""instances awaiting an engine advance; incidents resolved by hand

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workflow_instances") as batch:
        batch.add_column(sa.Column("advance_due_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_workflow_instances_advance_due_at", ["advance_due_at"])
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("resolution", sa.String(20), nullable=True))
        batch.add_column(sa.Column("resolved_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("resolution_note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("resolution_note")
        batch.drop_column("resolved_by")
        batch.drop_column("resolution")
    with op.batch_alter_table("workflow_instances") as batch:
        batch.drop_index("ix_workflow_instances_advance_due_at")
        batch.drop_column("advance_due_at")
