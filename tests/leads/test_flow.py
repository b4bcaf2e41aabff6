"""The search flow (app/leads/flow.py) ranks exactly what its stages give one after the other, with
the ANN overlapped or not: the candidates and features computed around the ANN's answer equal
`candidate_rows` + the features stage, and the order of the steps never changes the answer (tiny
world, offline index; the ANN answer is the offline exact search the evaluation uses, the pgvector
query itself is covered through the API in test_search_behaviour.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from app.core.config import Settings
from app.leads.candidates import (
    CANDIDATE_BUDGET,
    DEFAULT_CUT,
    DEFAULT_FILL,
    AnnRequest,
    Candidates,
    Fill,
    HardFilters,
    ann_ranks,
    bm25_hits,
    candidate_rows,
    complete_candidates,
    exact_ann,
    hard_filters,
    pending_candidates,
)
from app.leads.cut import cut_scores, first_stage_cut
from app.leads.flow import run_search
from app.leads.prepare import Prepared, prepare
from app.leads.rerank import rerank
from app.leads.schemas import SearchFilters
from app.ranking.embedding import Embedder, load_embedder
from app.ranking.features import Retrieval
from app.ranking.prompt import parse_prompt
from app.ranking.reranker import heuristic_reranker
from tests.leads.world_loader import tiny_world
from tools.ranker_world import WORLD_NOW, OfflineIndex, build_offline_index, company_records

PROMPTS: list[tuple[str, dict[str, Any]]] = [
    ("Accounts payable automation for mid-size manufacturers in the US", {"countries": ["US"]}),
    ("CRM for small software companies, not already using Salesforce", {}),
    ("Payroll software like Acme for companies outside the US", {"employees_min": 50}),
    ("IoT sensors that watch refrigeration temperatures for food distributors", {}),
]


@pytest.fixture(scope="module")
def embedder(base_settings: Settings) -> Embedder:
    return load_embedder(base_settings)


@pytest.fixture(scope="module")
def index(embedder: Embedder) -> OfflineIndex:
    return build_offline_index(company_records(tiny_world()), embedder, now=WORLD_NOW)


def _ann(index: OfflineIndex, prepared: Prepared, filters: HardFilters, limit: int) -> list[list[int]]:
    vectors = np.vstack([prepared.query_vec[None, :], prepared.exemplar_vecs])
    return [
        [r for r in lst if filters.allows(index.store, r)][:limit]
        for lst in exact_ann(index.store, vectors, limit=limit * 3)
    ]


def test_offline_scripts_default_to_the_served_fill() -> None:
    assert Settings.model_fields["search_fill"].default == DEFAULT_FILL
    assert Settings.model_fields["search_candidate_budget"].default == CANDIDATE_BUDGET
    assert Settings.model_fields["search_first_stage_cut"].default == DEFAULT_CUT


@pytest.mark.parametrize(("text", "filters"), PROMPTS)
@pytest.mark.parametrize(("bm25_k", "ann_k", "budget"), [(300, 100, 500), (50, 200, 120), (20, 20, 30)])
@pytest.mark.parametrize("fill", ["prior", "fused"])
def test_candidates_around_the_ann_equal_the_one_shot_pipeline(
    index: OfflineIndex,
    embedder: Embedder,
    text: str,
    filters: dict[str, Any],
    bm25_k: int,
    ann_k: int,
    budget: int,
    fill: Fill,
) -> None:
    store = index.store
    prepared = prepare(
        store=store, embedder=embedder, parsed=parse_prompt(text), filters=SearchFilters(**filters)
    )
    hard = hard_filters(store, prepared, index.bm25)
    bm25 = bm25_hits(index.bm25, prepared, limit=bm25_k)
    ann = ann_ranks(_ann(index, prepared, hard, ann_k))
    expected_rows = candidate_rows(store, prepared, hard, bm25, ann, budget=budget, fill=fill)
    expected = prepared.features(store, expected_rows, Retrieval(bm25=bm25, ann=ann))
    pending = pending_candidates(store, prepared, hard, bm25, budget=budget, fill=fill)
    rows, features = complete_candidates(store, hard, pending, ann)
    assert rows.tolist() == expected_rows.tolist()
    np.testing.assert_allclose(features, expected, rtol=1e-5, atol=1e-6)
    # An ANN that returns nothing (or fails over to nothing) leaves BM25 + the prior.
    rows, _ = complete_candidates(store, hard, pending, {})
    assert rows.tolist() == candidate_rows(store, prepared, hard, bm25, {}, budget=budget, fill=fill).tolist()


@pytest.mark.parametrize("overlap", [True, False])
async def test_run_search_ranks_what_the_stages_rank(
    index: OfflineIndex, embedder: Embedder, overlap: bool
) -> None:
    store, reranker = index.store, heuristic_reranker()
    for text, filters in PROMPTS:
        parsed, search_filters = parse_prompt(text), SearchFilters(**filters)

        async def ann_query(request: AnnRequest, sent: asyncio.Event) -> list[list[int]]:
            sent.set()
            await asyncio.sleep(0.001)  # the answer comes later, as from PostgreSQL
            return [
                [r for r in lst if request.filters.allows(store, r)][:100]
                for lst in exact_ann(store, request.vectors, limit=300)
            ]

        run = await run_search(
            store=store,
            bm25_index=index.bm25,
            embedder=embedder,
            reranker=reranker,
            parsed=parsed,
            filters=search_filters,
            ann_query=ann_query,
            bm25_k=300,
            budget=500,
            k=25,
            overlap=overlap,
            cut=0,  # every candidate: the cut has its own test below
        )
        prepared = prepare(store=store, embedder=embedder, parsed=parsed, filters=search_filters)
        hard = hard_filters(store, prepared, index.bm25)
        bm25 = bm25_hits(index.bm25, prepared, limit=300)
        ann = ann_ranks(_ann(index, prepared, hard, 100))
        rows = candidate_rows(store, prepared, hard, bm25, ann, budget=500)
        features = prepared.features(store, rows, Retrieval(bm25=bm25, ann=ann))
        expected = rerank(reranker, rows, features, k=25)
        assert run.ranked.rows.tolist() == expected.rows.tolist()
        assert run.ranked.candidates == expected.candidates
        np.testing.assert_allclose(run.ranked.raw, expected.raw, rtol=1e-5)
        assert set(run.timings) >= {"embed", "bm25", "ann", "features", "rerank"}


@pytest.mark.parametrize("overlap", [True, False])
async def test_run_search_neither_hangs_nor_swallows_an_ann_failure(
    index: OfflineIndex, embedder: Embedder, overlap: bool
) -> None:
    async def failing(request: AnnRequest, sent: asyncio.Event) -> list[list[int]]:
        raise ConnectionError("PostgreSQL is down")  # before the query was sent: `sent` never set

    async def silent(request: AnnRequest, sent: asyncio.Event) -> list[list[int]]:
        return []  # nothing to send (no vectors)

    common: dict[str, Any] = {
        "store": index.store,
        "bm25_index": index.bm25,
        "embedder": embedder,
        "reranker": heuristic_reranker(),
        "parsed": parse_prompt(PROMPTS[0][0]),
        "filters": SearchFilters(),
        "bm25_k": 300,
        "budget": 500,
        "k": 10,
        "overlap": overlap,
        "cut": 0,
    }
    with pytest.raises(ConnectionError):
        await asyncio.wait_for(run_search(ann_query=failing, **common), timeout=30)
    run = await asyncio.wait_for(run_search(ann_query=silent, **common), timeout=30)
    assert run.ranked.candidates == 500


@pytest.mark.parametrize("overlap", [True, False])
async def test_the_first_stage_cut_ranks_the_best_candidates_by_cheap_columns(
    index: OfflineIndex, embedder: Embedder, overlap: bool
) -> None:
    store, reranker = index.store, heuristic_reranker()
    text, filters = PROMPTS[0]
    parsed, search_filters = parse_prompt(text), SearchFilters(**filters)

    async def ann_query(request: AnnRequest, sent: asyncio.Event) -> list[list[int]]:
        sent.set()
        return [
            [r for r in lst if request.filters.allows(store, r)][:100]
            for lst in exact_ann(store, request.vectors, limit=300)
        ]

    common: dict[str, Any] = {
        "store": store,
        "bm25_index": index.bm25,
        "embedder": embedder,
        "reranker": reranker,
        "parsed": parsed,
        "filters": search_filters,
        "ann_query": ann_query,
        "bm25_k": 300,
        "budget": 500,
        "overlap": overlap,
    }
    whole = await run_search(k=25, cut=0, **common)
    cut = await run_search(k=25, cut=150, **common)
    assert whole.ranked.candidates > 200
    assert cut.ranked.candidates == 150
    kept = first_stage_cut(store, parsed, whole.candidates, keep=150)
    assert len(kept.rows) == 150
    assert kept.rows.tolist() == sorted(kept.rows.tolist())
    # The kept rows are the best by the fused score; what is ranked is exactly them.
    score = dict(
        zip(whole.candidates.rows.tolist(), cut_scores(store, parsed, whole.candidates), strict=True)
    )
    worst_kept = min(score[r] for r in kept.rows.tolist())
    assert all(s <= worst_kept for r, s in score.items() if r not in set(kept.rows.tolist()))
    features = prepare(store=store, embedder=embedder, parsed=parsed, filters=search_filters).features(
        store, kept.rows, whole.candidates.retrieval
    )
    expected = rerank(reranker, kept.rows, features, k=25)
    assert cut.ranked.rows.tolist() == expected.rows.tolist()
    # Never fewer candidates than the K asked for; no cut when there are few candidates, or at 0.
    assert (await run_search(k=200, cut=150, **common)).ranked.candidates == 200
    same: Candidates = first_stage_cut(store, parsed, whole.candidates, keep=0)
    assert same is whole.candidates
    assert first_stage_cut(store, parsed, whole.candidates, keep=900) is whole.candidates
