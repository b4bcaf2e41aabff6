"""The audit log is append-only in the database, and GET /v1/audit shows a workspace only its own
entries, newest first, paged by cursor."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.audit.service import AuditEvent, append
from app.core.config import Settings
from app.workspaces.service import find_workspace
from tests.workspaces.support import bearer, workspace_key


async def test_update_and_delete_are_refused(clean_db: AsyncEngine) -> None:
    async with clean_db.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO audit_log (workspace_id, action, object_type, object_id) "
                "VALUES (gen_random_uuid(), 'grade', 'company', 'x')"
            )
        )
    for statement in ("UPDATE audit_log SET object_id = 'y'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with clean_db.begin() as conn:
                await conn.execute(text(statement))
    async with clean_db.connect() as conn:
        assert (await conn.execute(text("SELECT object_id FROM audit_log"))).scalars().all() == ["x"]
        grants = await conn.execute(
            text(
                "SELECT privilege_type FROM information_schema.role_table_grants "
                "WHERE table_name = 'audit_log' AND grantee = 'PUBLIC'"
            )
        )
        assert set(grants.scalars()) <= {"SELECT", "INSERT", "REFERENCES", "TRIGGER"}


async def test_workspace_sees_only_its_entries_paged(
    app_client: httpx.AsyncClient, engine: AsyncEngine, settings: Settings
) -> None:
    mine = await workspace_key(engine, settings, "acme", "search")
    theirs = await workspace_key(engine, settings, "globex", "search")
    async with AsyncSession(engine) as session:
        acme = await find_workspace(session, name="acme")
        globex = await find_workspace(session, name="globex")
        assert acme is not None
        assert globex is not None
        events = [AuditEvent("grade", "company", str(uuid.uuid4()), {"n": i}) for i in range(5)]
        await append(session, workspace_id=acme.id, api_key_id=None, events=events)
        await append(session, workspace_id=globex.id, api_key_id=None, events=events[:1])
        await session.commit()
    first = (await app_client.get("/v1/audit", params={"limit": 3}, headers=bearer(mine))).json()
    assert [e["detail"]["n"] for e in first["entries"]] == [4, 3, 2]
    second = (
        await app_client.get(
            "/v1/audit", params={"limit": 3, "before": first["next_cursor"]}, headers=bearer(mine)
        )
    ).json()
    assert [e["detail"]["n"] for e in second["entries"]] == [1, 0]
    assert second["next_cursor"] is None
    assert len((await app_client.get("/v1/audit", headers=bearer(theirs))).json()["entries"]) == 1
    bad = await app_client.get("/v1/audit", params={"before": 2**70}, headers=bearer(mine))
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "before"
