"""In-process search latency per stage at a world size (default `bench`: 100k companies).

    python -m scripts.bench_search [--size bench] [--queries 400] [--bm25-k 300] [--ann-k 100]

Builds the in-memory index from the generated world (as the service does from PostgreSQL), loads
the company vectors into a PostgreSQL database of its own (`<DATABASE_URL db>_bench_ranker`,
pgvector HNSW, cosine) and times every stage of each query exactly as the service runs them:
parse, embed, bm25 (tantivy), ann (pgvector with iterative scans), features, rerank (LightGBM,
calibration). Not counted: HTTP, auth, the cache, and hydration of the K leads' contacts/evidence.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import get_settings
from app.db.session import create_engine, create_sessionmaker
from app.leads.models import Company
from app.leads.pipeline import ann_ranks, bm25_candidates, prepare, rank
from app.leads.registry import ModelManager
from app.leads.retrieve import ann_search
from app.ranking.embedding import load_embedder
from app.ranking.prompt import parse_prompt
from scripts.ranker_eval import filters_of
from scripts.ranker_world import WORLD_NOW, build_offline_index, company_records, generate_world

STAGES = ("parse", "embed", "bm25", "ann", "features", "rerank", "total")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


HNSW_INDEX = "ix_companies_embedding_hnsw"


async def build_hnsw(engine: AsyncEngine) -> None:
    """The migration's HNSW index, built once after a bulk load (no statement timeout)."""
    async with engine.begin() as conn:
        await conn.execute(text("SET LOCAL statement_timeout = 0"))
        await conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
        await conn.execute(
            text(
                f"CREATE INDEX IF NOT EXISTS {HNSW_INDEX} ON companies "
                "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
            )
        )
        await conn.execute(text("ANALYZE companies"))


async def load_vectors(database_url: str, index: Any) -> float:
    from tests.support import alembic_run, ensure_database  # noqa: PLC0415

    started = time.perf_counter()
    await ensure_database(database_url)
    await alembic_run(database_url, "upgrade", "head")
    settings = get_settings().model_copy(update={"database_url": database_url})
    engine = create_engine(settings)
    store = index.store
    async with engine.connect() as conn:
        count = (await conn.execute(text("SELECT count(*) FROM companies"))).scalar_one()
        held = set((await conn.execute(text("SELECT id FROM companies LIMIT 1000"))).scalars())
        indexed = (
            await conn.execute(
                text("SELECT count(*) FROM pg_indexes WHERE indexname = :n"), {"n": HNSW_INDEX}
            )
        ).scalar_one()
    if count == store.size and held <= set(store.row_of_id):
        # The same world (same seed: the same company ids) is already loaded: reuse it.
        if not indexed:
            await build_hnsw(engine)
        await engine.dispose()
        return 0.0 if indexed else time.perf_counter() - started
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE companies CASCADE"))
        # Bulk load without the HNSW index, then build it once (much faster than row by row).
        await conn.execute(text(f"DROP INDEX IF EXISTS {HNSW_INDEX}"))
    rows = []
    for row in range(store.size):
        rows.append(
            {
                "id": store.ids[row],
                "domain": store.domains[row],
                "name": store.names[row],
                "industry": store.industries[row],
                "employees": int(store.employees[row]) if store.employees[row] >= 0 else None,
                "country": store.country[row] or None,
                "embedding": store.doc_vec.get(row).tolist(),
                "embedding_model": "bench",
            }
        )
    for start in range(0, len(rows), 2000):
        async with engine.begin() as conn:
            await conn.execute(insert(Company), rows[start : start + 2000])
    await build_hnsw(engine)
    await engine.dispose()
    return time.perf_counter() - started


