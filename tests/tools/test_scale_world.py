"""The streaming offline index equals the in-memory one (files and generator), and its memory report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.core.config import Settings
from app.ranking.embedding import Embedder, load_embedder
from tests.tools.conftest import SMALL_COMPANIES
from tools import scale_parallel
from tools.ranker_world import WORLD_NOW, OfflineIndex, build_offline_index, company_records, generate_world
from tools.scale_world import build_bench_index, build_streaming_index, store_memory


@pytest.fixture(scope="module")
def embedder(base_settings: Settings) -> Embedder:
    return load_embedder(base_settings)


@pytest.fixture(scope="module")
def in_memory(embedder: Embedder) -> OfflineIndex:
    world = generate_world("tiny", seed=7, companies=SMALL_COMPANIES, traffic=False)
    return build_offline_index(company_records(world), embedder, now=WORLD_NOW)


def assert_same_store(a: OfflineIndex, b: OfflineIndex) -> None:
    sa, sb = a.store, b.store
    assert sa.size == sb.size
    assert set(sa.row_of_id) == set(sb.row_of_id)
    rows = np.array([sb.row_of_id[i] for i in sa.ids])
    assert [sa.country[r] for r in range(sa.size)] == [sb.country[int(r)] for r in rows]  # codes: by order
    for name in ("employees", "sector", "company_features", "snip_weight", "snip_seller"):
        np.testing.assert_array_equal(getattr(sa, name)[: sa.size], getattr(sb, name)[rows], err_msg=name)
    for name in ("doc_vec", "intent_vec", "self_vec", "snip_vec"):
        np.testing.assert_array_equal(getattr(sa, name).get(slice(0, sa.size)), getattr(sb, name).get(rows))
    assert [sa.tech_tokens[r] for r in range(sa.size)] == [sb.tech_tokens[int(r)] for r in rows]
    query = ["cloud", "cost", "invoices"]
    ra, scores_a = a.bm25.search(query, limit=20)
    rb, scores_b = b.bm25.search(query, limit=20)
    np.testing.assert_allclose(scores_a, scores_b, rtol=1e-6)  # ties may come in another row order
    by_id = {sb.ids[int(r)]: float(x) for r, x in zip(rb, scores_b, strict=True)}
    for r, x in zip(ra, scores_a, strict=True):
        assert by_id.get(sa.ids[int(r)], float(x)) == pytest.approx(float(x), rel=1e-6)


def test_streaming_from_files_equals_in_memory(
    small_world_dir: Path, embedder: Embedder, in_memory: OfflineIndex
) -> None:
    world, index = build_streaming_index("tiny", 7, embedder, files=small_world_dir, batch=37)
    assert world.source == f"files {small_world_dir}"
    assert world.companies == in_memory.store.size
    assert world.merged == 0
    assert len(world.prompts_in("test")) > 0
    assert_same_store(in_memory, index)


def test_streaming_from_generator_equals_in_memory(embedder: Embedder, in_memory: OfflineIndex) -> None:
    world, index = build_streaming_index("tiny", 7, embedder, use_files=False, companies=SMALL_COMPANIES)
    assert world.source == "generator"
    assert_same_store(in_memory, index)


def test_bench_index_keeps_small_worlds_in_memory(embedder: Embedder) -> None:
    world, index = build_bench_index("tiny", 7, embedder, stream=False)
    assert world.source == "memory"
    assert world.snippets > index.store.size > 0


def test_store_memory_counts_every_array(in_memory: OfflineIndex) -> None:
    memory = store_memory(in_memory.store)
    store = in_memory.store
    assert memory["snip_vec"] == store.snip_vec.codes.nbytes + store.snip_vec.scales.nbytes
    assert memory["employees"] == store.employees.nbytes
    assert memory["tech_tokens"] > 0
    assert list(memory.values()) == sorted(memory.values(), reverse=True)


def test_worker_processes_give_the_same_index(
    small_world_dir: Path, embedder: Embedder, in_memory: OfflineIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scale_parallel, "RANGE_BYTES", 150_000)  # several ranges in a small world
    ranges = scale_parallel.company_ranges(small_world_dir / "snippets.jsonl")
    assert len(ranges) > 3
    world, index = build_streaming_index("tiny", 7, embedder, files=small_world_dir, workers=2)
    assert world.source.endswith("(2 worker processes)")
    assert world.merged == 0  # no company split across ranges
    assert world.lookup_missed == 0  # every text was embedded by the workers
    assert_same_store(in_memory, index)
