"""The whole real-data evaluation: baselines in process, the served ranker through its HTTP API."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.config import Settings
from app.ingest.validate import CleanSnippet, Limits, validate_snippet
from app.ranking.embedding import (
    Embedder,
    OnnxMiniLMEmbedder,
    StaticTable,
    l2_normalise,
    load_embedder,
    static_table_path,
)
from tools.real_eval.baselines import Baselines, MiniLMCosine
from tools.real_eval.data import RealCompany
from tools.real_eval.metrics import Scores
from tools.real_eval.prompts import SellerPrompt, grades
from tools.real_eval.report import table
from tools.real_eval.served import (
    DATABASE,
    REDIS_DB,
    Answer,
    LoadReport,
    eval_settings,
    run_served,
    snippet_of,
)
from tools.real_eval.teacher import RealTeacher, real_teacher

DEPTH = 100


def violations(prompt: SellerPrompt, domains: Sequence[str], by_domain: dict[str, RealCompany]) -> int:
    return sum(1 for d in domains[:DEPTH] if d in by_domain and not prompt.admits(by_domain[d]))


@dataclass
class Evaluation:
    companies: int = 0
    results: dict[str, dict[str, Scores]] = field(default_factory=dict)  # system -> prompt id -> scores
    load: LoadReport | None = None
    model_version: str = ""
    answers: dict[str, Answer] = field(default_factory=dict)
    median_search_ms: float = 0.0
    seconds: float = 0.0

    def table(self, prompts: Sequence[SellerPrompt]) -> str:
        return table(self.results, prompts)

    def to_json(self) -> dict[str, Any]:
        return {
            "model_version": self.model_version,
            "companies": self.companies,
            "load": asdict(self.load) if self.load else None,
            "median_search_ms": self.median_search_ms,
            "seconds": self.seconds,
            "results": {s: {p: asdict(v) for p, v in per.items()} for s, per in self.results.items()},
        }


def acceptable(companies: Sequence[RealCompany]) -> list[RealCompany]:
    """The companies whose snippet the ingestion contract accepts (a few real descriptions have
    broken encoding and are rejected): every system is judged on the same pool."""
    now = datetime.now(UTC)
    return [
        c
        for c in companies
        if isinstance(validate_snippet(snippet_of(c), now=now, limits=Limits()), CleanSnippet)
    ]


def evaluate_baselines(
    companies: Sequence[RealCompany],
    prompts: Sequence[SellerPrompt],
    embedder: Embedder,
    *,
    minilm: MiniLMCosine | None = None,
    teachers: Mapping[str, RealTeacher] | None = None,
) -> dict[str, dict[str, Scores]]:
    base = Baselines.build(companies, embedder)
    by_domain = {c.domain: c for c in companies}
    systems: dict[str, Callable[[SellerPrompt, int], list[int]]] = {
        "bm25": base.bm25_rows,
        "dense": base.dense_rows,
        "rrf": base.rrf_rows,
    }
    if minilm is not None:
        systems["rrf-minilm"] = functools.partial(base.rrf_minilm_rows, minilm=minilm)
    for name, teacher in (teachers or {}).items():
        systems[f"teacher-{name}"] = functools.partial(base.scored_rows, scores=teacher.scores)
    out: dict[str, dict[str, Scores]] = {name: {} for name in systems}
    for p in prompts:
        g = grades(p, companies)
        for name, fn in systems.items():
            domains = base.domains(fn(p, DEPTH))
            out[name][p.id] = Scores.of(domains, g, violations=violations(p, domains, by_domain))
    return out


def minilm_cosine(settings: Settings, companies: Sequence[RealCompany]) -> MiniLMCosine:
    """The MiniLM baseline's vectors: the real-data teacher's (same texts, same cache)."""
    model = OnnxMiniLMEmbedder(StaticTable.load(static_table_path(settings.model_dir)), threads=2)
    teacher = RealTeacher.build(companies, model)
    return MiniLMCosine(model, l2_normalise(teacher.whole))


async def evaluate(
    settings: Settings,
    companies: Sequence[RealCompany],
    prompts: Sequence[SellerPrompt],
    *,
    served: bool = True,
    minilm: bool = False,
    teachers: Sequence[str] = (),
    embedder: Embedder | None = None,
    database: str = DATABASE,
    redis_db: int = REDIS_DB,
) -> Evaluation:
    started = time.perf_counter()
    companies = acceptable(companies)
    ev = Evaluation(companies=len(companies))
    ev.results.update(
        evaluate_baselines(
            companies,
            prompts,
            embedder or load_embedder(settings),
            minilm=minilm_cosine(settings, companies) if minilm else None,
            teachers={name: real_teacher(name, settings, companies) for name in teachers},
        )
    )
    if served:
        by_domain = {c.domain: c for c in companies}
        ev.load, ev.answers, ev.model_version = await run_served(
            eval_settings(settings, database=database, redis_db=redis_db), companies, prompts, k=DEPTH
        )
        ev.results["served"] = {
            p.id: Scores.of(
                ev.answers[p.id].domains,
                grades(p, companies),
                violations=violations(p, ev.answers[p.id].domains, by_domain),
            )
            for p in prompts
        }
        latencies = sorted(a.latency_ms for a in ev.answers.values())
        ev.median_search_ms = latencies[len(latencies) // 2] if latencies else 0.0
    ev.seconds = time.perf_counter() - started
    return ev


def write_json(ev: Evaluation, path: Path) -> None:
    path.write_text(json.dumps(ev.to_json(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
