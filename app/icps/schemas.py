"""The wire contract of /v1/icps."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from app.core.validation import NonNegativeInt32, Percent, SafeText
from app.ingest.normalize import Invalid, normalize_domain
from app.leads.schemas import COUNTRY_PATTERN

MAX_EMPLOYEES = 10_000_000
Name = Annotated[SafeText, StringConstraints(min_length=1, max_length=100)]
Description = Annotated[SafeText, StringConstraints(min_length=3, max_length=4000)]
Criteria = Annotated[SafeText, StringConstraints(max_length=4000)]
Industry = Annotated[SafeText, StringConstraints(min_length=1, max_length=200)]
Technology = Annotated[SafeText, StringConstraints(min_length=1, max_length=100)]
Exclusion = Annotated[SafeText, StringConstraints(min_length=1, max_length=253)]
Employees = NonNegativeInt32
Threshold = Percent
Country = Annotated[SafeText, Field(json_schema_extra={"pattern": COUNTRY_PATTERN})]


def _countries(value: list[str]) -> list[str]:
    out = []
    for raw in value:
        code = raw.strip().upper()
        if len(code) != 2 or not code.isascii() or not code.isalpha():
            raise ValueError(f"{raw[:20]!r} is not an ISO 3166 alpha-2 country code")
        out.append(code)
    return sorted(set(out))


def _domains(value: list[str]) -> list[str]:
    out = []
    for raw in value:
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
    name: Name
    product_description: Description = Field(description="what the seller sells, in their words")
    industries: list[Industry] = Field(default_factory=list, max_length=50)
    countries: list[Country] = Field(default_factory=list, max_length=250, description="ISO 3166 alpha-2")
    employees_min: Employees | None = None
    employees_max: Employees | None = None
    technologies: list[Technology] = Field(default_factory=list, max_length=50)
    exclusions: list[Exclusion] = Field(
        default_factory=list,
        max_length=1000,
        description="domains never to include, or technologies/vendors the buyer must not already use",
    )
    exemplar_domains: list[str] = Field(default_factory=list, max_length=50, description="best customers")
    custom_criteria: Criteria = ""
    draft_threshold: Threshold = Field(default=50, description="leads graded at or above get drafts")

    @model_validator(mode="after")
    def _range(self) -> IcpCreate:
        if (
            self.employees_min is not None
            and self.employees_max is not None
            and self.employees_max < self.employees_min
        ):
            raise ValueError("employees_max must be >= employees_min")
        return self


class IcpPatch(IcpFields):
    """Only the fields present are changed; `null` clears the employee bounds."""

    name: Name | None = None
    product_description: Description | None = None
    industries: list[Industry] | None = Field(default=None, max_length=50)
    countries: list[Country] | None = Field(default=None, max_length=250)
    employees_min: Employees | None = None
    employees_max: Employees | None = None
    technologies: list[Technology] | None = Field(default=None, max_length=50)
    exclusions: list[Exclusion] | None = Field(default=None, max_length=1000)
    exemplar_domains: list[str] | None = Field(default=None, max_length=50)
    custom_criteria: Criteria | None = None
    draft_threshold: Threshold | None = None


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
