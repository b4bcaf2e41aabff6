"""Workspaces and keys for API tests: `await workspace_key(engine, settings, "acme", "search")`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.auth.service import create_key
from app.core.config import Settings
from app.workspaces.service import create_workspace, find_workspace


async def workspace_key(engine: AsyncEngine, settings: Settings, workspace: str, *scopes: str) -> str:
    """A new key in `workspace` (created when missing)."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        row = await find_workspace(session, name=workspace)
        if row is None:
            row = await create_workspace(session, name=workspace)
        _, new = await create_key(
            session,
            name=f"{workspace}-key",
            scopes=list(scopes),
            pepper=settings.api_key_pepper,
            rate_limit_per_minute=None,
            workspace_id=row.id,
        )
        await session.commit()
    return new.clear


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
