"""The tables ingestion owns: corroborations, the embedding queue, churn events and job watermarks."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Float, ForeignKey, Index, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.core.orm import Base, cascade_fk, check_in

CHURN_EVENTS = ("added", "dropped", "evaluating")


class SnippetCorroboration(Base):
    """Another miner sent the same (or a near-identical) snippet: one row per (snippet, miner), so a
    redelivered duplicate never counts twice."""

    __tablename__ = "snippet_corroborations"

    snippet_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("snippets.id", ondelete="CASCADE"), primary_key=True
    )
    miner_id: Mapped[str] = mapped_column(String(64), ForeignKey("miners.id"), primary_key=True)
    duplicate_id: Mapped[str] = mapped_column(String(128), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class EmbeddingQueue(Base):
    """Companies whose document changed and whose embedding must be recomputed (drained by the
    embedding worker; `enqueued_at` is the acceptance time used for the freshness metric)."""

    __tablename__ = "embedding_queue"

    company_id: Mapped[uuid.UUID] = cascade_fk("companies", primary_key=True)
    enqueued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # Bumped by every re-enqueue: the worker deletes a row only if nothing changed while it embedded.
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    # Claimed by a worker until then (several workers share the queue without holding locks).
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ChurnEvent(Base):
    """Tech-stack churn derived from technographic history ("dropped Teradata", "added Snowflake")."""

    __tablename__ = "churn_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    company_id: Mapped[uuid.UUID] = cascade_fk("companies")
    technology: Mapped[str] = mapped_column(String(100), nullable=False)
    event: Mapped[str] = mapped_column(String(16), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    description: Mapped[str] = mapped_column(String(200), nullable=False)
    evidence: Mapped[list[str]] = mapped_column(ARRAY(String(128)), nullable=False, server_default="{}")
    confidence: Mapped[float] = mapped_column(Float, nullable=False, server_default="0")
    detected_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    __table_args__ = (
        CheckConstraint(check_in("event", CHURN_EVENTS), name="event"),
        Index("uq_churn_events_key", "company_id", "technology", "event", "occurred_at", unique=True),
        Index("ix_churn_events_occurred", "occurred_at"),
    )


class JobState(Base):
    """Watermarks of scheduled jobs (e.g. the churn ETL's last processed companies.updated_at)."""

    __tablename__ = "ingest_job_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    watermark: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_result: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
