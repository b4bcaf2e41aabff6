"""The bulk loader on a real PostgreSQL: a small world in with COPY, as ingestion would leave it
(validated, accepted, seq, contacts without personal addresses), vectors as the service computes
them, every index back, and the service's own index built from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.core.config import Settings
from app.ingest.normalize import is_personal_domain
from app.leads.index import LeadIndex
from app.leads.loader import all_company_ids, load_companies
from app.ranking.columns import LeadStore
from app.ranking.embedding import Embedder, load_embedder
from dev.world import iter_jsonl
from tools.bulk_load import bulk_load
from tools.ranker_world import WORLD_NOW
from tools.scale_load import connect, vector_table

VECTOR_NOW = datetime(2026, 11, 21, tzinfo=UTC)


@pytest.fixture(scope="module")
def embedder(base_settings: Settings) -> Embedder:
    return load_embedder(base_settings)


async def index_names(url: str) -> set[str]:
    conn = await connect(url)
    try:
        rows = await conn.fetch("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        return {r[0] for r in rows}
    finally:
        await conn.close()


async def test_bulk_load_small_world(
    scratch_url: str, small_world_dir: Path, embedder: Embedder, settings: Settings
) -> None:
    stats = await bulk_load(
        database_url=scratch_url,
        world_dir=small_world_dir,
        embedder=embedder,
        batch=64,
        vector_now=VECTOR_NOW,
    )
    raw = list(iter_jsonl(small_world_dir / "snippets.jsonl"))
    future = [s for s in raw if datetime.fromisoformat(s["observed_at"]) > WORLD_NOW + timedelta(minutes=5)]
    assert stats.rejected >= len(future) > 0
    assert 190 <= stats.companies <= 200
    assert stats.snippets + stats.rejected <= len(raw)
    conn = await connect(scratch_url)
    try:
        where = await vector_table(conn)
        counts = await conn.fetchrow(
            f"""SELECT (SELECT count(*) FROM companies) AS companies, (SELECT count(*) FROM snippets) AS snippets,
                       (SELECT count(DISTINCT seq) FROM snippets) AS seqs,
                       (SELECT count(*) FROM {where.table} WHERE embedding IS NOT NULL) AS vectors,
                       (SELECT count(*) FROM miners) AS miners,
                       (SELECT count(*) FROM miners WHERE quarantined) AS quarantined"""
        )
        assert counts["companies"] == counts["vectors"] == stats.companies
        assert counts["snippets"] == counts["seqs"] == stats.snippets
        assert counts["miners"] > counts["quarantined"] > 0
        statuses = dict(await conn.fetch("SELECT status, count(*) FROM snippets GROUP BY status"))
        assert set(statuses) <= {"accepted", "duplicate"}
        assert statuses.get("duplicate", 0) == stats.duplicates
        orphans = await conn.fetchval(
            """SELECT count(*) FROM snippets d LEFT JOIN snippets o
               ON o.id = d.duplicate_of AND o.company_id = d.company_id
               WHERE d.status = 'duplicate' AND o.id IS NULL"""
        )
        assert orphans == 0
        assert await conn.fetchval("SELECT max(observed_at) FROM snippets") <= WORLD_NOW + timedelta(
            minutes=5
        )
        emails = [r[0] for r in await conn.fetch("SELECT email FROM contacts WHERE email IS NOT NULL")]
        assert emails
        assert not any(is_personal_domain(e.rsplit("@", 1)[1]) for e in emails)
        assert await conn.fetchval("SELECT count(*) FROM contacts") == stats.contacts
        stored = {
            r[0]: r[1].to_numpy()
            for r in await conn.fetch(f"SELECT {where.id_column}, embedding FROM {where.table}")
        }
    finally:
        await conn.close()

    # Every index of the schema is back (dropped for the COPY, recreated after it), HNSW included.
    engine = create_async_engine(scratch_url)
    try:
        sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        async with sessionmaker() as session:
            ids = await all_company_ids(session)
            records = await load_companies(session, ids)
        # The vectors are what the service's store computes from the loaded rows (int8 in the store).
        store = LeadStore(dim=embedder.dim)
        store.upsert(records, embedder=embedder, now=VECTOR_NOW)
        for company_id, vector in list(stored.items())[:50]:
            np.testing.assert_allclose(vector, store.doc_vec.get(store.row_of_id[company_id]), atol=0.02)
        index = LeadIndex(sessionmaker=sessionmaker, embedder=embedder, refresh_interval_s=60)
        assert await index.build() == stats.companies
    finally:
        await engine.dispose()

    # The same load into a freshly migrated database leaves the same indexes as the migrations.
    assert where.index in await index_names(scratch_url)
    with pytest.raises(SystemExit, match="not empty"):
        await bulk_load(database_url=scratch_url, world_dir=small_world_dir, embedder=embedder)
    again = await bulk_load(
        database_url=scratch_url, world_dir=small_world_dir, embedder=embedder, replace=True, limit=50
    )
    assert again.companies <= 50
