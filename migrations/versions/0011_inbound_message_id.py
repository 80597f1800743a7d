"""inbound messages keyed by (sender, message UUID): a re-sent message is answered once

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.add_column(sa.Column("message_id", sa.String(100), nullable=True))
        batch.create_unique_constraint(
            "uq_inbound_messages_source_message_id", ["source", "message_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.drop_constraint("uq_inbound_messages_source_message_id", type_="unique")
        batch.drop_column("message_id")
