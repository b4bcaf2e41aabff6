"""Offline search over a world (the service's stages, `app.leads.flow.run_candidates`, with the exact
ANN in numpy) and the IR metrics."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from app.leads.candidates import (
    CANDIDATE_BUDGET,
    DEFAULT_FILL,
    CandidateSpec,
    Fill,
    exact_ann_query,
)
from app.leads.flow import run_candidates
from app.leads.prepare import Prepared
from app.leads.schemas import SearchFilters
from app.ranking.embedding import Embedder
from app.ranking.features import rrf
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
    cut: int = 0,  # the whole pool unless a caller asks for the served cut (scripts/evaluate --cut)
) -> Candidates:
    run = asyncio.run(
        run_candidates(
            parse_prompt(prompt["text"]),
            filters_of(prompt),
            CandidateSpec(bm25_k=bm25_k, budget=budget, fill=fill, cut=cut),
            store=index.store,
            bm25_index=index.bm25,
            embedder=embedder,
            ann_query=exact_ann_query(index.store, limit=ann_k),
        )
    )
    c = run.candidates
    bm25, ann = dict(c.retrieval.bm25), dict(c.retrieval.ann)
    return Candidates(dict(prompt), run.prepared, c.rows, bm25, ann, run.features)


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
