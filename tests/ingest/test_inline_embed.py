"""Embeddings written by the storage transaction (the consumer's path) on the real database: a company
that already has an embedding gets the new one in the same UPDATE, equal to what the embedding worker
computes; a company without one is queued for the worker as before."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.db.session import create_engine
from app.ingest.db import ensure_miners, transaction
from app.ingest.embeddings import EmbeddingWorker
from app.ingest.inline_embed import InlineEmbedder
from app.ingest.store import store_snippets
from app.ingest.validate import CleanSnippet, Limits, validate_snippet
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
    text = await scalar(engine, f"SELECT embedding::text FROM companies WHERE domain = '{domain}'")
    vector: list[float] = orjson.loads(text)
    return vector


async def test_known_company_is_embedded_in_the_storage_transaction(
    settings: Settings, clean_db: AsyncEngine
) -> None:
    engine = create_engine(settings)
    try:
        worker = EmbeddingWorker(settings=settings, engine=engine)
        inline = InlineEmbedder(source=worker.embedder)
        await _store(engine, settings, [snippet(domain="acme.com"), snippet(domain="acme.com")], None)
        assert await worker.run_once() == 1  # first sight: queued, embedded by the worker
        before = await _vector(clean_db, "acme.com")

        await _store(engine, settings, [snippet(domain="acme.com"), snippet(domain="gamma.io")], inline)
        # acme had an embedding: rewritten with the batch; gamma had none: queued as before
        queued = await scalar(
            clean_db,
            "SELECT string_agg(c.domain, ',') FROM embedding_queue q JOIN companies c ON c.id = q.company_id",
        )
        assert queued == "gamma.io"
        inline_vector = await _vector(clean_db, "acme.com")
        assert inline_vector != before
        assert await scalar(clean_db, "SELECT snippet_count FROM companies WHERE domain = 'acme.com'") == 3

        # the worker recomputing acme from the same rows writes the same vector
        async with transaction(engine) as conn:
            await conn.execute(
                "INSERT INTO embedding_queue (company_id, enqueued_at) "
                "SELECT id, now() FROM companies WHERE domain = 'acme.com'"
            )
        assert await worker.run_once() == 2
        recomputed = await _vector(clean_db, "acme.com")
        assert max(abs(a - b) for a, b in zip(inline_vector, recomputed, strict=True)) < 1e-4
        # a second inline batch reuses the cached snippet vectors and still agrees
        await _store(engine, settings, [snippet(domain="acme.com")], inline)
        assert await scalar(clean_db, "SELECT count(*) FROM embedding_queue") == 0
    finally:
        await engine.dispose()
