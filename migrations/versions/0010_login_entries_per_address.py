"""the client address of a pending browser login (bounded per address)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_entries") as batch:
        batch.add_column(sa.Column("address", sa.String(64), nullable=True))
        batch.create_index("ix_login_entries_address", ["address"])


def downgrade() -> None:
    with op.batch_alter_table("login_entries") as batch:
        batch.drop_index("ix_login_entries_address")
        batch.drop_column("address")
