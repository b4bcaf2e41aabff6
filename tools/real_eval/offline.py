"""The real companies in an offline lead index (the service's store and BM25 index, built in process
from the same records the API would create), and their training sets for the reranker: candidates
and features exactly as served, labels from the real-data teacher (tools/real_eval/teacher.py) or
from the directory tags of the prompts (train split for learning, validation for early stopping;
the test split is never learnt from)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import numpy as np

from app.catalog.ids import lead_id_for_domain
from app.ranking.columns import CompanyRecord, StoredSnippet
from app.ranking.embedding import Embedder
from tools.ranker_dataset import GRADE_CUTS, QuerySet
from tools.ranker_eval import ANN_K, BM25_K, Candidates, candidates_for
from tools.ranker_world import OfflineIndex, build_offline_index
from tools.real_eval.data import RealCompany
from tools.real_eval.prompts import SellerPrompt
from tools.real_eval.served import OBSERVED_AT
from tools.real_eval.teacher import RealTeacher, graded

REPUTATION = 0.6  # a new miner's reputation (INGEST_REPUTATION_PRIOR)
# Tag grades as lambdarank labels on the student's scale (0..len(GRADE_CUTS)).
LABEL_OF_GRADE = {0: 0, 1: len(GRADE_CUTS) // 2, 2: len(GRADE_CUTS)}


def records(companies: Sequence[RealCompany]) -> list[CompanyRecord]:
    """What the loader reads for each company after its one profile snippet was ingested."""
    observed = datetime.fromisoformat(OBSERVED_AT.replace("Z", "+00:00"))
    return [
        CompanyRecord(
            id=lead_id_for_domain(c.domain),
            domain=c.domain,
            name=c.name,
            industry=None,
            naics_code=None,
            employees=c.employees,
            country=c.country,
            description="",
            snippets=[StoredSnippet("profile", c.text, observed, REPUTATION, seq=i + 1)],
        )
        for i, c in enumerate(companies)
    ]


def real_index(
    companies: Sequence[RealCompany], embedder: Embedder, *, now: datetime | None = None
) -> OfflineIndex:
    return build_offline_index(records(companies), embedder, now=now or datetime.now(UTC))


def prompt_dict(prompt: SellerPrompt) -> dict[str, object]:
    return {"prompt_id": prompt.id, "text": prompt.prompt, "filters": prompt.filters.api()}


def real_query_sets(
    index: OfflineIndex,
    embedder: Embedder,
    companies: Sequence[RealCompany],
    prompts: Sequence[SellerPrompt],
    *,
    teacher: RealTeacher | None = None,
    cut: int = 0,
) -> list[QuerySet]:
    """One set per prompt: the served candidates and features (`cut`: the first-stage cut, 0 the
    whole pool as in training); labels and targets from the teacher's scores when one is given (the
    tags then only grade), else the tag grades themselves."""
    row_of: Mapping[uuid.UUID, int] = index.store.row_of_id
    position = {row_of[lead_id_for_domain(co.domain)]: i for i, co in enumerate(companies)}
    out = []
    for p in prompts:
        c = candidates_for(index, embedder, prompt_dict(p), bm25_k=BM25_K, ann_k=ANN_K, cut=cut)
        if len(c.rows) == 0:
            continue
        grades = {row_of[lead_id_for_domain(co.domain)]: p.grade(co) for co in companies if p.grade(co) > 0}
        tag_grades = np.array([grades.get(int(r), 0) for r in c.rows], dtype=np.int32)
        if teacher is None:
            labels = np.array([LABEL_OF_GRADE[int(x)] for x in tag_grades], dtype=np.int32)
            out.append(
                QuerySet(prompt_dict(p), c, tag_grades.astype(np.float64), labels, tag_grades / 2.0, grades)
            )
        else:
            out.append(_taught(c, teacher, position, grades))
    return out


def _taught(
    c: Candidates, teacher: RealTeacher, position: Mapping[int, int], grades: dict[int, int]
) -> QuerySet:
    """A query set labelled by the real-data teacher's grades over the pool."""
    pool = teacher.scores(str(c.prompt["text"]))
    scores = pool[[position[int(r)] for r in c.rows]]
    labels = graded(scores, pool)
    return QuerySet(dict(c.prompt), c, scores, labels, labels / len(GRADE_CUTS), grades)


def teacher_query_sets(
    index: OfflineIndex,
    embedder: Embedder,
    companies: Sequence[RealCompany],
    prompts: Sequence[Mapping[str, object]],
    *,
    teacher: RealTeacher,
    cut: int = 0,
) -> list[QuerySet]:
    """Untagged prompts (e.g. the generated world's seller prompts: `prompt_id`, `text`, optional
    `filters`) over the real pool, labelled by the real-data teacher alone: more cold-start queries
    to learn from than the tagged train prompts, and none of them read a tag."""
    row_of: Mapping[uuid.UUID, int] = index.store.row_of_id
    position = {row_of[lead_id_for_domain(co.domain)]: i for i, co in enumerate(companies)}
    out = []
    for p in prompts:
        c = candidates_for(index, embedder, p, bm25_k=BM25_K, ann_k=ANN_K, cut=cut)
        if len(c.rows):
            out.append(_taught(c, teacher, position, {}))
    return out
