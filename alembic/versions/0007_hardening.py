"""Ingest keys bound to miners; contact suppressions and the audit trail.

- `api_keys.miner_ids`: the miners an ingest key may post for. NULL (every key created before this
  revision) means any miner, as before; new ingest keys are created with a set.
- `contact_suppressions`: SHA-256 of e-mail addresses removed on request; ingestion drops a contact
  with a suppressed address.
- `audit_log`: admin operations on personal data.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("miner_ids", postgresql.ARRAY(sa.String(length=64)), nullable=True))
    op.create_table(
        "contact_suppressions",
        sa.Column("email_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("email_sha256", name=op.f("pk_contact_suppressions")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("api_key_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("detail", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_occurred_at", "audit_log", ["occurred_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_log_occurred_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("contact_suppressions")
    op.drop_column("api_keys", "miner_ids")
