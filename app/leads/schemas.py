"""The wire contract of /v1/leads (issue 4): names here are a promise to clients."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, field_validator

from app.core.validation import NonNegativeInt32, SafeStr, StrictBool, StrictInt, whole_number

# The schema's patterns and the validators below accept exactly the same strings (schema-driven
# clients and fuzzers see what the service enforces): the validators match the same regular
# expressions. Blank = the JSON Schema (ECMA-262) `\s` set, spelled out so that both agree on it.
BLANK = r"\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
# At least 3 characters from the first to the last non-blank one, no NUL.
PROMPT_BODY = rf"[{BLANK}]*[^{BLANK}\u0000][^\u0000]+[^{BLANK}\u0000][{BLANK}]*"
PROMPT_PATTERN = f"^{PROMPT_BODY}$"
_PROMPT = re.compile(PROMPT_BODY)
COUNTRY_PATTERN = "^[A-Za-z]{2}$"
_COUNTRY = re.compile("[A-Za-z]{2}")


# Leads of a search ranked past k (the bounds before the validator: `minimum`/`maximum` in the schema).
MaxResults = Annotated[int, Strict(), Field(ge=1, le=10_000), BeforeValidator(whole_number)]


class SearchFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Each list is bounded in items and in characters per item (the whole body is bounded too).
    industries: list[Annotated[SafeStr, Field(max_length=200)]] = Field(default_factory=list, max_length=50)
    countries: list[Annotated[SafeStr, Field(json_schema_extra={"pattern": COUNTRY_PATTERN})]] = Field(
        default_factory=list, max_length=250
    )
    # Stored and queried as int4. A range with min > max matches no company (an empty answer).
    employees_min: NonNegativeInt32 | None = None
    employees_max: NonNegativeInt32 | None = None
    technologies: list[Annotated[SafeStr, Field(max_length=200)]] = Field(default_factory=list, max_length=50)
    exclude_domains: list[Annotated[SafeStr, Field(max_length=260)]] = Field(
        default_factory=list, max_length=1000
    )

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        for raw in value:
            if not _COUNTRY.fullmatch(raw):
                raise ValueError(f"{raw[:20]!r} is not an ISO 3166 alpha-2 country code")
        return sorted({code.upper() for code in value})

    @field_validator("industries", "technologies")
    @classmethod
    def _strings(cls, value: list[str]) -> list[str]:
        return sorted({v.strip() for v in value if v.strip()})

    @field_validator("exclude_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        return sorted({v.strip().lower().removeprefix("www.").rstrip(".") for v in value if v.strip()})


def _visible_prompt(value: str) -> str:
    if not _PROMPT.fullmatch(value):
        raise ValueError("prompt must have at least 3 characters besides leading and trailing blanks")
    return value


class SearchRequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: SafeStr = Field(min_length=3, max_length=2000, json_schema_extra={"pattern": PROMPT_PATTERN})
    k: StrictInt = Field(default=10, ge=1, le=200)
    filters: SearchFilters = Field(default_factory=SearchFilters)
    explain: StrictBool = True

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, value: str) -> str:
        return _visible_prompt(value)


class SearchRequestIn(BaseModel):
    """What `POST /v1/leads/search` accepts: a prompt, or a saved ICP (`icp_id`) whose product
    description, criteria and filters stand in for it (a prompt given too is added to the ICP's text;
    a filter given too replaces the ICP's for that field)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": [f], "properties": {f: {"not": {"type": "null"}}}} for f in ("prompt", "icp_id")
            ]
        },
    )

    prompt: SafeStr | None = Field(
        default=None, min_length=3, max_length=2000, json_schema_extra={"pattern": PROMPT_PATTERN}
    )
    icp_id: uuid.UUID | None = None
    k: StrictInt = Field(default=10, ge=1, le=200)
    filters: SearchFilters | None = None
    explain: StrictBool = True
    max_results: MaxResults | None = Field(
        default=None,
        description="rank this many leads in all and answer a `next_cursor` for those past the first "
        "k (paged k at a time by GET /v1/leads/search/pages?cursor=...); none: no cursor",
    )

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, value: str | None) -> str | None:
        return None if value is None else _visible_prompt(value)


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
    next_cursor: str | None = Field(
        default=None,
        description="with `max_results`: the next page of this result set (GET "
        "/v1/leads/search/pages?cursor=...), the same ranking for SEARCH_CURSOR_TTL_S (30 minutes, "
        "never less than 15) whatever the index does meanwhile; null when there is no more",
    )


class ProfileContact(BaseModel):
    name: str
    title: str
    email: str | None
    linkedin_url: str | None


class ProfileEvidence(BaseModel):
    snippet_id: str
    kind: str
    text: str
    source_url: str
    observed_at: str
    miner_id: str
    miner_reputation: float | None
    status: str
    corroborations: int


class LeadProfile(BaseModel):
    """`GET /v1/leads/{lead_id}`: a company's full profile with its latest evidence."""

    lead_id: str
    domain: str
    name: str
    industry: str | None
    naics_code: str | None = Field(description="NAICS 2022 code")
    employees: int | None
    country: str | None = Field(description="ISO 3166-1 alpha-2 country code")
    founded_year: int | None
    description: str
    profile: dict[str, Any] = Field(description="Facts merged from the accepted evidence")
    snippet_count: int
    last_snippet_at: str | None
    updated_at: str
    contacts: list[ProfileContact]
    evidence: list[ProfileEvidence]
    outcomes: dict[str, int]
