"""Grade calibration maps (one per workspace, and one global), the mapping each grade used, the
eligibility worker's verdicts (one per ICP, company and evidence version), and the app's database role `leadpoet_app`: DML on every table of the schema (now and later, by default
privileges) except the audit log, where it may only SELECT and INSERT, and alembic_version, which
it may only read. The role is cluster-wide: a downgrade revokes what this migration granted and
leaves the (privilege-less, NOLOGIN unless the migration job gave it a password) role in place.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 09:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One statement per execute (asyncpg prepares each).
GRANTS = (
    """
DO $$
BEGIN
    CREATE ROLE leadpoet_app NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END
$$
""",
    "GRANT USAGE ON SCHEMA public TO leadpoet_app",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO leadpoet_app",
    "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO leadpoet_app",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO leadpoet_app",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO leadpoet_app",
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM leadpoet_app",
    "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM leadpoet_app",
)
REVOKES = (
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM leadpoet_app",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM leadpoet_app",
    "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM leadpoet_app",
    "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM leadpoet_app",
    "REVOKE USAGE ON SCHEMA public FROM leadpoet_app",
)


def upgrade() -> None:
    op.create_table(
        "grade_calibrations",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("workspace_id", sa.UUID(), nullable=True),
        sa.Column("mapping", sa.String(length=16), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("positives", sa.Integer(), nullable=False),
        sa.Column(
            "knots",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("fitted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_grade_calibrations_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade_calibrations")),
    )
    op.create_index(
        "ix_grade_calibrations_workspace_id",
        "grade_calibrations",
        ["workspace_id"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.add_column("lead_grades", sa.Column("calibration", sa.String(length=16), nullable=True))
    op.create_table(
        "icp_eligibility",
        sa.Column("icp_id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("evidence_version", sa.Integer(), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("relevance", sa.Float(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_icp_eligibility_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["icp_id"], ["icps.id"], name=op.f("fk_icp_eligibility_icp_id_icps"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("icp_id", "company_id", "evidence_version", name=op.f("pk_icp_eligibility")),
    )
    op.create_index("ix_icp_eligibility_company_id", "icp_eligibility", ["company_id"], unique=False)
    for statement in GRANTS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = 'leadpoet_app'")).first():
        for statement in REVOKES:
            op.execute(statement)
    op.drop_index("ix_icp_eligibility_company_id", table_name="icp_eligibility")
    op.drop_table("icp_eligibility")
    op.drop_column("lead_grades", "calibration")
    op.drop_index("ix_grade_calibrations_workspace_id", table_name="grade_calibrations")
    op.drop_table("grade_calibrations")
