"""The embedding worker against a concurrent profile writer that holds company rows without the
advisory locks (a quarantine release rebuilding profiles): the worker never waits while holding
locks, so the two cannot deadlock; it writes what it can lock and retries the rest next round."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.core.db import create_engine
from app.ingest.db import transaction
from app.ingest.embeddings import EmbeddingWorker, release_claims
from tests.ingest.factory import snippet
from tests.ingest.kafka_support import scalar
from tests.ingest.support import MakeKey


async def ingest(client: httpx.AsyncClient, key: str, *domains: str) -> None:
    body = {"snippets": [snippet(domain=d) for d in domains]}
    response = await client.post("/v1/snippets", json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.json()["accepted"] == len(domains), response.text


async def worker_waits_or_ends(engine: AsyncEngine, task: asyncio.Task[int]) -> None:
    """Until the worker's write blocks on a lock (it would, before) or the round is over."""
    for _ in range(300):
        if task.done():
            return
        waiting = await scalar(
            engine,
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE '%company_embeddings%' AND pid <> pg_backend_pid()",
        )
        if waiting:
            return
        await asyncio.sleep(0.02)


async def test_worker_and_profile_writer_do_not_deadlock(
    direct: httpx.AsyncClient, make_key: MakeKey, settings: Settings, clean_db: AsyncEngine
) -> None:
    key = await make_key("ingest")
    await ingest(direct, key, "acme.com", "beta.io")
    engine = create_engine(settings)
    worker = EmbeddingWorker(settings=settings, engine=engine)
    try:
        assert await worker.run_once() == 2  # both companies have a vector now
        await ingest(direct, key, "acme.com", "beta.io")  # both queued again
        ids = {
            domain: await scalar(clean_db, f"SELECT id::text FROM companies WHERE domain = '{domain}'")
            for domain in ("acme.com", "beta.io")
        }
        first, second = sorted(ids.values())  # the worker locks vector rows in id order
        async with transaction(engine) as writer:  # a profile writer, no advisory locks
            await writer.execute(
                "SELECT 1 FROM company_embeddings WHERE company_id = $1::uuid FOR UPDATE", second
            )
            task = asyncio.create_task(worker.run_once())
            await worker_waits_or_ends(clean_db, task)
            # the writer now needs the row the worker locks first: a cycle if the worker waits on `second`
            await writer.execute("SET LOCAL lock_timeout = '10s'")
            await writer.execute(
                "SELECT 1 FROM company_embeddings WHERE company_id = $1::uuid FOR UPDATE", first
            )
            assert await asyncio.wait_for(task, timeout=10) == 1  # `first` written, `second` skipped
        assert await scalar(clean_db, "SELECT count(*) FROM embedding_queue") == 1
        assert (
            await scalar(clean_db, "SELECT count(*) FROM embedding_queue WHERE claimed_until IS NOT NULL")
            == 0
        )
        assert await worker.run_once() == 1  # retried at once, not after the claim expired
        assert await scalar(clean_db, "SELECT count(*) FROM embedding_queue") == 0
    finally:
        await engine.dispose()


async def test_releasing_claims_never_waits_for_a_storage_transaction(
    direct: httpx.AsyncClient, make_key: MakeKey, settings: Settings, clean_db: AsyncEngine
) -> None:
    """A storage transaction holds a queue row and will want another: releasing claims on both skips
    the held one instead of waiting for it (waiting, while holding the other, was a deadlock)."""
    key = await make_key("ingest")
    await ingest(direct, key, "acme.com", "beta.io")  # both queued
    first, second = sorted(
        [
            await scalar(clean_db, f"SELECT id::text FROM companies WHERE domain = '{d}'")
            for d in ("acme.com", "beta.io")
        ]
    )
    claimed = "SELECT count(*) FROM embedding_queue WHERE claimed_until IS NOT NULL"
    engine = create_engine(settings)
    try:
        async with transaction(engine) as conn:
            await conn.execute("UPDATE embedding_queue SET claimed_until = now() + interval '60 seconds'")
        async with transaction(engine) as writer:  # a storage transaction re-enqueueing `second`
            await writer.execute(
                "SELECT 1 FROM embedding_queue WHERE company_id = $1::uuid FOR UPDATE", second
            )
            await asyncio.wait_for(release_claims(engine, [uuid.UUID(second), uuid.UUID(first)]), timeout=5)
            assert await scalar(clean_db, claimed) == 1  # `first` released, the held `second` skipped
        await ingest(direct, key, "beta.io")  # its re-enqueue clears the claim: claimable at once
        assert await scalar(clean_db, claimed) == 0
    finally:
        await engine.dispose()
