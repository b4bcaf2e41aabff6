"""The wire contract of /v1/leads (issue 4): names here are a promise to clients."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.core.validation import INT32_MAX, SafeStr, StrictBool, StrictInt


class SearchFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Each list is bounded in items and in characters per item (the whole body is bounded too).
    industries: list[Annotated[SafeStr, Field(max_length=200)]] = Field(default_factory=list, max_length=50)
    countries: list[Annotated[SafeStr, Field(max_length=8)]] = Field(default_factory=list, max_length=250)
    # Stored and queried as int4.
    employees_min: StrictInt | None = Field(default=None, ge=0, le=INT32_MAX)
    employees_max: StrictInt | None = Field(default=None, ge=0, le=INT32_MAX)
    technologies: list[Annotated[SafeStr, Field(max_length=200)]] = Field(default_factory=list, max_length=50)
    exclude_domains: list[Annotated[SafeStr, Field(max_length=260)]] = Field(
        default_factory=list, max_length=1000
    )

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

    prompt: SafeStr = Field(min_length=3, max_length=2000)
    k: StrictInt = Field(default=10, ge=1, le=200)
    filters: SearchFilters = Field(default_factory=SearchFilters)
    explain: StrictBool = True

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, value: str) -> str:
        if len(value.strip()) < 3:
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
