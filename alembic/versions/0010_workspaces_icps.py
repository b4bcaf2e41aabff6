"""Workspaces (every API key belongs to one; existing keys go to `default`) and saved ICPs.

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-03 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0010"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_WORKSPACE_ID = "00000000-0000-4000-8000-000000000001"


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
        sa.UniqueConstraint("name", name=op.f("uq_workspaces_name")),
    )
    op.execute(
        sa.text("INSERT INTO workspaces (id, name) VALUES (CAST(:id AS uuid), 'default')").bindparams(
            id=DEFAULT_WORKSPACE_ID
        )
    )
    op.add_column("api_keys", sa.Column("workspace_id", sa.UUID(), nullable=True))
    op.execute(
        sa.text("UPDATE api_keys SET workspace_id = CAST(:id AS uuid)").bindparams(id=DEFAULT_WORKSPACE_ID)
    )
    op.alter_column("api_keys", "workspace_id", nullable=False)
    op.create_foreign_key(
        op.f("fk_api_keys_workspace_id_workspaces"), "api_keys", "workspaces", ["workspace_id"], ["id"]
    )
    op.create_index("ix_api_keys_workspace_id", "api_keys", ["workspace_id"])
    op.create_table(
        "icps",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("workspace_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("product_description", sa.Text(), nullable=False),
        sa.Column("industries", postgresql.ARRAY(sa.String(length=200)), server_default="{}", nullable=False),
        sa.Column("countries", postgresql.ARRAY(sa.String(length=2)), server_default="{}", nullable=False),
        sa.Column("employees_min", sa.Integer(), nullable=True),
        sa.Column("employees_max", sa.Integer(), nullable=True),
        sa.Column(
            "technologies", postgresql.ARRAY(sa.String(length=100)), server_default="{}", nullable=False
        ),
        sa.Column("exclusions", postgresql.ARRAY(sa.String(length=253)), server_default="{}", nullable=False),
        sa.Column(
            "exemplar_domains", postgresql.ARRAY(sa.String(length=253)), server_default="{}", nullable=False
        ),
        sa.Column("custom_criteria", sa.Text(), server_default="", nullable=False),
        sa.Column("draft_threshold", sa.SmallInteger(), server_default="50", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_icps_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icps")),
        sa.UniqueConstraint("workspace_id", "name", name="uq_icps_workspace_name"),
    )


def downgrade() -> None:
    op.drop_table("icps")
    op.drop_index("ix_api_keys_workspace_id", table_name="api_keys")
    op.drop_constraint(op.f("fk_api_keys_workspace_id_workspaces"), "api_keys", type_="foreignkey")
    op.drop_column("api_keys", "workspace_id")
    op.drop_table("workspaces")
