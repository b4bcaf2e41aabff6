"""Company vectors of a benchmark world into PostgreSQL: binary COPY, then HNSW built once.

Used by scripts/bench_search.py (its own database, `<DATABASE_URL db>_bench_ranker` for `bench`,
`..._bench_ranker_<size>` for other sizes, so the 100k and 1M worlds are kept side by side) and
`python -m scripts.scale_world ann-check` (HNSW against exact search on the loaded database).
A database already holding the same world (same count, same ids) is reused as it is.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import numpy as np
import orjson
from pgvector.asyncpg import register_vector

from app.core.config import get_settings
from app.leads.candidates import HardFilters
from app.ranking.columns import LeadStore
from app.ranking.embedding import load_embedder
from app.ranking.prompt import parse_prompt
from tools.db_admin import alembic_run, asyncpg_dsn, ensure_database
from tools.ranker_eval import filters_of
from tools.scale_world import BenchWorld, build_bench_index, rss_mb, store_memory, world_files

COPY_CHUNK = 20_000
COMPANY_COLUMNS = ("id", "domain", "name", "industry", "employees", "country")
EMBEDDING_COLUMNS = ("company_id", "embedding", "embedding_model", "country", "employees")


@dataclass(frozen=True, slots=True)
class VectorTable:
    """Where the ANN key lives: `companies.embedding` up to migration 0004, `company_embeddings`
    (company_id, embedding, embedding_model, country, employees) from 0005 on; `kind` is the column's
    type (`vector`, or `halfvec` from 0006 on)."""

    table: str
    id_column: str
    index: str
    kind: str = "vector"

    @property
    def separate(self) -> bool:
        return self.table != "companies"


async def vector_table(conn: asyncpg.Connection) -> VectorTable:
    own = await conn.fetchval("SELECT to_regclass('company_embeddings') IS NOT NULL")
    table = "company_embeddings" if own else "companies"
    kind = await conn.fetchval(
        "SELECT t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = $1::regclass AND a.attname = 'embedding'",
        table,
    )
    if own:
        return VectorTable(table, "company_id", "ix_company_embeddings_hnsw", str(kind))
    return VectorTable(table, "id", "ix_companies_embedding_hnsw", str(kind))


# The graph of 1M 256-d vectors is ~1.5 GB: it must fit or the build spills and slows down a lot.
HNSW_MAINTENANCE_WORK_MEM = "3GB"


def bench_database_url(base_url: str, size: str) -> str:
    db = base_url.rsplit("/", 1)[1] + "_bench_ranker" + ("" if size == "bench" else f"_{size}")
    return base_url.rsplit("/", 1)[0] + "/" + db


async def connect(database_url: str) -> asyncpg.Connection:
    conn: asyncpg.Connection = await asyncpg.connect(asyncpg_dsn(database_url))
    await register_vector(conn)
    return conn


async def build_hnsw(
    conn: asyncpg.Connection, where: VectorTable, *, maintenance_work_mem: str = HNSW_MAINTENANCE_WORK_MEM
) -> float:
    """The migration's HNSW index (m 16, ef_construction 64), built once after a bulk load."""
    started = time.perf_counter()
    await conn.execute("SET statement_timeout = 0")
    await conn.execute(f"SET maintenance_work_mem = '{maintenance_work_mem}'")
    await conn.execute(
        f"CREATE INDEX IF NOT EXISTS {where.index} ON {where.table} "
        f"USING hnsw (embedding {where.kind}_cosine_ops) WITH (m = 16, ef_construction = 64)"
    )
    await conn.execute(f"ANALYZE {where.table}")
    return time.perf_counter() - started


