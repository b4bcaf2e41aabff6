"""API keys, stored hashed: the clear key is shown once at creation and never kept."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.core.orm import Base

SCOPES = ("search", "ingest", "admin")


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    # The first characters of the key, public, used to find the row; the rest is only hashed.
    prefix: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(16)), nullable=False)
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer)
    # The miners an ingest key may post snippets for; NULL: any miner (keys created before the column).
    miner_ids: Mapped[list[str] | None] = mapped_column(ARRAY(String(64)))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The tenant: everything the key creates or reads (ICPs, grades, drafts, audit) is this workspace's.
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("workspaces.id"), nullable=False
    )

    __table_args__ = (Index("ix_api_keys_workspace_id", "workspace_id"),)
