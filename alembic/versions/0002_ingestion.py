"""Ingestion: snippet corroborations, the embedding queue, churn events and job watermarks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 17:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "snippet_corroborations",
        sa.Column("snippet_id", sa.String(length=128), nullable=False),
        sa.Column("miner_id", sa.String(length=64), nullable=False),
        sa.Column("duplicate_id", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["snippet_id"],
            ["snippets.id"],
            name=op.f("fk_snippet_corroborations_snippet_id_snippets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["miner_id"], ["miners.id"], name=op.f("fk_snippet_corroborations_miner_id_miners")
        ),
        sa.PrimaryKeyConstraint("snippet_id", "miner_id", name=op.f("pk_snippet_corroborations")),
    )
    op.create_table(
        "embedding_queue",
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_embedding_queue_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_embedding_queue")),
    )
    op.create_table(
        "churn_events",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("technology", sa.String(length=100), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("evidence", postgresql.ARRAY(sa.String(length=128)), server_default="{}", nullable=False),
        sa.Column("confidence", sa.Float(), server_default="0", nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("event IN ('added', 'dropped', 'evaluating')", name=op.f("ck_churn_events_event")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_churn_events_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_churn_events")),
    )
    op.create_index("ix_churn_events_occurred", "churn_events", ["occurred_at"], unique=False)
    op.create_index(
        "uq_churn_events_key",
        "churn_events",
        ["company_id", "technology", "event", "occurred_at"],
        unique=True,
    )
    op.create_table(
        "ingest_job_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_result", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_ingest_job_state")),
    )


def downgrade() -> None:
    op.drop_table("ingest_job_state")
    op.drop_index("uq_churn_events_key", table_name="churn_events")
    op.drop_index("ix_churn_events_occurred", table_name="churn_events")
    op.drop_table("churn_events")
    op.drop_table("embedding_queue")
    op.drop_table("snippet_corroborations")
