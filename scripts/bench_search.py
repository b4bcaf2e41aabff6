"""In-process search latency per stage at a world size (default `bench`: 100k companies).

    python -m scripts.bench_search [--size bench] [--queries 400] [--bm25-k 300] [--ann-k 100]
        [--budget 500] [--fill prior|fused] [--compare-sequential] [--compare-fill]

Builds the in-memory index from the generated world (as the service does from PostgreSQL), loads
the company vectors into a PostgreSQL database of its own (`<DATABASE_URL db>_bench_ranker`,
pgvector HNSW, cosine) and times every stage of each query with the service's code
(`app.leads.flow.run_search`): parse, embed, bm25 (tantivy), ann (the wait for pgvector), features,
rerank (LightGBM, calibration), in the service's order (`SEARCH_OVERLAP_ANN`, `SEARCH_FILL`).
`--compare-sequential` also runs every prompt with the other ANN order (awaited first, or overlapped
with BM25 and the features), `--compare-fill` with the other fill order, alternately, in one run.
Not counted: HTTP, auth, the cache, and hydration of the K leads' contacts/evidence.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np
from rank_bm25 import BM25Okapi

from app.core.config import get_settings
from app.core.db import create_engine, create_sessionmaker
from app.leads.candidates import pgvector_ann
from app.leads.flow import run_search
from app.leads.models_registry import ModelManager
from app.ranking.bm25 import Bm25Index, IndexedDocument
from app.ranking.embedding import load_embedder
from app.ranking.prompt import parse_prompt
from app.ranking.text import tokenize
from tools.ranker_eval import filters_of
from tools.ranker_world import generate_world
from tools.scale_load import bench_database_url, load_vectors
from tools.scale_world import build_bench_index, store_memory

STAGES = ("parse", "embed", "bm25", "ann", "ann_send", "features", "rerank", "total")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(args: argparse.Namespace) -> dict[str, Any]:
    base = get_settings()
    database_url = bench_database_url(base.database_url, args.size)
    settings = base.model_copy(update={"database_url": database_url})
    embedder = load_embedder(settings)
    # Streamed company by company above 100k (tools/scale_world.py); vectors loaded with COPY.
    world, index = build_bench_index(args.size, args.seed, embedder)
    print(
        f"world {args.size} ({world.source}): {index.store.size} companies, {world.snippets} snippets; "
        f"index built in {index.built_s:.0f}s (reading {world.read_s:.0f}s); peak RSS {rss_mb():.0f} MB",
        flush=True,
    )
    load = await load_vectors(database_url, index.store)
    loaded = sum(v for k, v in load.items() if k.endswith("_s"))
    print(
        f"pgvector: {index.store.size} vectors "
        + (", ".join(f"{k} {v:.0f}" for k, v in load.items()) if load else "already loaded (same world)"),
        flush=True,
    )
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    models = ModelManager(sessionmaker=sessionmaker, model_dir=settings.model_dir, poll_interval_s=60)
    reranker = models.current
    prompts = world.prompts_in("test") + world.prompts_in("validation")
    service = settings.search_overlap_ann  # the service's ANN order first
    modes = [(service, args.fill)]
    if args.compare_sequential:  # the other ANN order
        modes.append((not service, args.fill))
    if args.compare_fill:
        modes.append((service, "prior" if args.fill == "fused" else "fused"))
    timings: dict[tuple[bool, str], dict[str, list[float]]] = {m: {s: [] for s in STAGES} for m in modes}
    candidates = []

    ann_query = pgvector_ann(engine, store=index.store, limit=args.ann_k)

    for i in range(args.queries + 20):
        prompt = prompts[i % len(prompts)]
        for overlap, fill in modes:  # every variant on every prompt, alternately
            started = time.perf_counter()
            parsed = parse_prompt(prompt["text"])
            parse_s = time.perf_counter() - started
            run = await run_search(  # the service's code path (app/leads/service.py)
                store=index.store,
                bm25_index=index.bm25,
                embedder=embedder,
                reranker=reranker,
                parsed=parsed,
                filters=filters_of(prompt),
                ann_query=ann_query,
                bm25_k=args.bm25_k,
                budget=args.budget,
                fill=fill,
                k=10,
                overlap=overlap,
            )
            total = time.perf_counter() - started
            if i < 20:
                continue  # warm-up
            for stage, value in {"parse": parse_s, **run.timings, "total": total}.items():
                timings[(overlap, fill)][stage].append(value * 1e3)
            if (overlap, fill) == modes[0]:
                candidates.append(run.ranked.candidates)
    await engine.dispose()
    result: dict[str, Any] = {
        "size": args.size,
        "companies": index.store.size,
        "snippets": world.snippets,
        "queries": args.queries,
        "model": reranker.version,
        "bm25_k": args.bm25_k,
        "ann_k": args.ann_k,
        "candidates_mean": round(float(np.mean(candidates)), 1),
        "index_build_s": round(index.built_s, 1),
        "pg_load_s": round(loaded, 1),
        "peak_rss_mb": round(rss_mb()),
        "store_mb": {k: round(v / 2**20) for k, v in store_memory(index.store).items()},
        "budget": args.budget,
        "fill": args.fill,
        "stages_ms": percentiles(timings[modes[0]]),
        "variants_ms": {
            f"{'overlap' if o else 'sequential'}/{f}": percentiles(timings[(o, f)]) for o, f in modes
        },
    }
    return result


def percentiles(timings: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    return {
        s: {p: round(float(np.percentile(v, q)), 3) for p, q in (("p50", 50), ("p95", 95), ("p99", 99))}
        for s, v in timings.items()
    }


def compare_bm25(docs: int, queries: int) -> None:
    """BM25 libraries on the same synthetic corpus: build time and per-query latency (top 300)."""
    import bm25s  # noqa: PLC0415 - optional: bm25s is not a pinned dependency, only --compare-bm25 needs it

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
    parser.add_argument("--budget", type=int, default=defaults.search_candidate_budget)
    parser.add_argument("--fill", choices=("prior", "fused"), default=defaults.search_fill)
    parser.add_argument(
        "--compare-sequential",
        action="store_true",
        help="also time every prompt with the ANN awaited before BM25 and features (the previous order)",
    )
    parser.add_argument(
        "--compare-fill", action="store_true", help="also time every prompt with the other fill"
    )
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--compare-bm25", type=int, default=0, metavar="DOCS", help="only compare BM25 libraries"
    )
    args = parser.parse_args()
    if args.compare_bm25:
        compare_bm25(args.compare_bm25, 50)
        return
    result = asyncio.run(run(args))
    for name, stages in result["variants_ms"].items():
        print(f"{name} ({'the service' if name == next(iter(result['variants_ms'])) else 'comparison'})")
        print(f"{'stage':<10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        for stage, v in stages.items():
            print(f"{stage:<10} {v['p50']:>8.3f} {v['p95']:>8.3f} {v['p99']:>8.3f}")
    print(json.dumps({k: v for k, v in result.items() if not k.endswith("_ms")}))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
