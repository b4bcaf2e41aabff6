"""The wire contract of /v1/leads (issue 4): names here are a promise to clients."""

from __future__ import annotations

from typing import Any, Literal

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


class ContactOut(BaseModel):
    name: str
    title: str
    email: str | None


class Span(BaseModel):
    start: int = Field(description="offset of the first character in `text`")
    end: int = Field(description="offset one past the last character in `text`")


class SignalOut(BaseModel):
    """One piece of evidence behind a lead: a snippet with the passage that matches the prompt."""

    snippet_id: str
    kind: str
    text: str
    source_url: str
    observed_at: str
    age_days: float = Field(description="days between `observed_at` and the search")
    weight: float
    highlights: list[Span] = Field(description="the words of `text` the prompt's keywords match")
    excerpt: str = Field(description="up to 240 characters around the matches, matched words between **")


class FeatureContribution(BaseModel):
    name: str
    value: float
    contribution: float


class Explanation(BaseModel):
    top_features: list[FeatureContribution] = Field(description="model internals, for debugging")
    summary: str = Field(description="the reasons below as one paragraph, plain language")
    reasons: list[str] = Field(description="plain sentences: evidence, matched words, firmographics, model")


class LeadOut(BaseModel):
    rank: int
    lead_id: str
    domain: str
    name: str
    score: float = Field(
        description="a calibrated purchase probability in [0, 1] when `score_kind` is `probability` "
        "(the company has outcome history to calibrate on), else the 0-100 `match_score`"
    )
    score_kind: Literal["probability", "match"]
    match_score: float = Field(
        description="0-100: the model's score between the worst (0) and best (100) candidate of this search"
    )
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
