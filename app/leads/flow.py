"""One search, top to bottom: each stage once, in order, each taking and returning typed values.

    prepare     app/leads/prepare.py      parsed prompt -> Prepared (query vector, exemplars)
    candidates  app/leads/candidates.py   Prepared -> Candidates (hard filters, BM25, ANN, fill)
    cut         app/leads/cut.py          Candidates -> the best few of them by cheap columns
                                          (only with a first-stage cut: `CandidateSpec.cut`)
    features    app/ranking/features.py   Candidates -> feature matrix (unless computed while the
                                          ANN ran: `overlap`)
    rerank      app/leads/rerank.py       features -> Ranked (top K, probabilities, match scores)

The parse (with the LLM refinement) comes before, in the caller; the hydration and explanation of
the K leads after (app/leads/service.py with app/leads/hydrate.py and app/ranking/explain.py).
The service, the deep ranking of campaigns, the benchmark (scripts/bench_search.py) and the offline
evaluation and training sets (tools/ranker_eval.py, `run_candidates`: the stages before the
rerank) run this code, so all of them measure what is served. No stage calls back into this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from app.leads.candidates import (
    CANDIDATE_BUDGET,
    DEFAULT_CUT,
    DEFAULT_FILL,
    AnnQuery,
    Candidates,
    CandidateSpec,
    Fill,
    find_candidates,
    no_meter,
)
from app.leads.cut import first_stage_cut
from app.leads.prepare import FloatArray, Prepared, prepare
from app.leads.rerank import Ranked, rerank
from app.leads.schemas import SearchFilters
from app.ranking.bm25 import Bm25Index
from app.ranking.columns import LeadStore
from app.ranking.embedding import Embedder
from app.ranking.features import request_features
from app.ranking.prompt import ParsedPrompt
from app.ranking.reranker import Reranker


@dataclass(frozen=True, slots=True)
class CandidateRun:
    prepared: Prepared
    candidates: Candidates
    features: FloatArray  # of candidates.rows
    timings: dict[str, float]  # seconds: embed, bm25, ann, ann_send, features


@dataclass(frozen=True, slots=True)
class SearchRun:
    prepared: Prepared
    candidates: Candidates
    ranked: Ranked
    timings: dict[str, float]  # seconds: embed, bm25, ann, ann_send, features, rerank


async def run_search(
    *,
    store: LeadStore,
    bm25_index: Bm25Index,
    embedder: Embedder,
    reranker: Reranker,
    parsed: ParsedPrompt,
    filters: SearchFilters,
    ann_query: AnnQuery,
    bm25_k: int,
    budget: int = CANDIDATE_BUDGET,
    k: int,
    fill: Fill = DEFAULT_FILL,
    overlap: bool = False,
    cut: int = DEFAULT_CUT,
    cpu: Callable[[], AbstractContextManager[None]] = no_meter,
) -> SearchRun:
    """The top `k` for a parsed prompt. Timings: "ann" is the time spent in the event loop for the
    ANN (the turns that let its query leave, then the wait for its answer), the other stages the
    time of their own work; `cpu` wraps every synchronous block (cost meter)."""
    keep = max(cut, k) if cut > 0 else 0  # a cut never leaves fewer than the K asked for
    spec = CandidateSpec(bm25_k=bm25_k, budget=budget, fill=fill, overlap=overlap, cut=keep)
    run = await run_candidates(
        parsed,
        filters,
        spec,
        store=store,
        bm25_index=bm25_index,
        embedder=embedder,
        ann_query=ann_query,
        cpu=cpu,
    )
    t = time.perf_counter()
    with cpu():
        ranked = rerank(reranker, run.candidates.rows, run.features, k=k)
    timings = {**run.timings, "rerank": time.perf_counter() - t}
    return SearchRun(run.prepared, run.candidates, ranked, timings)


async def run_candidates(
    parsed: ParsedPrompt,
    filters: SearchFilters,
    spec: CandidateSpec,
    *,
    store: LeadStore,
    bm25_index: Bm25Index,
    embedder: Embedder,
    ann_query: AnnQuery,
    cpu: Callable[[], AbstractContextManager[None]] = no_meter,
) -> CandidateRun:
    """The stages before the rerank: every candidate with its features."""
    timings: dict[str, float] = {}
    t = time.perf_counter()
    with cpu():
        prepared = prepare(store=store, embedder=embedder, parsed=parsed, filters=filters)
    timings["embed"] = time.perf_counter() - t
    candidates = await find_candidates(
        prepared, spec, store=store, bm25_index=bm25_index, ann_query=ann_query, cpu=cpu
    )
    timings.update(candidates.timings)
    t = time.perf_counter()
    with cpu():
        candidates = first_stage_cut(store, parsed, candidates, keep=spec.cut)
        features = candidates.features
        if features is None:
            features = prepared.features(store, candidates.rows, candidates.retrieval)
        request_features(features)
    timings["features"] += time.perf_counter() - t
    return CandidateRun(prepared, candidates, features, timings)
