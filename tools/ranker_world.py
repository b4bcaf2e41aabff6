"""The generated world (dev/world) as ranker inputs, without the service: shared by the training,
evaluation and benchmark scripts and by the ranker's tests.

The service reads these from PostgreSQL after ingestion; offline we fold the world's snippets
into the same `CompanyRecord`s directly. Stand-ins for what ingestion computes: a company's
firmographics are the newest non-empty value in its snippets; a miner's reputation is 0.8 / 0.5 /
0.15 for good / lazy / spamming miners and spammers (< 0.4) are quarantined, as ingestion's
reputation would converge to. Hidden truth is never read here (qrels only by the evaluators).
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.catalog.ids import lead_id_for_domain
from app.ingest.normalize import normalize_domain
from app.ranking.bm25 import Bm25Index
from app.ranking.columns import CompanyRecord, LeadStore, StoredSnippet
from app.ranking.embedding import Embedder
from dev.world.config import WorldConfig
from dev.world.generate import WorldGenerator

REPUTATION = {"good": 0.8, "lazy": 0.5, "spammer": 0.15}
QUARANTINE_BELOW = 0.4
FIRMO = ("name", "industry", "employees", "country", "description")


def domain_of(raw: str) -> str:
    """Ingestion's domain normalisation (case, www., trailing dots, IDNA); "" when invalid."""
    try:
        return normalize_domain(raw)
    except ValueError:
        return ""


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


@dataclass
class World:
    """A generated world as plain records (no truth)."""

    size: str
    seed: int
    snippets: list[dict[str, Any]]
    miners: dict[str, float]  # miner id -> reputation stand-in
    prompts: list[dict[str, Any]]
    qrels: dict[str, dict[str, int]]  # prompt id -> domain -> grade
    requests: list[dict[str, Any]] = field(default_factory=list)  # request_id, prompt_id, shown
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    vendors: dict[str, str] = field(default_factory=dict)  # domain -> category (evaluation only)
    generated_s: float = 0.0

    def prompts_in(self, split: str) -> list[dict[str, Any]]:
        return [p for p in self.prompts if p["split"] == split]


def generate_world(
    size: str = "tiny", *, seed: int = 7, companies: int | None = None, traffic: bool = True
) -> World:

    started = time.perf_counter()
    gen = WorldGenerator(WorldConfig.for_size(size, seed=seed, companies=companies))
    snippets: list[dict[str, Any]] = []
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    vendors: dict[str, str] = {}
    for bundle in gen.companies():
        snippets.extend(dict(s) for s in bundle.snippets)
        for q in bundle.qrels:
            qrels[q["prompt_id"]][q["domain"]] = q["grade"]
        if bundle.truth.vendor_of:
            vendors[bundle.truth.domain] = bundle.truth.vendor_of
    requests: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    if traffic:
        for logged, events in gen.traffic():
            requests.append(
                {"request_id": logged.request_id, "prompt_id": logged.prompt_id, "shown": list(logged.shown)}
            )
            outcomes.extend(dict(e) for e in events)
    miners = {m.miner_id: REPUTATION[m.quality] for m in gen.miners}
    return World(
        size=size,
        seed=seed,
        snippets=snippets,
        miners=miners,
        prompts=[dict(p) for p in gen.prompts],
        qrels=dict(qrels),
        requests=requests,
        outcomes=outcomes,
        vendors=vendors,
        generated_s=time.perf_counter() - started,
    )


def company_records(world: World, *, outcomes: Iterable[dict[str, Any]] | None = None) -> list[CompanyRecord]:
    """One record per domain, firmographics merged newest-first, quarantined miners' snippets dropped."""
    by_domain: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in world.snippets:
        domain = domain_of(s["company"]["domain"])
        if domain:
            by_domain[domain].append(s)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for event in world.outcomes if outcomes is None else outcomes:
        counts[domain_of(event["domain"])][event["type"]] += 1
    records = []
    for domain, items in by_domain.items():
        items.sort(key=lambda s: s["observed_at"], reverse=True)
        firmo: dict[str, Any] = {}
        for s in items:
            for key in FIRMO:
                value = s["company"].get(key)
                if value not in (None, "", 0) and key not in firmo:
                    firmo[key] = value
        usable = []
        for s in items:
            rep = world.miners.get(s["miner_id"], 0.5)
            if rep >= QUARANTINE_BELOW:
                usable.append(StoredSnippet(s["kind"], s["text"], parse_ts(s["observed_at"]), rep))
        records.append(
            CompanyRecord(
                id=lead_id_for_domain(domain),
                domain=domain,
                name=str(firmo.get("name") or domain),
                industry=firmo.get("industry"),
                naics_code=None,
                employees=firmo.get("employees"),
                country=firmo.get("country"),
                description=str(firmo.get("description") or ""),
                snippets=usable,
                outcomes=dict(counts.get(domain, {})),
            )
        )
    records.sort(key=lambda r: r.domain)
    return records


@dataclass
class OfflineIndex:
    store: LeadStore
    bm25: Bm25Index
    built_s: float
    records: dict[int, CompanyRecord] = field(default_factory=dict)  # store row -> record

    def snippets_of(self, row: int) -> list[StoredSnippet]:
        rec = self.records.get(row)
        return rec.snippets if rec is not None else []


def build_offline_index(
    records: Sequence[CompanyRecord], embedder: Embedder, *, now: datetime, batch: int = 2000
) -> OfflineIndex:
    started = time.perf_counter()
    store = LeadStore(dim=embedder.dim, capacity=max(1024, len(records)))
    bm25 = Bm25Index(heap_bytes=200_000_000)
    for start in range(0, len(records), batch):
        bm25.upsert(store.upsert(records[start : start + batch], embedder=embedder, now=now))
    bm25.commit()
    by_row = {store.row_of_id[r.id]: r for r in records}
    return OfflineIndex(store=store, bm25=bm25, built_s=time.perf_counter() - started, records=by_row)


def lead_ids(domains: Iterable[str]) -> list[uuid.UUID]:
    return [lead_id_for_domain(d) for d in domains]


WORLD_NOW = datetime(2026, 11, 1, tzinfo=UTC)
