"""Data-subject tables shared by the contacts admin path and ingestion: suppressed e-mail addresses
(kept only as a keyed hash, so the list itself holds no address). The audit trail is app/audit."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.core.orm import Base

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
