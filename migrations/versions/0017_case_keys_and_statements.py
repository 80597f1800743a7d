"""case keys: the identifiers a case is known by outside egov (XBeteiligung plan, Vorgang);
the statements of a participation

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_keys",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column(
            "case_id",
            sa.String(36),
            sa.ForeignKey("cases.id", name="fk_case_keys_case_id_cases"),
            nullable=False,
        ),
        sa.Column("scheme", sa.String(40), nullable=False),
        sa.Column("value", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_keys")),
        sa.UniqueConstraint("scheme", "value", name="uq_case_keys_scheme_value"),
    )
    op.create_index("ix_case_keys_case_id", "case_keys", ["case_id"])
    op.create_table(
        "participation_statements",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column(
            "case_id",
            sa.String(36),
            sa.ForeignKey("cases.id", name="fk_participation_statements_case_id_cases"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("round", sa.String(10), nullable=False),
        sa.Column("variant_id", sa.String(100), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("location", JSON, nullable=True),
        sa.Column("attachment_ids", JSON, nullable=False),
        sa.Column("author_subject", sa.String(200), nullable=True),
        sa.Column("author_name", sa.String(300), nullable=True),
        sa.Column("author_email", sa.String(254), nullable=True),
        sa.Column("author_postfach", sa.String(200), nullable=True),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.Column("confirmation_hash", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("hidden_reason", sa.Text(), nullable=True),
        sa.Column("hidden_by", sa.String(200), nullable=True),
        sa.Column("hidden_at", sa.DateTime(), nullable=True),
        sa.Column("topic", sa.String(200), nullable=True),
        sa.Column("decision", sa.String(20), nullable=True),
        sa.Column("reasoning", sa.Text(), nullable=True),
        sa.Column("weighed_by", sa.String(200), nullable=True),
        sa.Column("weighed_at", sa.DateTime(), nullable=True),
        sa.Column("notified_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_statements")),
        sa.UniqueConstraint("case_id", "number", name="uq_participation_statements_case_id_number"),
        sa.UniqueConstraint(
            "confirmation_hash", name="uq_participation_statements_confirmation_hash"
        ),
    )
    op.create_index("ix_participation_statements_case_id", "participation_statements", ["case_id"])
    op.create_table(
        "participation_invitations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column(
            "case_id",
            sa.String(36),
            sa.ForeignKey("cases.id", name="fk_participation_invitations_case_id_cases"),
            nullable=False,
        ),
        sa.Column("body_name", sa.String(300), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("invited_at", sa.DateTime(), nullable=False),
        sa.Column("invited_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_invitations")),
        sa.UniqueConstraint("token_hash", name="uq_participation_invitations_token_hash"),
    )
    op.create_index(
        "ix_participation_invitations_case_id", "participation_invitations", ["case_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_participation_invitations_case_id", "participation_invitations")
    op.drop_table("participation_invitations")
    op.drop_index("ix_participation_statements_case_id", "participation_statements")
    op.drop_table("participation_statements")
    op.drop_index("ix_case_keys_case_id", "case_keys")
    op.drop_table("case_keys")
