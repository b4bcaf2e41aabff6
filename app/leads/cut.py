"""The first-stage cut: fewer candidates reach the features and the model.

Between the candidates stage and the features (app/leads/flow.py), when a search has more than
`keep` candidates: each is scored by reciprocal rank fusion of three columns it already has, its
BM25 rank, its ANN rank and its rank by the intent prior among the candidates, and only the best
`keep` (ties by row) go on. Works with any model (it reads no feature); it changes which candidates
are ranked: SEARCH_FIRST_STAGE_CUT says how many to keep (0: no cut), checked with the offline
evaluation (`scripts.evaluate --cut`) and the real-company one (docs/BENCHMARKS.md, "CPU per
uncached search").
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from app.leads.candidates import Candidates, descending_ranks
from app.leads.prior import row_priors
from app.ranking.columns import LeadStore
from app.ranking.features import RRF_K
from app.ranking.prompt import ParsedPrompt

# Weights of the three reciprocal ranks.
CUT_WEIGHTS = {"bm25": 1.0, "ann": 1.0, "prior": 1.0}


def cut_scores(store: LeadStore, parsed: ParsedPrompt, candidates: Candidates) -> npt.NDArray[np.float64]:
    """The fused score of each of `candidates.rows`."""
    rows = candidates.rows
    bm25, ann = candidates.retrieval.bm25, candidates.retrieval.ann
    missing = 1 << 30
    bm25_rank = np.array([bm25[r][0] if r in bm25 else missing for r in rows.tolist()], dtype=np.float64)
    ann_rank = np.array([ann.get(r, missing) for r in rows.tolist()], dtype=np.float64)
    prior_rank = descending_ranks(row_priors(store, parsed, rows))  # ties by row: the rows are sorted
    score = np.zeros(len(rows), dtype=np.float64)
    for name, rank in (("bm25", bm25_rank), ("ann", ann_rank), ("prior", prior_rank)):
        score += CUT_WEIGHTS[name] / (RRF_K + 1.0 + rank)
    return score


def first_stage_cut(
    store: LeadStore, parsed: ParsedPrompt, candidates: Candidates, *, keep: int
) -> Candidates:
    """`candidates` cut to the best `keep` by `cut_scores` (rows still sorted); unchanged when there
    are no more than `keep`, or `keep` is 0 (no cut)."""
    rows = candidates.rows
    if keep <= 0 or len(rows) <= keep:
        return candidates
    score = cut_scores(store, parsed, candidates)
    picked = np.sort(np.lexsort((rows, -score))[:keep])  # positions, in row order
    features = candidates.features[picked] if candidates.features is not None else None
    return Candidates(candidates.filters, candidates.retrieval, rows[picked], features, candidates.timings)
