"""Workspaces as the command-line tools name them."""

from __future__ import annotations

import sys
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.workspaces.service import resolve_workspace


async def named_workspace(session: AsyncSession, name: str | None) -> uuid.UUID | None:
    """The id of the workspace a command names (None: the default one); None, with the reason on
    stderr, when there is no such workspace."""
    try:
        return await resolve_workspace(session, name=name)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return None
