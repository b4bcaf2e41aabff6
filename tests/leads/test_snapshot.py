"""Index snapshots built from PostgreSQL: complete, verifiable, published atomically, pruned, and
the same index a worker builds itself."""

from __future__ import annotations

import asyncio
import gc
import json
import shutil
import weakref
from datetime import datetime
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
    SnapshotFollower,
    build_snapshot,
    current_snapshot,
    open_snapshot,
    start_from_snapshot,
    verify_snapshot,
)
from app.leads.startup import Ranker
from app.observability.meters import INDEX_SNAPSHOT_CREATED, INDEX_SNAPSHOT_SWAPS
from app.ranking.bm25 import Bm25Index
from app.ranking.embedding import load_embedder
from app.ranking.text import tokenize
from tests.conftest import app_client_for
from tests.leads.test_freshness import TEXT, add_company, found
from tools.ranker_world import World
from tools.tile_snapshot import tile_snapshot


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


SWAP_TEXT = "Quibblex Robotics is hiring a Head of Hydroponic Welding for its quibblexium greenhouse lines."
SWAP_PROMPTS = (
    "quibblexium hydroponic welding",
    "companies hiring data engineers",
    "manufacturers adopting predictive maintenance software",
    "logistics firms expanding in Europe",
)


async def test_a_worker_swaps_to_a_newer_snapshot_without_failing_a_search(
    ranker_engine: AsyncEngine,
    ranker_settings: Settings,
    world_db: World,
    search_headers: dict[str, str],
    tmp_path: Path,
) -> None:
    """Snapshot build -> a worker serving from it -> a new snippet visible through the delta -> a
    newer snapshot built and swapped in while a client keeps searching: no search fails, each answer
    names real companies, and the answers are the same before and after the swap: the same scores
    rank by rank (within 0.02) and every lead clearly inside the top k still there; the order of near
    ties may differ (the rebuilt snapshot's vectors and BM25 statistics differ from the caught-up
    one's by a quantisation step and the deleted documents tantivy still counts)."""
    embedder = load_embedder(ranker_settings)
    sessionmaker = create_sessionmaker(ranker_engine)
    first = await build_snapshot(sessionmaker=sessionmaker, embedder=embedder, root=tmp_path)
    settings = ranker_settings.model_copy(
        update={"index_snapshot_dir": tmp_path, "index_snapshot_poll_s": 0.2, "cache_ttl_s": 0}
    )
    async with ranker_engine.connect() as conn:
        domains = {str(r[0]): r[1] for r in await conn.execute(text("SELECT id, domain FROM companies"))}
    async with app_client_for(settings) as client:
        ranker = client._transport.app.state.leadpoet.ranker  # type: ignore[attr-defined]
        assert isinstance(ranker, Ranker)
        assert ranker.index.view.snapshot == first.path.name
        domain = "quibblex-swap.com"
        company_id = await add_company(ranker_engine, domain, SWAP_TEXT)  # after the snapshot: the delta
        domains[str(company_id)] = domain

        scores: dict[str, list[float]] = {}  # the last answer's scores per prompt

        async def search(prompt: str) -> list[str]:
            response = await client.post(
                "/v1/leads/search", json={"prompt": prompt, "k": 10}, headers=search_headers
            )
            assert response.status_code == 200, response.text
            leads = response.json()["leads"]
            for lead in leads:  # every row of the view answered with its own company
                assert domains[lead["lead_id"]] == lead["domain"], lead
            scores[prompt] = [lead["score"] for lead in leads]
            return [lead["lead_id"] for lead in leads]

        for _ in range(100):
            if str(company_id) in await search(SWAP_PROMPTS[0]):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the delta's new company never became searchable")
        before = {prompt: await search(prompt) for prompt in SWAP_PROMPTS}
        scores_before = dict(scores)
        held = ranker.index.view  # as a search in flight across the swap holds it
        old = weakref.ref(held.store)  # the mapped arrays of the first snapshot
        old_bm25_dir = ranker.index.view.bm25.path
        assert old_bm25_dir is not None
        assert old_bm25_dir.is_dir()

        answered: list[str | None] = []  # the snapshot serving when each search finished

        async def keep_searching() -> None:
            """Until 8 searches have finished after the swap (each search takes the view at its start,
            so the first of them were in flight on the old one)."""
            n = 0
            while sum(1 for s in answered if s != first.path.name) < 8:
                await search(SWAP_PROMPTS[n % len(SWAP_PROMPTS)])
                answered.append(ranker.index.view.snapshot)
                n += 1

        searcher = asyncio.create_task(keep_searching())
        swaps = INDEX_SNAPSHOT_SWAPS.labels(outcome="swapped")._value.get()
        second = await build_snapshot(sessionmaker=sessionmaker, embedder=embedder, root=tmp_path)
        await asyncio.wait_for(searcher, timeout=120)  # raises when a search failed
        assert ranker.index.view.snapshot == second.path.name
        assert answered.count(first.path.name) > 0
        assert answered.count(second.path.name) >= 8
        assert INDEX_SNAPSHOT_SWAPS.labels(outcome="swapped")._value.get() == swaps + 1
        created = datetime.fromisoformat(second.manifest["created_at"]).timestamp()
        assert INDEX_SNAPSHOT_CREATED._value.get() == created
        assert ranker.index.store.size == second.manifest["companies"]

        after = {prompt: await search(prompt) for prompt in SWAP_PROMPTS}
        assert str(company_id) in after[SWAP_PROMPTS[0]]
        # The same answers, up to the order of near ties. A 0-100 match score is placed between the
        # search's worst and best candidate, so BM25 statistics that differ by the deleted documents
        # of the delta's index move it by a fraction of a point: compared relatively.
        for prompt in SWAP_PROMPTS:
            assert scores[prompt] == pytest.approx(scores_before[prompt], rel=0.01, abs=0.02), prompt
            last = min(scores_before[prompt], default=0.0)
            clear = {i for i, x in zip(before[prompt], scores_before[prompt], strict=True) if x > last + 0.02}
            assert clear <= set(after[prompt]), prompt  # every lead clearly inside the top k still is
        assert old_bm25_dir.is_dir()  # a search still holding the old view reads it as it was
        row = held.store.row_of_domain[domain]
        assert row in held.bm25.search(tokenize("quibblexium"), limit=5)[0].tolist()
        del held
        gc.collect()
        assert old() is None  # no search holds the old view: its mapping and its BM25 copy are gone
        assert not old_bm25_dir.exists()


