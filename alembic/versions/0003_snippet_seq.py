"""Snippets get a compact surrogate key (`seq`) for evidence lookups by the ranker.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Adding an identity column numbers the existing rows (one table rewrite).
    op.add_column("snippets", sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False))
    op.create_index("ix_snippets_seq", "snippets", ["seq"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_snippets_seq", table_name="snippets")
    op.drop_column("snippets", "seq")
