"""Company embeddings computed inside the consumer's storage transaction.

The vectors live in `company_embeddings` (migration 0005), apart from `companies`: the profile UPDATE
of every batch never touches the HNSW index, and a vector is written only when it moved by more than
`INGEST_EMBED_MIN_CHANGE` (cosine distance to the stored one; an insert into the HNSW index costs
milliseconds, far more than the rest of a company's write). Every company of the batch is embedded
here when a model is loaded (first vectors included); the worker only drains the queue (HTTP path,
no model, rebuilds).

The vector is the one the embedding worker computes (`app.ranking.documents.company_embedding`: the
company head and its `SNIPPETS_PER_DOCUMENT` newest accepted snippets, recency- and
reputation-weighted). Snippet texts never change, so their vectors are cached per snippet id (FIFO,
bounded): a batch embeds its new snippets and the heads, not every company's 20 snippets again.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import numpy as np
import numpy.typing as npt
import orjson

from app.ingest.embeddings import DOCUMENT_SNIPPETS_SQL, SNIPPETS_PER_DOCUMENT, write_vectors
from app.observability.meters import FRESHNESS
from app.ranking.documents import combine_company_vector, company_head, signal_weights
from app.ranking.signals import SnippetView

CACHE_ENTRIES = 100_000  # float32 x 256 dims: ~1 KiB each, ~110 MiB at most per process


@dataclass(frozen=True, slots=True)
class Head:
    name: str
    description: str
    industry: str | None


class InlineEmbedder:
    """`embed(conn, heads=...)`: computes and writes these companies' vectors (nothing without a model)."""

    def __init__(
        self, *, source: Callable[[], Any], min_change: float = 0.0, cache_entries: int = CACHE_ENTRIES
    ) -> None:
        self._source = source  # returns the embedder, or None while none can be loaded
        self._cache: dict[str, npt.NDArray[np.float32]] = {}
        self._cache_entries = cache_entries
        self.min_change = min_change
        self.model_id = ""
        self.written = 0  # vectors written / left as they were (moved less than min_change)
        self.skipped = 0

    def embedder(self) -> Any:
        embedder = self._source()
        if embedder is not None:
            self.model_id = str(getattr(embedder, "model_id", "unknown"))[:100]
        return embedder

    async def embed(
        self, conn: asyncpg.Connection, *, heads: Mapping[uuid.UUID, Head], since: datetime
    ) -> set[uuid.UUID]:
        """Write the vectors of these companies (rows of `companies` already written in this
        transaction) that moved; returns the companies whose stored vector is now current (written or
        within `min_change`), empty without a model. `since`: when the batch was received
        (`snippet_freshness_seconds` observes it to now)."""
        vectors = await self.vectors(conn, heads=heads, since=since)
        if not vectors:
            return set()
        written = await write_vectors(conn, vectors=vectors, model=self.model_id, min_change=self.min_change)
        self.written += written
        self.skipped += len(vectors) - written
        return set(vectors)

    async def vectors(
        self, conn: asyncpg.Connection, *, heads: Mapping[uuid.UUID, Head], since: datetime
    ) -> dict[uuid.UUID, str]:
        """pgvector literals for these companies, or {} without a model."""
        embedder = self.embedder()
        if embedder is None or not heads:
            return {}
        snippets: dict[uuid.UUID, list[tuple[str, SnippetView]]] = defaultdict(list)
        for r in await conn.fetch(DOCUMENT_SNIPPETS_SQL, list(heads), SNIPPETS_PER_DOCUMENT):
            view = SnippetView(r["kind"], r["text"], r["observed_at"], float(r["reputation"]))
            snippets[r["company_id"]].append((r["id"], view))
        out = await asyncio.to_thread(self._compute, embedder, heads, snippets)
        elapsed = max(0.0, (datetime.now(UTC) - since).total_seconds())
        for _ in out:
            FRESHNESS.observe(elapsed)
        return out

    def _compute(
        self,
        embedder: Any,
        heads: Mapping[uuid.UUID, Head],
        snippets: Mapping[uuid.UUID, list[tuple[str, SnippetView]]],
    ) -> dict[uuid.UUID, str]:
        now = datetime.now(UTC)
        missing: dict[str, str] = {}
        for items in snippets.values():
            for sid, view in items:
                if sid not in self._cache:
                    missing[sid] = view.text
        ids = list(heads)
        head_texts = [
            company_head(name=h.name, description=h.description, industry=h.industry) for h in heads.values()
        ]
        embedded = embedder.embed(head_texts + list(missing.values()))
        fresh = dict(zip(missing, embedded[len(ids) :], strict=True))
        out: dict[uuid.UUID, str] = {}
        for i, company_id in enumerate(ids):
            items = snippets.get(company_id, [])
            vecs = [fresh[sid] if sid in fresh else self._cache[sid] for sid, _ in items]
            matrix = np.stack(vecs) if vecs else np.zeros((0, embedded.shape[1]), dtype=np.float32)
            vector = combine_company_vector(embedded[i], matrix, signal_weights([v for _, v in items], now))
            out[company_id] = orjson.dumps(vector, option=orjson.OPT_SERIALIZE_NUMPY).decode()
        self._remember(fresh)
        return out

    def _remember(self, fresh: Mapping[str, npt.NDArray[np.float32]]) -> None:
        cache = self._cache
        for sid, vec in fresh.items():
            cache[sid] = np.array(vec, dtype=np.float32)  # a copy: not a view keeping the batch alive
        overflow = len(cache) - self._cache_entries
        if overflow > 0:
            for sid in list(itertools.islice(cache, overflow)):  # the oldest entries
                del cache[sid]
