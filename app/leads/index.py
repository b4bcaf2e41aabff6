"""The searchable lead index: the in-memory store plus the BM25 index, kept fresh from PostgreSQL.

Built from PostgreSQL at start (or mapped from a snapshot, app/leads/snapshot.py); a background task
polls the watermarks of companies, snippets and outcomes every `index_refresh_interval_s` and re-reads
only the companies that changed. Ingestion running in the same process calls
`apply_changes(company_ids)` to make its writes visible at once.

What a search reads is one `IndexView` (a store and the BM25 index of the same rows), taken once at
the start of the search. `swap` replaces the view with a newer one (a newer snapshot, caught up with
PostgreSQL first): searches in flight finish on the view they took, and the old view's memory (and
its mapping of the old snapshot) goes when the last of them drops it.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.periodic import Periodic
from app.leads.loader import (
    Changes,
    Watermarks,
    all_company_ids,
    changed_companies,
    current_watermarks,
    load_companies,
)
from app.observability.meters import INDEX_DOCUMENTS, INDEX_LAG
from app.ranking.bm25 import Bm25Index
from app.ranking.columns import LeadStore
from app.ranking.embedding import Embedder

logger = logging.getLogger(__name__)
BATCH = 2000
# How long a company's read version is remembered: longer than any company stays in the overlap window
# (WATERMARK_OVERLAP plus a refresh), so the dict holds only recently changed companies.
VERSION_TTL_S = 60.0


class ReadVersions:
    """The versions (`Changes`: companies.updated_at, max snippet seq, outcome total) at which each
    recently re-read company was read, as the change query that caused the read saw them: a later
    refresh whose window still holds the company at the same versions skips it without reading it
    again (the watermark overlap re-reads ~3 s of changes on every refresh, mostly companies already
    indexed)."""

    def __init__(self, ttl_s: float = VERSION_TTL_S) -> None:
        self.ttl_s = ttl_s
        # company -> (updated_at, max snippet seq, outcome total, when recorded); oldest first
        self._seen: dict[uuid.UUID, tuple[datetime | None, int, int, float]] = {}

    def stale(self, changes: Changes) -> list[uuid.UUID]:
        """The changed companies not read at these versions yet."""
        out = []
        for company_id in changes.ids():
            updated_at, seq, outcomes, _ = self._seen.get(company_id, (None, -1, -1, 0.0))
            if (
                (company_id in changes.companies and changes.companies[company_id] != updated_at)
                or changes.snippets.get(company_id, -1) > seq
                or (company_id in changes.outcomes and changes.outcomes[company_id] != outcomes)
            ):
                out.append(company_id)
        return out

    def record(self, changes: Changes, ids: Iterable[uuid.UUID], *, now: float) -> None:
        """These companies were read after `changes` was queried: at least at its versions."""
        seen = self._seen
        for company_id in ids:
            updated_at, seq, outcomes, _ = seen.pop(company_id, (None, -1, -1, 0.0))
            seen[company_id] = (
                changes.companies.get(company_id, updated_at),
                max(seq, changes.snippets.get(company_id, -1)),
                changes.outcomes.get(company_id, outcomes),
                now,
            )
        cutoff = now - self.ttl_s
        while seen:
            oldest = next(iter(seen))
            if seen[oldest][3] >= cutoff:
                break
            del seen[oldest]

    def __len__(self) -> int:
        return len(self._seen)


@dataclass(frozen=True, slots=True, eq=False)
class IndexView:
    """One consistent state of the index. `snapshot` is the id of the snapshot the store is mapped
    from and `snapshot_created` its build time (None, None: built from PostgreSQL)."""

    store: LeadStore
    bm25: Bm25Index
    snapshot: str | None = None
    snapshot_created: datetime | None = None


class LeadIndex:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        embedder: Embedder,
        refresh_interval_s: float,
        bm25: Bm25Index | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.embedder = embedder
        self._view = IndexView(
            store=LeadStore(dim=embedder.dim), bm25=bm25 if bm25 is not None else Bm25Index()
        )
        self.refresh_interval_s = refresh_interval_s
        self.watermarks = Watermarks()
        self.generation = 0  # bumps whenever visible data changes (part of the cache key)
        self._lock = asyncio.Lock()
        self._periodic = Periodic(
            name="lead-index-refresh", interval_s=self.refresh_interval_s, action=self.refresh
        )
        self.last_refresh_ok: float | None = None
        self.read_versions = ReadVersions()
        self.last_read = 0  # companies the last refresh read from PostgreSQL

    async def build(self) -> int:
        """Load every company from PostgreSQL (at start)."""
        started = time.perf_counter()
        async with self._lock:
            async with self.sessionmaker() as session:
                marks = await current_watermarks(session)
                ids = await all_company_ids(session)
            for start in range(0, len(ids), BATCH):
                await self._load(self._view, ids[start : start + BATCH], skip_unchanged=False)
            self.bm25.commit()
            self.watermarks = marks
            self.generation += 1
            self.last_refresh_ok = time.monotonic()
        INDEX_DOCUMENTS.set(self.store.size)
        logger.info("lead index built: %d companies in %.1fs", self.store.size, time.perf_counter() - started)
        return self.store.size

    @property
    def view(self) -> IndexView:
        """What a search reads from its start to its end (take it once)."""
        return self._view

    @property
    def store(self) -> LeadStore:
        return self._view.store

    @property
    def bm25(self) -> Bm25Index:
        return self._view.bm25

    async def adopt(self, view: IndexView, *, watermarks: Watermarks) -> None:
        """Serve `view`, complete up to `watermarks` (read from a snapshot); the next `refresh` reads
        what changed after them."""
        async with self._lock:
            self._view, self.watermarks = view, watermarks
            self.read_versions = ReadVersions()
            self.generation += 1
        INDEX_DOCUMENTS.set(view.store.size)

    async def swap(self, view: IndexView, *, watermarks: Watermarks) -> int:
        """Catch `view` (complete up to `watermarks`) up with PostgreSQL while the current view keeps
        serving, then serve it: what changed during that catch-up is read again under the lock, so the
        swap loses no write. Returns the companies the catch-up re-read."""
        versions = ReadVersions()
        marks, read = await self._catch_up(view, watermarks, versions)
        async with self._lock:
            marks, more = await self._catch_up(view, marks, versions)
            self._view, self.watermarks, self.read_versions = view, marks, versions
            self.generation += 1
            self.last_refresh_ok = time.monotonic()
        INDEX_DOCUMENTS.set(view.store.size)
        return read + more

    async def _load(self, view: IndexView, ids: Iterable[uuid.UUID], *, skip_unchanged: bool = True) -> int:
        """Re-read these companies into `view`; the ones read exactly as last time (re-read because of
        the watermark overlap) are left as they are. Returns how many were (re)indexed."""
        id_list = list(ids)
        if not id_list:
            return 0
        async with self.sessionmaker() as session:
            records = await load_companies(session, id_list)
        now = datetime.now(UTC)
        docs = await asyncio.to_thread(
            view.store.upsert, records, embedder=self.embedder, now=now, skip_unchanged=skip_unchanged
        )
        view.bm25.upsert(docs)
        return len(docs)

    async def apply_changes(self, company_ids: Iterable[uuid.UUID]) -> int:
        """Re-read these companies now (for ingestion running in this process), then catch up on
        anything else that changed, so the watermarks (and the cache key) move forward too."""
        async with self._lock:
            count = await self._load(self._view, company_ids)
            if count:
                await asyncio.to_thread(self.bm25.commit)
                self.generation += 1
                INDEX_DOCUMENTS.set(self.store.size)
        await self.refresh()
        return count

    @property
    def cache_token(self) -> str:
        """Identifies the visible data for the cache key: equal across workers at the same watermarks.

        Outcome events are left out on purpose (they move the outcome features slowly; the TTL bounds
        that staleness) so a steady stream of outcomes does not void every cached answer.
        """
        w = self.watermarks
        return f"{w.companies.isoformat()}|{w.snippets.isoformat()}"

    async def refresh(self) -> int:
        """One poll: re-read whatever changed since the last watermarks."""
        async with self._lock:
            marks, count = await self._catch_up(self._view, self.watermarks, self.read_versions, live=True)
            if marks != self.watermarks:
                self.watermarks = marks
                self.generation += 1
                INDEX_DOCUMENTS.set(self.store.size)
            self.last_refresh_ok = time.monotonic()
            INDEX_LAG.set(0)
            return count

    async def _catch_up(
        self, view: IndexView, since: Watermarks, versions: ReadVersions, *, live: bool = False
    ) -> tuple[Watermarks, int]:
        """Re-read into `view` what changed after `since` (the versions read are kept in `versions`);
        returns the new watermarks and how many companies were re-read. `live`: the served view, whose
        lag the refresh meter shows."""
        async with self.sessionmaker() as session:
            marks = await current_watermarks(session)
            if marks == since:
                if live:
                    self.last_read = 0
                return marks, 0
            changes = await changed_companies(session, since)
        if live:
            lag = (datetime.now(UTC) - max(marks.snippets, marks.companies)).total_seconds()
            INDEX_LAG.set(max(0.0, lag))
        ids = versions.stale(changes)
        if live:
            self.last_read = len(ids)
        count = 0
        for start in range(0, len(ids), BATCH):
            count += await self._load(view, ids[start : start + BATCH])
        versions.record(changes, ids, now=time.monotonic())
        await asyncio.to_thread(view.bm25.commit)
        return marks, count

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()
