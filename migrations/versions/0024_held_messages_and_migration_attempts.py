"""held messages of suspended instances (in arrival order); attempts of a migration item

Revision ID: 0024
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0024"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_messages",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "case_id",
            sa.String(36),
            sa.ForeignKey("cases.id", name="fk_held_messages_case_id_cases"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source_id", sa.String(36), nullable=False),
        sa.Column("message_name", sa.String(100), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.Column("settled_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_held_messages")),
    )
    op.create_index("ix_held_messages_case_id", "held_messages", ["case_id"])
    with op.batch_alter_table("migration_items") as batch:
        batch.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    with op.batch_alter_table("migration_items") as batch:
        batch.drop_column("attempts")
    op.drop_index("ix_held_messages_case_id", table_name="held_messages")
    op.drop_table("held_messages")
