"""Ranking metrics over graded relevance (pure): NDCG@k with gain 2^g - 1, P@k, recall@k."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


def dcg(gains: Sequence[float]) -> float:
    return float(sum((2.0**g - 1.0) / math.log2(i + 2) for i, g in enumerate(gains)))


def ndcg_at(ranked: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    if ideal <= 0:
        return 0.0
    return dcg([grades.get(d, 0) for d in ranked[:k]]) / ideal


def precision_at(ranked: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    """Share of the top k that is relevant (grade >= 1); a short list counts its missing places as misses."""
    return sum(1 for d in ranked[:k] if grades.get(d, 0) > 0) / k


def recall_at(ranked: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    relevant = [d for d, g in grades.items() if g > 0]
    if not relevant:
        return 0.0
    top = set(ranked[:k])
    return sum(1 for d in relevant if d in top) / len(relevant)


@dataclass(frozen=True, slots=True)
class Scores:
    ndcg10: float
    p10: float
    recall100: float
    violations: int  # returned companies (top 100) outside the prompt's filters

    @classmethod
    def of(cls, ranked: Sequence[str], grades: Mapping[str, int], *, violations: int) -> Scores:
        return cls(
            ndcg10=ndcg_at(ranked, grades, 10),
            p10=precision_at(ranked, grades, 10),
            recall100=recall_at(ranked, grades, 100),
            violations=violations,
        )


def mean_scores(scores: Sequence[Scores]) -> Scores:
    n = max(len(scores), 1)
    return Scores(
        ndcg10=sum(s.ndcg10 for s in scores) / n,
        p10=sum(s.p10 for s in scores) / n,
        recall100=sum(s.recall100 for s in scores) / n,
        violations=sum(s.violations for s in scores),
    )
