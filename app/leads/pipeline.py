"""The synchronous stages of a search, shared by the service and the offline scripts.

prepare (parse + embed) -> BM25 candidates -> [ANN candidates, async in the service] -> union,
hard filters, filled to the candidate budget by the intent prior -> features -> rerank + calibrate
-> top K. Pure with respect to I/O.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.leads.prior import prior_candidates
from app.leads.retrieve import HardFilters
from app.leads.schemas import SearchFilters
from app.leads.store import LeadStore
from app.ranking.bm25 import Bm25Index
from app.ranking.embedding import Embedder
from app.ranking.features import FEATURE_NAMES, Retrieval, compute_features
from app.ranking.prompt import ParsedPrompt
from app.ranking.reranker import Reranker

FloatArray = npt.NDArray[np.float32]
# Candidates reranked per query: BM25 and ANN first, the intent prior fills the rest (app/leads/prior.py).
CANDIDATE_BUDGET = 500
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


def prepare(
    *, store: LeadStore, embedder: Embedder, parsed: ParsedPrompt, filters: SearchFilters
) -> Prepared:
    # The semantic query drops exemplar names and exclusions: they are handled by their own stages.
    query_text = " ".join(parsed.keywords) or parsed.text
    query_vec = embedder.embed([parsed.text + " " + query_text])[0]
    rows = [r for r in (store.find(name) for name in parsed.exemplars) if r is not None]
    ex_vecs = store.doc_vec.get(rows) if rows else np.zeros((0, store.dim), dtype=np.float32)
    hard = HardFilters.build(filters=filters, parsed=parsed, store=store, exemplar_rows=rows)
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


def candidate_rows(
    store: LeadStore,
    prepared: Prepared,
    bm25: Mapping[int, tuple[int, float]],
    ann: Mapping[int, int],
    *,
    budget: int = CANDIDATE_BUDGET,
) -> npt.NDArray[np.int64]:
    """Union of the retrievers after the hard filters, filled up to `budget` by the intent prior."""
    union = np.fromiter(sorted(set(bm25) | set(ann)), dtype=np.int64)
    union = union[union < store.size]
    union = union[prepared.filters.mask(store, union)]
    extra = prior_candidates(
        store=store, parsed=prepared.parsed, filters=prepared.filters, taken=union, count=budget - len(union)
    )
    return np.sort(np.concatenate([union, extra])) if len(extra) else union


def rank(
    *,
    store: LeadStore,
    prepared: Prepared,
    reranker: Reranker,
    bm25: Mapping[int, tuple[int, float]],
    ann: Mapping[int, int],
    k: int,
) -> Ranked:
    started = time.perf_counter()
    rows = candidate_rows(store, prepared, bm25, ann)
    features = compute_features(
        store=store,
        rows=rows,
        parsed=prepared.parsed,
        query_vec=prepared.query_vec,
        exemplar_vecs=prepared.exemplar_vecs,
        exemplar_rows=prepared.exemplar_rows,
        retrieval=Retrieval(bm25=bm25, ann=ann),
    )
    features_s = time.perf_counter() - started
    raw = reranker.raw_scores(features)
    order = np.lexsort((rows, -raw))[:k]  # ties broken by row for determinism
    top_raw = raw[order]
    return Ranked(
        rows=rows[order],
        raw=top_raw,
        probabilities=reranker.probabilities(top_raw),
        features=features[order],
        candidates=len(rows),
        features_s=features_s,
        rerank_s=time.perf_counter() - started - features_s,
    )


def fit_and_intent(features: FloatArray) -> tuple[float, float]:
    """Interpretable sub-scores in [0, 1]: firmographic fit and current intent."""
    fit = (
        features[_IDX["industry_match"]] + features[_IDX["size_fit"]] + features[_IDX["country_match"]]
    ) / 3.0
    evidence = 1.0 - math.exp(-math.expm1(float(features[_IDX["intent_total"]])))
    similarity = min(1.0, max(0.0, float(features[_IDX["cos_intent"]]) / 0.6))
    return round(float(fit), 4), round(0.5 * evidence + 0.5 * similarity, 4)
