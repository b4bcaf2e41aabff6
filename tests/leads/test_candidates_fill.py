"""The intent prior, the third candidate source: it fills the budget, respects the hard filters and
never repeats what BM25 and the ANN already returned (tiny world, offline index, no database)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.config import Settings
from app.leads.candidates import (
    FILL_POOL,
    FUSED_WEIGHTS,
    candidate_rows,
    descending_ranks,
    fill_signals,
    fused_candidates,
    hard_filters,
    top_rows,
)
from app.leads.prepare import prepare
from app.leads.prior import prior_picks, prior_scores
from app.leads.schemas import SearchFilters
from app.ranking.embedding import load_embedder
from app.ranking.prompt import parse_prompt
from tests.leads.world_loader import tiny_world
from tools.ranker_world import WORLD_NOW, OfflineIndex, build_offline_index, company_records


@pytest.fixture(scope="module")
def index(base_settings: Settings) -> OfflineIndex:
    return build_offline_index(company_records(tiny_world()), load_embedder(base_settings), now=WORLD_NOW)


def test_prior_fills_the_budget_after_the_filters(index: OfflineIndex, base_settings: Settings) -> None:
    store = index.store
    parsed = parse_prompt("Accounts payable automation for mid-size manufacturers in the US")
    prepared = prepare(
        store=store,
        embedder=load_embedder(base_settings),
        parsed=parsed,
        filters=SearchFilters(countries=["US"]),
    )
    us = [r for r in range(store.size) if store.country[r] == "US"]
    a, b, c, foreign = us[0], us[1], us[2], store.country.index("DE")
    bm25 = {a: (0, 3.0), b: (1, 2.0), foreign: (2, 1.0)}
    ann = {b: 0, c: 1}
    filters = hard_filters(store, prepared, None)
    rows = candidate_rows(store, prepared, filters, bm25, ann, budget=60)
    assert len(rows) == 60
    assert len(set(rows.tolist())) == 60
    assert {a, b, c} <= set(rows.tolist())
    assert all(store.country[r] == "US" for r in rows.tolist())  # the API filter holds for every source
    # A budget the retrievers already fill adds nothing.
    assert candidate_rows(store, prepared, filters, bm25, ann, budget=2).tolist() == sorted([a, b, c])


def test_prior_order_and_exclusions(index: OfflineIndex, base_settings: Settings) -> None:
    store = index.store
    parsed = parse_prompt("Payroll software for small software companies")
    prepared = prepare(
        store=store,
        embedder=load_embedder(base_settings),
        parsed=parsed,
        filters=SearchFilters(exclude_domains=[store.domains[0]]),
    )
    scores = prior_scores(store, parsed)
    best = [int(r) for r in np.lexsort((np.arange(store.size), -scores))[:40]]
    taken = best[:10]
    filters = hard_filters(store, prepared, None)
    picked = prior_picks(store=store, parsed=parsed, filters=filters, taken=taken, count=20)
    assert len(picked) == 20
    assert not set(picked.tolist()) & set(taken)
    assert 0 not in picked.tolist()  # excluded domain
    assert (np.diff(scores[picked]) <= 0).all()  # best prior first
    expected = [r for r in best[10:] if r != 0][:20]
    assert picked.tolist() == expected


def test_prior_favours_the_parsed_sector(index: OfflineIndex) -> None:
    store = index.store
    plain = prior_scores(store, parse_prompt("tools for companies"))
    targeted = prior_scores(store, parse_prompt("tools for banks"))
    banks = store.sector[: store.size] == 52
    assert banks.any()
    assert np.allclose(targeted[banks], plain[banks])
    assert np.allclose(targeted[~banks], 0.5 * plain[~banks])


@given(
    scores=st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, float("-inf")]), min_size=1, max_size=200),
    window=st.integers(min_value=1, max_value=250),
)
def test_top_rows_is_the_exact_best_first_order_whatever_the_ties(scores: list[float], window: int) -> None:
    score = np.array(scores, dtype=np.float32)
    expected = np.lexsort((np.arange(len(score)), -score))[:window]
    assert top_rows(score, window).tolist() == expected.tolist()


def test_fused_fill_respects_filters_and_taken_and_fuses_ranks(
    index: OfflineIndex, base_settings: Settings
) -> None:
    store = index.store
    embedder = load_embedder(base_settings)
    parsed = parse_prompt("CRM for mid-size software companies in the US")
    prepared = prepare(store=store, embedder=embedder, parsed=parsed, filters=SearchFilters(countries=["US"]))
    taken = [r for r in range(store.size) if store.country[r] == "US"][:15]

    def fill(count: int, pool: int = FILL_POOL) -> np.ndarray:
        return fused_candidates(
            store=store,
            parsed=parsed,
            query_vec=prepared.query_vec,
            filters=hard_filters(store, prepared, None),
            taken=taken,
            count=count,
            pool=pool,
        )

    picked = fill(80)
    assert len(picked) == len(set(picked.tolist())) == 80
    assert not set(picked.tolist()) & set(taken)
    assert all(store.country[r] == "US" for r in picked.tolist())
    # With a pool covering every admissible row, the order is the weighted reciprocal-rank fusion.
    everything = fill(store.size, pool=store.size)
    rows = np.sort(everything)
    prior, fit = fill_signals(store, parsed)
    q = prepared.query_vec
    values = {
        "prior": prior[rows],
        "fit": fit[rows],
        "cos_doc": store.doc_vec.get(rows) @ q,
        "cos_intent": store.intent_vec.get(rows) @ q,
    }
    fused = np.zeros(len(rows))
    for name, weight in FUSED_WEIGHTS.items():
        fused += weight / (61.0 + descending_ranks(values[name]))
    assert everything.tolist() == rows[np.lexsort((rows, -fused))].tolist()
    assert fill(0).tolist() == []
