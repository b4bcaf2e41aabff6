"""Data-subject tables shared by the contacts admin path and ingestion: suppressed e-mail addresses
(kept only as a keyed hash, so the list itself holds no address) and the audit trail."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base

# Advisory lock between erasures (exclusive) and ingestion's contact inserts (shared): an erasure
# waits for inserts in flight, and inserts that follow it see its suppression.
SUPPRESSION_LOCK = 0x1EAD_C0DE_5095


def email_digest(email: str) -> str:
    """The suppression key of an address: SHA-256 of the trimmed, lower-cased address (hex)."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


class ContactSuppression(Base):
    """An address whose owner asked to be removed: ingestion never stores a contact with it again."""

    __tablename__ = "contact_suppressions"

    email_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class AuditEvent(Base):
    """Who did what to which data: appended by admin operations, never updated."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    target: Mapped[str] = mapped_column(String(200), nullable=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))

    __table_args__ = (Index("ix_audit_log_occurred_at", "occurred_at"),)
