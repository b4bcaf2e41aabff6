"""The ICP form: its raw text (lists comma-separated), turned into the JSON API's own request models
(`IcpCreate`, `IcpPatch`) so the console accepts and refuses exactly what `/v1/icps` does, with the
same messages, keyed by form field."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from app.console.service import TextForm, parse_whole, split_list, text_problem, validation_errors
from app.icps.tables import Icp

LIST_FIELDS = ("industries", "countries", "technologies", "exclusions", "exemplar_domains")
INT_FIELDS = ("employees_min", "employees_max", "draft_threshold")
# Exclusions may hold 1,000 domains of up to 253 characters: the longest field the form carries.
MAX_FIELD_CHARS = 260_000


@dataclass(frozen=True, slots=True)
class IcpForm(TextForm):
    """The form as typed; echoed back into the page with its errors."""

    name: str = ""
    product_description: str = ""
    industries: str = ""
    countries: str = ""
    employees_min: str = ""
    employees_max: str = ""
    technologies: str = ""
    exclusions: str = ""
    exemplar_domains: str = ""
    custom_criteria: str = ""
    draft_threshold: str = "50"

    @classmethod
    def from_icp(cls, icp: Icp) -> IcpForm:
        """A stored ICP as the edit form shows it."""
        values: dict[str, str] = {}
        for f in fields(cls):
            value: Any = getattr(icp, f.name)
            if f.name in LIST_FIELDS:
                values[f.name] = ", ".join(value)
            else:
                values[f.name] = "" if value is None else str(value)
        return cls(**values)


M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class ParsedIcp(Generic[M]):
    body: M | None
    errors: dict[str, str]


def _payload(form: IcpForm) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    payload: dict[str, Any] = {}
    for f in fields(form):
        raw: str = getattr(form, f.name)
        problem = text_problem(raw, max_chars=MAX_FIELD_CHARS)
        if problem is not None:
            errors[f.name] = problem
        elif f.name in LIST_FIELDS:
            payload[f.name] = split_list(raw)
        elif f.name in INT_FIELDS:
            number = parse_whole(raw)
            if isinstance(number, str):
                errors[f.name] = number
            else:
                payload[f.name] = number
        else:
            payload[f.name] = raw
    return payload, errors


def parse_icp(form: IcpForm, model: type[M]) -> ParsedIcp[M]:
    """The form as `model` (IcpCreate for a new ICP, IcpPatch for an edit: every field is sent, so a
    blank employee bound clears it); a blank threshold is left out (the default, or unchanged)."""
    payload, errors = _payload(form)
    if payload.get("draft_threshold", 0) is None:
        del payload["draft_threshold"]
    if errors:
        return ParsedIcp(None, errors)
    try:
        return ParsedIcp(model.model_validate(payload), {})
    except ValidationError as exc:  # a model-level check (the employee range) names no field
        return ParsedIcp(None, validation_errors(exc, default="employees_max"))


def icp_summary(icp: Icp) -> str:
    """An ICP's hard filters in one line ("Software · US, DE · 50-500 employees · AWS")."""
    parts = [", ".join(icp.industries), ", ".join(icp.countries)]
    if icp.employees_min is not None or icp.employees_max is not None:
        low = icp.employees_min if icp.employees_min is not None else 0
        high = f"{icp.employees_max:,}" if icp.employees_max is not None else "…"
        parts.append(f"{low:,}–{high} employees")
    parts.append(", ".join(icp.technologies))
    return " · ".join(p for p in parts if p) or "—"
