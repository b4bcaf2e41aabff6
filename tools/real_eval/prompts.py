"""Seller prompts with buyer definitions over directory tags, and the graded relevance they give."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from tools.real_eval.data import RealCompany

PROMPTS_FILE = Path(__file__).with_name("prompts.yaml")
Split = Literal["train", "validation", "test"]
SPLITS: tuple[Split, ...] = ("train", "validation", "test")


@dataclass(frozen=True, slots=True)
class Filters:
    countries: tuple[str, ...] = ()
    employees_min: int | None = None
    employees_max: int | None = None

    def api(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.countries:
            out["countries"] = list(self.countries)
        if self.employees_min is not None:
            out["employees_min"] = self.employees_min
        if self.employees_max is not None:
            out["employees_max"] = self.employees_max
        return out


@dataclass(frozen=True, slots=True)
class SellerPrompt:
    id: str
    split: Split
    prompt: str
    core: frozenset[str]
    related: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()
    excluded_countries: frozenset[str] = frozenset()
    filters: Filters = field(default_factory=Filters)

    def admits(self, company: RealCompany) -> bool:
        """Whether the company passes the structured filters and the prompt's country exclusion
        (unknown country or size never passes a filter on it)."""
        f = self.filters
        if f.countries and company.country not in f.countries:
            return False
        if company.country is not None and company.country in self.excluded_countries:
            return False
        if f.employees_min is not None and (company.employees is None or company.employees < f.employees_min):
            return False
        return not (
            f.employees_max is not None and (company.employees is None or company.employees > f.employees_max)
        )

    def grade(self, company: RealCompany) -> int:
        """2 core, 1 related, 0 otherwise; 0 when excluded by a tag or outside the filters."""
        if not self.admits(company) or company.tags & self.excluded:
            return 0
        if company.tags & self.core:
            return 2
        return 1 if company.tags & self.related else 0


def _strings(value: Any) -> frozenset[str]:
    return frozenset(str(v) for v in (value or []))


def parse_prompts(raw: Mapping[str, Any]) -> list[SellerPrompt]:
    out = []
    for item in raw["prompts"]:
        split = item["split"]
        if split not in SPLITS:
            raise ValueError(f"prompt {item['id']}: unknown split {split!r}")
        f = item.get("filters") or {}
        out.append(
            SellerPrompt(
                id=str(item["id"]),
                split=split,
                prompt=str(item["prompt"]),
                core=_strings(item.get("core")),
                related=_strings(item.get("related")),
                excluded=_strings(item.get("excluded")),
                excluded_countries=frozenset(c.upper() for c in item.get("excluded_countries") or []),
                filters=Filters(
                    countries=tuple(sorted(c.upper() for c in f.get("countries") or [])),
                    employees_min=f.get("employees_min"),
                    employees_max=f.get("employees_max"),
                ),
            )
        )
    ids = [p.id for p in out]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate prompt ids")
    return out


def load_prompts(path: Path = PROMPTS_FILE) -> list[SellerPrompt]:
    with path.open(encoding="utf-8") as fh:
        return parse_prompts(yaml.safe_load(fh))


def grades(prompt: SellerPrompt, companies: Sequence[RealCompany]) -> dict[str, int]:
    """Domain -> grade, positive grades only."""
    out = {}
    for c in companies:
        g = prompt.grade(c)
        if g > 0:
            out[c.domain] = g
    return out
