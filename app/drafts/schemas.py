"""The wire contract of POST /v1/leads/drafts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.core.validation import Percent
from app.lists.schemas import (
    ITEMS_DESCRIPTION,
    MAX_SYNC_ITEMS,
    SOME_ITEMS,
    Band,
    EvidenceOut,
    ListCounts,
    ListItemOut,
)


class DraftRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=SOME_ITEMS)

    icp_id: uuid.UUID
    items: list[Any] = Field(default_factory=list, max_length=MAX_SYNC_ITEMS, description=ITEMS_DESCRIPTION)
    lead_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_SYNC_ITEMS)
    threshold: Percent | None = Field(default=None, description="default: the ICP's draft_threshold")

    @model_validator(mode="after")
    def _some(self) -> DraftRequest:
        if not self.items and not self.lead_ids:
            raise ValueError("give items or lead_ids")
        return self


class SentenceOut(BaseModel):
    text: str
    citations: list[str] = Field(description="ids of the lead's snippets the sentence states facts from")


class DraftOut(BaseModel):
    id: uuid.UUID
    subject: str
    subject_citations: list[str]
    body: str
    sentences: list[SentenceOut]
    word_count: int = Field(le=120)
    writer: Literal["deterministic", "llm"]


Skipped = Literal["not_found", "insufficient_evidence", "below_threshold", "no_usable_evidence"]


class DraftItem(ListItemOut):
    grade: int | None = None
    band: Band | None = None
    draft: DraftOut | None = None
    skipped: Skipped | None = Field(default=None, description="why no draft was written")
    evidence: list[EvidenceOut] = Field(default_factory=list, description="the snippets the draft cites")


class DraftMetadata(ListCounts):
    drafts: int
    threshold: int
    llm_calls: int
    cost_usd: float


class DraftResponse(BaseModel):
    icp_id: uuid.UUID
    items: list[DraftItem]
    metadata: DraftMetadata


class StoredDraft(DraftOut):
    """A stored draft, as `GET /v1/drafts` shows it."""

    icp_id: uuid.UUID
    lead_id: uuid.UUID
    domain: str
    grade: int
    evidence_version: int
    created_at: datetime


class DraftList(BaseModel):
    drafts: list[StoredDraft]
