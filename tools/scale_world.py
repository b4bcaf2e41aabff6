"""Benchmark worlds at any size without holding them in memory (scripts/bench_search.py).

The `bench` world (100k companies) fits in memory as plain records (`tools.ranker_world`); the
`scale` world (1M companies, 10.9M snippets, 7 GiB of files) does not: held whole it would need
~22 GB. Here the offline index is built company by company, in batches, from the world's files
(`.dev/world/<size>-<seed>/snippets.jsonl`, grouped by company) or, when they are absent, from the
streaming generator; only the current batch's snippets are ever in memory. Each batch goes through
`tools.ranker_world.company_records` (the same firmographic merge, miner reputations and
quarantine as at 100k), so a company's id, features and vectors are what the in-memory path gives.

The company vectors then go into the bench database with binary COPY (asyncpg
`copy_records_to_table`) and the HNSW index is built once afterwards.

The build and load half (`build_and_load`) and the HNSW check are in tools/scale_load.py; run them with
    python -m scripts.scale_world build --size scale       # index build + COPY + HNSW, no queries
    python -m scripts.scale_world ann-check --size scale   # HNSW vs exact, rows returned under filters
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from app.core.config import get_settings
from app.ranking.bm25 import Bm25Index
from app.ranking.columns import CompanyRecord, LeadStore
from app.ranking.embedding import Embedder, load_embedder
from dev.world import default_out_dir
from dev.world.config import WorldConfig
from dev.world.generate import WorldGenerator
from tools.ranker_world import (
    REPUTATION,
    WORLD_NOW,
    OfflineIndex,
    World,
    build_offline_index,
    company_records,
    domain_of,
    generate_world,
)
from tools.scale_parallel import LookupEmbedder, folded_batches

# Sizes built in memory as before (the figures of docs/BENCHMARKS.md at 100k); larger ones stream.
IN_MEMORY_SIZES = ("tiny", "demo", "bench")
STREAM_WORKERS = 2  # reading + embedding processes of a streamed build (the machine has 2 cores)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class BenchWorld:
    """What the benchmark needs of a world besides its index: prompts and counts."""

    size: str
    seed: int
    prompts: list[dict[str, Any]]
    snippets: int
    companies: int
    source: str  # "memory", "files <dir>" or "generator"
    read_s: float = 0.0  # time spent reading/generating and grouping (inside the build time)
    merged: int = 0  # groups whose normalised domain was already indexed (replaced, as upsert does)
    lookup_missed: int = 0  # texts the workers had not embedded (embedded in the main process)
    progress: list[str] = field(default_factory=list)

    def prompts_in(self, split: str) -> list[dict[str, Any]]:
        return [p for p in self.prompts if p["split"] == split]


def world_files(size: str, seed: int) -> Path | None:
    """The generated files of this world, when `python -m dev.world generate` wrote them."""

    out = Path(default_out_dir(size, seed))
    return out if (out / "manifest.json").exists() and (out / "snippets.jsonl").exists() else None


def iter_file_groups(path: Path) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(normalised domain, snippets) per company of a snippets.jsonl grouped by company."""
    current = ""
    group: list[dict[str, Any]] = []
    seen: dict[str, str] = {}  # raw domain -> normalised, for the current company only
    with path.open("rb") as fh:
        for line in fh:
            snippet = orjson.loads(line)
            raw = snippet["company"]["domain"]
            domain = seen.get(raw)
            if domain is None:
                domain = domain_of(raw)
                seen[raw] = domain
            if domain != current:
                if group and current:
                    yield current, group
                current, group = domain, []
                seen = {raw: domain}
            group.append(snippet)
    if group and current:
        yield current, group


