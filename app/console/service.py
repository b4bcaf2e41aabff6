"""What the console pages show, computed from the same services the JSON API calls.

Pure helpers (form parsing, highlighting, ages) plus `lead_view`, which reads the lead's profile
exactly as GET /v1/leads/{id} does and, when the page was opened from a search, re-runs that search
(answered by the search cache) to show the lead's rank and full explanation.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self, cast
from urllib.parse import urlencode, urlsplit

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import Principal
from app.core.errors import ApiError
from app.icps.service import search_body
from app.leads.profile import lead_profile
from app.leads.schemas import SearchRequestIn
from app.leads.service import SearchService
from app.ranking.text import query_tokens, stem

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

EXAMPLE_PROMPT = "Cloud cost optimisation software for engineering teams running large AWS bills"
MAX_FIELD_CHARS = 5000
LIST_FIELDS = ("industries", "countries", "technologies", "exclude_domains")
INT_FIELDS = ("k", "employees_min", "employees_max")
# Largest value PostgreSQL's INTEGER stores: the employee range is compared against that column.
MAX_INT = 2_147_483_647
_WORD = re.compile(r"[A-Za-z0-9]+(?:[.+#][A-Za-z0-9]+)*")


class TextForm:
    """A console form as typed: a frozen dataclass of text fields, each with its default."""

    __slots__ = ()

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Self:
        """The form from submitted parameters; a field not submitted keeps its default, others are ignored."""
        names = [f.name for f in fields(cast("type[DataclassInstance]", cls))]
        values = {name: params[name] for name in names if name in params}
        return cls(**values)


@dataclass(frozen=True, slots=True)
class SearchForm(TextForm):
    """The search form's raw text, as typed (lists comma-separated); echoed back into the page."""

    prompt: str = ""
    k: str = "10"
    industries: str = ""
    countries: str = ""
    employees_min: str = ""
    employees_max: str = ""
    technologies: str = ""
    exclude_domains: str = ""
    icp_id: str = ""  # a saved ICP searched for (its text and filters; the prompt adds to it)

    @property
    def empty(self) -> bool:
        return not self.prompt.strip() and not self.icp_id.strip()

    def query_string(self) -> str:
        """The form as a URL query (non-default fields only): links to results and lead pages."""
        pairs = [(f.name, getattr(self, f.name)) for f in fields(self)]
        return urlencode([(name, value) for name, value in pairs if value.strip()])


@dataclass(frozen=True, slots=True)
class ParsedSearch:
    form: SearchForm
    body: SearchRequestIn | None
    errors: dict[str, str]


def split_list(raw: str) -> list[str]:
    """A comma-separated form field as a list (blank entries dropped)."""
    return [part.strip() for part in raw.split(",") if part.strip()]


def field_of(loc: tuple[int | str, ...], default: str) -> str:
    """The form field a pydantic error location points at (its last named part; the members of a
    union, "none" or "function-after[...]", name no field)."""
    names = [p for p in loc if isinstance(p, str) and p.isidentifier() and p != "none"]
    return names[-1] if names else default


def validation_errors(exc: ValidationError, *, default: str) -> dict[str, str]:
    """Pydantic's messages (the JSON API answers the same ones) keyed by form field, first per field."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        errors.setdefault(field_of(tuple(error.get("loc", ())), default), str(error.get("msg", "invalid")))
    return errors


def text_problem(value: str, *, max_chars: int = MAX_FIELD_CHARS) -> str | None:
    """Why a form field's raw text cannot be accepted (too long, NUL, lone surrogate), or None."""
    if len(value) > max_chars:
        return f"at most {max_chars} characters"
    if "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        return "contains characters that are not allowed"
    return None


def parse_whole(raw: str) -> int | str | None:
    """A number field: None when blank, the integer, or the API's message for a non-integer."""
    raw = raw.strip()
    if not raw:
        return None
    if not re.fullmatch(r"[+-]?[0-9]{1,12}", raw):
        return "Input should be a valid integer"
    return int(raw)


def parse_search(form: SearchForm) -> ParsedSearch:
    """Validate the form into the JSON API's own request model; errors keyed by form field."""
    errors: dict[str, str] = {}
    for f in fields(form):
        problem = text_problem(getattr(form, f.name))
        if problem is not None:
            errors[f.name] = problem
    numbers: dict[str, int | None] = {}
    for name in INT_FIELDS:
        raw = getattr(form, name).strip()
        if not raw:
            numbers[name] = None
        elif not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_INT:
            errors.setdefault(name, "must be a whole number from 0 to 2147483647")
        else:
            numbers[name] = int(raw)
    low, high = numbers.get("employees_min"), numbers.get("employees_max")
    if low is not None and high is not None and high < low:
        # The API answers an empty range with no leads; a person typing it made a slip.
        errors.setdefault("employees_max", "must be at least the minimum")
    prompt = form.prompt if form.prompt.strip() else None
    icp_id = form.icp_id.strip() or None
    if prompt is None and icp_id is None:
        errors.setdefault("prompt", "prompt or icp_id is required")  # the API's own message
    if errors:
        return ParsedSearch(form=form, body=None, errors=errors)
    try:
        body = SearchRequestIn.model_validate(
            {
                "prompt": prompt,
                "icp_id": icp_id,
                "k": numbers["k"] if numbers["k"] is not None else 10,
                "filters": {
                    "industries": split_list(form.industries),
                    "countries": split_list(form.countries),
                    "technologies": split_list(form.technologies),
                    "exclude_domains": split_list(form.exclude_domains),
                    "employees_min": numbers["employees_min"],
                    "employees_max": numbers["employees_max"],
                },
            }
        )
    except ValidationError as exc:
        return ParsedSearch(form=form, body=None, errors=validation_errors(exc, default="prompt"))
    return ParsedSearch(form=form, body=body, errors={})


