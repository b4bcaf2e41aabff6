"""The query log (`requests` table): rows buffered in memory and written in batches.

One INSERT per search would cost a transaction per request on the event loop; at hundreds of
requests per second the log is written every `interval_s` as one multi-row INSERT instead. Rows wait
in memory while PostgreSQL is unavailable; beyond `max_buffered` the oldest are dropped and counted
(`query_log_dropped_total`): the log is analytics, never on the request's critical path.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.periodic import Periodic
from app.leads.tables import SearchRequest
from app.observability.meters import QUERY_LOG_ROWS

logger = logging.getLogger(__name__)


class QueryLog:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        interval_s: float = 0.25,
        batch_size: int = 1000,
        max_buffered: int = 100_000,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.batch_size = batch_size
        self.max_buffered = max_buffered
        self._rows: list[dict[str, Any]] = []
        self._lock = asyncio.Lock()
        self._periodic = Periodic(name="query-log-flush", interval_s=interval_s, action=self.flush)

    def record(self, **row: Any) -> None:
        """Buffer one `requests` row (column name -> value); never blocks, never raises."""
        self._rows.append(row)
        overflow = len(self._rows) - self.max_buffered
        if overflow > 0:
            del self._rows[:overflow]
            QUERY_LOG_ROWS.labels(result="dropped").inc(overflow)

    @property
    def pending(self) -> int:
        return len(self._rows)

    async def flush(self) -> int:
        """Write everything buffered so far; on failure the rows stay buffered for the next flush."""
        written = 0
        async with self._lock:
            while self._rows:
                batch = self._rows[: self.batch_size]
                try:
                    async with self.sessionmaker() as session, session.begin():
                        await session.execute(insert(SearchRequest), batch)
                except Exception:
                    QUERY_LOG_ROWS.labels(result="error").inc(len(batch))
                    raise  # the periodic loop logs it and retries
                del self._rows[: len(batch)]
                written += len(batch)
                QUERY_LOG_ROWS.labels(result="written").inc(len(batch))
        return written

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        """Stop the loop and write what is left (best effort)."""
        await self._periodic.stop()
        try:
            await self.flush()
        except Exception:
            logger.warning("query log: %d rows not written at shutdown", len(self._rows))
