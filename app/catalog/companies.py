"""Companies (the leads) and their B2B business contacts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pgvector.sqlalchemy import HALFVEC
from sqlalchemy import DateTime, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.core.orm import Base, TimestampMixin, cascade_fk

# Fixed at the schema: changing the embedding model's dimension is a migration.
EMBEDDING_DIM = 256


class Company(TimestampMixin, Base):
    __tablename__ = "companies"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(300), nullable=False, server_default="")
    industry: Mapped[str | None] = mapped_column(String(200))
    naics_code: Mapped[str | None] = mapped_column(String(6))
    employees: Mapped[int | None] = mapped_column(Integer)
    country: Mapped[str | None] = mapped_column(String(2))
    founded_year: Mapped[int | None] = mapped_column(SmallInteger)
    description: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    # Structured profile: firmographics, technographics, funding, hiring, signals; every field
    # carries {"value", "evidence": [snippet ids], "confidence", "observed_at"} (docs/DATA_MODEL.md).
    profile: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    profile_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    snippet_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    last_snippet_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_companies_country_employees", "country", "employees"),
        Index("ix_companies_industry", "industry"),
        Index("ix_companies_updated_at", "updated_at"),
    )


class CompanyEmbedding(Base):
    """A company's ANN key (pgvector HNSW), apart from `companies` so that profile writes (every batch
    that touches the company) never insert into the HNSW index; only a vector that moved is rewritten.
    `country` and `employees` are copies of the company's, for the ANN query's filters, kept equal by
    the trigger `companies_embedding_filters`; fillfactor 80 (migration 0005) leaves room for those
    updates to be HOT (they change no indexed column). 16-bit floats (`halfvec`, migration 0006): half
    the index, a third cheaper HNSW inserts, the same recall."""

    __tablename__ = "company_embeddings"

    company_id: Mapped[uuid.UUID] = cascade_fk("companies", primary_key=True)
    embedding: Mapped[list[float]] = mapped_column(HALFVEC(EMBEDDING_DIM), nullable=False)
    embedding_model: Mapped[str] = mapped_column(String(100), nullable=False)
    country: Mapped[str | None] = mapped_column(String(2))
    employees: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()"), nullable=False
    )

    __table_args__ = (
        Index(
            "ix_company_embeddings_hnsw",
            "embedding",
            postgresql_using="hnsw",
            postgresql_with={"m": 16, "ef_construction": 64},
            postgresql_ops={"embedding": "halfvec_cosine_ops"},
        ),
    )


class Contact(TimestampMixin, Base):
    """A B2B business contact. Personal addresses are rejected at ingestion, never stored."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[uuid.UUID] = cascade_fk("companies")
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False, server_default="")
    email: Mapped[str | None] = mapped_column(String(320))
    linkedin_url: Mapped[str | None] = mapped_column(String(500))
    source_snippet_id: Mapped[str | None] = mapped_column(String(128))

    __table_args__ = (
        Index("ix_contacts_company_id", "company_id"),
        Index("uq_contacts_company_email", "company_id", "email", unique=True),
        Index("uq_contacts_company_name_title", "company_id", "name", "title", unique=True),
    )
