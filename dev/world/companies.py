"""Hidden truth per company, a pure function of (seed, index): any company can be rebuilt on demand.

Company ``i`` is the same in every world size, so the ``tiny`` world is a prefix of the ``demo`` world.
"""

from __future__ import annotations

import math
import random

from dev.world import names
from dev.world.catalog import Catalog, eligible_needs, size_band
from dev.world.geo import COUNTRIES, COUNTRY_CODES, COUNTRY_CUM_WEIGHTS
from dev.world.industries import industry_label, matches_prefix, pick_code, sector_of
from dev.world.model import STAGES, Category, CompanyTruth, Contact, FundingRound, NeedState, TechState
from dev.world.rng import rng_for
from dev.world.seeds import SeedCompany, load_seed_companies
from dev.world.tech import base_stack

REAL_STRIDE = 8  # every 8th company slot holds a real seed company (while seeds last)
VENDOR_STRIDE = 9  # designated vendor slots, so even the tiny world has vendors for every category
_STAGE_WEIGHTS = (25, 30, 20, 15, 10)
_ONSET = {
    "unaware": (30, 500),
    "problem_aware": (30, 400),
    "researching": (20, 300),
    "evaluating": (10, 200),
    "purchasing": (5, 150),
}
_PER_HEAD = {"51": 3000, "52": 2600, "54": 2000, "62": 1200, "31-33": 1100, "22": 1500}
_INVESTORS = (
    "Northgate Ventures",
    "Lattice Capital",
    "Bluepeak Partners",
    "Foundry Row",
    "Harbor Lane Capital",
    "Kestrel Growth",
    "Summit Oak Ventures",
    "Meridian Seed Fund",
    "Copperline Capital",
    "Tidewater Partners",
    "Quarry Hill Ventures",
    "Brightwater Growth Equity",
)
_ROUNDS = (
    ("Seed", 0.5, 4.0),
    ("Series A", 5.0, 20.0),
    ("Series B", 15.0, 60.0),
    ("Series C", 40.0, 150.0),
    ("Series D", 80.0, 300.0),
)
_GENERIC_TITLES = (
    "CEO",
    "COO",
    "CFO",
    "Head of Operations",
    "Office Manager",
    "Managing Director",
    "CTO",
    "VP Sales",
    "HR Director",
    "Finance Manager",
)


