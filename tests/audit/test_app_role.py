"""The role the app connects as in deployment (`leadpoet_app`, made by the migrations, given a login
by the migration job) really lacks UPDATE and DELETE on the audit log: PostgreSQL refuses them for
lack of privilege (before the append-only trigger is reached), while the app's other tables take
every DML statement the app runs."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.core.dbroles import APP_ROLE, login_sql, quote_literal
from app.tables import Base

PASSWORD = "app-role-test-'quoted'"


@pytest.fixture
async def app_engine(clean_db: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """An engine logged in as the app role (the migration job's ALTER ROLE, as env.py runs it)."""
    async with clean_db.begin() as conn:
        await conn.execute(text(login_sql(PASSWORD)))
    url = make_url(str(clean_db.url)).set(username=APP_ROLE, password=PASSWORD)
    engine = create_async_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()
        async with clean_db.begin() as conn:
            await conn.execute(text(f"ALTER ROLE {APP_ROLE} WITH NOLOGIN PASSWORD NULL"))


async def test_app_role_may_insert_but_not_update_or_delete_the_audit_log(app_engine: AsyncEngine) -> None:
    async with app_engine.begin() as conn:
        assert (await conn.execute(text("SELECT current_user"))).scalar_one() == APP_ROLE
        await conn.execute(
            text(
                "INSERT INTO audit_log (workspace_id, action, object_type, object_id) "
                "VALUES (:w, 'grade', 'company', 'x')"
            ),
            {"w": uuid.uuid4()},
        )
    for statement in (
        "UPDATE audit_log SET object_id = 'y'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ):
        with pytest.raises(DBAPIError, match="permission denied for table audit_log"):
            async with app_engine.begin() as conn:
                await conn.execute(text(statement))
    async with app_engine.connect() as conn:
        assert (await conn.execute(text("SELECT object_id FROM audit_log"))).scalars().all() == ["x"]


async def test_app_role_has_dml_on_every_other_table_and_no_schema_change(app_engine: AsyncEngine) -> None:
    async with app_engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            granted = {
                p
                for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
                if (
                    await conn.execute(text("SELECT has_table_privilege(:t, :p)"), {"t": table.name, "p": p})
                ).scalar_one()
            }
            expected = (
                {"SELECT", "INSERT"}
                if table.name == "audit_log"
                else {"SELECT", "INSERT", "UPDATE", "DELETE"}
            )
            assert granted == expected, table.name
    with pytest.raises(DBAPIError, match="permission denied"):
        async with app_engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
    with pytest.raises(DBAPIError, match=r"must be owner|permission denied"):
        async with app_engine.begin() as conn:
            await conn.execute(text("ALTER TABLE companies ADD COLUMN nope integer"))


def test_password_literal_is_quoted() -> None:
    assert quote_literal("it's") == "'it''s'"
    with pytest.raises(ValueError, match="NUL"):
        quote_literal("a\x00b")
