"""Creating, listing and resolving workspaces (used by the CLI and by key creation)."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.workspaces.tables import DEFAULT_WORKSPACE_ID, DEFAULT_WORKSPACE_NAME, Workspace

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")


def validate_name(name: str) -> str:
    """Workspace names are short lower-case slugs: `acme`, `sales-eu`."""
    value = name.strip().lower()
    if not _NAME.match(value):
        raise ValueError("a workspace name is 1-100 characters of a-z, 0-9, '.', '_' or '-'")
    return value


async def ensure_default(session: AsyncSession) -> uuid.UUID:
    """The default workspace's id, creating the row when it is missing (an emptied database)."""
    await session.execute(
        insert(Workspace)
        .values(id=DEFAULT_WORKSPACE_ID, name=DEFAULT_WORKSPACE_NAME)
        .on_conflict_do_nothing(index_elements=[Workspace.id])
    )
    return DEFAULT_WORKSPACE_ID


async def create_workspace(session: AsyncSession, *, name: str) -> Workspace:
    """A new workspace; raises ValueError when the name is invalid or taken."""
    value = validate_name(name)
    if await find_workspace(session, name=value) is not None:
        raise ValueError(f"workspace {value!r} already exists")
    row = Workspace(name=value)
    session.add(row)
    await session.flush()
    return row


async def find_workspace(session: AsyncSession, *, name: str) -> Workspace | None:
    return (
        await session.execute(select(Workspace).where(Workspace.name == name.strip().lower()))
    ).scalar_one_or_none()


async def resolve_workspace(session: AsyncSession, *, name: str | None) -> uuid.UUID:
    """The id of the workspace called `name` (None: the default one); ValueError when unknown."""
    if name is None or name.strip().lower() == DEFAULT_WORKSPACE_NAME:
        return await ensure_default(session)
    row = await find_workspace(session, name=name)
    if row is None:
        raise ValueError(f"no workspace named {name!r}")
    return row.id


async def list_workspaces(session: AsyncSession) -> list[Workspace]:
    return list((await session.execute(select(Workspace).order_by(Workspace.created_at))).scalars())
