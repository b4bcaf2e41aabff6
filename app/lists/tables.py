"""Grades of companies against an ICP (or a prompt), one row per grading, and the calibration maps
that turn the ranker's fit and intent into grades (app/lists/calibration.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import Identity, Index, UniqueConstraint
from sqlalchemy.sql import func, text
from sqlalchemy.types import BigInteger, Boolean, DateTime, Float, Integer, SmallInteger, String

from app.core.orm import Base, cascade_fk


class LeadGrade(Base):
    """A company graded against an ICP at one evidence version (`companies.profile_version`). The
    unique (icp, company, evidence version) makes the eligibility worker's grading exactly-once;
    prompt gradings (no ICP) are not deduplicated."""

    __tablename__ = "lead_grades"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[uuid.UUID] = cascade_fk("workspaces")
    icp_id: Mapped[uuid.UUID | None] = cascade_fk("icps", nullable=True)
    company_id: Mapped[uuid.UUID] = cascade_fk("companies")
    evidence_version: Mapped[int] = mapped_column(Integer, nullable=False)
    grade: Mapped[int | None] = mapped_column(SmallInteger)
    band: Mapped[str | None] = mapped_column(String(1))
    insufficient_evidence: Mapped[bool] = mapped_column(Boolean, nullable=False)
    fit: Mapped[float | None] = mapped_column(Float)
    intent: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'::jsonb")
    )
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    model_version: Mapped[str] = mapped_column(String(100), nullable=False)
    # How the grade was mapped from fit and intent: "outcomes" (a fitted calibration) or "formula".
    calibration: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    __table_args__ = (
        UniqueConstraint(
            "icp_id", "company_id", "evidence_version", name="uq_lead_grades_icp_company_version"
        ),
        Index("ix_lead_grades_workspace_icp_grade", "workspace_id", "icp_id", "grade"),
        Index("ix_lead_grades_company_id", "company_id"),
    )


class GradeCalibration(Base):
    """The fitted grade calibration of one scope: a workspace, or every workspace (`workspace_id`
    NULL); refitting a scope replaces its row. `knots`: [[raw score, likelihood], ...], raw
    ascending (empty when the scope had too few outcomes: `mapping` "formula")."""

    __tablename__ = "grade_calibrations"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[uuid.UUID | None] = cascade_fk("workspaces", nullable=True)
    mapping: Mapped[str] = mapped_column(String(16), nullable=False)
    sample_size: Mapped[int] = mapped_column(Integer, nullable=False)
    positives: Mapped[int] = mapped_column(Integer, nullable=False)
    knots: Mapped[list[list[float]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'::jsonb")
    )
    fitted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    __table_args__ = (
        Index(
            "ix_grade_calibrations_workspace_id",
            "workspace_id",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
    )


class IcpEligibility(Base):
    """The eligibility worker's verdict on a company for an ICP at one evidence version, made once:
    `eligible` companies are graded (`lead_grades`), the others are not looked at again until their
    evidence or the ICP changes (`checked_at` before the ICP's `updated_at`: checked again)."""

    __tablename__ = "icp_eligibility"

    icp_id: Mapped[uuid.UUID] = cascade_fk("icps", primary_key=True)
    company_id: Mapped[uuid.UUID] = cascade_fk("companies", primary_key=True)
    evidence_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    eligible: Mapped[bool] = mapped_column(Boolean, nullable=False)
    relevance: Mapped[float] = mapped_column(Float, nullable=False)
    checked_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    __table_args__ = (Index("ix_icp_eligibility_company_id", "company_id"),)
