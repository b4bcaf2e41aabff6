"""A job's events: stored with a gapless sequence per job (allocated under the job's row lock, in the
transaction that writes what they announce), and served as `text/event-stream`."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import StreamingResponse
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.jobs.schemas import TERMINAL_STATES
from app.jobs.tables import Job, JobEvent

END_TYPES = frozenset({"pipeline_end", "pipeline_error"})
# A stream's own headers: proxies neither cache nor buffer it.
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
PAGE = 500


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    data: dict[str, Any]


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


async def append_events(
    session: AsyncSession, *, job_id: uuid.UUID, events: Sequence[Event]
) -> list[dict[str, Any]]:
    """Store `events` after the job's last one (the UPDATE locks the job's row until the caller
    commits, so two writers never take the same ids); returns the rows stored. The caller commits."""
    if not events:
        return []
    last = (
        await session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(event_seq=Job.event_seq + len(events))
            .returning(Job.event_seq)
        )
    ).scalar_one()
    first = last - len(events) + 1
    stamp = now_iso()
    rows = [
        {
            "job_id": job_id,
            "seq": first + i,
            "type": e.type,
            "data": {"job_id": str(job_id), "timestamp": stamp, **e.data},
        }
        for i, e in enumerate(events)
    ]
    await session.execute(insert(JobEvent).values(rows))
    return rows


async def events_after(
    session: AsyncSession, *, job_id: uuid.UUID, after: int, limit: int = PAGE
) -> list[JobEvent]:
    query = (
        select(JobEvent)
        .where(JobEvent.job_id == job_id, JobEvent.seq > after)
        .order_by(JobEvent.seq)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


def sse_frame(event: JobEvent) -> str:
    data = json.dumps(event.data, separators=(",", ":"), ensure_ascii=False)
    return f"id: {event.seq}\nevent: {event.type}\ndata: {data}\n\n"


def parse_last_event_id(raw: str | None) -> int:
    """The id a reconnecting client saw last (0: from the start); anything but a small integer is 0."""
    if raw is None:
        return 0
    raw = raw.strip()
    if not raw.isdigit() or len(raw) > 9:
        return 0
    return int(raw)


async def event_stream(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    job_id: uuid.UUID,
    after: int,
    poll_s: float,
    heartbeat_s: float,
    max_s: float = float("inf"),
) -> AsyncIterator[str]:
    """Every stored event after `after`, then new ones as they are stored, until pipeline_end or
    pipeline_error has been sent; a comment line every `heartbeat_s` while nothing happens. After
    `max_s` the stream ends between two events with a `: reconnect` comment, and the client resumes
    with Last-Event-ID (an EventSource does so by itself)."""
    opened = last_sent = time.monotonic()
    yield ": connected\n\n"
    while True:
        if time.monotonic() - opened >= max_s:
            yield ": reconnect\n\n"
            return
        async with sessionmaker() as session:
            rows = await events_after(session, job_id=job_id, after=after)
            state = (
                None if rows else (await session.execute(select(Job.state).where(Job.id == job_id))).scalar()
            )
        for row in rows:
            yield sse_frame(row)
            after = row.seq
            last_sent = time.monotonic()
            if row.type in END_TYPES:
                return
        if rows:
            continue
        if state is None or (state in TERMINAL_STATES and not await _more(sessionmaker, job_id, after)):
            return
        if time.monotonic() - last_sent >= heartbeat_s:
            yield ": heartbeat\n\n"
            last_sent = time.monotonic()
        await asyncio.sleep(poll_s)


def event_response(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    job_id: uuid.UUID,
    after: int,
    headers: Mapping[str, str] | None = None,
) -> StreamingResponse:
    """The answer of `event_stream` as `text/event-stream`, polled every JOBS_SSE_POLL_S with a
    heartbeat after JOBS_SSE_HEARTBEAT_S of silence, closed after JOBS_SSE_MAX_STREAM_S; `headers`
    add to SSE_HEADERS."""
    stream = event_stream(
        sessionmaker,
        job_id=job_id,
        after=after,
        poll_s=settings.jobs_sse_poll_s,
        heartbeat_s=settings.jobs_sse_heartbeat_s,
        max_s=settings.jobs_sse_max_stream_s,
    )
    return StreamingResponse(
        stream, media_type="text/event-stream", headers={**SSE_HEADERS, **(headers or {})}
    )


async def _more(sessionmaker: async_sessionmaker[AsyncSession], job_id: uuid.UUID, after: int) -> bool:
    async with sessionmaker() as session:
        return bool(await events_after(session, job_id=job_id, after=after, limit=1))
