"""Postfach messages to a named recipient (the author of a statement), sent once by key

Revision ID: 0021
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("postfach_messages") as batch:
        batch.add_column(sa.Column("recipient_subject", sa.String(200), nullable=True))
        batch.add_column(sa.Column("recipient_postfach", sa.String(200), nullable=True))
        batch.add_column(sa.Column("idempotency_key", sa.String(200), nullable=True))
        batch.create_index("ix_postfach_messages_recipient_subject", ["recipient_subject"])
        batch.create_index("ix_postfach_messages_recipient_postfach", ["recipient_postfach"])
        batch.create_unique_constraint("uq_postfach_messages_idempotency_key", ["idempotency_key"])


def downgrade() -> None:
    with op.batch_alter_table("postfach_messages") as batch:
        batch.drop_constraint("uq_postfach_messages_idempotency_key", type_="unique")
        batch.drop_index("ix_postfach_messages_recipient_postfach")
        batch.drop_index("ix_postfach_messages_recipient_subject")
        batch.drop_column("idempotency_key")
        batch.drop_column("recipient_postfach")
        batch.drop_column("recipient_subject")
