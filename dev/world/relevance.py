"""Graded relevance and purchase propensity of a company for a prompt, from the hidden truth only."""

from __future__ import annotations

from dataclasses import dataclass, field

from dev.world.catalog import Catalog
from dev.world.industries import matches_prefix
from dev.world.model import Category, CompanyTruth

STAGE_WEIGHT = {
    "unaware": 0.35,
    "problem_aware": 0.6,
    "researching": 0.8,
    "evaluating": 1.0,
    "purchasing": 1.0,
}
GRADE_CUTS = ((0.55, 3), (0.3, 2), (0.12, 1))
SIZE_BANDS = {"smb": (1, 500), "mid": (100, 5_000), "enterprise": (2_000, 10_000_000)}


@dataclass(frozen=True)
class PromptSpec:
    """What a prompt asks for, as the grader understands it (the ranker only sees text and filters)."""

    prompt_id: str
    category: str
    size: str | None = None
    countries: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    exclude_techs: tuple[str, ...] = ()
    exclude_countries: tuple[str, ...] = ()
    filter_countries: tuple[str, ...] = ()
    filter_industries: tuple[str, ...] = ()
    filter_techs: tuple[str, ...] = ()
    employees_min: int | None = None
    employees_max: int | None = None
    exemplar_domain: str | None = None
    exemplar_sector: str | None = None
    exemplar_employees: int | None = None
    exclude_domains: tuple[str, ...] = field(default=())


def propensity(company: CompanyTruth, category: Category, catalog: Catalog) -> float:
    """Probability-like score that the company buys this category now (0 for vendors and non-needers)."""
    if company.vendor_of == category.id:
        return 0.0
    best = 0.0
    on_sector = False
    for state in company.needs:
        if state.resolved_days is None and state.need in category.needs:
            value = state.intensity * STAGE_WEIGHT[state.stage]
            if value > best:
                best = value
                on_sector = matches_prefix(company.naics, catalog.needs[state.need].sectors)
    if best == 0.0:
        return 0.0
    size_w = 1.0 if category.min_employees <= company.employees <= category.max_employees else 0.4
    budget_w = 1.0 if company.budget_usd >= category.min_budget else 0.5
    current = set(company.current_techs())
    incumbents = [t for t in category.incumbents if t in current]
    incumbent_w = 1.0 if not incumbents or any(t in company.switching for t in incumbents) else 0.3
    sector_w = 1.0 if on_sector else 0.7
    return round(best * size_w * budget_w * incumbent_w * sector_w, 4)


def grade_of(score: float) -> int:
    for cut, grade in GRADE_CUTS:
        if score >= cut:
            return grade
    return 0


def satisfies(company: CompanyTruth, spec: PromptSpec) -> bool:
    """Hard constraints from the prompt text (targets, exclusions) and from its API filters."""
    checks = (
        not spec.size or SIZE_BANDS[spec.size][0] <= company.employees <= SIZE_BANDS[spec.size][1],
        not spec.countries or company.country in spec.countries,
        not spec.sectors or matches_prefix(company.naics, spec.sectors),
        company.country not in spec.exclude_countries,
        not spec.filter_countries or company.country in spec.filter_countries,
        not spec.filter_industries or company.industry in spec.filter_industries,
        spec.employees_min is None or company.employees >= spec.employees_min,
        spec.employees_max is None or company.employees <= spec.employees_max,
        company.domain not in spec.exclude_domains,
    )
    if not all(checks):
        return False
    current = company.current_techs()
    if any(t in current for t in spec.exclude_techs):
        return False
    return all(t in current for t in spec.filter_techs)


def judge(company: CompanyTruth, spec: PromptSpec, catalog: Catalog) -> tuple[int, float]:
    """(grade 0..3, purchase propensity) of a company for a prompt."""
    if company.domain == spec.exemplar_domain or not satisfies(company, spec):
        return 0, 0.0
    score = propensity(company, catalog.category_by_id[spec.category], catalog)
    grade = grade_of(score)
    if grade and spec.exemplar_sector is not None:
        if company.sector != spec.exemplar_sector:
            grade = max(0, grade - 2)
        elif spec.exemplar_employees and not 0.05 <= company.employees / spec.exemplar_employees <= 20:
            grade = max(0, grade - 1)
        score = score if grade else 0.0
    return grade, score
