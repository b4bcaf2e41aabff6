"""The served ranker on real companies: a fresh database, the real app on a loopback port, every
company loaded through POST /v1/snippets (one `profile` snippet of its own description, no
industry), then each prompt searched through POST /v1/leads/search."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import uvicorn
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.auth.service import create_key
from app.core.config import Settings
from app.main import create_app
from tools.db_admin import alembic_run, asyncpg_dsn, drop_database, ensure_database, with_database
from tools.real_eval.data import RealCompany
from tools.real_eval.prompts import SellerPrompt

DATABASE = "leadpoet_real_eval"
REDIS_DB = 12
MINER_ID = "real-eval-directory"
# When the directory was scraped (its README): the age of every profile snippet.
OBSERVED_AT = "2023-02-27T00:00:00Z"
BATCH = 500


def eval_settings(base: Settings, *, database: str = DATABASE, redis_db: int = REDIS_DB) -> Settings:
    """The app's settings on the evaluation's own database and Redis db; ingestion written directly
    (no Kafka), no LLM: the figures are of the rules and the model alone."""
    redis = base.redis_url
    if redis:
        parts = urlsplit(redis)
        redis = urlunsplit((parts.scheme, parts.netloc, f"/{redis_db}", parts.query, parts.fragment))
    return base.model_copy(
        update={
            "database_url": with_database(base.database_url, database),
            "redis_url": redis,
            "kafka_bootstrap_servers": "",
            "llm_base_url": "",
            "log_level": "WARNING",
            "index_refresh_interval_s": 0.5,
            "default_rate_limit_per_minute": 1_000_000,
        }
    )


def snippet_of(company: RealCompany) -> dict[str, Any]:
    body: dict[str, Any] = {"domain": company.domain, "name": company.name}
    if company.country:
        body["country"] = company.country
    if company.employees:
        body["employees"] = company.employees
    return {
        "miner_id": MINER_ID,
        "company": body,
        "kind": "profile",
        "text": company.text,
        "source_url": f"https://{company.domain}/",
        "observed_at": OBSERVED_AT,
    }


async def fresh_database(settings: Settings) -> None:
    await drop_database(settings.database_url)
    await ensure_database(settings.database_url)
    await alembic_run(settings.database_url, "upgrade", "head")
    if settings.redis_url:
        client = Redis.from_url(settings.redis_url)
        try:
            await client.flushdb()
        finally:
            await client.aclose()


async def mint_key(settings: Settings) -> str:
    engine = create_async_engine(settings.database_url)
    try:
        async with AsyncSession(engine) as session:
            _, new = await create_key(
                session,
                name="real-eval",
                scopes=["ingest", "search"],
                pepper=settings.api_key_pepper,
                rate_limit_per_minute=None,
            )
            await session.commit()
    finally:
        await engine.dispose()
    return new.clear


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[str]:
    """The app under uvicorn on a free loopback port, for the duration of the block; yields its URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        access_log=False,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass(frozen=True, slots=True)
class LoadReport:
    accepted: int
    duplicates: int
    rejected: int
    seconds_to_searchable: float


async def load(
    client: httpx.AsyncClient, companies: Sequence[RealCompany], *, settings: Settings
) -> LoadReport:
    started = time.perf_counter()
    accepted = duplicates = rejected = 0
    for i in range(0, len(companies), BATCH):
        batch = [snippet_of(c) for c in companies[i : i + BATCH]]
        resp = await client.post("/v1/snippets", json={"snippets": batch})
        resp.raise_for_status()
        body = resp.json()
        accepted += body["accepted"]
        duplicates += body["duplicates"]
        rejected += len(body["rejected"])
    await wait_searchable(client, settings=settings, expected=accepted)
    return LoadReport(accepted, duplicates, rejected, time.perf_counter() - started)


async def _indexed(client: httpx.AsyncClient) -> float:
    text = (await client.get("/metrics")).text
    for line in text.splitlines():
        if line.startswith("bm25_index_documents"):
            return float(line.split()[-1])
    return 0.0


async def wait_searchable(
    client: httpx.AsyncClient, *, settings: Settings, expected: int, timeout_s: float = 1800.0
) -> None:
    """Until every company has its ANN vector in PostgreSQL and is in the BM25 index."""
    deadline = time.monotonic() + timeout_s
    conn = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    try:
        while True:
            embedded = await conn.fetchval(
                "SELECT count(*) FROM company_embeddings WHERE embedding IS NOT NULL"
            )
            companies = await conn.fetchval("SELECT count(*) FROM companies")
            if companies >= expected and embedded >= companies and await _indexed(client) >= companies:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{embedded}/{companies} embedded after {timeout_s:.0f} s")
            await asyncio.sleep(1.0)
    finally:
        await conn.close()


@dataclass(frozen=True, slots=True)
class Answer:
    domains: list[str]
    leads: list[dict[str, Any]]
    latency_ms: float


async def search(client: httpx.AsyncClient, prompt: SellerPrompt, *, k: int) -> Answer:
    body = {"prompt": prompt.prompt, "k": k, "filters": prompt.filters.api(), "explain": True}
    started = time.perf_counter()
    resp = await client.post("/v1/leads/search", json=body)
    elapsed = (time.perf_counter() - started) * 1e3
    resp.raise_for_status()
    leads = resp.json()["leads"]
    return Answer([lead["domain"] for lead in leads], leads, elapsed)


async def run_served(
    settings: Settings, companies: Sequence[RealCompany], prompts: Sequence[SellerPrompt], *, k: int = 100
) -> tuple[LoadReport, dict[str, Answer], str]:
    """Load the companies into a fresh database through the API and answer every prompt; returns
    the load report, the answers by prompt id and the served model version. `settings`: see
    `eval_settings` (its database is dropped and created anew)."""
    await fresh_database(settings)
    key = await mint_key(settings)
    async with serve(settings) as url:
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120.0) as client:
            report = await load(client, companies, settings=settings)
            answers = {p.id: await search(client, p, k=k) for p in prompts}
            version = (
                await client.post("/v1/leads/search", json={"prompt": "model version", "k": 1})
            ).json()["model_version"]
    return report, answers, version
