"""Jobs (a work queue in PostgreSQL), their results (unique per position), their events (a gapless
sequence per job) and their webhook deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import Identity, Index
from sqlalchemy.sql import func, text
from sqlalchemy.types import BigInteger, Boolean, DateTime, Float, Integer, SmallInteger, String, Text

from app.core.orm import Base, cascade_fk


class Job(Base):
    """A campaign, enrich or score run. `position` is the next item to process: every chunk of
    results, its events and the new position commit together, fenced by `lease_owner`."""

    __tablename__ = "jobs"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    workspace_id: Mapped[uuid.UUID] = cascade_fk("workspaces")
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # The client's Idempotency-Key: a POST retried with the same key gets the same job.
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, server_default="queued")
    # The request and the plan (up to 10,000 items each) are loaded only where they are used.
    request: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, deferred=True, deferred_raiseload=True
    )
    # The items to process, fixed when the job starts (a campaign's ranked lead ids).
    plan: Mapped[list[Any] | None] = mapped_column(JSONB, deferred=True, deferred_raiseload=True)
    webhook_url: Mapped[str | None] = mapped_column(Text)
    webhook_secret: Mapped[str | None] = mapped_column(String(128))
    total: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    cost_usd: Mapped[float] = mapped_column(Float, nullable=False, server_default="0")
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    attempts: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    event_seq: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_jobs_workspace_created", "workspace_id", "created_at", "id"),
        Index(
            "uq_jobs_workspace_idempotency_key",
            "workspace_id",
            "idempotency_key",
            unique=True,
            postgresql_where=text("idempotency_key IS NOT NULL"),
        ),
        Index(
            "ix_jobs_claimable",
            "created_at",
            postgresql_where=text("state IN ('queued', 'running')"),
        ),
    )


class JobResult(Base):
    __tablename__ = "job_results"

    job_id: Mapped[uuid.UUID] = cascade_fk("jobs", primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    domain: Mapped[str | None] = mapped_column(String(253))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)


class JobEvent(Base):
    __tablename__ = "job_events"

    job_id: Mapped[uuid.UUID] = cascade_fk("jobs", primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)


class WebhookDelivery(Base):
    """One webhook call (an event of a job) and its attempts; the worker retries due ones."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    job_id: Mapped[uuid.UUID] = cascade_fk("jobs")
    event: Mapped[str] = mapped_column(String(32), nullable=False)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    log: Mapped[list[Any]] = mapped_column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_webhook_deliveries_job", "job_id", "id"),
        Index("ix_webhook_deliveries_due", "next_attempt_at", postgresql_where=text("state = 'pending'")),
    )


class SearchResultSet(Base):
    """A deep search's ranked leads, kept SEARCH_CURSOR_TTL_S so its cursor pages stay stable."""

    __tablename__ = "search_result_sets"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    workspace_id: Mapped[uuid.UUID] = cascade_fk("workspaces")
    request: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    # [[lead_id, score, fit, intent], ...] best first
    leads: Mapped[list[Any]] = mapped_column(JSONB, nullable=False)
    model_version: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (Index("ix_search_result_sets_expires_at", "expires_at"),)
