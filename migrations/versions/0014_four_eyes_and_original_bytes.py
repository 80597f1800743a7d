"""four eyes for every command, deployed files byte for byte

Revision ID: 0014
Revises: 0013

- `definition_activations.kind`: `activated`, or `requested` (an activation waiting for a
  second admin, ADR 0027).
- `migration_batches.confirmed_by`: the second admin who released the instances whose
  procedure demands four eyes for a migration.
- `process_definitions.originals`: base64 of each file whose deployed bytes are not the UTF-8
  of its stored text (an ISO-8859-1 or UTF-16 model), so it is downloaded byte for byte.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("definition_activations") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(20), nullable=False, server_default="activated")
        )
    with op.batch_alter_table("migration_batches") as batch:
        batch.add_column(sa.Column("confirmed_by", sa.String(200)))
    with op.batch_alter_table("process_definitions") as batch:
        batch.add_column(sa.Column("originals", JSON, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("process_definitions") as batch:
        batch.drop_column("originals")
    with op.batch_alter_table("migration_batches") as batch:
        batch.drop_column("confirmed_by")
    with op.batch_alter_table("definition_activations") as batch:
        batch.drop_column("kind")