class CompanyFactory:
    def __init__(self, seed: int, catalog: Catalog) -> None:
        self.seed = seed
        self.catalog = catalog
        seeds = list(load_seed_companies())
        rng_for(seed, "seeds").shuffle(seeds)
        self.seeds: tuple[SeedCompany, ...] = tuple(seeds)
        self.seed_domains = frozenset(s.domain for s in seeds)

    def designated_vendor(self, i: int) -> Category | None:
        cats = self.catalog.categories
        if i % VENDOR_STRIDE == 4 and i // VENDOR_STRIDE < 2 * len(cats):
            return cats[(i // VENDOR_STRIDE) % len(cats)]
        return None

    def seed_at(self, i: int) -> SeedCompany | None:
        if i % REAL_STRIDE == 0 and i // REAL_STRIDE < len(self.seeds) and self.designated_vendor(i) is None:
            return self.seeds[i // REAL_STRIDE]
        return None

    def truth(self, i: int) -> CompanyTruth:
        rng = rng_for(self.seed, "company", i)
        seed = self.seed_at(i)
        vendor = self.designated_vendor(i)
        if vendor is None and seed is None and rng.random() < 0.02:
            vendor = rng.choice(self.catalog.categories)
        company = self._real(rng, i, seed) if seed else self._generated(rng, i, vendor)
        self._add_needs(rng, company)
        self._add_funding(rng, company)
        company.budget_usd = self._budget(rng, company)
        if not company.real:
            company.contacts = self._contacts(rng, company)
        return company

    def _real(self, rng: random.Random, i: int, seed: SeedCompany) -> CompanyTruth:
        employees = seed.employees or int(rng.lognormvariate(math.log(8_000), 1.0))
        founded = seed.founded or rng.randint(1900, 2000)
        label = industry_label(seed.naics)
        city = seed.city or (COUNTRIES[seed.country][3][0] if seed.country in COUNTRIES else "")
        description = f"{seed.name} is a publicly listed company ({label})"
        description += f" headquartered in {city}." if city else "."
        if seed.products:
            description += f" Products and services: {seed.products}."
        company = CompanyTruth(
            index=i,
            domain=seed.domain,
            name=seed.name,
            real=True,
            naics=seed.naics,
            industry=label,
            sector=sector_of(seed.naics),
            country=seed.country,
            city=city,
            employees=employees,
            founded=founded,
            growth="steady" if rng.random() < 0.8 else "declining",
            budget_usd=0,
            sparse=rng.random() < 0.05,
            vendor_of=None,
            description=description,
        )
        company.techs = base_stack(rng, company.sector, employees)
        return company

    def _generated(self, rng: random.Random, i: int, vendor: Category | None) -> CompanyTruth:
        prefix, root, form = names.name_parts(i)
        code = vendor.vendor_naics if vendor else pick_code(rng)
        sector = sector_of(code)
        country = rng.choices(COUNTRY_CODES, cum_weights=COUNTRY_CUM_WEIGHTS, k=1)[0]
        _, _, tlds, cities = COUNTRIES[country]
        label = names.domain_label(prefix, root, form)
        domain = f"{label}.{rng.choice(tlds)}"
        if domain in self.seed_domains:
            domain = f"{label}.net" if not domain.endswith(".net") else f"{label}.org"
        if vendor:
            employees = max(3, int(rng.lognormvariate(math.log(120), 1.0)))
        else:
            employees = max(2, min(250_000, int(rng.lognormvariate(math.log(45), 1.6))))
        age = max(1, min(120, int(rng.lognormvariate(math.log(14), 0.8))))
        roll = rng.random()
        growth = (
            "startup"
            if age <= 4
            else "scaleup"
            if roll < 0.3 and age <= 12
            else "declining"
            if roll > 0.92
            else "steady"
        )
        city = rng.choice(cities)
        name = names.company_name(rng, prefix, root, sector)
        industry = industry_label(code)
        if vendor:
            description = (
                f"{name} sells {vendor.name} to businesses. Based in {city}, "
                f"{COUNTRIES[country][0]}, with about {employees} employees."
            )
        else:
            description = (
                f"{name} ({industry}) is based in {city}, {COUNTRIES[country][0]}. "
                f"Founded in {2026 - age}, it employs about {employees} people."
            )
        company = CompanyTruth(
            index=i,
            domain=domain,
            name=name,
            real=False,
            naics=code,
            industry=industry,
            sector=sector,
            country=country,
            city=city,
            employees=employees,
            founded=2026 - age,
            growth=growth,
            budget_usd=0,
            sparse=rng.random() < (0.3 if employees < 10 else 0.15),
            vendor_of=vendor.id if vendor else None,
            description=description,
        )
        company.techs = base_stack(rng, sector, employees)
        return company

    def _add_needs(self, rng: random.Random, company: CompanyTruth) -> None:
        weights = (55, 30, 12, 3, 0) if company.vendor_of else (30, 36, 21, 10, 3)
        count = rng.choices((0, 1, 2, 3, 4), weights=weights, k=1)[0]
        ids, cumulative = eligible_needs(company.naics, size_band(company.employees))
        chosen: list[str] = []
        for _ in range(count * 3):
            if len(chosen) >= count:
                break
            nid = rng.choices(ids, cum_weights=cumulative, k=1)[0]
            if nid not in chosen:
                chosen.append(nid)
        for nid in chosen:
            stage = rng.choices(STAGES, weights=_STAGE_WEIGHTS, k=1)[0]
            lo, hi = _ONSET[stage]
            state = NeedState(
                need=nid,
                intensity=round(rng.uniform(0.3, 1.0), 3),
                stage=stage,
                onset_days=round(rng.uniform(lo, hi), 2),
            )
            company.needs.append(state)
            self._need_techs(rng, company, state)
        if rng.random() < 0.22:
            nid = rng.choices(ids, cum_weights=cumulative, k=1)[0]
            if nid not in chosen:
                self._add_resolved(rng, company, nid)

    def _need_techs(self, rng: random.Random, company: CompanyTruth, state: NeedState) -> None:
        need = self.catalog.needs[state.need]
        have = {t.name for t in company.techs}
        for tech in need.techs:
            if tech not in have and rng.random() < 0.5:
                company.techs.append(TechState(tech, round(state.onset_days + rng.uniform(0, 600), 2)))
        if need.legacy and rng.random() < 0.7:
            legacy = rng.choice(need.legacy)
            if legacy not in have:
                company.techs.append(TechState(legacy, round(rng.uniform(1_500, 4_000), 2)))
        current = set(company.current_techs())
        for cid in self.catalog.serving[state.need]:
            for incumbent in self.catalog.category_by_id[cid].incumbents:
                if incumbent in current and incumbent not in company.switching and rng.random() < 0.5:
                    company.switching.append(incumbent)

    def _add_resolved(self, rng: random.Random, company: CompanyTruth, nid: str) -> None:
        need = self.catalog.needs[nid]
        resolved = round(rng.uniform(45, 720), 2)
        state = NeedState(
            need=nid,
            intensity=round(rng.uniform(0.4, 1.0), 3),
            stage="purchasing",
            onset_days=round(resolved + rng.uniform(60, 400), 2),
            resolved_days=resolved,
        )
        if rng.random() < 0.75:
            category = self.catalog.category_by_id[rng.choice(self.catalog.serving[nid])]
            if category.incumbents:
                state.solution = rng.choice(category.incumbents)
                if state.solution not in company.current_techs():
                    company.techs.append(TechState(state.solution, resolved))
            if need.legacy:
                company.techs.append(
                    TechState(
                        rng.choice(need.legacy),
                        round(rng.uniform(1_500, 4_000), 2),
                        removed_days=round(max(1.0, resolved - rng.uniform(0, 30)), 2),
                    )
                )
        company.needs.append(state)

    def _add_funding(self, rng: random.Random, company: CompanyTruth) -> None:
        if company.growth not in ("startup", "scaleup") or company.real or rng.random() > 0.7:
            return
        rounds = rng.randint(1, 2) if company.growth == "startup" else rng.randint(2, 4)
        days = rng.uniform(20, 700)
        history: list[FundingRound] = []
        for step in reversed(range(rounds)):
            name, lo, hi = _ROUNDS[min(step, len(_ROUNDS) - 1)]
            history.append(
                FundingRound(name, round(rng.uniform(lo, hi), 1), round(days, 2), rng.choice(_INVESTORS))
            )
            days += rng.uniform(200, 600)
        company.funding = sorted(history, key=lambda r: -r.days_ago)

    def _budget(self, rng: random.Random, company: CompanyTruth) -> int:
        per_head = _PER_HEAD.get(company.sector, 900)
        growth = {"startup": 1.1, "scaleup": 1.4, "steady": 1.0, "declining": 0.6}[company.growth]
        budget = company.employees * per_head * growth * rng.lognormvariate(0.0, 0.5)
        budget += sum(r.amount_musd * 40_000 for r in company.funding if r.days_ago < 540)
        return max(500, int(round(budget, -2)))

    def _contacts(self, rng: random.Random, company: CompanyTruth) -> list[Contact]:
        count = rng.choices((0, 1, 2, 3), weights=(30, 35, 23, 12), k=1)[0] + (company.employees > 1_000)
        titles = [t for s in company.needs for t in self.catalog.needs[s.need].personas] or list(
            _GENERIC_TITLES
        )
        contacts: list[Contact] = []
        for _ in range(count):
            first, last = names.person_name(rng)
            local = f"{first}.{last}".lower()
            personal = rng.random() < 0.05
            email = (
                f"{local}{rng.randint(1, 99)}@{rng.choice(names.PERSONAL_EMAIL_DOMAINS)}"
                if personal
                else f"{local}@{company.domain}"
            )
            linkedin = (
                f"https://www.linkedin.com/in/{first.lower()}-{last.lower()}-{rng.getrandbits(24):06x}"
                if rng.random() < 0.5
                else None
            )
            contacts.append(Contact(f"{first} {last}", rng.choice(titles), email, linkedin, personal))
        return contacts


def fits_need_sectors(company: CompanyTruth, category: Category, catalog: Catalog) -> bool:
    return any(matches_prefix(company.naics, catalog.needs[n].sectors) for n in category.needs)
