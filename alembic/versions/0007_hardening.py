"""Ingest keys bound to miners; contact suppressions.

- `api_keys.miner_ids`: the miners an ingest key may post for. NULL (every key created before this
  revision) means any miner, as before; new ingest keys are created with a set.
- `contact_suppressions`: SHA-256 of e-mail addresses removed on request; ingestion drops a contact
  with a suppressed address.

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


def downgrade() -> None:
    op.drop_table("contact_suppressions")
    op.drop_column("api_keys", "miner_ids")
