"""migration batches of running instances to another version, with the old state kept

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "migration_batches",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column(
            "source_definition_id",
            sa.String(36),
            sa.ForeignKey(
                "process_definitions.id",
                name="fk_migration_batches_source_definition_id_process_definitions",
            ),
            nullable=False,
        ),
        sa.Column(
            "target_definition_id",
            sa.String(36),
            sa.ForeignKey(
                "process_definitions.id",
                name="fk_migration_batches_target_definition_id_process_definitions",
            ),
            nullable=False,
        ),
        sa.Column("mapping", JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("reversed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_migration_batches")),
    )
    op.create_table(
        "migration_items",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column(
            "batch_id",
            sa.String(36),
            sa.ForeignKey(
                "migration_batches.id", name="fk_migration_items_batch_id_migration_batches"
            ),
            nullable=False,
        ),
        sa.Column(
            "instance_id",
            sa.String(36),
            sa.ForeignKey(
                "workflow_instances.id", name="fk_migration_items_instance_id_workflow_instances"
            ),
            nullable=False,
        ),
        sa.Column(
            "case_id",
            sa.String(36),
            sa.ForeignKey("cases.id", name="fk_migration_items_case_id_cases"),
            nullable=False,
        ),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("old_definition_id", sa.String(36), nullable=True),
        sa.Column("old_state", sa.Text(), nullable=True),
        sa.Column("migrated_version", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_migration_items")),
        sa.UniqueConstraint(
            "batch_id", "instance_id", name="uq_migration_items_batch_id_instance_id"
        ),
    )
    op.create_index("ix_migration_items_batch_id", "migration_items", ["batch_id"])
    op.create_index("ix_migration_items_instance_id", "migration_items", ["instance_id"])


def downgrade() -> None:
    op.drop_index("ix_migration_items_instance_id", "migration_items")
    op.drop_index("ix_migration_items_batch_id", "migration_items")
    op.drop_table("migration_items")
    op.drop_table("migration_batches")
