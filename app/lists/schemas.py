"""The wire contract of /v1/leads/enrich, /v1/leads/score and /v1/leads/export."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.core.validation import SafeText, StrictBool
from app.leads.schemas import PROMPT_PATTERN

# A hard bound of the schema (422 past it); the served limit is LISTS_MAX_ITEMS (1,000: 413 past it).
MAX_ITEMS = 10_000
ItemStatus = Literal["ok", "rejected"]
Band = Literal["A", "B", "C", "D"]


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
        max_length=MAX_ITEMS,
        description="domains, URLs or e-mail addresses (strings); each bad item is rejected on its own",
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


Prompt = Annotated[
    SafeText,
    StringConstraints(min_length=3, max_length=2000),
    Field(json_schema_extra={"pattern": PROMPT_PATTERN}),
]


# --- score ---------------------------------------------------------------------------------------


# JSON Schema for what the model validators check, so generated clients (and fuzzers) know it.
SOME_ITEMS: dict[str, Any] = {
    "anyOf": [
        {"required": ["items"], "properties": {"items": {"minItems": 1}}},
        {"required": ["lead_ids"], "properties": {"lead_ids": {"minItems": 1}}},
    ]
}


def exactly_one_of(*fields: str) -> dict[str, Any]:
    """JSON Schema: exactly one of `fields` present and not null."""
    return {"oneOf": [{"required": [f], "properties": {f: {"not": {"type": "null"}}}} for f in fields]}


class ScoreRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"allOf": [SOME_ITEMS, exactly_one_of("icp_id", "prompt")]}
    )

    items: list[Any] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="domains, URLs or e-mail addresses"
    )
    lead_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_ITEMS)
    icp_id: uuid.UUID | None = None
    prompt: Prompt | None = None

    @model_validator(mode="after")
    def _one_target(self) -> ScoreRequest:
        if (self.icp_id is None) == (self.prompt is None):
            raise ValueError("give exactly one of icp_id and prompt")
        if not self.items and not self.lead_ids:
            raise ValueError("give items or lead_ids")
        if len(self.items) + len(self.lead_ids) > MAX_ITEMS:
            raise ValueError(f"at most {MAX_ITEMS} items and lead_ids together")
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
