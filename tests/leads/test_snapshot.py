"""Index snapshots built from PostgreSQL: complete, verifiable, published atomically, pruned, and
the same index a worker builds itself."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cli import main as cli
from app.core.config import Settings
from app.core.db import create_sessionmaker
from app.leads.index import LeadIndex
from app.leads.snapshot import (
    CURRENT,
    SnapshotError,
    build_snapshot,
    current_snapshot,
    open_snapshot,
    verify_snapshot,
)
from app.leads.startup import Ranker
from app.ranking.bm25 import Bm25Index
from app.ranking.embedding import load_embedder
from app.ranking.text import tokenize
from tests.conftest import app_client_for
from tests.leads.test_freshness import TEXT, add_company, found
from tools.ranker_world import World


def dirs(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir())


async def test_a_snapshot_holds_the_index_a_worker_builds(
    ranker_engine: AsyncEngine, ranker_settings: Settings, world_db: World, tmp_path: Path
) -> None:
    embedder = load_embedder(ranker_settings)
    sessionmaker = create_sessionmaker(ranker_engine)
    built = await build_snapshot(sessionmaker=sessionmaker, embedder=embedder, root=tmp_path)
    assert current_snapshot(tmp_path) == built.path
    assert dirs(tmp_path) == [built.path.name]
    manifest = verify_snapshot(built.path)
    async with ranker_engine.connect() as conn:
        companies = (await conn.execute(text("SELECT count(*) FROM companies"))).scalar_one()
    assert manifest["companies"] == manifest["bm25_documents"] == companies > 0
    assert manifest["max_snippet_seq"] >= 0
    assert manifest["checksum"]

    live = LeadIndex(sessionmaker=sessionmaker, embedder=embedder, refresh_interval_s=60.0)
    await live.build()
    opened = open_snapshot(built.path, embedder=embedder)
    assert opened.watermarks == live.watermarks
    store = opened.store
    assert sorted(map(str, store.ids)) == sorted(map(str, live.store.ids))
    rows = np.array([store.row_of_id[i] for i in live.store.ids], dtype=np.int64)
    live_rows = np.arange(live.store.size, dtype=np.int64)
    # Equal up to one quantisation step (the embedder's float sums depend on how texts are batched).
    assert np.allclose(store.doc_vec.get(rows), live.store.doc_vec.get(live_rows), atol=1e-2)
    assert np.array_equal(store.snip_seq[rows], live.store.snip_seq[live_rows])
    assert [store.domains[r] for r in rows] == live.store.domains

    private = tmp_path / "bm25-copy"
    shutil.copytree(opened.bm25_path, private)
    bm25 = Bm25Index(path=private)
    assert bm25.num_docs() == store.size
    for row in range(0, store.size, max(1, store.size // 10)):
        hits, _ = bm25.search(tokenize(store.names[row]), limit=50)
        assert row in hits.tolist(), store.names[row]


async def test_snapshots_are_published_atomically_and_pruned(
    ranker_engine: AsyncEngine, ranker_settings: Settings, world_db: World, tmp_path: Path
) -> None:
    embedder = load_embedder(ranker_settings)
    sessionmaker = create_sessionmaker(ranker_engine)
    first = await build_snapshot(sessionmaker=sessionmaker, embedder=embedder, root=tmp_path, keep=1)
    second = await build_snapshot(sessionmaker=sessionmaker, embedder=embedder, root=tmp_path, keep=1)
    assert first.path != second.path
    assert not first.path.exists()
    assert (tmp_path / CURRENT).read_text().strip() == second.path.name
    assert dirs(tmp_path) == [second.path.name]


async def test_a_damaged_snapshot_is_refused(
    ranker_engine: AsyncEngine, ranker_settings: Settings, world_db: World, tmp_path: Path
) -> None:
    embedder = load_embedder(ranker_settings)
    built = await build_snapshot(
        sessionmaker=create_sessionmaker(ranker_engine), embedder=embedder, root=tmp_path
    )
    assert cli(["index", "verify", str(tmp_path)]) == 0
    target = built.path / "store" / "company_features.npy"
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(SnapshotError, match="company_features"):
        verify_snapshot(built.path)
    assert cli(["index", "verify", str(built.path)]) == 1

    manifest = json.loads((built.path / "manifest.json").read_text())
    manifest["embedder"]["model_id"] = "another-model"
    (built.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match="embedder"):
        open_snapshot(built.path, embedder=embedder)
    manifest["format"] = 999
    (built.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match="format"):
        open_snapshot(built.path, embedder=embedder)


async def test_a_worker_serves_from_the_snapshot_and_catches_up_on_later_writes(
    ranker_engine: AsyncEngine,
    ranker_settings: Settings,
    world_db: World,
    search_headers: dict[str, str],
    tmp_path: Path,
) -> None:
    embedder = load_embedder(ranker_settings)
    built = await build_snapshot(
        sessionmaker=create_sessionmaker(ranker_engine), embedder=embedder, root=tmp_path
    )
    domain = "zorblatt-after-snapshot.com"
    await add_company(ranker_engine, domain, TEXT)  # written after the snapshot: the delta
    settings = ranker_settings.model_copy(update={"index_snapshot_dir": tmp_path})
    async with app_client_for(settings) as client:
        ranker = client._transport.app.state.leadpoet.ranker  # type: ignore[attr-defined]
        assert isinstance(ranker, Ranker)
        store = ranker.index.store
        assert isinstance(store.company_features.base, np.memmap)  # mapped, not rebuilt
        assert store.size == built.manifest["companies"] + 1
        assert await found(client, search_headers, domain)
        assert (await client.get("/readyz")).status_code == 200


async def test_a_worker_builds_from_postgres_when_the_snapshot_is_unusable(
    ranker_engine: AsyncEngine,
    ranker_settings: Settings,
    world_db: World,
    search_headers: dict[str, str],
    tmp_path: Path,
) -> None:
    embedder = load_embedder(ranker_settings)
    built = await build_snapshot(
        sessionmaker=create_sessionmaker(ranker_engine), embedder=embedder, root=tmp_path
    )
    manifest = json.loads((built.path / "manifest.json").read_text())
    manifest["embedder"]["dim"] += 1  # built for another embedder
    (built.path / "manifest.json").write_text(json.dumps(manifest))
    settings = ranker_settings.model_copy(update={"index_snapshot_dir": tmp_path})
    async with app_client_for(settings) as client:
        ranker = client._transport.app.state.leadpoet.ranker  # type: ignore[attr-defined]
        assert isinstance(ranker, Ranker)
        assert not isinstance(ranker.index.store.company_features.base, np.memmap)  # built, not mapped
        assert ranker.index.store.size >= built.manifest["companies"]
        assert (await client.get("/readyz")).status_code == 200
