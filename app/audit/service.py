"""Appending to the audit log and reading a workspace's entries (newest first, cursor by id)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.tables import AuditEntry


@dataclass(frozen=True, slots=True)
class AuditEvent:
    action: str  # grade | draft | export | contact.erase
    object_type: str
    object_id: str
    detail: dict[str, Any] = field(default_factory=dict)


async def append(
    session: AsyncSession,
    *,
    workspace_id: uuid.UUID,
    api_key_id: uuid.UUID | None,
    events: Sequence[AuditEvent],
) -> None:
    """Add the events to the caller's transaction (committed with what they record)."""
    if not events:
        return
    await session.execute(
        insert(AuditEntry),
        [
            {
                "workspace_id": workspace_id,
                "api_key_id": api_key_id,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "detail": e.detail,
            }
            for e in events
        ],
    )


async def entries(
    session: AsyncSession,
    *,
    workspace_id: uuid.UUID,
    before: int | None,
    limit: int,
    action: str | None = None,
) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.workspace_id == workspace_id)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list((await session.execute(query.order_by(AuditEntry.id.desc()).limit(limit))).scalars())
