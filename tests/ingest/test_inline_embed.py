"""Embeddings written by the storage transaction (the consumer's path) on the real database, into
`company_embeddings`: every company of the batch gets its vector with the batch, equal to what the
embedding worker computes; a vector that moved less than `min_change` is left as it is; the ANN filter
columns follow the company's."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.core.db import create_engine
from app.ingest.db import ensure_miners, transaction
from app.ingest.embeddings import EmbeddingWorker
from app.ingest.inline_embed import InlineEmbedder
from app.ingest.validate import CleanSnippet, Limits, validate_snippet
from app.ingest.writer import store_snippets
from tests.ingest.factory import snippet
from tests.ingest.kafka_support import scalar


async def _store(
    engine: AsyncEngine, settings: Settings, raw: list[dict[str, object]], inline: InlineEmbedder | None
) -> None:
    now = datetime.now(UTC)
    clean = [validate_snippet(r, now=now, limits=Limits()) for r in raw]
    snippets = [c for c in clean if isinstance(c, CleanSnippet)]
    assert len(snippets) == len(raw)
    await ensure_miners(engine, ids=[s.miner_id for s in snippets], settings=settings, now=now)
    async with transaction(engine) as conn:
        await store_snippets(
            conn,
            snippets=snippets,
            rejected_by_miner=Counter(),
            settings=settings,
            now=now,
            throttle="off",
            source="kafka",
            embedder=inline,
        )


async def _vector(engine: AsyncEngine, domain: str) -> list[float]:
    text = await scalar(
        engine,
        "SELECT e.embedding::text FROM company_embeddings e JOIN companies c ON c.id = e.company_id "
        f"WHERE c.domain = '{domain}'",
    )
    vector: list[float] = orjson.loads(text)
    return vector


async def test_batch_embeds_its_companies_like_the_worker(settings: Settings, clean_db: AsyncEngine) -> None:
    engine = create_engine(settings)
    try:
        worker = EmbeddingWorker(settings=settings, engine=engine)
        inline = InlineEmbedder(source=worker.embedder)
        await _store(engine, settings, [snippet(domain="acme.com"), snippet(domain="acme.com")], None)
        assert await worker.run_once() == 1  # no embedder in the batch (HTTP path): queued, then the worker
        before = await _vector(clean_db, "acme.com")

        await _store(engine, settings, [snippet(domain="acme.com"), snippet(domain="gamma.io")], inline)
        # both written with the batch: acme rewritten, gamma (first sight) inserted; nothing queued
        assert await scalar(clean_db, "SELECT count(*) FROM embedding_queue") == 0
        assert await scalar(clean_db, "SELECT count(*) FROM company_embeddings") == 2
        inline_vector = await _vector(clean_db, "acme.com")
        assert inline_vector != before
        assert await scalar(clean_db, "SELECT snippet_count FROM companies WHERE domain = 'acme.com'") == 3
        assert (inline.written, inline.skipped) == (2, 0)

        # the worker recomputing acme from the same rows writes the same vector
        async with transaction(engine) as conn:
            await conn.execute(
                "INSERT INTO embedding_queue (company_id, enqueued_at) "
                "SELECT id, now() FROM companies WHERE domain = 'acme.com'"
            )
        assert await worker.run_once() == 1
        recomputed = await _vector(clean_db, "acme.com")
        assert max(abs(a - b) for a, b in zip(inline_vector, recomputed, strict=True)) < 1e-4
        # a second inline batch reuses the cached snippet vectors and still agrees
        await _store(engine, settings, [snippet(domain="acme.com")], inline)
        assert await scalar(clean_db, "SELECT count(*) FROM embedding_queue") == 0
    finally:
        await engine.dispose()


async def test_vector_that_barely_moved_is_not_rewritten(settings: Settings, clean_db: AsyncEngine) -> None:
    engine = create_engine(settings)
    try:
        worker = EmbeddingWorker(settings=settings, engine=engine)
        always = InlineEmbedder(source=worker.embedder)
        never = InlineEmbedder(source=worker.embedder, min_change=2.0)  # cosine distance is at most 2
        await _store(engine, settings, [snippet(domain="acme.com")], always)
        first = await _vector(clean_db, "acme.com")
        stamp = await scalar(clean_db, "SELECT updated_at FROM company_embeddings")

        await _store(engine, settings, [snippet(domain="acme.com")], never)
        assert (never.written, never.skipped) == (0, 1)
        assert await _vector(clean_db, "acme.com") == first
        assert await scalar(clean_db, "SELECT updated_at FROM company_embeddings") == stamp
        # current within the threshold: not queued for the worker either
        assert await scalar(clean_db, "SELECT count(*) FROM embedding_queue") == 0
        assert await scalar(clean_db, "SELECT snippet_count FROM companies") == 2

        await _store(engine, settings, [snippet(domain="acme.com")], always)
        assert await _vector(clean_db, "acme.com") != first
    finally:
        await engine.dispose()


async def test_filter_columns_follow_the_company(settings: Settings, clean_db: AsyncEngine) -> None:
    engine = create_engine(settings)
    try:
        inline = InlineEmbedder(source=EmbeddingWorker(settings=settings, engine=engine).embedder)
        await _store(engine, settings, [snippet(domain="acme.com")], inline)
        filters = "SELECT country || ':' || employees FROM company_embeddings"
        assert await scalar(clean_db, filters) == "US:250"
        moved = snippet(domain="acme.com")
        moved["company"] = {**moved["company"], "country": "DE", "employees": 900}
        await _store(engine, settings, [moved], None)  # no vector written: the trigger copies them
        assert await scalar(clean_db, "SELECT country || ':' || employees FROM companies") == "DE:900"
        assert await scalar(clean_db, filters) == "DE:900"
        async with transaction(engine) as conn:
            await conn.execute("UPDATE companies SET employees = NULL")
        assert await scalar(clean_db, "SELECT count(*) FROM company_embeddings WHERE employees IS NULL") == 1
    finally:
        await engine.dispose()
