"""The rerank stage of a search: the reranker's scores over the candidates, the top K, calibrated
probabilities and 0-100 match scores. Pure with respect to I/O."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.ranking.reranker import Reranker

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Ranked:
    rows: npt.NDArray[np.int64]  # top K, best first
    raw: npt.NDArray[np.float64]
    probabilities: npt.NDArray[np.float64]
    features: FloatArray
    candidates: int
    matches: npt.NDArray[np.float64] | None = None  # 0-100 match scores (`match_scores`)


def rerank(reranker: Reranker, rows: npt.NDArray[np.int64], features: FloatArray, *, k: int) -> Ranked:
    """The top `k` of `rows` (features: `features`), best first."""
    raw = reranker.raw_scores(features)
    order = np.lexsort((rows, -raw))[:k]  # ties broken by row for determinism
    top_raw = raw[order]
    return Ranked(
        rows=rows[order],
        raw=top_raw,
        probabilities=reranker.probabilities(top_raw),
        features=features[order],
        candidates=len(rows),
        matches=match_scores(top_raw, raw),
    )


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
