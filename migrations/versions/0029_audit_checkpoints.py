"""Signed checkpoints of the audit chains (ADR 0044)

Revision ID: 0029
Revises: 0030
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0029"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("key_id", sa.String(40), nullable=False),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("heads", JSON, nullable=False),
        sa.Column("signature", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
    )
    op.create_index("ix_audit_checkpoints_created_at", "audit_checkpoints", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_audit_checkpoints_created_at", table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