async def test_a_newer_snapshot_that_is_unusable_is_refused_and_the_old_one_kept(
    ranker_engine: AsyncEngine, ranker_settings: Settings, world_db: World, tmp_path: Path
) -> None:
    embedder = load_embedder(ranker_settings)
    sessionmaker = create_sessionmaker(ranker_engine)
    first = await build_snapshot(sessionmaker=sessionmaker, embedder=embedder, root=tmp_path)
    index = LeadIndex(sessionmaker=sessionmaker, embedder=embedder, refresh_interval_s=60.0)
    assert await start_from_snapshot(index, tmp_path)
    follower = SnapshotFollower(index=index, root=tmp_path, interval_s=60.0)
    assert not await follower.poll()  # nothing newer
    second = await build_snapshot(sessionmaker=sessionmaker, embedder=embedder, root=tmp_path)
    manifest = json.loads((second.path / "manifest.json").read_text())
    manifest["embedder"]["dim"] += 1
    (second.path / "manifest.json").write_text(json.dumps(manifest))
    refused = INDEX_SNAPSHOT_SWAPS.labels(outcome="refused")._value.get()
    assert not await follower.poll()
    assert not await follower.poll()  # not tried again
    assert INDEX_SNAPSHOT_SWAPS.labels(outcome="refused")._value.get() == refused + 1
    assert index.view.snapshot == first.path.name
    assert index.store.size == first.manifest["companies"]


async def test_a_tiled_snapshot_maps_every_copy_without_python_rows(
    ranker_engine: AsyncEngine, ranker_settings: Settings, world_db: World, tmp_path: Path
) -> None:
    embedder = load_embedder(ranker_settings)
    sessionmaker = create_sessionmaker(ranker_engine)
    built = await build_snapshot(sessionmaker=sessionmaker, embedder=embedder, root=tmp_path / "source")
    n = built.manifest["companies"]
    tiled = await tile_snapshot(
        source_root=tmp_path / "source", out_root=tmp_path / "tiled", copies=3, sessionmaker=sessionmaker
    )
    assert tiled["companies"] == 3 * n
    path = current_snapshot(tmp_path / "tiled")
    assert path is not None
    assert verify_snapshot(path)["bm25_documents"] == 3 * n
    index = LeadIndex(sessionmaker=sessionmaker, embedder=embedder, refresh_interval_s=3600.0)
    assert await start_from_snapshot(index, tmp_path / "tiled")
    store = index.store
    assert store.size == 3 * n
    # the columns and maps are read from the mapped files: only what the catch-up re-read is in Python
    assert store.names.python_rows == store.row_of_domain.python_keys == index.last_read < n
    for row in (0, n // 2, n - 1):
        assert store.row_of_domain[f"t2-{store.domains[row]}".lower()] == row + 2 * n
        assert store.row_of_id[store.ids[row + n]] == row + n
        assert store.names[row + n] == f"{store.names[row]} 1"
        assert store.tech_tokens[row + 2 * n] == store.tech_tokens[row]
        assert np.array_equal(store.doc_vec.codes[row], store.doc_vec.codes[row + 2 * n])
        hits, _ = index.bm25.search(tokenize(store.names[row]), limit=150)
        assert {row, row + n, row + 2 * n} <= set(hits.tolist()), store.names[row]