def iter_generated_groups(gen: WorldGenerator) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(normalised domain, snippets) per company of the streaming generator."""
    for bundle in gen.companies():
        snippets: list[dict[str, Any]] = [dict(s) for s in bundle.snippets]
        if snippets:
            yield domain_of(snippets[0]["company"]["domain"]), snippets


def batched_records(
    groups: Iterable[tuple[str, list[dict[str, Any]]]],
    *,
    miners: dict[str, float],
    batch: int,
    world: BenchWorld,
) -> Iterator[list[CompanyRecord]]:
    """Batches of `batch` companies as `company_records` folds them (one batch in memory at a time)."""
    pending: list[dict[str, Any]] = []
    companies = 0
    started = time.perf_counter()
    for _, snippets in groups:
        pending.extend(snippets)
        companies += 1
        world.snippets += len(snippets)
        if companies == batch:
            records = company_records(_batch_world(world, pending, miners))
            world.read_s += time.perf_counter() - started
            yield records
            pending, companies, started = [], 0, time.perf_counter()
    if pending:
        records = company_records(_batch_world(world, pending, miners))
        world.read_s += time.perf_counter() - started
        yield records


def _batch_world(world: BenchWorld, snippets: list[dict[str, Any]], miners: dict[str, float]) -> World:
    return World(size=world.size, seed=world.seed, snippets=snippets, miners=miners, prompts=[], qrels={})


def _manifest(path: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = orjson.loads((path / "manifest.json").read_bytes())
    return manifest


def build_streaming_index(
    size: str,
    seed: int,
    embedder: Embedder,
    *,
    files: Path | None = None,
    use_files: bool = True,
    companies: int | None = None,
    batch: int = 2000,
    workers: int = 0,
    progress_every: int = 100_000,
) -> tuple[BenchWorld, OfflineIndex]:
    """The offline index of a world, company by company; never more than a few batches of snippets
    held. From `files` (or the world's default directory) when present, else from the generator
    (`companies` overrides the size's count there). With `workers` > 0 (files only) the reading,
    folding and embedding run in that many processes (tools/scale_parallel.py)."""

    started = time.perf_counter()
    files = (files or world_files(size, seed)) if use_files else None
    groups: Iterable[tuple[str, list[dict[str, Any]]]]
    if files is not None:
        manifest = _manifest(files)
        companies = int(manifest["companies"])
        miners = {
            m["miner_id"]: REPUTATION[m["quality"]] for m in map(orjson.loads, _lines(files / "miners.jsonl"))
        }
        prompts = [orjson.loads(line) for line in _lines(files / "prompts.jsonl")]
        groups = iter_file_groups(files / "snippets.jsonl")
        source = f"files {files}"
    else:
        gen = WorldGenerator(WorldConfig.for_size(size, seed=seed, companies=companies))
        companies = gen.config.companies
        miners = {m.miner_id: REPUTATION[m.quality] for m in gen.miners}
        prompts = [dict(p) for p in gen.prompts]
        groups = iter_generated_groups(gen)
        source = "generator"
    world = BenchWorld(size=size, seed=seed, prompts=prompts, snippets=0, companies=0, source=source)
    # Sized once: growing by doubling would copy every array (2 GB of snippet vectors at 1M).
    store = LeadStore(dim=embedder.dim, capacity=max(1024, companies))
    bm25 = Bm25Index(heap_bytes=200_000_000)
    next_report = progress_every
    for records, batch_embedder in _batches(
        files, groups, miners=miners, batch=batch, world=world, workers=workers
    ):
        before = store.size
        bm25.upsert(store.upsert(records, embedder=batch_embedder or embedder, now=WORLD_NOW))
        world.merged += len(records) - (store.size - before)
        if store.size >= next_report:
            line = (
                f"  {store.size:>9,} companies {world.snippets:>11,} snippets "
                f"{time.perf_counter() - started:7.0f}s (read {world.read_s:.0f}s) max RSS {rss_mb():,.0f} MB"
            )
            world.progress.append(line)
            print(line, file=sys.stderr, flush=True)
            next_report += progress_every
    bm25.commit()
    world.companies = store.size
    return world, OfflineIndex(store=store, bm25=bm25, built_s=time.perf_counter() - started)


def _batches(
    files: Path | None,
    groups: Iterable[tuple[str, list[dict[str, Any]]]],
    *,
    miners: dict[str, float],
    batch: int,
    world: BenchWorld,
    workers: int,
) -> Iterator[tuple[list[CompanyRecord], Embedder | None]]:
    """(records, embedder answering for them or None) per batch, in process or from the workers."""
    if files is None or workers <= 0:
        for records in batched_records(groups, miners=miners, batch=batch, world=world):
            yield records, None
        return

    lookup = LookupEmbedder(load_embedder(get_settings()))
    world.source += f" ({workers} worker processes)"
    waited = time.perf_counter()
    for folded in folded_batches(
        files / "snippets.jsonl", miners=miners, size=world.size, seed=world.seed, workers=workers
    ):
        world.read_s += time.perf_counter() - waited  # the main process waiting on the workers
        world.snippets += folded.snippets
        lookup.load(folded)
        yield folded.records, lookup
        waited = time.perf_counter()
    world.lookup_missed = lookup.missed


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        yield from (line for line in fh if line.strip())


def build_bench_index(
    size: str, seed: int, embedder: Embedder, *, stream: bool | None = None, workers: int = STREAM_WORKERS
) -> tuple[BenchWorld, OfflineIndex]:
    """The benchmark's offline index: in memory up to `bench` (as before), streamed above."""
    if stream if stream is not None else size not in IN_MEMORY_SIZES:
        return build_streaming_index(size, seed, embedder, workers=workers)
    started = time.perf_counter()
    full = generate_world(size, seed=seed, traffic=False)
    generated = time.perf_counter() - started
    index = build_offline_index(company_records(full), embedder, now=WORLD_NOW)
    world = BenchWorld(
        size=size,
        seed=seed,
        prompts=full.prompts,
        snippets=len(full.snippets),
        companies=index.store.size,
        source="memory",
        read_s=generated,
    )
    return world, index


def store_memory(store: LeadStore) -> dict[str, int]:
    """Bytes held by the store, per array (numpy exactly; Python lists and dicts estimated from a
    sample of their items, shared strings counted once per container)."""
    out: dict[str, int] = {}
    for name, value in vars(store).items():
        if isinstance(value, np.ndarray):
            out[name] = int(value.nbytes)
        elif hasattr(value, "codes") and hasattr(value, "scales"):
            out[name] = int(value.codes.nbytes + value.scales.nbytes)
        elif isinstance(value, Sequence | Mapping):
            out[name] = _container_bytes(value)
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def _container_bytes(value: Sequence[Any] | Mapping[Any, Any]) -> int:
    """As Python objects (what an index built in memory holds; a store mapped from a snapshot holds
    its columns in shared pages instead, see app/ranking/mapped.py)."""
    size = sys.getsizeof(value)
    items: Sequence[Any] = list(value.items()) if isinstance(value, Mapping) else list(value)
    if not items:
        return size
    step = max(1, len(items) // 2000)
    sample = items[::step]
    per_item = sum(_item_bytes(x) for x in sample) / len(sample)
    return int(size + per_item * len(items))


def _item_bytes(item: Any) -> int:
    if isinstance(item, tuple):
        return sum(sys.getsizeof(x) for x in item)
    if isinstance(item, frozenset):
        return sys.getsizeof(item) + sum(sys.getsizeof(x) for x in item)
    return sys.getsizeof(item)
