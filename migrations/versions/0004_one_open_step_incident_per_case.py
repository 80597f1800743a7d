"""one open workflow-step incident per case

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OPEN_STEP = "status = 'open' AND kind = 'workflow-step'"


def upgrade() -> None:
    op.create_index(
        "uq_incidents_open_step_per_case",
        "incidents",
        ["case_id"],
        unique=True,
        postgresql_where=sa.text(OPEN_STEP),
        sqlite_where=sa.text(OPEN_STEP),
    )


def downgrade() -> None:
    op.drop_index("uq_incidents_open_step_per_case", table_name="incidents")
