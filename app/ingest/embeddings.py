"""The embedding worker: drains `embedding_queue` (filled in the storage transaction), recomputes the
company's vector (`app.ranking.documents.company_embedding`: head + reputation- and recency-weighted
evidence) with the ranker's embedder and writes it to `company_embeddings` (the ANN key)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.ingest.db import transaction
from app.observability.meters import FRESHNESS
from app.ranking.documents import company_embedding
from app.ranking.embedding import load_embedder
from app.ranking.signals import SnippetView

logger = logging.getLogger(__name__)
SNIPPETS_PER_DOCUMENT = 20
# The newest accepted snippets of each company with their miner's reputation: what a company's
# vector is made of (`company_embedding`). Shared by this worker and the consumer's inline embedder.
DOCUMENT_SNIPPETS_SQL = """
    SELECT s.company_id, s.id, s.kind, s.text, s.observed_at, m.reputation FROM (
        SELECT company_id, id, miner_id, kind, text, observed_at, row_number() OVER (
            PARTITION BY company_id ORDER BY observed_at DESC, id) AS rn
        FROM snippets WHERE company_id = ANY($1::uuid[]) AND status = 'accepted') s
    JOIN miners m ON m.id = s.miner_id
    WHERE s.rn <= $2 ORDER BY s.company_id, s.rn
"""
# Upsert of company vectors. `country`/`employees` (the ANN filters) are copied from `companies` on
# insert; the trigger `companies_embedding_filters` keeps them equal afterwards. An existing vector is
# rewritten only when it moved more than $4 (cosine distance) or came from another model: each write
# is an HNSW insert. RETURNING gives the rows written.
WRITE_VECTORS_SQL = """
    INSERT INTO company_embeddings AS e (company_id, embedding, embedding_model, country, employees)
    SELECT c.id, v.e::halfvec, $3, c.country, c.employees
    FROM unnest($1::uuid[], $2::text[]) AS v(id, e) JOIN companies c ON c.id = v.id
    ON CONFLICT (company_id) DO UPDATE SET
        embedding = EXCLUDED.embedding, embedding_model = EXCLUDED.embedding_model, updated_at = now()
    WHERE e.embedding_model <> EXCLUDED.embedding_model OR (e.embedding <=> EXCLUDED.embedding) > $4
    RETURNING e.company_id
"""
UNCLAIM_SQL = """
    UPDATE embedding_queue SET claimed_until = NULL WHERE company_id IN (
        SELECT company_id FROM embedding_queue WHERE company_id = ANY($1::uuid[])
        ORDER BY company_id FOR UPDATE SKIP LOCKED)
"""
RETRY_LOAD_S = 60.0
CLAIM_S = 60.0  # a claim left by a crashed worker expires after this
# The worker's write never waits for a lock while holding others (it cannot be part of a deadlock
# with the storage transactions or a profile rebuild): the company advisory locks are TRIED in hash
# order, its queue and vector rows are locked with SKIP LOCKED, and any other wait is cut short.
WRITE_LOCK_TIMEOUT_MS = 500
# The companies whose advisory lock this transaction obtained without waiting (hash order).
TRY_LOCK_COMPANIES_SQL = """
    SELECT d FROM (SELECT DISTINCT d, hashtextextended(d, 7) AS k FROM unnest($1::text[]) d ORDER BY k) s
    WHERE pg_try_advisory_xact_lock(s.k)
