"""Initial schema: companies, contacts, snippets, miners, outcomes, requests, models, api_keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-21 17:15:48.577731
"""

from collections.abc import Sequence

import pgvector.sqlalchemy
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "api_keys",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(length=16)), nullable=False),
        sa.Column("rate_limit_per_minute", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    op.create_table(
        "companies",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("name", sa.String(length=300), server_default="", nullable=False),
        sa.Column("industry", sa.String(length=200), nullable=True),
        sa.Column("naics_code", sa.String(length=6), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("founded_year", sa.SmallInteger(), nullable=True),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "profile",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("profile_version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("embedding", pgvector.sqlalchemy.vector.VECTOR(dim=256), nullable=True),
        sa.Column("embedding_model", sa.String(length=100), nullable=True),
        sa.Column("snippet_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_snippet_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("domain", name=op.f("uq_companies_domain")),
    )
    op.create_index("ix_companies_country_employees", "companies", ["country", "employees"], unique=False)
    op.create_index(
        "ix_companies_embedding_hnsw",
        "companies",
        ["embedding"],
        unique=False,
        postgresql_using="hnsw",
        postgresql_with={"m": 16, "ef_construction": 64},
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.create_index("ix_companies_industry", "companies", ["industry"], unique=False)
    op.create_index("ix_companies_updated_at", "companies", ["updated_at"], unique=False)
    op.create_table(
        "miners",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("reputation", sa.Float(), nullable=False),
        sa.Column("quarantined", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("accepted", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("rejected", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("duplicates", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("near_duplicates", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("boilerplate", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("corroborated", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("contradicted", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("outcomes_positive", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("outcomes_negative", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("throttle_tokens", sa.Float(), server_default="0", nullable=False),
        sa.Column(
            "throttle_updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("throttled_requests", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("reputation >= 0 AND reputation <= 1", name=op.f("ck_miners_reputation_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_miners")),
    )
    op.create_table(
        "models",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "feature_names",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "metrics",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "card",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_models")),
    )
    op.create_index(
        "uq_models_one_active", "models", ["active"], unique=True, postgresql_where=sa.text("active")
    )
    op.create_table(
        "requests",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("api_key_id", sa.UUID(), nullable=True),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column(
            "filters",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column(
            "lead_ids", postgresql.ARRAY(sa.UUID()), server_default=sa.text("'{}'::uuid[]"), nullable=False
        ),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("cache_hit", sa.Boolean(), nullable=False),
        sa.Column("candidates", sa.Integer(), server_default="0", nullable=False),
        sa.Column("llm_calls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests")),
    )
    op.create_index(
        "ix_requests_created_brin", "requests", ["created_at"], unique=False, postgresql_using="brin"
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), server_default="", nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("linkedin_url", sa.String(length=500), nullable=True),
        sa.Column("source_snippet_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_contacts_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    op.create_index("ix_contacts_company_id", "contacts", ["company_id"], unique=False)
    op.create_index("uq_contacts_company_email", "contacts", ["company_id", "email"], unique=True)
    op.create_index(
        "uq_contacts_company_name_title", "contacts", ["company_id", "name", "title"], unique=True
    )
    op.create_table(
        "outcomes",
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("request_id", sa.UUID(), nullable=True),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "type IN ('impression', 'click', 'reply', 'meeting', 'purchase', 'unsubscribe')",
            name=op.f("ck_outcomes_type"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_outcomes_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_outcomes")),
    )
    op.create_index("ix_outcomes_company_occurred", "outcomes", ["company_id", "occurred_at"], unique=False)
    op.create_index("ix_outcomes_request_id", "outcomes", ["request_id"], unique=False)
    op.create_table(
        "snippets",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("miner_id", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source_url", sa.String(length=2048), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("content_hash", postgresql.BYTEA(), nullable=False),
        sa.Column("simhash", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="accepted", nullable=False),
        sa.Column("duplicate_of", sa.String(length=128), nullable=True),
        sa.Column("corroborations", sa.SmallInteger(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "kind IN ('profile', 'news', 'job_post', 'tech_stack', 'funding', 'review', 'social', 'web')",
            name=op.f("ck_snippets_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('accepted', 'duplicate', 'near_duplicate', 'quarantined')",
            name=op.f("ck_snippets_status"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_snippets_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["miner_id"], ["miners.id"], name=op.f("fk_snippets_miner_id_miners")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snippets")),
    )
    op.create_index("ix_snippets_company_observed", "snippets", ["company_id", "observed_at"], unique=False)
    op.create_index("ix_snippets_content_hash", "snippets", ["content_hash"], unique=False)
    op.create_index("ix_snippets_miner_received", "snippets", ["miner_id", "received_at"], unique=False)
    op.create_index(
        "ix_snippets_received_brin", "snippets", ["received_at"], unique=False, postgresql_using="brin"
    )


def downgrade() -> None:
    op.drop_index("ix_snippets_received_brin", table_name="snippets", postgresql_using="brin")
    op.drop_index("ix_snippets_miner_received", table_name="snippets")
    op.drop_index("ix_snippets_content_hash", table_name="snippets")
    op.drop_index("ix_snippets_company_observed", table_name="snippets")
    op.drop_table("snippets")
    op.drop_index("ix_outcomes_request_id", table_name="outcomes")
    op.drop_index("ix_outcomes_company_occurred", table_name="outcomes")
    op.drop_table("outcomes")
    op.drop_index("uq_contacts_company_name_title", table_name="contacts")
    op.drop_index("uq_contacts_company_email", table_name="contacts")
    op.drop_index("ix_contacts_company_id", table_name="contacts")
    op.drop_table("contacts")
    op.drop_index("ix_requests_created_brin", table_name="requests", postgresql_using="brin")
    op.drop_table("requests")
    op.drop_index("uq_models_one_active", table_name="models", postgresql_where=sa.text("active"))
    op.drop_table("models")
    op.drop_table("miners")
    op.drop_index("ix_companies_updated_at", table_name="companies")
    op.drop_index("ix_companies_industry", table_name="companies")
    op.drop_index(
        "ix_companies_embedding_hnsw",
        table_name="companies",
        postgresql_using="hnsw",
        postgresql_with={"m": 16, "ef_construction": 64},
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.drop_index("ix_companies_country_employees", table_name="companies")
    op.drop_table("companies")
    op.drop_table("api_keys")