async def run(args: argparse.Namespace) -> dict[str, Any]:
    base = get_settings()
    db_name = f"{base.database_url.rsplit('/', 1)[1]}_bench_ranker"
    database_url = base.database_url.rsplit("/", 1)[0] + "/" + db_name
    settings = base.model_copy(update={"database_url": database_url})
    t0 = time.perf_counter()
    world = generate_world(args.size, seed=args.seed, traffic=False)
    generated = time.perf_counter() - t0
    embedder = load_embedder(settings)
    records = company_records(world)
    index = build_offline_index(records, embedder, now=WORLD_NOW)
    print(
        f"world {args.size}: {len(records)} companies, {len(world.snippets)} snippets "
        f"generated in {generated:.0f}s; "
        f"index built in {index.built_s:.0f}s; peak RSS {rss_mb():.0f} MB",
        flush=True,
    )
    loaded = await load_vectors(database_url, index)
    print(
        f"pgvector: {index.store.size} vectors "
        + (f"loaded, HNSW built in {loaded:.0f}s" if loaded else "already loaded (same world)"),
        flush=True,
    )
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    models = ModelManager(sessionmaker=sessionmaker, model_dir=settings.model_dir, poll_interval_s=60)
    reranker = models.current
    prompts = world.prompts_in("test") + world.prompts_in("validation")
    timings: dict[str, list[float]] = {s: [] for s in STAGES}
    candidates = []
    for i in range(args.queries + 20):
        prompt = prompts[i % len(prompts)]
        started = time.perf_counter()
        parsed = parse_prompt(prompt["text"])
        t1 = time.perf_counter()
        prepared = prepare(store=index.store, embedder=embedder, parsed=parsed, filters=filters_of(prompt))
        t2 = time.perf_counter()
        ann_task = asyncio.create_task(
            ann_search(
                engine,
                vectors=np.vstack([prepared.query_vec[None, :], prepared.exemplar_vecs]),
                limit=args.ann_k,
                filters=prepared.filters,
            )
        )
        await asyncio.sleep(0)  # as the service: the ANN query leaves before BM25 runs
        bm25 = bm25_candidates(index.bm25, prepared, limit=args.bm25_k)
        t3 = time.perf_counter()
        ids = await ann_task
        t4 = time.perf_counter()
        ann = ann_ranks(
            [[r for r in (index.store.row_of_id.get(x) for x in lst) if r is not None] for lst in ids]
        )
        ranked = rank(store=index.store, prepared=prepared, reranker=reranker, bm25=bm25, ann=ann, k=10)
        total = time.perf_counter() - started
        if i < 20:
            continue  # warm-up
        for stage, value in zip(
            STAGES,
            (t1 - started, t2 - t1, t3 - t2, t4 - t3, ranked.features_s, ranked.rerank_s, total),
            strict=True,
        ):
            timings[stage].append(value * 1e3)
        candidates.append(ranked.candidates)
    await engine.dispose()
    result: dict[str, Any] = {
        "size": args.size,
        "companies": index.store.size,
        "snippets": len(world.snippets),
        "queries": args.queries,
        "model": reranker.version,
        "bm25_k": args.bm25_k,
        "ann_k": args.ann_k,
        "candidates_mean": round(float(np.mean(candidates)), 1),
        "index_build_s": round(index.built_s, 1),
        "pg_load_s": round(loaded, 1),
        "peak_rss_mb": round(rss_mb()),
        "stages_ms": {
            s: {p: round(float(np.percentile(v, q)), 3) for p, q in (("p50", 50), ("p95", 95), ("p99", 99))}
            for s, v in timings.items()
        },
    }
    return result


def compare_bm25(docs: int, queries: int) -> None:
    """BM25 libraries on the same synthetic corpus: build time and per-query latency (top 300)."""
    import random  # noqa: PLC0415

    import bm25s  # noqa: PLC0415
    from rank_bm25 import BM25Okapi  # noqa: PLC0415

    from app.ranking.bm25 import Bm25Index, IndexedDocument  # noqa: PLC0415
    from app.ranking.text import tokenize  # noqa: PLC0415

    world = generate_world("tiny", traffic=False)
    texts = [s["text"] for s in world.snippets]
    rng = random.Random(7)
    corpus = [tokenize(" ".join(rng.sample(texts, 10))) for _ in range(docs)]
    prompts = [parse_prompt(p["text"]).keywords for p in world.prompts_in("test")][:queries]
    rows = []
    t = time.perf_counter()
    tantivy_index = Bm25Index(fields=("body",), heap_bytes=200_000_000)
    tantivy_index.upsert(IndexedDocument(row=i, fields={"body": d}) for i, d in enumerate(corpus))
    tantivy_index.commit()
    built = time.perf_counter() - t
    t = time.perf_counter()
    for q in prompts:
        tantivy_index.search(list(q), limit=300, boosts={"body": 1.0})
    rows.append(("tantivy 0.27 (ours)", built, (time.perf_counter() - t) / len(prompts)))
    t = time.perf_counter()
    retriever = bm25s.BM25(k1=1.2, b=0.75)
    retriever.index(corpus, show_progress=False)
    built = time.perf_counter() - t
    t = time.perf_counter()
    for q in prompts:
        if q:
            retriever.retrieve([list(q)], k=300, show_progress=False, n_threads=1)
    rows.append(("bm25s 0.3 (numpy backend)", built, (time.perf_counter() - t) / len(prompts)))
    t = time.perf_counter()
    okapi = BM25Okapi(corpus)
    built = time.perf_counter() - t
    t = time.perf_counter()
    for q in prompts[:10]:
        okapi.get_scores(list(q))
    rows.append(("rank-bm25 0.2 BM25Okapi", built, (time.perf_counter() - t) / min(10, len(prompts))))
    print(f"{docs} documents of ~10 snippets each, {len(prompts)} test prompts' keywords, top 300")
    print(f"{'library':<28} {'build s':>8} {'ms/query':>9}")
    for name, build_s, per_query in rows:
        print(f"{name:<28} {build_s:>8.1f} {per_query * 1e3:>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="bench")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--queries", type=int, default=400)
    defaults = get_settings()
    parser.add_argument("--bm25-k", type=int, default=defaults.search_bm25_candidates)
    parser.add_argument("--ann-k", type=int, default=defaults.search_ann_candidates)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--compare-bm25", type=int, default=0, metavar="DOCS", help="only compare BM25 libraries"
    )
    args = parser.parse_args()
    if args.compare_bm25:
        compare_bm25(args.compare_bm25, 50)
        return
    result = asyncio.run(run(args))
    print(f"{'stage':<10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for stage, v in result["stages_ms"].items():
        print(f"{stage:<10} {v['p50']:>8.3f} {v['p95']:>8.3f} {v['p99']:>8.3f}")
    print(json.dumps({k: v for k, v in result.items() if k != "stages_ms"}))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
