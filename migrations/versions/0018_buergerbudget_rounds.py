"""Bürgerbudget: the rounds (one a year) as data; the vote: admitted proposals, ballots
(voters as pseudonyms), the round's hash chain, offline counts

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "buergerbudget_rounds",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("total_budget_eur", sa.Integer(), nullable=False),
        sa.Column("cap_per_proposal_eur", sa.Integer(), nullable=False),
        sa.Column("submissions_open", sa.Date(), nullable=False),
        sa.Column("submission_deadline", sa.Date(), nullable=False),
        sa.Column("vote_opens", sa.Date(), nullable=False),
        sa.Column("vote_closes", sa.Date(), nullable=False),
        sa.Column("votes_per_citizen", sa.Integer(), nullable=False),
        sa.Column("vertrauensniveau", sa.String(16), nullable=False),
        sa.Column("categories", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_buergerbudget_rounds")),
    )
    op.create_table(
        "buergerbudget_proposals",
        sa.Column(
            "case_id",
            sa.String(36),
            sa.ForeignKey("cases.id", name="fk_buergerbudget_proposals_case_id_cases"),
            nullable=False,
        ),
        ROUND("buergerbudget_proposals"),
        sa.Column("cost_eur", sa.Float(), nullable=False),
        sa.Column("admitted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_buergerbudget_proposals")),
    )
    op.create_index(
        "ix_buergerbudget_proposals_round_year", "buergerbudget_proposals", ["round_year"]
    )
    op.create_table(
        "buergerbudget_ballots",
        sa.Column("id", sa.String(36), nullable=False),
        ROUND("buergerbudget_ballots"),
        sa.Column("voter", sa.String(64), nullable=False),
        sa.Column("choices", JSON, nullable=False),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("commitment", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("cast_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buergerbudget_ballots")),
        sa.UniqueConstraint(
            "round_year", "voter", name="uq_buergerbudget_ballots_round_year_voter"
        ),
    )
    op.create_table(
        "buergerbudget_round_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        ROUND("buergerbudget_round_events"),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(80), nullable=False),
        sa.Column("after", JSON, nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buergerbudget_round_events")),
        sa.UniqueConstraint(
            "round_year", "seq", name="uq_buergerbudget_round_events_round_year_seq"
        ),
    )
    op.create_table(
        "buergerbudget_offline_counts",
        sa.Column("id", sa.String(36), nullable=False),
        ROUND("buergerbudget_offline_counts"),
        sa.Column(
            "case_id",
            sa.String(36),
            sa.ForeignKey("cases.id", name="fk_buergerbudget_offline_counts_case_id_cases"),
            nullable=False,
        ),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("entered_by", sa.String(200), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_by", sa.String(200), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buergerbudget_offline_counts")),
        sa.UniqueConstraint(
            "round_year", "case_id", name="uq_buergerbudget_offline_counts_round_year_case_id"
        ),
    )


def ROUND(table: str) -> sa.Column:  # noqa: N802 - reads like a column
    return sa.Column(
        "round_year",
        sa.Integer(),
        sa.ForeignKey(
            "buergerbudget_rounds.year", name=f"fk_{table}_round_year_buergerbudget_rounds"
        ),
        nullable=False,
    )


def downgrade() -> None:
    op.drop_table("buergerbudget_offline_counts")
    op.drop_table("buergerbudget_round_events")
    op.drop_table("buergerbudget_ballots")
    op.drop_index("ix_buergerbudget_proposals_round_year", "buergerbudget_proposals")
    op.drop_table("buergerbudget_proposals")
    op.drop_table("buergerbudget_rounds")
