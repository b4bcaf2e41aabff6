"""Training and evaluation sets for the reranker: candidates, features, teacher scores, outcomes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from app.leads.candidates import CANDIDATE_BUDGET, DEFAULT_FILL, Fill
from app.ranking.embedding import Embedder
from app.ranking.features import Retrieval, compute_features, request_features
from tools.ranker_eval import Candidates, candidates_for, grades_for
from tools.ranker_teacher import Teacher
from tools.ranker_world import OfflineIndex, World, domain_of

OUTCOME_GRADE = {"click": 1, "reply": 2, "meeting": 2, "purchase": 3}


@dataclass
class QuerySet:
    prompt: dict[str, Any]
    candidates: Candidates
    teacher: npt.NDArray[np.float64]
    labels: npt.NDArray[np.int32]  # distilled graded labels (teacher + outcomes), never qrels
    targets: npt.NDArray[np.float64]  # soft targets in [0, 1]: teacher / query best, floored by outcomes
    grades: dict[int, int]  # qrels, evaluation only


def outcome_grades(world: World, index: OfflineIndex) -> dict[str, dict[int, int]]:
    """prompt id -> store row -> best outcome grade among logged requests for that prompt."""
    prompt_of = {r["request_id"]: r["prompt_id"] for r in world.requests}
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for e in world.outcomes:
        grade = OUTCOME_GRADE.get(e["type"])
        prompt = prompt_of.get(e["request_id"])
        row = index.store.row_of_domain.get(domain_of(e["domain"]))
        if grade is None or prompt is None or row is None:
            continue
        out[prompt][row] = max(out[prompt].get(row, 0), grade)
    return out


# Graded labels for lambdarank: the teacher's score relative to the query's best, cut into 8 grades
# (0..7, linear gains). Chosen by category-grouped cross-validation over the train + validation
# prompts (docs/RANKER.md, "Teacher and student").
GRADE_CUTS = (0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75)
# Logged outcomes raise a candidate's grade to outcome grade x OUTCOME_LABEL_SCALE (0: not used).
OUTCOME_LABEL_SCALE = 0


def distilled_labels(
    teacher: npt.NDArray[np.float64],
    outcomes: dict[int, int],
    rows: npt.NDArray[np.int64],
    *,
    outcome_scale: int = OUTCOME_LABEL_SCALE,
) -> npt.NDArray[np.int32]:
    """Graded 0..len(GRADE_CUTS) labels from the teacher, raised by observed outcomes when scaled in."""
    top = float(teacher.max()) if len(teacher) else 0.0
    rel = teacher / top if top > 0 else np.zeros_like(teacher)
    labels = np.digitize(rel, GRADE_CUTS).astype(np.int32)
    if outcome_scale > 0:
        for i, row in enumerate(rows.tolist()):
            if row in outcomes:
                labels[i] = max(labels[i], min(len(GRADE_CUTS), outcomes[row] * outcome_scale))
    return labels


# Weight of logged outcomes in the soft targets. Measured on the tiny world's validation prompts:
# 0 -> NDCG@10 0.197, 1 (floor at outcome grade / 3) -> 0.179: a few hundred position-biased
# clicks add more noise than signal at this size, so outcomes enter through the calibration
# (purchases) and the outcome-history features instead.
OUTCOME_WEIGHT = 0.0


def soft_targets(
    teacher: npt.NDArray[np.float64],
    outcomes: dict[int, int],
    rows: npt.NDArray[np.int64],
    *,
    outcome_weight: float = OUTCOME_WEIGHT,
) -> npt.NDArray[np.float64]:
    """The teacher's score relative to the query's best, floored at weight x grade/3 where outcomes exist."""
    top = float(teacher.max()) if len(teacher) else 0.0
    target = teacher / top if top > 0 else np.zeros_like(teacher)
    for i, row in enumerate(rows.tolist()):
        if row in outcomes:
            target[i] = max(target[i], outcome_weight * outcomes[row] / 3.0)
    return target


def query_sets(
    world: World,
    index: OfflineIndex,
    embedder: Embedder,
    teacher: Teacher,
    prompts: Sequence[dict[str, Any]],
    *,
    bm25_k: int,
    ann_k: int,
    budget: int = CANDIDATE_BUDGET,
    fill: Fill = DEFAULT_FILL,
    cut: int = 0,  # training sees the whole pool; the evaluation passes the served cut (--cut)
) -> list[QuerySet]:
    outcomes = outcome_grades(world, index)
    out = []
    for prompt in prompts:
        c = candidates_for(
            index, embedder, prompt, bm25_k=bm25_k, ann_k=ann_k, budget=budget, fill=fill, cut=cut
        )
        if len(c.rows) == 0:
            continue
        t = teacher.scores(teacher.prompt_vector(prompt["text"]), c.rows, c.features)
        observed = outcomes.get(prompt["prompt_id"], {})
        labels = distilled_labels(t, observed, c.rows)
        grades = grades_for(index, world.qrels.get(prompt["prompt_id"], {}))
        out.append(QuerySet(dict(prompt), c, t, labels, soft_targets(t, observed, c.rows), grades))
    return out


def calibration_pairs(
    world: World, index: OfflineIndex, embedder: Embedder, prompts: Sequence[dict[str, Any]]
) -> tuple[list[npt.NDArray[np.float32]], list[npt.NDArray[np.float64]]]:
    """Features and purchase labels (0/1) of the companies shown in the logged requests of `prompts`."""
    by_id = {p["prompt_id"]: p for p in prompts}
    bought = {(e["request_id"], domain_of(e["domain"])) for e in world.outcomes if e["type"] == "purchase"}
    cache: dict[str, Candidates] = {}
    features, labels = [], []
    for request in world.requests:
        prompt = by_id.get(request["prompt_id"])
        if prompt is None:
            continue
        if prompt["prompt_id"] not in cache:
            cache[prompt["prompt_id"]] = candidates_for(index, embedder, prompt)
        c = cache[prompt["prompt_id"]]
        shown = [(index.store.row_of_domain.get(domain_of(d)), domain_of(d)) for d in request["shown"]]
        rows = np.array([r for r, _ in shown if r is not None], dtype=np.int64)
        if len(rows) == 0:
            continue
        f = compute_features(
            store=index.store,
            rows=rows,
            parsed=c.prepared.parsed,
            query_vec=c.prepared.query_vec,
            exemplar_vecs=c.prepared.exemplar_vecs,
            exemplar_rows=c.prepared.exemplar_rows,
            retrieval=Retrieval(bm25=c.bm25, ann=c.ann),
        )
        request_features(f)
        features.append(f)
        labels.append(
            np.array(
                [1.0 if (request["request_id"], d) in bought else 0.0 for r, d in shown if r is not None]
            )
        )
    return features, labels
