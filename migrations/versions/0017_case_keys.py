"""case keys: the identifiers a case is known by outside egov (XBeteiligung plan, Vorgang)

Revision ID: 0017
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_keys",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column(
            "case_id",
            sa.String(36),
            sa.ForeignKey("cases.id", name="fk_case_keys_case_id_cases"),
            nullable=False,
        ),
        sa.Column("scheme", sa.String(40), nullable=False),
        sa.Column("value", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_keys")),
        sa.UniqueConstraint("scheme", "value", name="uq_case_keys_scheme_value"),
    )
    op.create_index("ix_case_keys_case_id", "case_keys", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_case_keys_case_id", "case_keys")
    op.drop_table("case_keys")
