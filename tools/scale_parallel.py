"""The streaming build of tools/scale_world.py with the reading and embedding in worker processes.

At 1M companies the build is ~1 ms of CPU per company, most of it embedding the 10.9M snippets.
Here `snippets.jsonl` is cut into ranges at company boundaries; each worker process reads its
ranges, folds them into `CompanyRecord`s (`tools.ranker_world.company_records`) and embeds every
text the store will embed (company heads and snippets); the main process then runs
`LeadStore.upsert` with an embedder that looks those vectors up (a row of `Embedder.embed` does not
depend on the other texts of the call, so the values are the same) and feeds tantivy. A few tasks
are in flight at a time, so memory stays at a few batches.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from app.core.config import get_settings
from app.ranking.columns import CompanyRecord, record_sentences
from app.ranking.documents import company_head
from app.ranking.embedding import Embedder, load_embedder
from tools.ranker_world import World, company_records, domain_of

RANGE_BYTES = 10_000_000  # ~21k snippets, ~2,000 companies per task
_worker: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class Folded:
    records: list[CompanyRecord]
    texts: list[str]
    vectors: npt.NDArray[np.float32]
    snippets: int


def company_ranges(path: Path, *, size: int | None = None) -> list[tuple[int, int]]:
    """Byte ranges of `path` (a snippets.jsonl grouped by company) that never split a company."""
    size = size or RANGE_BYTES
    total = path.stat().st_size
    cuts = [0]
    with path.open("rb") as fh:
        while cuts[-1] + size < total:
            fh.seek(cuts[-1] + size)
            fh.readline()  # to the next line start
            previous = ""
            while True:
                at = fh.tell()
                line = fh.readline()
                if not line:
                    at = total
                    break
                domain = domain_of(orjson.loads(line)["company"]["domain"])
                if previous and domain != previous:
                    break
                previous = domain
            if at >= total:
                break
            cuts.append(at)
    cuts.append(total)
    return list(itertools.pairwise(cuts))


def _init(miners: dict[str, float], size: str, seed: int) -> None:
    _worker.update(miners=miners, size=size, seed=seed, embedder=load_embedder(get_settings()))


def _fold(path: str, start: int, end: int) -> Folded:
    """Worker: the records of one range and the vectors of every text the store will embed."""
    snippets: list[dict[str, Any]] = []
    with Path(path).open("rb") as fh:
        fh.seek(start)
        while fh.tell() < end:
            line = fh.readline()
            if not line:
                break
            snippets.append(orjson.loads(line))
    world = World(
        size=_worker["size"],
        seed=_worker["seed"],
        snippets=snippets,
        miners=_worker["miners"],
        prompts=[],
        qrels={},
    )
    records = company_records(world)
    texts = list(
        dict.fromkeys(
            t
            for r in records
            for t in (
                company_head(name=r.name, description=r.description, industry=r.industry),
                *(s.text for s in r.snippets),
                *record_sentences(r),
            )
        )
    )
    embedder: Embedder = _worker["embedder"]
    vectors = embedder.embed(texts) if texts else np.zeros((0, embedder.dim), dtype=np.float32)
    return Folded(records=records, texts=texts, vectors=vectors, snippets=len(snippets))


class LookupEmbedder:
    """An `Embedder` answering from vectors computed elsewhere, falling back to the real model."""

    def __init__(self, fallback: Embedder) -> None:
        self.fallback = fallback
        self.model_id = fallback.model_id
        self.dim = fallback.dim
        self.table: dict[str, npt.NDArray[np.float32]] = {}
        self.missed = 0

    def load(self, folded: Folded) -> None:
        self.table = dict(zip(folded.texts, folded.vectors, strict=True))

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.table]
        if missing:
            self.missed += len(missing)
            self.table.update(zip(missing, self.fallback.embed(missing), strict=True))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.table[t] for t in texts])


def folded_batches(
    path: Path, *, miners: dict[str, float], size: str, seed: int, workers: int, in_flight: int = 4
) -> Iterator[Folded]:
    """Folded ranges of `path`, computed by `workers` processes, a few at a time (file order)."""
    ranges = company_ranges(path)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init, initargs=(miners, size, seed)
    ) as pool:
        pending: deque[Future[Folded]] = deque()
        todo = iter(ranges)
        for start, end in todo:
            pending.append(pool.submit(_fold, str(path), start, end))
            if len(pending) >= workers + in_flight:
                break
        while pending:
            folded = pending.popleft().result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(pool.submit(_fold, str(path), *nxt))
            yield folded
