"""erasable audit payloads: events chain the hash of their payload (hash scheme 2, ADR 0039);
retention rules of procedures, retention end dates and legal holds of cases

Each case's chain that verifies under the old scheme 1 is re-hashed under scheme 2 (its payload
hashes computed, every event hash recomputed in order). A chain that does not verify stays as it
was, on scheme 1, so `verify-audit` keeps reporting it broken. The hash functions are frozen
copies here: later changes to `egov.audit.chain` must not change what this migration did.

Revision ID: 0023
Revises: 0021
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0023"
down_revision = "0021"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
EVENTS = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.String),
    sa.column("seq", sa.Integer),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("before", JSON),
    sa.column("after", JSON),
    sa.column("occurred_at", sa.DateTime),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
    sa.column("payload_hash", sa.String),
    sa.column("hash_scheme", sa.Integer),
    sa.column("erased_at", sa.DateTime),
)


def _digest(content: dict[str, Any]) -> str:
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _time(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _head(row: Any, prev_hash: str) -> dict[str, Any]:
    return {
        "case_id": row.case_id,
        "seq": row.seq,
        "actor": row.actor,
        "action": row.action,
        "occurred_at": _time(row.occurred_at),
        "prev_hash": prev_hash,
    }


def _verifies_under_scheme_1(rows: list[Any]) -> bool:
    prev = GENESIS
    for position, row in enumerate(rows, start=1):
        content = _head(row, prev) | {"before": row.before, "after": row.after}
        if row.seq != position or row.prev_hash != prev or _digest(content) != row.hash:
            return False
        prev = row.hash
    return True


def _rehash(conn: sa.Connection, rows: list[Any]) -> None:
    prev = GENESIS
    for row in rows:
        payload = _digest({"before": row.before, "after": row.after})
        digest = _digest(_head(row, prev) | {"scheme": 2, "payload_hash": payload})
        conn.execute(
            EVENTS.update()
            .where(EVENTS.c.id == row.id)
            .values(prev_hash=prev, hash=digest, payload_hash=payload, hash_scheme=2)
        )
        prev = digest


def _legacy(conn: sa.Connection, rows: list[Any]) -> None:
    for row in rows:
        payload = _digest({"before": row.before, "after": row.after})
        conn.execute(EVENTS.update().where(EVENTS.c.id == row.id).values(payload_hash=payload))


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("payload_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("hash_scheme", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("erased_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("erasure_reason", sa.String(300), nullable=True))
    conn = op.get_bind()
    case_ids = conn.execute(sa.select(EVENTS.c.case_id).distinct()).scalars().all()
    for case_id in case_ids:
        query = sa.select(EVENTS).where(EVENTS.c.case_id == case_id).order_by(EVENTS.c.seq)
        rows = list(conn.execute(query))
        (_rehash if _verifies_under_scheme_1(rows) else _legacy)(conn, rows)
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("payload_hash", existing_type=sa.String(64), nullable=False)
    _add_retention()


def _add_retention() -> None:
    with op.batch_alter_table("procedures") as batch:
        batch.add_column(sa.Column("retention", JSON, nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("archive_duty", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("retention_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("retention_rule", JSON, nullable=True))
        batch.add_column(sa.Column("legal_hold_reason", sa.String(500), nullable=True))
        batch.add_column(sa.Column("legal_hold_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("legal_hold_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("erased_by", sa.String(200), nullable=True))
    op.create_index("ix_cases_retention_until", "cases", ["retention_until"])


def downgrade() -> None:
    """Back to scheme 1 for chains whose payloads are all present; erased payloads cannot come
    back, so a downgrade after an erasure leaves those chains reported broken."""
    op.drop_index("ix_cases_retention_until", "cases")
    with op.batch_alter_table("cases") as batch:
        for column in ("erased_by", "erased_at", "legal_hold_at", "legal_hold_by"):
            batch.drop_column(column)
        for column in ("legal_hold_reason", "retention_rule"):
            batch.drop_column(column)
        batch.drop_column("retention_until")
    with op.batch_alter_table("procedures") as batch:
        batch.drop_column("archive_duty")
        batch.drop_column("retention")
    conn = op.get_bind()
    case_ids = conn.execute(sa.select(EVENTS.c.case_id).distinct()).scalars().all()
    for case_id in case_ids:
        query = sa.select(EVENTS).where(EVENTS.c.case_id == case_id).order_by(EVENTS.c.seq)
        rows = list(conn.execute(query))
        if all(row.hash_scheme == 2 and row.erased_at is None for row in rows):
            prev = GENESIS
            for row in rows:
                content = _head(row, prev) | {"before": row.before, "after": row.after}
                digest = _digest(content)
                conn.execute(
                    EVENTS.update().where(EVENTS.c.id == row.id).values(prev_hash=prev, hash=digest)
                )
                prev = digest
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("erasure_reason")
        batch.drop_column("erased_by")
        batch.drop_column("erased_at")
        batch.drop_column("hash_scheme")
        batch.drop_column("payload_hash")