def vector_rows(
    store: LeadStore, *, model: str, separate: bool, chunk: int = COPY_CHUNK
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """COPY records of the store's companies, `chunk` rows at a time (vectors dequantised per chunk):
    (companies rows, company_embeddings rows); with `separate` False the vector is in the first."""
    for start in range(0, store.size, chunk):
        stop = min(start + chunk, store.size)
        vectors = store.doc_vec.get(slice(start, stop))
        companies: list[tuple[Any, ...]] = []
        embeddings: list[tuple[Any, ...]] = []
        for i, row in enumerate(range(start, stop)):
            employees = int(store.employees[row])
            staff = employees if employees >= 0 else None
            country = store.country[row] or None
            base = (
                store.ids[row],
                store.domains[row],
                store.names[row][:300],
                store.industries[row],
                staff,
                country,
            )
            if separate:
                companies.append(base)
                embeddings.append((store.ids[row], vectors[i], model, country, staff))
            else:
                companies.append((*base, vectors[i], model))
        yield companies, embeddings


async def load_vectors(database_url: str, store: LeadStore, *, model: str = "bench") -> dict[str, float]:
    """Load the store's companies and vectors (COPY) and build HNSW; {} when the same world is there."""
    await ensure_database(database_url)
    await alembic_run(database_url, "upgrade", "head")
    conn = await connect(database_url)
    try:
        where = await vector_table(conn)
        count = await conn.fetchval(f"SELECT count(*) FROM {where.table}")  # noqa: S608
        held = {r[0] for r in await conn.fetch(f"SELECT {where.id_column} FROM {where.table} LIMIT 1000")}  # noqa: S608
        indexed = await conn.fetchval("SELECT count(*) FROM pg_indexes WHERE indexname = $1", where.index)
        if count == store.size and all(i in store.row_of_id for i in held):
            # The same world (same seed: the same company ids) is already loaded: reuse it.
            return {} if indexed else {"hnsw_s": await build_hnsw(conn, where)}
        await conn.execute("TRUNCATE companies CASCADE")
        await conn.execute(f"DROP INDEX IF EXISTS {where.index}")
        started = time.perf_counter()
        columns = COMPANY_COLUMNS if where.separate else (*COMPANY_COLUMNS, "embedding", "embedding_model")
        for companies, embeddings in vector_rows(store, model=model, separate=where.separate):
            await conn.copy_records_to_table("companies", records=companies, columns=columns)
            if embeddings:
                await conn.copy_records_to_table(
                    "company_embeddings", records=embeddings, columns=EMBEDDING_COLUMNS
                )
        copied = time.perf_counter() - started
        hnsw = await build_hnsw(conn, where)
        size = await conn.fetchval("SELECT pg_relation_size($1::regclass)", where.index)
        table = await conn.fetchval("SELECT pg_total_relation_size($1::regclass)", where.table)
        return {"copy_s": copied, "hnsw_s": hnsw, "hnsw_mb": size / 2**20, "table_mb": table / 2**20}
    finally:
        await conn.close()


async def _search(
    conn: asyncpg.Connection,
    *,
    table: VectorTable,
    vec: np.ndarray[Any, Any],
    limit: int,
    where: str,
    params: Sequence[object],
) -> list[Any]:
    sql = f"SELECT {table.id_column} FROM {table.table} WHERE {where} ORDER BY embedding <=> $1 LIMIT $2"  # noqa: S608
    return [r[0] for r in await conn.fetch(sql, vec, limit, *params)]


async def ann_check(*, size: str, seed: int, queries: int, limit: int) -> dict[str, Any]:
    """HNSW (the service's settings: ef_search, iterative scans) against exact search (index off) on
    the loaded bench database: recall@limit of unfiltered prompts, rows returned for filtered ones."""
    settings = get_settings()
    embedder = load_embedder(settings)
    files = world_files(size, seed)
    if files is None:
        raise SystemExit(f"no world files for {size}-{seed}: python -m dev.world generate --size {size}")
    prompts = [orjson.loads(x) for x in (files / "prompts.jsonl").read_bytes().splitlines() if x.strip()]
    world = BenchWorld(size=size, seed=seed, prompts=prompts, snippets=0, companies=0, source="files")
    chosen = world.prompts_in("test") + world.prompts_in("validation")
    empty = LeadStore(dim=embedder.dim)
    conn = await connect(bench_database_url(settings.database_url, size))
    recalls: list[float] = []
    filtered: list[tuple[int, int, float, float]] = []
    try:
        table = await vector_table(conn)
        await conn.execute(f"SET hnsw.ef_search = {settings.search_hnsw_ef_search}")
        await conn.execute("SET hnsw.iterative_scan = relaxed_order")
        plain = [p for p in chosen if not p.get("filters")][:queries]
        with_filters = [p for p in chosen if p.get("filters")][:queries]
        for prompt in plain + with_filters:
            parsed = parse_prompt(prompt["text"])
            vec = embedder.embed([parsed.text + " " + (" ".join(parsed.keywords) or parsed.text)])[0]
            hard = HardFilters.build(filters=filters_of(prompt), parsed=parsed, store=empty, exemplar_rows=[])
            where, params = hard.sql(first_param=3)
            t = time.perf_counter()
            approx = await _search(conn, table=table, vec=vec, limit=limit, where=where, params=params)
            ann_ms = (time.perf_counter() - t) * 1e3
            async with conn.transaction():
                await conn.execute("SET LOCAL enable_indexscan = off")
                await conn.execute("SET LOCAL enable_bitmapscan = off")
                t = time.perf_counter()
                exact = await _search(conn, table=table, vec=vec, limit=limit, where=where, params=params)
                exact_ms = (time.perf_counter() - t) * 1e3
            recall = len(set(approx) & set(exact)) / max(1, len(exact))
            if prompt.get("filters"):
                filtered.append((len(approx), len(exact), recall, ann_ms))
                print(
                    f"filtered {prompt['prompt_id']}: {where} -> HNSW {len(approx)} rows, exact {len(exact)},"
                    f" recall {recall:.2f}, {ann_ms:.1f} ms (exact {exact_ms:.0f} ms)"
                )
            else:
                recalls.append(recall)
                print(
                    f"plain {prompt['prompt_id']}: recall@{limit} {recall:.2f}, {ann_ms:.1f} ms"
                    f" (exact {exact_ms:.0f} ms)"
                )
    finally:
        await conn.close()
    result = {
        "recall_unfiltered_mean": float(np.mean(recalls)) if recalls else None,
        "filtered_rows_min": min((f[0] for f in filtered), default=None),
        "filtered_recall_mean": float(np.mean([f[2] for f in filtered])) if filtered else None,
    }
    print(result)
    return result


async def build_and_load(*, size: str, seed: int, stream: bool | None) -> dict[str, Any]:
    """The build and load half of scripts/bench_search.py, with the store's memory by array."""
    settings = get_settings()
    embedder = load_embedder(settings)
    world, index = build_bench_index(size, seed, embedder, stream=stream)
    built_rss = rss_mb()
    memory = {k: round(v / 2**20) for k, v in store_memory(index.store).items()}
    print(
        f"world {size} ({world.source}): {index.store.size} companies ({world.merged} merged), "
        f"{world.snippets} snippets; index built in {index.built_s:.0f}s (reading {world.read_s:.0f}s); "
        f"max RSS {built_rss:.0f} MB; store MB {memory}",
        flush=True,
    )
    load = await load_vectors(bench_database_url(settings.database_url, size), index.store)
    print(f"pgvector: {load or 'already loaded (same world)'}; max RSS {rss_mb():.0f} MB", flush=True)
    return {
        "companies": index.store.size,
        "snippets": world.snippets,
        "build_s": index.built_s,
        "read_s": world.read_s,
        "rss_mb": built_rss,
        "store_mb": memory,
        **load,
    }
