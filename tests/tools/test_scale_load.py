"""Company vectors into a real PostgreSQL with COPY, HNSW built once, a loaded world reused."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.config import Settings
from app.ranking.embedding import load_embedder
from tests.tools.conftest import SMALL_COMPANIES
from tools.ranker_world import WORLD_NOW, OfflineIndex, build_offline_index, company_records, generate_world
from tools.scale_load import bench_database_url, connect, load_vectors, vector_table


@pytest.fixture(scope="module")
def index(base_settings: Settings) -> OfflineIndex:
    world = generate_world("tiny", seed=7, companies=SMALL_COMPANIES, traffic=False)
    return build_offline_index(company_records(world), load_embedder(base_settings), now=WORLD_NOW)


def test_bench_database_names() -> None:
    base = "postgresql+asyncpg://u@h:1/leadpoet"
    assert bench_database_url(base, "bench") == "postgresql+asyncpg://u@h:1/leadpoet_bench_ranker"
    assert bench_database_url(base, "scale") == "postgresql+asyncpg://u@h:1/leadpoet_bench_ranker_scale"


async def test_copy_then_hnsw_then_reuse(scratch_url: str, index: OfflineIndex) -> None:
    store = index.store
    first = await load_vectors(scratch_url, store)
    assert set(first) == {"copy_s", "hnsw_s", "hnsw_mb", "table_mb"}
    conn = await connect(scratch_url)
    try:
        where = await vector_table(conn)
        assert await conn.fetchval("SELECT count(*) FROM companies") == store.size
        rows = await conn.fetch(f"SELECT {where.id_column}, embedding FROM {where.table}")
        assert len(rows) == store.size
        assert where.kind == "halfvec"
        for company_id, vector in rows[:50]:  # 16-bit floats: ~3 significant digits
            np.testing.assert_allclose(
                vector.to_numpy(), store.doc_vec.get(store.row_of_id[company_id]), atol=1e-3
            )
        assert await conn.fetchval("SELECT count(*) FROM pg_indexes WHERE indexname = $1", where.index) == 1
        domains = await conn.fetch("SELECT id, domain, country, employees FROM companies LIMIT 20")
        for r in domains:
            row = store.row_of_id[r["id"]]
            assert r["domain"] == store.domains[row]
            assert r["country"] == (store.country[row] or None)
            assert (r["employees"] if r["employees"] is not None else -1) == store.employees[row]
    finally:
        await conn.close()
    assert await load_vectors(scratch_url, store) == {}  # the same world: reused as it is
