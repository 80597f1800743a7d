"""Drafts of the portal's web-form applications and their files (egov.intake.drafts)

Revision ID: 0034
Revises: 0033
"""

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "application_drafts",
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("procedure_key", sa.String(100), nullable=False),
        sa.Column("values", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("owner", "procedure_key", name="pk_application_drafts"),
    )
    op.create_index("ix_application_drafts_updated_at", "application_drafts", ["updated_at"])
    op.create_table(
        "application_draft_files",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("procedure_key", sa.String(100), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_application_draft_files"),
    )
    op.create_index("ix_application_draft_files_owner", "application_draft_files", ["owner"])


def downgrade() -> None:
    op.drop_index("ix_application_draft_files_owner", "application_draft_files")
    op.drop_table("application_draft_files")
    op.drop_index("ix_application_drafts_updated_at", "application_drafts")
    op.drop_table("application_drafts")
