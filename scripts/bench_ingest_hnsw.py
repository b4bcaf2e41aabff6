"""HNSW insert cost and recall by `ef_construction` and column type on the vectors of the ingestion
benchmark's database (run after `scripts.bench_ingest`, which leaves `leadpoet_bench` filled).

    python -m scripts.bench_ingest_hnsw [--held 3000] [--queries 50] [--ef-construction 64 32]
        [--types vector halfvec]

Copies `company_embeddings` minus `--held` rows into one table per (type, value), builds the HNSW
index (m 16) on each, times inserting the held rows 100 per statement (as a consumer batch does),
then compares the top 100 of the index scan (`hnsw.ef_search` from the settings) with exact search
over the float32 vectors. Prints JSON. The copies are dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import asyncpg
import orjson

from app.core.config import Settings
from tools.db_admin import BENCH_DB, asyncpg_dsn, with_database

BATCH = 100
TOP = 100


async def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()
    conn = await asyncpg.connect(asyncpg_dsn(with_database(settings.database_url, BENCH_DB)))
    variants = [(kind, efc) for kind in args.types for efc in args.ef_construction]
    tables = [f"hx_{kind}_{efc}" for kind, efc in variants]
    result: dict[str, Any] = {"held": args.held, "queries": args.queries}
    try:
        await conn.execute("SET maintenance_work_mem = '1GB'")
        result["vectors"] = await conn.fetchval("SELECT count(*) FROM company_embeddings")
        await conn.execute(f"DROP TABLE IF EXISTS hx_base, hx_held, {', '.join(tables)}")
        order = "SELECT company_id, embedding FROM company_embeddings ORDER BY company_id"
        await conn.execute(f"CREATE TABLE hx_base AS {order} OFFSET {int(args.held)}")
        await conn.execute(f"CREATE TABLE hx_held AS {order} LIMIT {int(args.held)}")
        for (kind, efc), table in zip(variants, tables, strict=True):
            await conn.execute(
                f"CREATE TABLE {table} AS SELECT company_id, embedding::{kind}(256) AS embedding FROM hx_base"  # noqa: S608
            )
            started = time.perf_counter()
            await conn.execute(
                f"CREATE INDEX ON {table} USING hnsw (embedding {kind}_cosine_ops) "
                f"WITH (m = 16, ef_construction = {int(efc)})"
            )
            build = time.perf_counter() - started
            started = time.perf_counter()
            for offset in range(0, args.held, BATCH):
                await conn.execute(
                    f"INSERT INTO {table} SELECT company_id, embedding::{kind}(256) FROM hx_held "  # noqa: S608
                    f"ORDER BY company_id OFFSET {offset} LIMIT {BATCH}"
                )
            insert = time.perf_counter() - started
            result[f"{kind}_ef_construction_{efc}"] = {
                "build_s": round(build, 1),
                "insert_ms_per_row": round(1000 * insert / args.held, 2),
            }
        await conn.execute(f"SET hnsw.ef_search = {int(settings.search_hnsw_ef_search)}")
        queries = await conn.fetch(
            f"SELECT embedding::text AS e FROM hx_held ORDER BY random() LIMIT {int(args.queries)}"  # noqa: S608
        )
        exact_sql = f"SELECT company_id FROM hx_base ORDER BY embedding <=> $1::vector LIMIT {TOP}"  # noqa: S608
        await conn.execute("INSERT INTO hx_base SELECT * FROM hx_held")  # the exact answers over all rows
        exact = []
        for q in queries:
            exact.append({r[0] for r in await conn.fetch(exact_sql, q["e"])})
        for (kind, efc), table in zip(variants, tables, strict=True):
            sql = f"SELECT company_id FROM {table} ORDER BY embedding <=> $1::vector::{kind}(256) LIMIT {TOP}"  # noqa: S608
            recalls = []
            for q, truth in zip(queries, exact, strict=True):
                approx = {r[0] for r in await conn.fetch(sql, q["e"])}
                recalls.append(len(approx & truth) / TOP)
            entry = result[f"{kind}_ef_construction_{efc}"]
            entry["recall_at_100"] = round(sum(recalls) / max(1, len(recalls)), 4)
            entry["recall_min"] = round(min(recalls, default=0.0), 2)
    finally:
        await conn.execute(f"DROP TABLE IF EXISTS hx_base, hx_held, {', '.join(tables)}")
        await conn.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--held", type=int, default=3000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--ef-construction", type=int, nargs="+", default=[64, 32])
    parser.add_argument("--types", nargs="+", default=["vector"], choices=["vector", "halfvec"])
    args = parser.parse_args()
    print(orjson.dumps(asyncio.run(run(args)), option=orjson.OPT_INDENT_2).decode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