"""


async def write_vectors(
    conn: asyncpg.Connection, *, vectors: Mapping[uuid.UUID, str], model: str, min_change: float
) -> int:
    """Upsert these pgvector literals (sorted by company: a stable row lock order); returns how many
    rows were written (the others moved at most `min_change` and stay as they are)."""
    ids = sorted(vectors)
    rows = await conn.fetch(WRITE_VECTORS_SQL, ids, [vectors[i] for i in ids], model[:100], min_change)
    return len(rows)


class EmbeddingWorker:
    def __init__(self, *, settings: Settings, engine: AsyncEngine) -> None:
        self.settings = settings
        self.engine = engine
        self._embedder: Any = None
        self._load_failed_at: float | None = None

    def embedder(self) -> Any:
        if self._embedder is not None:
            return self._embedder
        if self._load_failed_at is not None and time.monotonic() - self._load_failed_at < RETRY_LOAD_S:
            return None
        try:
            self._embedder = load_embedder(self.settings)
        except Exception as exc:  # no model yet: profiles and BM25 still update
            self._load_failed_at = time.monotonic()
            logger.warning("embedder unavailable, embeddings stay queued: %s", exc)
            return None
        return self._embedder

    async def run_once(self) -> int:
        """Embed up to one batch of queued companies. Returns how many were embedded."""
        embedder = await asyncio.to_thread(self.embedder)
        if embedder is None:
            return 0
        async with transaction(self.engine) as conn:  # claim a batch (short transaction)
            queued = await conn.fetch(
                """
                UPDATE embedding_queue q SET claimed_until = now() + make_interval(secs => $2)
                FROM (SELECT company_id FROM embedding_queue
                      WHERE claimed_until IS NULL OR claimed_until < now()
                      ORDER BY enqueued_at LIMIT $1 FOR UPDATE SKIP LOCKED) c
                WHERE q.company_id = c.company_id
                RETURNING q.company_id, q.enqueued_at, q.version
                """,
                self.settings.ingest_embed_batch,
                CLAIM_S,
            )
        if not queued:
            return 0
        ids = [r["company_id"] for r in queued]
        async with transaction(self.engine) as conn:  # read the documents (no locks)
            companies = await conn.fetch(
                "SELECT id, domain, name, description, industry FROM companies "
                "WHERE id = ANY($1::uuid[]) ORDER BY id",
                ids,
            )
            snippets: dict[uuid.UUID, list[SnippetView]] = defaultdict(list)
            for r in await conn.fetch(DOCUMENT_SNIPPETS_SQL, ids, SNIPPETS_PER_DOCUMENT):
                snippets[r["company_id"]].append(
                    SnippetView(
                        kind=r["kind"],
                        text=r["text"],
                        observed_at=r["observed_at"],
                        reputation=r["reputation"],
                    )
                )

        def embed_all() -> list[list[float]]:
            now = datetime.now(UTC)
            return [
                company_embedding(
                    embedder,
                    name=c["name"],
                    description=c["description"],
                    industry=c["industry"],
                    snippets=snippets.get(c["id"], []),
                    now=now,
                ).tolist()
                for c in companies
            ]

        vectors = await asyncio.to_thread(embed_all)
        literals = {
            c["id"]: "[" + ",".join(f"{x:.6f}" for x in row) + "]"
            for c, row in zip(companies, vectors, strict=True)
        }
        try:
            written = await self._write(
                literals,
                domains={c["id"]: c["domain"] for c in companies},
                versions={r["company_id"]: r["version"] for r in queued},
                model=str(getattr(embedder, "model_id", "unknown")),
            )
        except asyncpg.exceptions.LockNotAvailableError:
            written = set()  # a lock stayed busy past the timeout: nothing written, all retried
        if len(written) < len(ids):  # the others are retried next round, not after the claim expires
            await release_claims(self.engine, sorted(set(ids) - written))
        now = datetime.now(UTC)
        for r in queued:
            if r["company_id"] in written:
                FRESHNESS.observe(max(0.0, (now - r["enqueued_at"]).total_seconds()))
        return len(written)

    async def _write(
        self,
        literals: dict[uuid.UUID, str],
        *,
        domains: dict[uuid.UUID, str],
        versions: dict[uuid.UUID, int],
        model: str,
    ) -> set[uuid.UUID]:
        """Write the vectors of the companies this transaction can lock without waiting; return them.
        A company a storage transaction or a profile rebuild holds is skipped (it is re-queued by that
        writer anyway, or retried next round)."""
        async with transaction(self.engine) as conn:
            await conn.execute(f"SET LOCAL lock_timeout = '{WRITE_LOCK_TIMEOUT_MS}ms'")
            locked = {r["d"] for r in await conn.fetch(TRY_LOCK_COMPANIES_SQL, sorted(set(domains.values())))}
            candidates = sorted(i for i in literals if domains[i] in locked)
            queue_rows = await conn.fetch(
                "SELECT company_id FROM embedding_queue WHERE company_id = ANY($1::uuid[]) "
                "ORDER BY company_id FOR UPDATE SKIP LOCKED",
                candidates,
            )
            existing = {
                r["company_id"]
                for r in await conn.fetch(
                    "SELECT company_id FROM company_embeddings WHERE company_id = ANY($1::uuid[])", candidates
                )
            }
            vector_rows = await conn.fetch(
                "SELECT company_id FROM company_embeddings WHERE company_id = ANY($1::uuid[]) "
                "ORDER BY company_id FOR UPDATE SKIP LOCKED",
                candidates,
            )
            free = {r["company_id"] for r in vector_rows} | (set(candidates) - existing)
            ready = sorted({r["company_id"] for r in queue_rows} & free)
            if not ready:
                return set()
            await write_vectors(
                conn,
                vectors={i: literals[i] for i in ready},
                model=model,
                min_change=self.settings.ingest_embed_min_change,
            )
            # Rows re-enqueued meanwhile (newer evidence) stay, unclaimed, for the next round.
            await conn.execute(
                """
                WITH done AS (
                    DELETE FROM embedding_queue q USING unnest($1::uuid[], $2::bigint[]) AS v(id, version)
                    WHERE q.company_id = v.id AND q.version = v.version RETURNING q.company_id)
                UPDATE embedding_queue SET claimed_until = NULL
                WHERE company_id = ANY($1::uuid[]) AND company_id NOT IN (SELECT company_id FROM done)
                """,
                ready,
                [versions[i] for i in ready],
            )
        return set(ready)

    async def run(self, stop: asyncio.Event) -> None:
        """Loop until `stop` is set; never dies on an error (PostgreSQL down: retried)."""
        while not stop.is_set():
            try:
                done = await self.run_once()
            except Exception as exc:
                logger.warning("embedding worker: %s", exc)
                done = 0
                await _sleep(stop, 1.0)
            if done == 0:
                await _sleep(stop, self.settings.ingest_embed_interval_s)


async def release_claims(engine: AsyncEngine, ids: list[uuid.UUID]) -> None:
    """Release the claims on rows this round skipped, in a transaction of its own that never waits: it
    locks the rows in key order and skips those a storage transaction holds (that transaction
    re-enqueues them, which clears the claim; an UPDATE waiting for them while holding others, in
    the order of its scan, was a deadlock with it). A claim left in place also expires."""
    async with transaction(engine) as conn:
        await conn.execute(UNCLAIM_SQL, sorted(ids))


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return
