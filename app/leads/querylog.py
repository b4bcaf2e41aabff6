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

import asyncpg
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.errors import exception_chain
from app.core.periodic import Periodic
from app.leads.tables import SearchRequest
from app.observability.meters import QUERY_LOG_ROWS

logger = logging.getLogger(__name__)

# Errors that the same row raises again on every attempt (as opposed to a connection or a timeout).
_PERMANENT: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.DataError,  # server side, SQLSTATE class 22 (e.g. NUL in text)
    asyncpg.exceptions.IntegrityConstraintViolationError,
    asyncpg.exceptions._base.DataError,  # client side: a value asyncpg cannot encode
    UnicodeError,
    OverflowError,
)


def is_unwritable(exc: BaseException) -> bool:
    """True when `exc` (or what it wraps) is a data error: writing the same row again fails again."""
    return any(isinstance(current, _PERMANENT) for current in exception_chain(exc))


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
        self.unwritable = 0  # rows dropped because PostgreSQL refuses them
        self._unwritable_logged = False
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
                    await self._insert(batch)
                except Exception as exc:
                    if not is_unwritable(exc):
                        QUERY_LOG_ROWS.labels(result="error").inc(len(batch))
                        raise  # the periodic loop logs it and retries
                    written += await self._insert_one_by_one(batch)
                else:
                    written += len(batch)
                    QUERY_LOG_ROWS.labels(result="written").inc(len(batch))
                del self._rows[: len(batch)]
        return written

    async def _insert(self, rows: list[dict[str, Any]]) -> None:
        async with self.sessionmaker() as session, session.begin():
            await session.execute(insert(SearchRequest), rows)

    async def _insert_one_by_one(self, batch: list[dict[str, Any]]) -> int:
        """Write a batch that holds an unwritable row: each row alone; unwritable ones are dropped. A
        transient error (the database went away meanwhile) propagates with the batch still buffered;
        rows written before it are removed from the buffer first, so none is written twice."""
        written = 0
        for index, row in enumerate(batch):
            try:
                await self._insert([row])
            except Exception as exc:
                if not is_unwritable(exc):
                    del batch[:index]
                    del self._rows[:index]
                    QUERY_LOG_ROWS.labels(result="error").inc(len(batch))
                    raise
                QUERY_LOG_ROWS.labels(result="unwritable").inc()
                self.unwritable += 1
                if not self._unwritable_logged:
                    self._unwritable_logged = True
                    logger.warning(
                        "query log: dropped a row PostgreSQL refuses (%s: %s); further ones are only "
                        'counted in query_log_rows_total{result="unwritable"}',
                        type(exc).__name__,
                        str(exc)[:200],
                    )
            else:
                written += 1
                QUERY_LOG_ROWS.labels(result="written").inc()
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
