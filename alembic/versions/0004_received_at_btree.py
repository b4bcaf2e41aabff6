"""B-tree indexes on snippets.received_at and outcomes.received_at.

The ranker's index polls `max(received_at)` every second in every API worker; a BRIN index cannot
answer max(), so each poll scanned the whole snippets table (594 ms at 1.1 M snippets). A b-tree
answers it, and the "changed since" range scan, in well under a millisecond.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 20:35:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_snippets_received_brin", table_name="snippets", postgresql_using="brin")
    op.create_index("ix_snippets_received_at", "snippets", ["received_at"], unique=False)
    op.create_index("ix_outcomes_received_at", "outcomes", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outcomes_received_at", table_name="outcomes")
    op.drop_index("ix_snippets_received_at", table_name="snippets")
    op.create_index(
        "ix_snippets_received_brin", "snippets", ["received_at"], unique=False, postgresql_using="brin"
    )
