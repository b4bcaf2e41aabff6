"""Outreach drafts: a subject and sentences, each citing the evidence snippets it states facts from."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, SmallInteger, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.core.orm import Base, cascade_fk


class Draft(Base):
    __tablename__ = "drafts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    workspace_id: Mapped[uuid.UUID] = cascade_fk("workspaces")
    icp_id: Mapped[uuid.UUID] = cascade_fk("icps")
    company_id: Mapped[uuid.UUID] = cascade_fk("companies")
    evidence_version: Mapped[int] = mapped_column(Integer, nullable=False)
    grade: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    subject: Mapped[str] = mapped_column(Text, nullable=False)
    subject_citations: Mapped[list[str]] = mapped_column(
        ARRAY(String(128)), nullable=False, server_default="{}"
    )
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # [{"text": ..., "citations": [snippet ids]}], in order; `body` is their texts joined.
    sentences: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    writer: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    __table_args__ = (Index("ix_drafts_workspace_icp_company", "workspace_id", "icp_id", "company_id"),)
