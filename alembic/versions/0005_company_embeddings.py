"""Company embeddings in their own table (`company_embeddings`), out of the rows profile writes rewrite.

Every `UPDATE companies` is a non-HOT update (`updated_at` is b-tree indexed), and a non-HOT update
inserts a new entry into every index of the table, the HNSW index on `companies.embedding` included,
whether the vector changed or not. Ingestion rewrites a company's profile in every batch that touches
it, so HNSW maintenance dominated the write path (docs/BENCHMARKS.md "Ingestion"). In their own table
the vectors are written only by the embedders, and only when they moved.

The ANN query filters on `country` and `employees`: they are copied here and kept equal to the
company's by a trigger, so the pgvector iterative scan still filters on the scanned table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 22:30:00
"""

from collections.abc import Sequence

import pgvector.sqlalchemy
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SYNC_FUNCTION = """
CREATE FUNCTION companies_embedding_filters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE company_embeddings SET country = NEW.country, employees = NEW.employees
    WHERE company_id = NEW.id;
    RETURN NULL;
END $$
"""
SYNC_TRIGGER = """
CREATE TRIGGER companies_embedding_filters AFTER UPDATE OF country, employees ON companies
FOR EACH ROW WHEN (OLD.country IS DISTINCT FROM NEW.country OR OLD.employees IS DISTINCT FROM NEW.employees)
EXECUTE FUNCTION companies_embedding_filters()
"""


def upgrade() -> None:
    op.create_table(
        "company_embeddings",
        sa.Column("company_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("embedding", pgvector.sqlalchemy.vector.VECTOR(dim=256), nullable=False),
        sa.Column("embedding_model", sa.String(length=100), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_company_embeddings_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_company_embeddings")),
        postgresql_with={"fillfactor": 80},
    )
    op.execute(
        "INSERT INTO company_embeddings (company_id, embedding, embedding_model, country, employees, updated_at) "
        "SELECT id, embedding, COALESCE(embedding_model, 'unknown'), country, employees, updated_at "
        "FROM companies WHERE embedding IS NOT NULL"
    )
    op.create_index(
        "ix_company_embeddings_hnsw",
        "company_embeddings",
        ["embedding"],
        unique=False,
        postgresql_using="hnsw",
        postgresql_with={"m": 16, "ef_construction": 64},
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.execute(SYNC_FUNCTION)
    op.execute(SYNC_TRIGGER)
    op.drop_index(
        "ix_companies_embedding_hnsw",
        table_name="companies",
        postgresql_using="hnsw",
        postgresql_with={"m": 16, "ef_construction": 64},
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.drop_column("companies", "embedding_model")
    op.drop_column("companies", "embedding")


def downgrade() -> None:
    op.add_column(
        "companies", sa.Column("embedding", pgvector.sqlalchemy.vector.VECTOR(dim=256), nullable=True)
    )
    op.add_column("companies", sa.Column("embedding_model", sa.String(length=100), nullable=True))
    op.execute(
        "UPDATE companies c SET embedding = e.embedding, embedding_model = e.embedding_model "
        "FROM company_embeddings e WHERE e.company_id = c.id"
    )
    op.create_index(
        "ix_companies_embedding_hnsw",
        "companies",
        ["embedding"],
        unique=False,
        postgresql_using="hnsw",
        postgresql_with={"m": 16, "ef_construction": 64},
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.execute("DROP TRIGGER companies_embedding_filters ON companies")
    op.execute("DROP FUNCTION companies_embedding_filters()")
    op.drop_table("company_embeddings")
