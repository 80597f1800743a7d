"""RFC 3161 time-stamps of the audit checkpoints (ADR 0045)

Revision ID: 0032
Revises: 0028
"""

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_checkpoints") as batch:
        batch.add_column(sa.Column("timestamp_token", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("timestamp_nonce", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("timestamp_tried_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_checkpoints") as batch:
        batch.drop_column("timestamp_tried_at")
        batch.drop_column("timestamp_nonce")
        batch.drop_column("timestamp_token")
