"""The archive's receipts on the offer: 0504 (Anbieteverzeichnis) and 0507 (package)

Revision ID: 0033
Revises: 0031
"""

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("archive_offers") as batch:
        batch.add_column(sa.Column("offer_received_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("package_received_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("archive_offers") as batch:
        batch.drop_column("package_received_at")
        batch.drop_column("offer_received_at")
