"""explicit versions: one active version per process, the trail of activations

Revision ID: 0013
Revises: 0012

Until now new cases started on the highest version; that version becomes the active one.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("process_definitions") as batch:
        batch.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    definitions = sa.table(
        "process_definitions",
        sa.column("id", sa.String),
        sa.column("process_id", sa.String),
        sa.column("version", sa.Integer),
        sa.column("active", sa.Boolean),
    )
    newer = sa.alias(definitions, "newer")
    op.execute(
        definitions.update()
        .where(
            ~sa.exists().where(
                newer.c.process_id == definitions.c.process_id,
                newer.c.version > definitions.c.version,
            )
        )
        .values(active=True)
    )
    op.create_index(
        "uq_process_definitions_active",
        "process_definitions",
        ["process_id"],
        unique=True,
        postgresql_where=sa.text("active"),
        sqlite_where=sa.text("active"),
    )
    op.create_table(
        "definition_activations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("process_id", sa.String(100), nullable=False),
        sa.Column(
            "definition_id",
            sa.String(36),
            sa.ForeignKey("process_definitions.id"),
            nullable=False,
        ),
        sa.Column("previous_id", sa.String(36), sa.ForeignKey("process_definitions.id")),
        sa.Column("activated_at", sa.DateTime(), nullable=False),
        sa.Column("activated_by", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(2000), nullable=False),
    )
    op.create_index(
        "ix_definition_activations_process_id", "definition_activations", ["process_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_definition_activations_process_id", "definition_activations")
    op.drop_table("definition_activations")
    op.drop_index("uq_process_definitions_active", "process_definitions")
    with op.batch_alter_table("process_definitions") as batch:
        batch.drop_column("active")
