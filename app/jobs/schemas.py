"""The wire contract of /v1/jobs: start a campaign, enrich or score run; watch, cancel, page results."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.core.validation import SafeText
from app.leads.schemas import SearchFilters
from app.lists.schemas import MAX_ITEMS, SignalToggles

MAX_CAMPAIGN_LEADS = 10_000
JobKind = Literal["campaign", "enrich", "score"]
JobState = Literal["queued", "running", "succeeded", "failed", "cancelled"]
TERMINAL_STATES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})
EventType = Literal[
    "pipeline_start",
    "lead_generated",
    "lead_enrichment_start",
    "lead_enrichment_end",
    "status_update",
    "pipeline_end",
    "pipeline_error",
]
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)  # in the order a job emits them
ResultFormat = Literal["json", "ndjson", "csv"]
Short = Annotated[SafeText, StringConstraints(max_length=300)]


class BusinessContext(BaseModel):
    """A structured description of what is sold to whom, turned into the campaign's query."""

    model_config = ConfigDict(extra="forbid")

    product: Annotated[SafeText, StringConstraints(min_length=3, max_length=1000)]
    industry: Short | None = None
    location: Short | None = None
    customer_size: Short | None = Field(default=None, description='e.g. "50-500 employees", "mid-market"')
    pain_points: list[Short] = Field(default_factory=list, max_length=20)

    def query(self) -> str:
        parts = [self.product.rstrip(".") + "."]
        who = " ".join(p for p in (self.customer_size, self.industry) if p)
        if who:
            parts.append(f"For {who} companies" + (f" in {self.location}." if self.location else "."))
        elif self.location:
            parts.append(f"For companies in {self.location}.")
        if self.pain_points:
            parts.append("They struggle with " + "; ".join(self.pain_points) + ".")
        return " ".join(parts)[:2000]


class JobOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signals: SignalToggles | None = Field(
        default=None,
        description="enrich each lead with these signals (campaigns; enrich jobs: all on by default)",
    )
    drafts: bool = Field(
        default=False, description="write outreach for leads graded at or above the threshold"
    )
    webhook_url: Annotated[SafeText, StringConstraints(min_length=8, max_length=2000)] | None = Field(
        default=None,
        description="called on pipeline_end / pipeline_error (https only in production, no private hosts)",
    )
    webhook_per_lead: bool = Field(default=False, description="also call webhook_url for each lead_generated")


class JobCreate(BaseModel):
    """One of three kinds. `campaign`: exactly one of `prompt`, `icp_id`, `business_context`, plus
    `filters` and `limit`. `enrich`: `items`. `score`: `items` and/or `lead_ids`, and an `icp_id` or
    a `prompt`."""

    model_config = ConfigDict(extra="forbid")

    kind: JobKind
    prompt: Annotated[SafeText, StringConstraints(min_length=3, max_length=2000)] | None = None
    icp_id: uuid.UUID | None = None
    business_context: BusinessContext | None = None
    filters: SearchFilters | None = None
    limit: int = Field(default=100, ge=1, le=MAX_CAMPAIGN_LEADS)
    items: list[Any] = Field(default_factory=list, max_length=MAX_ITEMS)
    lead_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_ITEMS)
    options: JobOptions = Field(default_factory=JobOptions)

    @model_validator(mode="after")
    def _shape(self) -> JobCreate:
        if self.kind == "campaign":
            given = [self.prompt is not None, self.icp_id is not None, self.business_context is not None]
            if sum(given) != 1:
                raise ValueError("a campaign takes exactly one of prompt, icp_id and business_context")
            if self.items or self.lead_ids:
                raise ValueError("a campaign takes no items or lead_ids")
        elif self.kind == "enrich":
            if not self.items:
                raise ValueError("an enrich job needs items")
            if self.prompt is not None or self.icp_id is not None or self.business_context is not None:
                raise ValueError("an enrich job takes no prompt, icp_id or business_context")
        else:
            if (self.icp_id is None) == (self.prompt is None):
                raise ValueError("a score job takes exactly one of icp_id and prompt")
            if not self.items and not self.lead_ids:
                raise ValueError("a score job needs items or lead_ids")
            if len(self.items) + len(self.lead_ids) > MAX_ITEMS:
                raise ValueError(f"at most {MAX_ITEMS} items and lead_ids together")
        if self.options.drafts and self.kind != "campaign":
            raise ValueError("drafts are written by campaigns")
        if self.options.webhook_per_lead and self.options.webhook_url is None:
            raise ValueError("webhook_per_lead needs a webhook_url")
        return self


class JobCreated(BaseModel):
    job_id: uuid.UUID
    state: JobState
    webhook_secret: str | None = Field(
        default=None, description="the HMAC key of this job's webhook signatures (shown once)"
    )


class Progress(BaseModel):
    done: int
    total: int | None


class JobOut(BaseModel):
    job_id: uuid.UUID
    kind: JobKind
    state: JobState
    progress: Progress
    cost_usd: float
    attempts: int
    cancel_requested: bool
    error: dict[str, Any] | None
    webhook_url: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    elapsed_s: float | None = Field(description="running time so far (or in all, once finished)")
    leads_per_s: float | None


class JobPage(BaseModel):
    jobs: list[JobOut]
    next_cursor: str | None


class ResultPage(BaseModel):
    results: list[dict[str, Any]]
    next_cursor: str | None


class DeliveryOut(BaseModel):
    id: int
    event: str
    url: str
    state: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    log: list[dict[str, Any]]


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]


class DeepSearchRequest(BaseModel):
    """A search ranked past the one-response k: a prompt or an ICP, filters, `max_results` ranked
    once and served `page_size` at a time by cursor."""

    model_config = ConfigDict(extra="forbid")

    prompt: Annotated[SafeText, StringConstraints(min_length=3, max_length=2000)] | None = None
    icp_id: uuid.UUID | None = None
    filters: SearchFilters | None = None
    max_results: int = Field(default=1000, ge=1, le=MAX_CAMPAIGN_LEADS)
    page_size: int = Field(default=50, ge=1, le=200)

    @model_validator(mode="after")
    def _target(self) -> DeepSearchRequest:
        if self.prompt is None and self.icp_id is None:
            raise ValueError("give a prompt or an icp_id")
        return self


class DeepLead(BaseModel):
    rank: int
    lead_id: str
    domain: str | None
    name: str | None
    industry: str | None
    employees: int | None
    country: str | None
    score: float
    fit_score: float
    intent_score: float


class DeepSearchPage(BaseModel):
    result_set_id: uuid.UUID
    model_version: str
    total: int
    expires_at: datetime
    leads: list[DeepLead]
    next_cursor: str | None
