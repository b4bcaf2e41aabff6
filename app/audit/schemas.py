"""The wire contract of GET /v1/audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    api_key_id: str | None
    action: str
    object_type: str
    object_id: str
    detail: dict[str, Any]
    created_at: datetime


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    next_cursor: int | None = Field(description="pass as `before` for the next (older) page")
