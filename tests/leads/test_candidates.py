"""Hard filters: the vectorised mask equals a plain per-row reading of each filter; the in-process
filtered ANN is the exact search restricted to them (tiny world)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from app.core.config import Settings
from app.leads.candidates import HardFilters, exact_ann, exact_filtered_ann, sql_filter_rows
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


def random_filters(store: LeadStore, seed: int, count: int) -> list[HardFilters]:
    rng = random.Random(seed)

    def pick(population: list[str], *sizes: int) -> list[str]:
        return rng.sample(population, min(len(population), rng.choice(sizes)))

    countries = sorted({c for c in store.country if c})
    industries = sorted({(i or "").lower() for i in store.industries if i})
    naics = sorted({n[:k] for n in store.naics if n for k in (2, 3, 4)})
    techs = sorted({t for ts in store.tech_tokens for t in ts})
    assert countries
    assert industries
    assert techs
    return [
        HardFilters(
            countries=frozenset(pick(countries, 0, 1, 2)),
            excluded_countries=frozenset(pick(countries, 0, 0, 1)),
            employees_min=rng.choice([None, 10, 200]),
            employees_max=rng.choice([None, 500, 5000]),
            industries=tuple(pick(industries, 0, 0, 1, 2) + pick(naics, 0, 1)),
            technologies=tuple(frozenset(tokenize(t)) for t in pick(techs, 0, 0, 1)),
            excluded_terms=tuple(frozenset(tokenize(t)) for t in pick(techs, 0, 1)),
            excluded_rows=frozenset(rng.sample(range(store.size), 5)),
        )
        for _ in range(count)
    ]


def test_mask_matches_the_reference_for_random_filters(store: LeadStore) -> None:
    rows = np.arange(store.size, dtype=np.int64)
    for filters in random_filters(store, 11, 60):
        got = filters.mask(store, rows)
        want = np.array([reference(filters, store, int(r)) for r in rows])
        assert (got == want).all(), filters
        assert filters.allows(store, int(rows[0])) == bool(want[0])


def sql_reference(filters: HardFilters, store: LeadStore, row: int) -> bool:
    """`HardFilters.sql` read row by row: what pgvector's query keeps."""
    country, employees = store.country[row] or None, int(store.employees[row])
    known = employees >= 0
    return (
        (not filters.countries or country in filters.countries)
        and (country is None or country not in filters.excluded_countries)
        and (filters.employees_min is None or (known and employees >= filters.employees_min))
        and (filters.employees_max is None or (known and employees <= filters.employees_max))
    )


def test_sql_filter_rows_are_the_rows_the_ann_sql_keeps(store: LeadStore) -> None:
    for filters in random_filters(store, 12, 60):
        rows = sql_filter_rows(filters, store)
        if not (filters.countries or filters.excluded_countries) and (
            filters.employees_min is None and filters.employees_max is None
        ):
            assert rows is None
            continue
        assert rows is not None
        want = [r for r in range(store.size) if sql_reference(filters, store, r)]
        assert rows.tolist() == want, filters


def test_exact_filtered_ann_is_the_exact_search_under_the_filters(store: LeadStore) -> None:
    rng = np.random.default_rng(5)
    everything = np.arange(store.size, dtype=np.int64)
    for filters in random_filters(store, 13, 40):
        noise = rng.normal(0, 0.05, (2, store.dim)).astype(np.float32)
        vectors = store.doc_vec.get(rng.integers(0, store.size, 2)) + noise
        rows = sql_filter_rows(filters, store)
        rows = everything if rows is None else rows
        got = exact_filtered_ann(store, vectors, rows, filters, limit=25)
        allowed = filters.mask(store, everything)
        for j, lst in enumerate(exact_ann(store, vectors, limit=store.size)):
            want = [r for r in lst if allowed[r]][:25]
            assert got[j] == want  # no ties: the query vectors carry noise
