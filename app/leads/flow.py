"""One uncached search from a parsed prompt to the reranked top K, shared by the service
(app/leads/service.py) and the benchmark (scripts/bench_search.py), so both time the same code.

By default (`overlap=False`, `SEARCH_OVERLAP_ANN`) the ANN query is awaited first, then the
candidates get their features in one pass. With `overlap=True` the pgvector query runs in
PostgreSQL while this process works: BM25, the fill order and the features of those candidates are
computed meanwhile, with a few turns of the event loop between them so the query leaves as soon as
the pool's checkout (pre-ping round trip) allows; when the ANN answers, only its hits outside those
candidates get features, and the ANN rank feature is filled in (`pipeline.complete_candidates`,
which gives what `candidate_rows` + `compute_features` give). Measured slower on this 2-core
machine (docs/BENCHMARKS.md "Search"), kept for machines where PostgreSQL has a core of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from sqlalchemy.ext.asyncio import AsyncEngine

from app.leads.pipeline import (
    DEFAULT_FILL,
    Fill,
    Prepared,
    Ranked,
    admissible,
    ann_ranks,
    bm25_candidates,
    candidate_rows,
    complete_candidates,
    features_of,
    fill_order,
    pending_from,
    prepare,
    reranked,
)
from app.leads.retrieve import ann_search
from app.leads.schemas import SearchFilters
from app.ranking.bm25 import Bm25Index
from app.ranking.columns import LeadStore
from app.ranking.embedding import Embedder
from app.ranking.features import Retrieval
from app.ranking.prompt import ParsedPrompt
from app.ranking.reranker import Reranker

# The ANN query of a prepared search: store rows per query vector, best first. It must set the
# event once its first query has been sent (app.leads.retrieve.ann_search(sent=...)).
AnnQuery = Callable[[Prepared, asyncio.Event], Awaitable[list[list[int]]]]


async def ann_rows(
    engine: AsyncEngine, *, store: LeadStore, prepared: Prepared, limit: int, sent: asyncio.Event
) -> list[list[int]]:
    """The pgvector ANN query of a prepared search (prompt + exemplar vectors), as store rows."""
    vectors = np.vstack([prepared.query_vec[None, :], prepared.exemplar_vecs])
    ids = await ann_search(engine, vectors=vectors, limit=limit, filters=prepared.filters, sent=sent)
    row_of_id = store.row_of_id
    return [[r for r in (row_of_id.get(i) for i in lst) if r is not None] for lst in ids]


SEND_TURNS = 4


class _SentAt(asyncio.Event):
    """An event that remembers when it was set."""

    at: float | None = None

    def set(self) -> None:
        self.at = time.perf_counter()
        super().set()


async def _let_ann_send(sent: asyncio.Event, task: asyncio.Future[list[list[int]]]) -> None:
    """Give the ANN task a few turns of the event loop (pool checkout, pre-ping reply) so that its
    query leaves as soon as it can, without waiting for it: the caller computes between turns."""
    for _ in range(SEND_TURNS):
        if sent.is_set() or task.done():
            return
        await asyncio.sleep(0)


@contextlib.contextmanager
def _no_meter() -> Iterator[None]:
    yield


@dataclass
class SearchRun:
    prepared: Prepared
    ranked: Ranked
    timings: dict[str, float] = field(default_factory=dict)  # seconds: embed, bm25, ann, features, rerank


async def _overlapped_candidates(
    *,
    store: LeadStore,
    prepared: Prepared,
    bm25: Mapping[int, tuple[int, float]],
    ann_task: asyncio.Future[list[list[int]]],
    sent: _SentAt,
    timings: dict[str, float],
    waited: float,
    budget: int,
    fill: Fill,
    cpu: Callable[[], AbstractContextManager[None]],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32], float]:
    """The fill and the features of BM25 + fill while the ANN query runs (turns given to it between
    the stages so it can leave), then only the ANN's own hits; returns rows, features and the time
    spent on the ANN in the event loop."""
    t = time.perf_counter()
    await _let_ann_send(sent, ann_task)
    waited += time.perf_counter() - t
    t = time.perf_counter()
    with cpu():
        bm25_rows = admissible(store, prepared, bm25)
        order = fill_order(store, prepared, bm25_rows, budget=budget, fill=fill)
    features_s = time.perf_counter() - t
    t = time.perf_counter()
    await _let_ann_send(sent, ann_task)
    waited += time.perf_counter() - t
    t = time.perf_counter()
    with cpu():
        pending = pending_from(store, prepared, bm25, bm25_rows, order, budget=budget)
    features_s += time.perf_counter() - t
    t = time.perf_counter()
    ann_lists = await ann_task
    waited += time.perf_counter() - t
    t = time.perf_counter()
    with cpu():
        rows, features = complete_candidates(store, prepared, pending, ann_ranks(ann_lists))
    timings["features"] = features_s + time.perf_counter() - t
    return rows, features, waited


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
    budget: int,
    k: int,
    fill: Fill = DEFAULT_FILL,
    overlap: bool = False,
    cpu: Callable[[], AbstractContextManager[None]] = _no_meter,
) -> SearchRun:
    """Timings: "ann" is the time spent in the event loop for the ANN (the turns that let its query
    leave, then the wait for the answer), the other stages the time of their own work; `cpu` wraps
    every synchronous block (cost meter)."""
    timings: dict[str, float] = {}
    t = time.perf_counter()
    with cpu():
        prepared = prepare(store=store, embedder=embedder, parsed=parsed, filters=filters, bm25=bm25_index)
    timings["embed"] = time.perf_counter() - t
    sent = _SentAt()
    t = started = time.perf_counter()
    ann_task = asyncio.ensure_future(ann_query(prepared, sent))
    try:
        if overlap:
            await _let_ann_send(sent, ann_task)
        else:
            await asyncio.wait([ann_task])
        waited = time.perf_counter() - t
        t = time.perf_counter()
        with cpu():
            bm25 = bm25_candidates(bm25_index, prepared, limit=bm25_k)
        timings["bm25"] = time.perf_counter() - t
        if overlap:
            rows, features, waited = await _overlapped_candidates(
                store=store,
                prepared=prepared,
                bm25=bm25,
                ann_task=ann_task,
                sent=sent,
                timings=timings,
                waited=waited,
                budget=budget,
                fill=fill,
                cpu=cpu,
            )
            timings["ann"] = waited
            # Of "ann": until the query left (pool checkout + pre-ping reply, under the computation).
            timings["ann_send"] = (sent.at or time.perf_counter()) - started
        else:
            # The ANN has answered: one pass over the final candidates (no features computed twice).
            timings["ann"] = timings["ann_send"] = waited
            t = time.perf_counter()
            with cpu():
                ann = ann_ranks(ann_task.result())
                rows = candidate_rows(store, prepared, bm25, ann, budget=budget, fill=fill)
                features = features_of(store, prepared, rows, Retrieval(bm25=bm25, ann=ann))
            timings["features"] = time.perf_counter() - t
        t = time.perf_counter()
        with cpu():
            top, raw, probabilities, top_features, matches = reranked(reranker, rows, features, k=k)
        timings["rerank"] = time.perf_counter() - t
        ranked = Ranked(
            rows=top,
            raw=raw,
            probabilities=probabilities,
            features=top_features,
            candidates=len(rows),
            features_s=timings["features"],
            rerank_s=timings["rerank"],
            matches=matches,
        )
        return SearchRun(prepared, ranked, timings)
    finally:
        ann_task.cancel()  # a no-op once it has answered; no orphan query when a stage fails
