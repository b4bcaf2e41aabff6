"""Request and response bodies of the ingestion routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class Rejected(BaseModel):
    index: int
    field: str
    reason: str


class IngestResponse(BaseModel):
    accepted: int
    duplicates: int
    rejected: list[Rejected]


class SnippetBatch(BaseModel):
    snippets: list[Any] = Field(description="Miner snippets, each validated on its own (at most 1,000).")


class MinerSummary(BaseModel):
    id: str
    reputation: float
    quarantined: bool
    last_seen_at: datetime | None


class Throttle(BaseModel):
    rate_per_s: float
    capacity: float
    tokens: float
    throttled_requests: int


class MinerInfo(BaseModel):
    id: str
    reputation: float
    quarantined: bool
    counters: dict[str, int]
    throttle: Throttle
    created_at: datetime
    last_seen_at: datetime | None
