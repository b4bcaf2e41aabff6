"""Offline search over a world (same stages as the service, exact ANN in numpy) and the IR metrics."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from app.leads.pipeline import (
    CANDIDATE_BUDGET,
    DEFAULT_FILL,
    Fill,
    Prepared,
    ann_ranks,
    bm25_candidates,
    candidate_rows,
    exact_ann,
    prepare,
)
from app.leads.schemas import SearchFilters
from app.ranking.embedding import Embedder
from app.ranking.features import Retrieval, compute_features, rrf
from app.ranking.prompt import parse_prompt
from tools.ranker_world import OfflineIndex, domain_of

BM25_K = 300
ANN_K = 100  # the service default (SEARCH_ANN_CANDIDATES)


@dataclass
class Candidates:
    prompt: dict[str, Any]
    prepared: Prepared
    rows: npt.NDArray[np.int64]
    bm25: dict[int, tuple[int, float]]
    ann: dict[int, int]
    features: npt.NDArray[np.float32]


def filters_of(prompt: Mapping[str, Any]) -> SearchFilters:
    return SearchFilters(**(prompt.get("filters") or {}))


def candidates_for(
    index: OfflineIndex,
    embedder: Embedder,
    prompt: Mapping[str, Any],
    *,
    bm25_k: int = BM25_K,
    ann_k: int = ANN_K,
    budget: int = CANDIDATE_BUDGET,
    fill: Fill = DEFAULT_FILL,
) -> Candidates:
    parsed = parse_prompt(prompt["text"])
    prepared = prepare(
        store=index.store, embedder=embedder, parsed=parsed, filters=filters_of(prompt), bm25=index.bm25
    )
    bm25 = bm25_candidates(index.bm25, prepared, limit=bm25_k)
    vectors = np.vstack([prepared.query_vec[None, :], prepared.exemplar_vecs])
    # Like the service's SQL filter, ANN only returns rows the hard filters allow.
    lists = [
        [r for r in lst if prepared.filters.allows(index.store, r)][:ann_k]
        for lst in exact_ann(index.store, vectors, limit=ann_k * 3)
    ]
    ann = ann_ranks(lists)
    rows = candidate_rows(index.store, prepared, bm25, ann, budget=budget, fill=fill)
    features = compute_features(
        store=index.store,
        rows=rows,
        parsed=parsed,
        query_vec=prepared.query_vec,
        exemplar_vecs=prepared.exemplar_vecs,
        exemplar_rows=prepared.exemplar_rows,
        retrieval=Retrieval(bm25=bm25, ann=ann),
    )
    return Candidates(dict(prompt), prepared, rows, bm25, ann, features)


def grades_for(index: OfflineIndex, qrels: Mapping[str, int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for domain, grade in qrels.items():
        row = index.store.row_of_domain.get(domain_of(domain))
        if row is not None and grade > 0:
            out[row] = grade
    return out


def dcg(gains: Sequence[float]) -> float:
    return float(sum((2.0**g - 1.0) / math.log2(i + 2) for i, g in enumerate(gains)))


def ndcg_at(ranked: Sequence[int], grades: Mapping[int, int], k: int) -> float:
    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([grades.get(r, 0) for r in ranked[:k]]) / ideal


def precision_at(ranked: Sequence[int], grades: Mapping[int, int], k: int) -> float:
    return sum(1 for r in ranked[:k] if grades.get(r, 0) > 0) / k


def recall_of(candidates: Sequence[int], grades: Mapping[int, int]) -> float:
    relevant = [r for r, g in grades.items() if g > 0]
    if not relevant:
        return 1.0
    pool = set(candidates)
    return sum(1 for r in relevant if r in pool) / len(relevant)


def order_by(rows: npt.NDArray[np.int64], scores: npt.NDArray[np.floating[Any]]) -> list[int]:
    return [int(rows[i]) for i in np.lexsort((rows, -np.asarray(scores, dtype=np.float64)))]


def baseline_orders(c: Candidates) -> dict[str, list[int]]:
    """BM25 only, ANN only and reciprocal rank fusion, over the filtered candidates."""
    bm = np.array([c.bm25[int(r)][1] if int(r) in c.bm25 else -1.0 for r in c.rows])
    an = np.array([-c.ann.get(int(r), 1 << 20) for r in c.rows], dtype=np.float64)
    fused = np.array(
        [rrf(c.bm25[int(r)][0] if int(r) in c.bm25 else None) + rrf(c.ann.get(int(r))) for r in c.rows]
    )
    bm_rows = [r for r in order_by(c.rows, bm) if r in c.bm25]
    ann_rows = [r for r in order_by(c.rows, an) if r in c.ann]
    return {"bm25": bm_rows, "ann": ann_rows, "hybrid_rrf": order_by(c.rows, fused)}
