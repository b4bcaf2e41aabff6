"""Miner snippets, miners and outcome events: the catalog every domain reads (ingestion writes it)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import BYTEA, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.core.orm import Base, TimestampMixin, cascade_fk, check_in

SNIPPET_KINDS = ("profile", "news", "job_post", "tech_stack", "funding", "review", "social", "web")
SNIPPET_STATUSES = ("accepted", "duplicate", "near_duplicate", "quarantined")
OUTCOME_TYPES = ("impression", "click", "reply", "meeting", "purchase", "unsubscribe")


class Miner(TimestampMixin, Base):
    __tablename__ = "miners"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reputation: Mapped[float] = mapped_column(Float, nullable=False)
    quarantined: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    # Counters behind the reputation.
    accepted: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    rejected: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    duplicates: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    near_duplicates: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    boilerplate: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    corroborated: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    contradicted: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    outcomes_positive: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    outcomes_negative: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    # Token bucket of the spam throttle.
    throttle_tokens: Mapped[float] = mapped_column(Float, nullable=False, server_default="0")
    throttle_updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    throttled_requests: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("reputation >= 0 AND reputation <= 1", name="reputation_range"),)


class Snippet(Base):
    __tablename__ = "snippets"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    # A compact surrogate key: the ranker's in-memory store keeps it per evidence slot, so a search
    # fetches the evidence of its K leads by primary key instead of scanning their snippets.
    seq: Mapped[int] = mapped_column(BigInteger, Identity(), nullable=False)
    miner_id: Mapped[str] = mapped_column(String(64), ForeignKey("miners.id"), nullable=False)
    company_id: Mapped[uuid.UUID] = cascade_fk("companies")
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    source_url: Mapped[str] = mapped_column(String(2048), nullable=False)
    observed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    content_hash: Mapped[bytes] = mapped_column(BYTEA, nullable=False)
    simhash: Mapped[int] = mapped_column(BigInteger, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="accepted")
    duplicate_of: Mapped[str | None] = mapped_column(String(128))
    corroborations: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0")

    __table_args__ = (
        CheckConstraint(check_in("kind", SNIPPET_KINDS), name="kind"),
        CheckConstraint(check_in("status", SNIPPET_STATUSES), name="status"),
        Index("ix_snippets_company_observed", "company_id", "observed_at"),
        Index("ix_snippets_content_hash", "content_hash"),
        Index("ix_snippets_miner_received", "miner_id", "received_at"),
        Index("ix_snippets_received_at", "received_at"),  # max() polled by the ranker every second
        Index("ix_snippets_seq", "seq", unique=True),
    )


class Outcome(Base):
    __tablename__ = "outcomes"

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    company_id: Mapped[uuid.UUID] = cascade_fk("companies")
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    position: Mapped[int | None] = mapped_column(SmallInteger)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    __table_args__ = (
        CheckConstraint(check_in("type", OUTCOME_TYPES), name="type"),
        Index("ix_outcomes_company_occurred", "company_id", "occurred_at"),
        Index("ix_outcomes_received_at", "received_at"),
        Index("ix_outcomes_request_id", "request_id"),
    )
