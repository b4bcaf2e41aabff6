"""The wire contract of /v1/icps."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator
from pydantic.json_schema import SkipJsonSchema

from app.core.validation import BLANK_CLASS, NonNegativeInt32, Percent, Trimmed
from app.ingest.normalize import Invalid, normalize_domain
from app.leads.schemas import COUNTRY_PATTERN

MAX_EMPLOYEES = 10_000_000
# Text fields are stored trimmed and their lengths count after trimming (the schema's pattern says so).
Name = Annotated[str, Strict(), Trimmed(1, 100)]
Description = Annotated[str, Strict(), Trimmed(3, 4000)]
Criteria = Annotated[str, Strict(), Trimmed(0, 4000)]
Industry = Annotated[str, Strict(), Trimmed(1, 200)]
Technology = Annotated[str, Strict(), Trimmed(1, 100)]
Exclusion = Annotated[str, Strict(), Trimmed(1, 253)]
Employees = NonNegativeInt32
Threshold = Percent
Country = Annotated[str, Strict(), Field(json_schema_extra={"pattern": COUNTRY_PATTERN})]
# A domain (up to six LDH labels of up to 30 characters, an alphabetic TLD of up to 24: always within
# the 253 characters of a domain), or an http(s) URL of one with a path: what normalize_domain
# reduces to a domain (`https://www.Acme.com/about` -> `acme.com`); the validator checks the pattern.
DOMAIN_PATTERN = (
    r"^(?:[Hh][Tt][Tt][Pp][Ss]?://)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,28}[A-Za-z0-9])?\.){1,6}[A-Za-z]{2,24}"
    r"(?:/[^" + BLANK_CLASS + r"\u0000-\u001f\u007f]*)?$"
)
_COUNTRY = re.compile(COUNTRY_PATTERN)
_DOMAIN = re.compile(DOMAIN_PATTERN)
Domain = Annotated[str, Strict(), Field(max_length=2048, json_schema_extra={"pattern": DOMAIN_PATTERN})]
Industries = Annotated[list[Industry], Field(max_length=50)]
Countries = Annotated[list[Country], Field(max_length=250, description="ISO 3166 alpha-2")]
Technologies = Annotated[list[Technology], Field(max_length=50)]
Exclusions = Annotated[
    list[Exclusion],
    Field(
        max_length=1000,
        description="domains never to include, or technologies/vendors the buyer must not already use",
    ),
]
Exemplars = Annotated[list[Domain], Field(max_length=50, description="best customers")]


def _countries(value: list[str]) -> list[str]:
    for raw in value:
        if not _COUNTRY.fullmatch(raw):
            raise ValueError(f"{raw[:20]!r} is not an ISO 3166 alpha-2 country code")
    return sorted({raw.upper() for raw in value})


def _domains(value: list[str]) -> list[str]:
    out = []
    for raw in value:
        if not _DOMAIN.fullmatch(raw):
            raise ValueError(f"not a domain: {raw[:80]!r} (letters, digits and hyphens in dotted labels)")
        try:
            out.append(normalize_domain(raw))
        except Invalid as exc:
            raise ValueError(exc.detail) from None
    return sorted(set(out))


def _unique(value: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for v in value:
        seen.setdefault(v.lower(), v)
    return list(seen.values())


class IcpFields(BaseModel):
    """Validators shared by create and patch (a field left out of a patch is None)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("countries", check_fields=False)
    @classmethod
    def _check_countries(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _countries(value)

    @field_validator("exemplar_domains", check_fields=False)
    @classmethod
    def _check_domains(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _domains(value)

    @field_validator("industries", "technologies", "exclusions", check_fields=False)
    @classmethod
    def _check_lists(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _unique(value)


class IcpCreate(IcpFields):
    """An employee range with `employees_min` above `employees_max` matches no company."""

    name: Name
    product_description: Description = Field(description="what the seller sells, in their words")
    industries: Industries = Field(default_factory=list)
    countries: Countries = Field(default_factory=list)
    employees_min: Employees | None = None
    employees_max: Employees | None = None
    technologies: Technologies = Field(default_factory=list)
    exclusions: Exclusions = Field(default_factory=list)
    exemplar_domains: Exemplars = Field(default_factory=list)
    custom_criteria: Criteria = ""
    draft_threshold: Threshold = Field(default=50, description="leads graded at or above get drafts")


class IcpPatch(IcpFields):
    """Only the fields present are changed; `null` clears the employee bounds (other fields may be
    left out but not null)."""

    name: Name | SkipJsonSchema[None] = None
    product_description: Description | SkipJsonSchema[None] = None
    industries: Industries | SkipJsonSchema[None] = None
    countries: Countries | SkipJsonSchema[None] = None
    employees_min: Employees | None = None
    employees_max: Employees | None = None
    technologies: Technologies | SkipJsonSchema[None] = None
    exclusions: Exclusions | SkipJsonSchema[None] = None
    exemplar_domains: Exemplars | SkipJsonSchema[None] = None
    custom_criteria: Criteria | SkipJsonSchema[None] = None
    draft_threshold: Threshold | SkipJsonSchema[None] = None


class IcpOut(BaseModel):
    id: uuid.UUID
    name: str
    product_description: str
    industries: list[str]
    countries: list[str]
    employees_min: int | None
    employees_max: int | None
    technologies: list[str]
    exclusions: list[str]
    exemplar_domains: list[str]
    custom_criteria: str
    draft_threshold: int
    created_at: datetime
    updated_at: datetime

    model_config = ConfigDict(from_attributes=True)


class IcpList(BaseModel):
    icps: list[IcpOut]
