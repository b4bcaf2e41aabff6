"""`make run`'s first load: the vector index dropped while an empty table is filled, built again after."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from dev.run import build_indexes, drop_empty_vector_indexes


async def _hnsw(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'company_embeddings' "
                "AND indexdef ILIKE '% USING hnsw %' ORDER BY indexname"
            )
        )
        return [str(r[0]) for r in rows]


async def test_vector_index_dropped_and_built_again_from_its_definition(clean_db: AsyncEngine) -> None:
    before = await _hnsw(clean_db)
    assert before  # the migrations create it
    dropped = await drop_empty_vector_indexes(clean_db)
    try:
        assert sorted(dropped) == before
        assert await _hnsw(clean_db) == []
        assert await drop_empty_vector_indexes(clean_db) == []  # nothing left to drop
    finally:
        await build_indexes(clean_db, dropped)
    assert await _hnsw(clean_db) == before


async def test_vector_index_kept_when_vectors_are_stored(clean_db: AsyncEngine) -> None:
    async with clean_db.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO companies (id, domain, name) VALUES "
                "('00000000-0000-0000-0000-000000000001', 'kept.example', 'Kept')"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO company_embeddings (company_id, embedding, embedding_model) "
                "VALUES ('00000000-0000-0000-0000-000000000001', "
                "array_fill(0.1, ARRAY[256])::halfvec, 'test')"
            )
        )
    before = await _hnsw(clean_db)
    assert await drop_empty_vector_indexes(clean_db) == []
    assert await _hnsw(clean_db) == before
