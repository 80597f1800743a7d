"""login state and logged-out sessions shared by every web process

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_entries",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_entries")),
    )
    op.create_index("ix_login_entries_expires_at", "login_entries", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_login_entries_expires_at", table_name="login_entries")
    op.drop_table("login_entries")
