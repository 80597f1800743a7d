"""principals qualified by their issuer: existing subjects move to the dev IdP's (`dev:`)

Until now a principal was its token's `sub` alone, so two issuers handing out the same `sub`
made one principal. From now on egov stores `<issuer name>:<sub>` (and `<namespace>:<ref>`
for Postfach references). Every value written before this revision came from the one issuer
of the installation, the development IdP `dev` (an installation whose users came from
another single issuer moves them with `UPDATE ... SET x = replace(x, 'dev:', '<name>:')`,
see docs/identity.md). egov's own actors (`cli`, `tests`, `system:*`) stay as they are.

Audit events are not rewritten: their actors are part of the hash chain, which would break.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PREFIX = "dev:"
OWN_ACTORS = "('cli', 'tests')"
# (table, column): every principal or Postfach reference egov stores outside the audit chain
COLUMNS = (
    ("cases", "owner_subject"),
    ("cases", "owner_postfach"),
    ("tasks", "assignee"),
    ("tasks", "completed_by"),
    ("org_unit_memberships", "subject"),
    ("org_unit_memberships", "created_by"),
    ("deputies", "deputy_subject"),
    ("deputies", "absent_subject"),
    ("deputies", "created_by"),
    ("deputies", "ended_by"),
    ("submissions", "submitted_by"),
    ("submissions", "idempotency_key"),  # "<subject>:<key>": scoped to its sender
    ("documents", "created_by"),
    ("incidents", "resolved_by"),
    ("inbound_messages", "source"),
    ("inbound_messages", "idempotency_key"),
    ("process_definitions", "deployed_by"),
)


def upgrade() -> None:
    for table, column in COLUMNS:
        op.execute(
            f"UPDATE {table} SET {column} = '{PREFIX}' || {column} "
            f"WHERE {column} IS NOT NULL AND {column} NOT IN {OWN_ACTORS} "
            f"AND {column} NOT LIKE 'system:%'"
        )


def downgrade() -> None:
    for table, column in COLUMNS:
        op.execute(
            f"UPDATE {table} SET {column} = substr({column}, {len(PREFIX) + 1}) "
            f"WHERE {column} LIKE '{PREFIX}%'"
        )
