"""Saved ideal-customer profiles (ICPs), one workspace's each."""

from __future__ import annotations

import uuid

from sqlalchemy import Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.core.orm import Base, TimestampMixin, cascade_fk


class Icp(TimestampMixin, Base):
    __tablename__ = "icps"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    workspace_id: Mapped[uuid.UUID] = cascade_fk("workspaces")
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    product_description: Mapped[str] = mapped_column(Text, nullable=False)
    industries: Mapped[list[str]] = mapped_column(ARRAY(String(200)), nullable=False, server_default="{}")
    countries: Mapped[list[str]] = mapped_column(ARRAY(String(2)), nullable=False, server_default="{}")
    employees_min: Mapped[int | None] = mapped_column(Integer)
    employees_max: Mapped[int | None] = mapped_column(Integer)
    technologies: Mapped[list[str]] = mapped_column(ARRAY(String(100)), nullable=False, server_default="{}")
    exclusions: Mapped[list[str]] = mapped_column(ARRAY(String(253)), nullable=False, server_default="{}")
    exemplar_domains: Mapped[list[str]] = mapped_column(
        ARRAY(String(253)), nullable=False, server_default="{}"
    )
    custom_criteria: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    # Leads graded at or above this get outreach drafts.
    draft_threshold: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="50")

    __table_args__ = (UniqueConstraint("workspace_id", "name", name="uq_icps_workspace_name"),)
