"""The synchronous stages of a search, shared by the service and the offline scripts.

prepare (parse + embed) -> BM25 candidates -> [ANN candidates, async in the service] -> union,
hard filters, filled to the candidate budget by the intent prior -> features -> rerank + calibrate
-> top K. Pure with respect to I/O.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from app.leads.prior import fused_candidates, prior_candidates
from app.leads.retrieve import HardFilters
from app.leads.schemas import SearchFilters
from app.ranking.bm25 import Bm25Index
from app.ranking.columns import LeadStore
from app.ranking.embedding import Embedder
from app.ranking.features import FEATURE_NAMES, Retrieval, compute_features, set_ann_rrf
from app.ranking.prompt import ParsedPrompt
from app.ranking.reranker import Reranker

FloatArray = npt.NDArray[np.float32]
# Candidates reranked per query: BM25 and ANN first, the intent prior fills the rest (app/leads/prior.py).
# The service reads SEARCH_CANDIDATE_BUDGET (same default); the offline scripts take --budget.
CANDIDATE_BUDGET = 500
# What fills the budget after BM25 and the ANN (SEARCH_FILL): the intent prior's order, or the fused
# order of the prior, firmographic fit and two cosines (app/leads/prior.py). The default is the served
# one (Settings.search_fill), so the offline scripts (evaluate, the training dataset) see what is served.
Fill = Literal["prior", "fused"]
DEFAULT_FILL: Fill = "prior"
_IDX = {name: i for i, name in enumerate(FEATURE_NAMES)}


@dataclass(frozen=True, slots=True)
class Prepared:
    parsed: ParsedPrompt
    query_vec: FloatArray
    exemplar_rows: tuple[int, ...]
    exemplar_vecs: FloatArray
    filters: HardFilters


@dataclass(frozen=True, slots=True)
class Ranked:
    rows: npt.NDArray[np.int64]  # top K, best first
    raw: npt.NDArray[np.float64]
    probabilities: npt.NDArray[np.float64]
    features: FloatArray
    candidates: int
    features_s: float = 0.0
    rerank_s: float = 0.0
    matches: npt.NDArray[np.float64] | None = None  # 0-100 match scores (`match_scores`)


def prepare(
    *,
    store: LeadStore,
    embedder: Embedder,
    parsed: ParsedPrompt,
    filters: SearchFilters,
    bm25: Bm25Index | None = None,
) -> Prepared:
    """`bm25`: the index that finds the companies naming a topic the prompt rules out (none: no
    topic exclusion)."""
    # The semantic query drops exemplar names and exclusions: they are handled by their own stages.
    query_text = " ".join(parsed.keywords) or parsed.text
    query_vec = embedder.embed([parsed.text + " " + query_text])[0]
    rows = [r for r in (store.find(name) for name in parsed.exemplars) if r is not None]
    ex_vecs = store.doc_vec.get(rows) if rows else np.zeros((0, store.dim), dtype=np.float32)
    topic_rows: list[int] = []
    if bm25 is not None:
        for topic in parsed.excluded_topics:
            topic_rows.extend(bm25.rows_with_all(topic.split()))
    hard = HardFilters.build(
        filters=filters, parsed=parsed, store=store, exemplar_rows=rows, topic_rows=topic_rows
    )
    return Prepared(parsed, query_vec, tuple(rows), ex_vecs, hard)


def bm25_candidates(index: Bm25Index, prepared: Prepared, *, limit: int) -> dict[int, tuple[int, float]]:
    rows, scores = index.search(list(prepared.parsed.keywords), limit=limit)
    return {int(r): (rank, float(s)) for rank, (r, s) in enumerate(zip(rows, scores, strict=True))}


def exact_ann(store: LeadStore, vectors: FloatArray, *, limit: int) -> list[list[int]]:
    """Exact cosine top-`limit` rows per vector over the store (offline stand-in for pgvector HNSW)."""
    if store.size == 0 or len(vectors) == 0:
        return []
    sims = store.doc_vec.get(slice(0, store.size)) @ vectors.astype(np.float32).T
    out = []
    for j in range(sims.shape[1]):
        col = sims[:, j]
        k = min(limit, len(col))
        top = np.argpartition(-col, k - 1)[:k]
        out.append(top[np.argsort(-col[top])].tolist())
    return out


def ann_ranks(lists: Sequence[Sequence[int]]) -> dict[int, int]:
    ranks: dict[int, int] = {}
    for lst in lists:
        for rank, row in enumerate(lst):
            if rank < ranks.get(row, 1 << 30):
                ranks[row] = rank
    return ranks


def admissible(store: LeadStore, prepared: Prepared, rows: Iterable[int]) -> npt.NDArray[np.int64]:
    """`rows` that exist and pass the hard filters, sorted."""
    out = np.fromiter(sorted(set(rows)), dtype=np.int64)
    out = out[out < store.size]
    return out[prepared.filters.mask(store, out)]


def fill_order(
    store: LeadStore, prepared: Prepared, bm25_rows: npt.NDArray[np.int64], *, budget: int, fill: Fill
) -> npt.NDArray[np.int64]:
    """Rows that may fill the budget after the BM25 hits, best first: enough for any ANN answer (the
    ones the ANN also returned are skipped), and independent of it, so it can be computed while
    the ANN query runs."""
    count = budget - len(bm25_rows)
    parsed, filters = prepared.parsed, prepared.filters
    if fill == "fused":
        return fused_candidates(
            store=store,
            parsed=parsed,
            query_vec=prepared.query_vec,
            filters=filters,
            taken=bm25_rows,
            count=count,
        )
    return prior_candidates(store=store, parsed=parsed, filters=filters, taken=bm25_rows, count=count)


def merge_candidates(
    bm25_rows: npt.NDArray[np.int64],
    ann_rows: npt.NDArray[np.int64],
    fill: npt.NDArray[np.int64],
    budget: int,
) -> npt.NDArray[np.int64]:
    union = np.union1d(bm25_rows, ann_rows)
    extra = fill[~np.isin(fill, ann_rows)][: max(budget - len(union), 0)]
    return np.sort(np.concatenate([union, extra]))


def candidate_rows(
    store: LeadStore,
    prepared: Prepared,
    bm25: Mapping[int, tuple[int, float]],
    ann: Mapping[int, int],
    *,
    budget: int = CANDIDATE_BUDGET,
    fill: Fill = DEFAULT_FILL,
) -> npt.NDArray[np.int64]:
    """Union of the retrievers after the hard filters, filled up to `budget` (`fill_order`)."""
    bm25_rows = admissible(store, prepared, bm25)
    order = fill_order(store, prepared, bm25_rows, budget=budget, fill=fill)
    return merge_candidates(bm25_rows, admissible(store, prepared, ann), order, budget)


def features_of(
    store: LeadStore, prepared: Prepared, rows: npt.NDArray[np.int64], retrieval: Retrieval
) -> FloatArray:
    return compute_features(
        store=store,
        rows=rows,
        parsed=prepared.parsed,
        query_vec=prepared.query_vec,
        exemplar_vecs=prepared.exemplar_vecs,
        exemplar_rows=prepared.exemplar_rows,
        retrieval=retrieval,
    )


@dataclass(frozen=True, slots=True)
class Pending:
    """What is known before the ANN answers: the BM25 hits and the prior's fill (best first, enough
    for any ANN answer), with their features (the ANN rank feature still 0)."""

    bm25: Mapping[int, tuple[int, float]]
    bm25_rows: npt.NDArray[np.int64]  # admissible, sorted
    fill: npt.NDArray[np.int64]  # admissible, not BM25 hits, best first (`fill_order`)
    rows: npt.NDArray[np.int64]  # bm25_rows + fill, sorted
    features: FloatArray  # of `rows`
    budget: int


def pending_candidates(
    store: LeadStore,
    prepared: Prepared,
    bm25: Mapping[int, tuple[int, float]],
    *,
    budget: int,
    fill: Fill = DEFAULT_FILL,
) -> Pending:
    bm25_rows = admissible(store, prepared, bm25)
    order = fill_order(store, prepared, bm25_rows, budget=budget, fill=fill)
    return pending_from(store, prepared, bm25, bm25_rows, order, budget=budget)


def pending_from(
    store: LeadStore,
    prepared: Prepared,
    bm25: Mapping[int, tuple[int, float]],
    bm25_rows: npt.NDArray[np.int64],
    order: npt.NDArray[np.int64],
    *,
    budget: int,
) -> Pending:
    """The pending candidates' features, from `admissible` BM25 rows and the `fill_order`."""
    rows = np.sort(np.concatenate([bm25_rows, order]))
    features = features_of(store, prepared, rows, Retrieval(bm25=bm25, ann={}))
    return Pending(bm25, bm25_rows, order, rows, features, budget)


