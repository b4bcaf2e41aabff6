"""Typed shapes of the world: catalogue entries, hidden truth and the JSON records written out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NotRequired, TypedDict

SNIPPET_KINDS = ("profile", "news", "job_post", "tech_stack", "funding", "review", "social", "web")
OUTCOME_TYPES = ("impression", "click", "reply", "meeting", "purchase", "unsubscribe")
STAGES = ("unaware", "problem_aware", "researching", "evaluating", "purchasing")
MINER_CLASSES = ("good", "lazy", "spammer")
SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class Need:
    """A buyer-side need or pain and the varied ways evidence of it shows up."""

    id: str
    label: str
    sectors: tuple[str, ...]
    min_employees: int
    max_employees: int
    weight: float
    phrases: tuple[str, ...]
    evidence: dict[str, tuple[str, ...]]
    slots: dict[str, tuple[str, ...]]
    techs: tuple[str, ...]
    legacy: tuple[str, ...]
    personas: tuple[str, ...]


@dataclass(frozen=True)
class BasePrompt:
    text: str
    size: str | None = None  # "smb" | "mid" | "enterprise"
    countries: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Category:
    """A B2B product category: the needs it serves, who fits, who sells it, how sellers talk."""

    id: str
    name: str
    needs: tuple[str, ...]
    min_employees: int
    max_employees: int
    min_budget: int
    incumbents: tuple[str, ...]
    vendor_naics: str
    vendor_lines: tuple[str, ...]
    prompts: tuple[BasePrompt, ...]
    exemplar_clause: str
    distractors: tuple[str, ...]


@dataclass
class NeedState:
    need: str
    intensity: float
    stage: str
    onset_days: float  # how long ago it started
    resolved_days: float | None = None  # how long ago it was solved (stale evidence), None = active
    solution: str | None = None  # incumbent adopted when resolved


@dataclass
class TechState:
    name: str
    added_days: float
    removed_days: float | None = None

    @property
    def current(self) -> bool:
        return self.removed_days is None


@dataclass
class FundingRound:
    round: str
    amount_musd: float
    days_ago: float
    investor: str


@dataclass
class Contact:
    name: str
    title: str
    email: str
    linkedin_url: str | None
    personal: bool


@dataclass
class CompanyTruth:
    """Hidden truth of one company. Evaluation only: never loaded into the service."""

    index: int
    domain: str
    name: str
    real: bool
    naics: str
    industry: str
    sector: str
    country: str
    city: str
    employees: int
    founded: int
    growth: str
    budget_usd: int
    sparse: bool
    vendor_of: str | None
    description: str
    needs: list[NeedState] = field(default_factory=list)
    techs: list[TechState] = field(default_factory=list)
    switching: list[str] = field(default_factory=list)  # incumbents being replaced
    funding: list[FundingRound] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)

    def current_techs(self) -> list[str]:
        return [t.name for t in self.techs if t.current]

    def active_needs(self) -> list[NeedState]:
        return [n for n in self.needs if n.resolved_days is None]


class CompanyRef(TypedDict):
    domain: str
    name: NotRequired[str]
    industry: NotRequired[str]
    employees: NotRequired[int]
    country: NotRequired[str]
    description: NotRequired[str]


class ContactRef(TypedDict):
    name: str
    title: str
    email: NotRequired[str]
    linkedin_url: NotRequired[str]


class SnippetRecord(TypedDict):
    """A miner snippet exactly as the ingestion contract (issue 5) defines it."""

    snippet_id: NotRequired[str]
    miner_id: str
    company: CompanyRef
    contact: NotRequired[ContactRef]
    kind: str
    text: str
    source_url: str
    observed_at: str


class OutcomeRecord(TypedDict):
    """An outcome event exactly as the outcome contract (issue 5) defines it."""

    event_id: str
    request_id: str
    domain: str
    type: str
    occurred_at: str


class QrelRecord(TypedDict):
    prompt_id: str
    domain: str
    grade: int


class FiltersRecord(TypedDict, total=False):
    """The ranker API ``filters`` object (issue 4)."""

    industries: list[str]
    countries: list[str]
    employees_min: int | None
    employees_max: int | None
    technologies: list[str]
    exclude_domains: list[str]


class PromptRecord(TypedDict):
    prompt_id: str
    text: str
    split: str
    category: str
    style: str
    filters: NotRequired[FiltersRecord]
    exemplars: NotRequired[list[str]]
    exclusions: NotRequired[dict[str, list[str]]]
    targets: NotRequired[dict[str, list[str] | str]]
