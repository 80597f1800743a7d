"""archive offers of cases (xdomea Aussonderung)

Revision ID: 0030
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_offers",
        sa.Column(
            "case_id",
            sa.String(36),
            sa.ForeignKey("cases.id", name="fk_archive_offers_case_id_cases"),
            nullable=False,
        ),
        sa.Column("process_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("offered_at", sa.DateTime(), nullable=False),
        sa.Column("valued_at", sa.DateTime(), nullable=True),
        sa.Column("package_key", sa.String(200), nullable=True),
        sa.Column("receipt_id", sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_archive_offers")),
    )
    op.create_index("ix_archive_offers_process_id", "archive_offers", ["process_id"])


def downgrade() -> None:
    op.drop_index("ix_archive_offers_process_id", table_name="archive_offers")
    op.drop_table("archive_offers")