def complete_candidates(
    store: LeadStore, prepared: Prepared, pending: Pending, ann: Mapping[int, int]
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """The candidates and features `candidate_rows` + `compute_features` give once the ANN has
    answered, reusing the pending rows' features: only ANN hits outside them are computed now."""
    rows = merge_candidates(pending.bm25_rows, admissible(store, prepared, ann), pending.fill, pending.budget)
    features = np.empty((len(rows), len(FEATURE_NAMES)), dtype=np.float32)
    known = np.isin(rows, pending.rows)
    features[known] = pending.features[np.searchsorted(pending.rows, rows[known])]
    if not known.all():
        retrieval = Retrieval(bm25=pending.bm25, ann=ann)
        features[~known] = features_of(store, prepared, rows[~known], retrieval)
    set_ann_rrf(features, rows, ann)
    return rows, features


def match_scores(
    top_raw: npt.NDArray[np.float64], pool_raw: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """0-100 match scores: the model's raw score placed between the worst (0) and the best (100)
    candidate of the same search; 100 for all when the candidates are tied."""
    if len(pool_raw) == 0:
        return np.zeros(len(top_raw))
    low, high = float(pool_raw.min()), float(pool_raw.max())
    if high - low <= 1e-12:
        return np.full(len(top_raw), 100.0)
    return np.round(100.0 * (top_raw - low) / (high - low), 1)


def reranked(
    reranker: Reranker, rows: npt.NDArray[np.int64], features: FloatArray, *, k: int
) -> tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    FloatArray,
    npt.NDArray[np.float64],
]:
    """Top `k` rows, raw scores, calibrated probabilities, features and 0-100 match scores, best first."""
    raw = reranker.raw_scores(features)
    order = np.lexsort((rows, -raw))[:k]  # ties broken by row for determinism
    top_raw = raw[order]
    return rows[order], top_raw, reranker.probabilities(top_raw), features[order], match_scores(top_raw, raw)


def rank(
    *,
    store: LeadStore,
    prepared: Prepared,
    reranker: Reranker,
    bm25: Mapping[int, tuple[int, float]],
    ann: Mapping[int, int],
    k: int,
    budget: int = CANDIDATE_BUDGET,
    fill: Fill = DEFAULT_FILL,
) -> Ranked:
    """Candidates, features and rerank in one go (the offline scripts; the service overlaps the ANN
    query with the first part: app/leads/flow.py)."""
    started = time.perf_counter()
    rows = candidate_rows(store, prepared, bm25, ann, budget=budget, fill=fill)
    features = features_of(store, prepared, rows, Retrieval(bm25=bm25, ann=ann))
    features_s = time.perf_counter() - started
    top, raw, probabilities, top_features, matches = reranked(reranker, rows, features, k=k)
    return Ranked(
        rows=top,
        raw=raw,
        probabilities=probabilities,
        features=top_features,
        candidates=len(rows),
        features_s=features_s,
        rerank_s=time.perf_counter() - started - features_s,
        matches=matches,
    )


def fit_and_intent(features: FloatArray) -> tuple[float, float]:
    """Interpretable sub-scores in [0, 1]: firmographic fit and current intent."""
    fit = (
        features[_IDX["industry_match"]] + features[_IDX["size_fit"]] + features[_IDX["country_match"]]
    ) / 3.0
    evidence = 1.0 - math.exp(-math.expm1(float(features[_IDX["intent_total"]])))
    similarity = min(1.0, max(0.0, float(features[_IDX["cos_intent"]]) / 0.6))
    return round(float(fit), 4), round(0.5 * evidence + 0.5 * similarity, 4)
