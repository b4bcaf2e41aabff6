"""The wire contract of /v1/leads/enrich, /v1/leads/score and /v1/leads/export."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from app.core.validation import StrictBool, Trimmed

# Items of a job (422 past it).
MAX_ITEMS = 10_000
# Items (and lead ids) of a synchronous enrich, score or drafts request (422 past it);
# LISTS_MAX_ITEMS (at most this) is the served limit of each (413 past it).
MAX_SYNC_ITEMS = 1000
ItemStatus = Literal["ok", "rejected"]
Band = Literal["A", "B", "C", "D"]


ITEMS_DESCRIPTION = (
    "domains (`acme.com`), URLs (`https://www.acme.com/about`) or e-mail addresses "
    "(`jane@acme.com`), each a string of at most 2,048 characters; an item that is none of these "
    "(or a free-mail address) is rejected on its own in the answer, never the whole request"
)


class SignalToggles(BaseModel):
    """Which signals to assemble; all on by default."""

    model_config = ConfigDict(extra="forbid")

    overview: StrictBool = True
    tech_stack: StrictBool = True
    funding: StrictBool = True
    news: StrictBool = True
    hiring: StrictBool = True
    posts: StrictBool = Field(default=True, description="social posts")


class EnrichRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[Any] = Field(
        min_length=1,
        max_length=MAX_SYNC_ITEMS,
        description=ITEMS_DESCRIPTION,
    )
    signals: SignalToggles = Field(default_factory=SignalToggles)


class EvidenceOut(BaseModel):
    snippet_id: str
    kind: str
    excerpt: str
    source_url: str
    observed_at: str
    age_days: float


class SignalOut(BaseModel):
    value: Any
    confidence: float = Field(ge=0, le=1)
    evidence: list[EvidenceOut]


class CompanyProfile(BaseModel):
    lead_id: str
    domain: str
    name: str | None
    industry: str | None
    employees: int | None
    country: str | None
    founded: int | None
    description: str | None


class ListItemOut(BaseModel):
    """What every answer item has: its place in the request and whether it was understood."""

    index: int = Field(description="position in the request: items first, then lead_ids")
    input: str | None = Field(description="the item as sent (strings only, first 200 characters)")
    status: ItemStatus
    reason: str | None = Field(default=None, description="why the item was rejected")
    message: str | None = None
    domain: str | None = None
    lead_id: str | None = None


class EnrichItem(ListItemOut):
    found: bool | None = Field(default=None, description="false: no company with this domain in the pool")
    profile: CompanyProfile | None = None
    signals: dict[str, SignalOut] = Field(default_factory=dict)
    signals_missed: list[str] = Field(default_factory=list)


class ListCounts(BaseModel):
    items: int
    rejected: int
    found: int
    not_found: int
    processing_time_ms: float


class EnrichResponse(BaseModel):
    items: list[EnrichItem]
    metadata: ListCounts


Prompt = Annotated[str, Strict(), Trimmed(3, 2000)]


# --- score ---------------------------------------------------------------------------------------


# JSON Schema for what the model validators check, so generated clients (and fuzzers) know it.
SOME_ITEMS: dict[str, Any] = {
    "anyOf": [
        {"required": ["items"], "properties": {"items": {"minItems": 1}}},
        {"required": ["lead_ids"], "properties": {"lead_ids": {"minItems": 1}}},
    ]
}


def given(field: str) -> dict[str, Any]:
    """JSON Schema: `field` present and not null."""
    return {"required": [field], "properties": {field: {"not": {"type": "null"}}}}


def exactly_one_of(*fields: str) -> dict[str, Any]:
    """JSON Schema: exactly one of `fields` present and not null."""
    return {"oneOf": [given(f) for f in fields]}


class ScoreRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"allOf": [SOME_ITEMS, exactly_one_of("icp_id", "prompt")]}
    )

    items: list[Any] = Field(default_factory=list, max_length=MAX_SYNC_ITEMS, description=ITEMS_DESCRIPTION)
    lead_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_SYNC_ITEMS)
    icp_id: uuid.UUID | None = None
    prompt: Prompt | None = None

    @model_validator(mode="after")
    def _one_target(self) -> ScoreRequest:
        if (self.icp_id is None) == (self.prompt is None):
            raise ValueError("give exactly one of icp_id and prompt")
        if not self.items and not self.lead_ids:
            raise ValueError("give items or lead_ids")
        return self


class Reason(BaseModel):
    id: str = Field(description="stable within the answer: what drafts cite back")
    kind: Literal["fit", "intent"]
    text: str
    snippet_ids: list[str] = Field(min_length=1, description="the evidence that supports the reason")


class ScoredItem(ListItemOut):
    found: bool | None = None
    grade: int | None = Field(default=None, ge=0, le=100)
    band: Band | None = None
    insufficient_evidence: bool = False
    fit: float | None = None
    intent: float | None = None
    reasons: list[Reason] = Field(default_factory=list)
    evidence: list[EvidenceOut] = Field(default_factory=list, description="the snippets the reasons cite")
    evidence_version: int | None = None


class CalibrationOut(BaseModel):
    """How the grades of this answer were mapped from fit and intent."""

    mapping: Literal["outcomes", "formula"] = Field(
        description="outcomes: grade = 100 x the likelihood of a positive outcome (reply, meeting, "
        "purchase) fitted on outcomes; formula: grade = 100 x (0.5 fit + 0.5 intent)"
    )
    scope: Literal["workspace", "global"] | None = Field(
        description="whose outcomes the map was fitted on (null: never fitted)"
    )
    sample_size: int = Field(description="graded companies with outcomes the map was fitted on")
    positives: int = Field(description="of which had a reply, a meeting or a purchase")
    fitted_at: datetime | None


class ScoreResponse(BaseModel):
    icp_id: uuid.UUID | None
    calibration: CalibrationOut
    items: list[ScoredItem]
    metadata: ListCounts


ExportFormat = Literal["csv", "json"]
