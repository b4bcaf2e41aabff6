"""Hard filters: the vectorised mask equals a plain per-row reading of each filter (tiny world)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from app.core.config import Settings
from app.leads.candidates import HardFilters
from app.ranking.columns import LeadStore
from app.ranking.embedding import load_embedder
from app.ranking.text import tokenize
from tools.ranker_world import WORLD_NOW, build_offline_index, company_records, generate_world


@pytest.fixture(scope="module")
def store(base_settings: Settings) -> LeadStore:
    world = generate_world("tiny", seed=7, traffic=False)
    return build_offline_index(company_records(world), load_embedder(base_settings), now=WORLD_NOW).store


def reference(filters: HardFilters, store: LeadStore, row: int) -> bool:
    country, employees = store.country[row], int(store.employees[row])
    if row in filters.excluded_rows:
        return False
    if filters.countries and country not in filters.countries:
        return False
    if country and country in filters.excluded_countries:
        return False
    if filters.employees_min is not None and (employees < 0 or employees < filters.employees_min):
        return False
    if filters.employees_max is not None and (employees < 0 or employees > filters.employees_max):
        return False
    if filters.industries:
        label = (store.industries[row] or "").lower()
        sector = f"{int(store.sector[row]):02d}" if store.sector[row] else ""
        if not any(
            i == label or (i.isdigit() and (store.naics[row].startswith(i) or (len(i) == 2 and i == sector)))
            for i in filters.industries
        ):
            return False
    techs = store.tech_tokens[row]
    if not all(t <= techs for t in filters.technologies):
        return False
    return not any(t <= techs for t in filters.excluded_terms)


def test_mask_matches_the_reference_for_random_filters(store: LeadStore) -> None:
    rng = random.Random(11)

    def pick(population: list[str], *sizes: int) -> list[str]:
        return rng.sample(population, min(len(population), rng.choice(sizes)))

    rows = np.arange(store.size, dtype=np.int64)
    countries = sorted({c for c in store.country if c})
    industries = sorted({(i or "").lower() for i in store.industries if i})
    naics = sorted({n[:k] for n in store.naics if n for k in (2, 3, 4)})
    techs = sorted({t for ts in store.tech_tokens for t in ts})
    assert countries
    assert industries
    assert techs
    for _ in range(60):
        filters = HardFilters(
            countries=frozenset(pick(countries, 0, 1, 2)),
            excluded_countries=frozenset(pick(countries, 0, 0, 1)),
            employees_min=rng.choice([None, 10, 200]),
            employees_max=rng.choice([None, 500, 5000]),
            industries=tuple(pick(industries, 0, 0, 1, 2) + pick(naics, 0, 1)),
            technologies=tuple(frozenset(tokenize(t)) for t in pick(techs, 0, 0, 1)),
            excluded_terms=tuple(frozenset(tokenize(t)) for t in pick(techs, 0, 1)),
            excluded_rows=frozenset(rng.sample(range(store.size), 5)),
        )
        got = filters.mask(store, rows)
        want = np.array([reference(filters, store, int(r)) for r in rows])
        assert (got == want).all(), filters
        assert filters.allows(store, int(rows[0])) == bool(want[0])
