"""The wire contract of /v1/leads (issue 4): names here are a promise to clients."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class SearchFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    industries: list[str] = Field(default_factory=list, max_length=50)
    countries: list[str] = Field(default_factory=list, max_length=250)
    employees_min: int | None = Field(default=None, ge=0)
    employees_max: int | None = Field(default=None, ge=0)
    technologies: list[str] = Field(default_factory=list, max_length=50)
    exclude_domains: list[str] = Field(default_factory=list, max_length=1000)

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        out = []
        for raw in value:
            code = raw.strip().upper()
            if len(code) != 2 or not code.isalpha():
                raise ValueError(f"{raw!r} is not an ISO 3166 alpha-2 country code")
            out.append(code)
        return sorted(set(out))

    @field_validator("industries", "technologies")
    @classmethod
    def _strings(cls, value: list[str]) -> list[str]:
        return sorted({v.strip() for v in value if v.strip()})

    @field_validator("exclude_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        return sorted({v.strip().lower().removeprefix("www.").rstrip(".") for v in value if v.strip()})

    @field_validator("employees_max")
    @classmethod
    def _range(cls, value: int | None, info: Any) -> int | None:
        low = info.data.get("employees_min")
        if value is not None and low is not None and value < low:
            raise ValueError("employees_max must be >= employees_min")
        return value


class SearchRequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=3, max_length=2000)
    k: int = Field(default=10, ge=1, le=200)
    filters: SearchFilters = Field(default_factory=SearchFilters)
    explain: bool = True

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, value: str) -> str:
        if len(value.strip()) < 3:
            raise ValueError("prompt must have at least 3 non-blank characters")
        return value


class SearchRequestIn(BaseModel):
    """What `POST /v1/leads/search` accepts: a prompt, or a saved ICP (`icp_id`) whose product
    description, criteria and filters stand in for it (a prompt given too is added to the ICP's text;
    a filter given too replaces the ICP's for that field)."""

    model_config = ConfigDict(extra="forbid")

    prompt: str | None = Field(default=None, min_length=3, max_length=2000)
    icp_id: uuid.UUID | None = None
    k: int = Field(default=10, ge=1, le=200)
    filters: SearchFilters | None = None
    explain: bool = True

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, value: str | None) -> str | None:
        if value is not None and len(value.strip()) < 3:
            raise ValueError("prompt must have at least 3 non-blank characters")
        return value


class ContactOut(BaseModel):
    name: str
    title: str
    email: str | None


class SignalOut(BaseModel):
    snippet_id: str
    kind: str
    text: str
    source_url: str
    observed_at: str
    weight: float


class FeatureContribution(BaseModel):
    name: str
    value: float
    contribution: float


class Explanation(BaseModel):
    top_features: list[FeatureContribution]
    summary: str


class LeadOut(BaseModel):
    rank: int
    lead_id: str
    domain: str
    name: str
    score: float
    fit_score: float
    intent_score: float
    industry: str | None
    employees: int | None
    country: str | None
    contacts: list[ContactOut]
    signals: list[SignalOut]
    explanation: Explanation | None


class SearchMetadata(BaseModel):
    processing_time_ms: float
    timings_ms: dict[str, float]
    candidates: int
    cache_hit: bool
    llm_calls: int
    cost_usd: float


class SearchResponse(BaseModel):
    request_id: str
    model_version: str
    leads: list[LeadOut]
    metadata: SearchMetadata
