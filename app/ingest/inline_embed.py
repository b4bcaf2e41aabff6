"""Company embeddings computed inside the consumer's storage transaction.

Every `UPDATE companies` inserts a new entry into the pgvector HNSW index (the update is never HOT:
`updated_at` is indexed), and that insert is by far the most expensive part of storing a batch (900
rows: ~35 ms without the HNSW index, ~3 s with it on the 2-core benchmark machine). Writing the new
embedding in the same UPDATE as the profile halves those inserts compared with a profile UPDATE
followed by the embedding worker's UPDATE, and the embedding is current when the batch commits.

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

from app.ingest.embeddings import DOCUMENT_SNIPPETS_SQL, SNIPPETS_PER_DOCUMENT
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
    """`vectors(conn, heads=...)`: pgvector literals for these companies, or {} without a model."""

    def __init__(self, *, source: Callable[[], Any], cache_entries: int = CACHE_ENTRIES) -> None:
        self._source = source  # returns the embedder, or None while none can be loaded
        self._cache: dict[str, npt.NDArray[np.float32]] = {}
        self._cache_entries = cache_entries
        self.model_id = ""

    def embedder(self) -> Any:
        embedder = self._source()
        if embedder is not None:
            self.model_id = str(getattr(embedder, "model_id", "unknown"))[:100]
        return embedder

    async def vectors(
        self, conn: asyncpg.Connection, *, heads: Mapping[uuid.UUID, Head], since: datetime
    ) -> dict[uuid.UUID, str]:
        """`since`: when the batch was received (`snippet_freshness_seconds` observes it to now)."""
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
