"""Leads per second of a campaign run by the job worker, with and without enrichment and drafts.

    python -m scripts.bench_campaign [--companies 3000] [--limit 2000] [--runs 3] [--chunk 100]

Loads a generated world of `--companies` companies (dev/world, `tiny` settings; evidence and vectors
by scripts/bulk_load.py, then the profiles rebuilt from the evidence as ingestion builds them) into
a database of its own (`<DATABASE_URL db>_bench_jobs`, loaded once and reused), starts the ranker and
the drafts component as the worker deployment does, and times each variant `--runs` times,
alternately, each a fresh job of `--limit` leads run by one JobWorker from its claim to
pipeline_end: plain (rank + grade), + enrichment (every signal), + enrichment and drafts
(deterministic writer). Leads per second = leads / (pipeline_end - claim), including the ranking of
the campaign's candidates at its start.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from app.api.lifespan import drafts_hook, make_lifespan, ranker_hook
from app.api.state import state_of
from app.core.config import Settings, get_settings
from app.core.db import create_engine
from app.drafts.service import DraftWriter
from app.ingest.profiles_db import rebuild_profiles
from app.jobs.schemas import JobCreate
from app.jobs.service import create_job
from app.jobs.worker import JobWorker
from app.leads.startup import Ranker
from app.ranking.embedding import load_embedder
from app.workspaces.service import create_workspace, find_workspace
from dev.world import WorldConfig, write_world
from tools.bulk_load import bulk_load
from tools.db_admin import alembic_run, ensure_database, with_database
from tools.ranker_world import WORLD_NOW
from tools.scale_load import connect

VARIANTS: dict[str, dict[str, Any]] = {
    "plain": {},
    "enrich": {"signals": {}},
    "enrich+drafts": {"signals": {}, "drafts": True},
}
PROFILE_BATCH = 500
PROMPT = "Cloud data warehouse for mid-sized food distributors and logistics companies"


async def prepare(settings: Settings, companies: int, seed: int) -> None:
    await ensure_database(settings.database_url)
    await alembic_run(settings.database_url, "upgrade", "head")  # a database loaded by an older build
    engine = create_engine(settings)
    try:
        async with engine.connect() as conn:
            exists = await conn.execute(text("SELECT to_regclass('companies') IS NOT NULL"))
            loaded = (
                exists.scalar_one()
                and (await conn.execute(text("SELECT count(*) FROM companies"))).scalar_one()
            )
    finally:
        await engine.dispose()
    if loaded:
        print(f"world already loaded: {loaded} companies", flush=True)
        return
    with tempfile.TemporaryDirectory() as tmp:
        world_dir = Path(tmp) / "world"
        write_world(WorldConfig.for_size("tiny", seed=seed, companies=companies), world_dir, progress=False)
        stats = await bulk_load(
            database_url=settings.database_url, world_dir=world_dir, embedder=load_embedder(settings)
        )
    # Profiles from the evidence, as ingestion builds them (the bulk loader leaves them empty).
    conn = await connect(settings.database_url)
    try:
        ids = [r[0] for r in await conn.fetch("SELECT id FROM companies ORDER BY id")]
        for start in range(0, len(ids), PROFILE_BATCH):
            async with conn.transaction():
                await rebuild_profiles(conn, company_ids=ids[start : start + PROFILE_BATCH], now=WORLD_NOW)
    finally:
        await conn.close()
    print(f"loaded {stats.companies} companies, {stats.snippets} snippets; profiles built", flush=True)


async def one_run(
    worker: JobWorker, workspace_id: uuid.UUID, *, limit: int, options: dict[str, Any]
) -> float:
    async with worker.sessionmaker() as session:
        body = JobCreate.model_validate(
            {"kind": "campaign", "prompt": PROMPT, "limit": limit, "options": options}
        )
        job = await create_job(
            session, settings=worker.settings, body=body, workspace_id=workspace_id, api_key_id=None
        )
    started = time.perf_counter()
    claimed = await worker.claim()
    assert claimed == job.id, "another job was queued in the bench database"
    await worker.run_job(claimed)
    elapsed = time.perf_counter() - started
    async with worker.sessionmaker() as session:
        state, done = (
            await session.execute(text("SELECT state, position FROM jobs WHERE id = :id"), {"id": job.id})
        ).one()
    assert state == "succeeded", state
    assert done == limit, done
    return elapsed


async def run(args: argparse.Namespace) -> None:
    base = get_settings()
    db = base.database_url.rsplit("/", 1)[1] + "_bench_jobs"
    settings = base.model_copy(
        update={
            "database_url": with_database(base.database_url, db),
            "kafka_bootstrap_servers": "",
            "jobs_worker_enabled": False,
            "eligibility_enabled": False,
            "jobs_chunk": args.chunk,
            "log_level": "WARNING",
        }
    )
    await prepare(settings, args.companies, args.seed)
    holder = FastAPI()
    async with make_lifespan(settings, [ranker_hook, drafts_hook])(holder):
        state = state_of(holder)
        ranker, drafts = state.ranker, state.drafts
        assert isinstance(ranker, Ranker)
        assert isinstance(drafts, DraftWriter)
        async with state.core.sessionmaker() as session:
            workspace = await find_workspace(session, name="bench") or await create_workspace(
                session, name="bench"
            )
            await session.commit()
            workspace_id = workspace.id
        worker = JobWorker(
            settings=settings, sessionmaker=state.core.sessionmaker, ranker=ranker, drafts=drafts
        )
        print(
            f"{ranker.index.store.size} companies indexed; {args.runs} runs per variant, alternating",
            flush=True,
        )
        times: dict[str, list[float]] = {name: [] for name in VARIANTS}
        for run_no in range(args.runs):
            for name, options in VARIANTS.items():
                elapsed = await one_run(worker, workspace_id, limit=args.limit, options=options)
                times[name].append(elapsed)
                print(
                    f"run {run_no + 1} {name:14s} {elapsed:6.2f} s  {args.limit / elapsed:7.0f} leads/s",
                    flush=True,
                )
    print("\n| variant | median s | leads/s (median) | runs |\n|---|---:|---:|---:|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.2f} | {args.limit / median:.0f} | {len(values)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--companies", type=int, default=3000)
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.limit > args.companies:
        parser.error("--limit must not exceed --companies")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