@dataclass(frozen=True, slots=True)
class SearchRun:
    prompt: str  # the text searched: the typed prompt, or the ICP's text with it
    result: dict[str, Any]


async def run_search(
    *, session: AsyncSession, service: SearchService, body: SearchRequestIn, principal: Principal
) -> SearchRun:
    """The search `POST /v1/leads/search` runs for the same request (an ICP's merged in, 404 when
    the ICP is not the workspace's)."""
    request = await search_body(session, workspace_id=principal.workspace_id, body=body)
    return SearchRun(request.prompt, await service.search(body=request, api_key_id=principal.key_id))


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    marked: bool


def highlight(text: str, prompt: str) -> list[Segment]:
    """Split `text` into runs, marking the words that match a prompt term (same stemming as the
    keyword index); adjacent matches joined by spaces form one marked passage."""
    terms = set(query_tokens(prompt)) if prompt else set()
    out: list[Segment] = []
    position = 0
    for match in _WORD.finditer(text):
        word = match.group(0).lower()
        token = stem(word.replace(".", "").replace("+", "p").replace("#", "sharp"))
        if token not in terms:
            continue
        gap = text[position : match.start()]
        if out and out[-1].marked and gap.strip() == "":
            out[-1] = Segment(out[-1].text + gap + match.group(0), True)
        else:
            if gap:
                out.append(Segment(gap, False))
            out.append(Segment(match.group(0), True))
        position = match.end()
    if position < len(text):
        out.append(Segment(text[position:], False))
    return out


def age(observed_at: str | None, *, now: datetime | None = None) -> str:
    """'3 days ago'-style age of an ISO timestamp ('' when missing or unreadable)."""
    if not observed_at:
        return ""
    try:
        then = datetime.fromisoformat(observed_at.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    seconds = max(0.0, ((now or datetime.now(UTC)) - then).total_seconds())
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n > 1 else ''} ago"
    return "just now"


def safe_url(url: str | None) -> str | None:
    """The URL when it is a plain http(s) link, else None (evidence comes from miners: untrusted)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None


@dataclass(frozen=True, slots=True)
class Evidence:
    kind: str
    segments: list[Segment]
    source_url: str | None
    source_label: str
    observed_at: str
    age: str
    status: str
    weight: float | None  # set when the ranker used this snippet as a signal for the search


@dataclass(frozen=True, slots=True)
class LeadView:
    profile: dict[str, Any]
    evidence: list[Evidence]
    ranked: dict[str, Any] | None  # the lead's row in the search results it was opened from
    search_error: str | None


async def lead_view(
    *,
    session: AsyncSession,
    service: SearchService | None,
    principal: Principal,
    lead_id: uuid.UUID,
    form: SearchForm,
) -> LeadView:
    profile = await lead_profile(session, lead_id=lead_id)
    ranked: dict[str, Any] | None = None
    search_error: str | None = None
    searched = form.prompt
    if not form.empty:
        parsed = parse_search(form)
        if parsed.body is None or service is None:
            search_error = "the search this page was opened from could not be repeated"
        else:
            try:
                run = await run_search(
                    session=session, service=service, body=parsed.body, principal=principal
                )
                result, searched = run.result, run.prompt
            except ApiError as exc:
                if exc.status_code != 404:
                    raise
                result = {"leads": []}  # the search's ICP was deleted since
            ranked = next((row for row in result["leads"] if row["lead_id"] == str(lead_id)), None)
            if ranked is None:
                search_error = "this company is no longer in that search's results"
    weights = {s["snippet_id"]: float(s["weight"]) for s in (ranked or {}).get("signals", [])}
    evidence = [
        Evidence(
            kind=str(row["kind"]),
            segments=highlight(str(row["text"]), searched),
            source_url=safe_url(row["source_url"]),
            source_label=urlsplit(row["source_url"] or "").netloc or "source",
            observed_at=str(row["observed_at"]),
            age=age(row["observed_at"]),
            status=str(row["status"]),
            weight=weights.get(str(row["snippet_id"])),
        )
        for row in profile["evidence"]
    ]
    # Signals the ranker used first, then evidence matching the prompt, then the newest (stable sort).
    evidence.sort(key=lambda e: (e.weight is None, -(e.weight or 0.0), not any(s.marked for s in e.segments)))
    return LeadView(profile=profile, evidence=evidence, ranked=ranked, search_error=search_error)


def display_name(principal: Principal) -> str:
    """The name of the workspace the key belongs to (every key has one), else the key's own name."""
    return principal.workspace or principal.name
