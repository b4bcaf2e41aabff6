"""Jobs of a workspace: create (queued, 202), read, list (cursor paging), cancel, results (cursor
paging and streamed downloads), deliveries. Another workspace's job is a 404."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import undefer

from app.core.config import Settings
from app.core.errors import ApiError
from app.icps.service import get_icp
from app.jobs.events import Event, append_events
from app.jobs.schemas import TERMINAL_STATES, JobCreate
from app.jobs.tables import Job, JobResult, WebhookDelivery
from app.jobs.webhooks import enqueue, new_secret, validate_webhook_url
from app.lists.export import DRAFT_COLUMNS, LEAD_COLUMNS, cell, csv_line, json_chunks
from app.observability.meters import JOBS_FINISHED

RESULT_PAGE = 500
RESULT_COLUMNS = ("position", "status", "lead_id", *LEAD_COLUMNS, "signals_missed", *DRAFT_COLUMNS)


def not_found() -> ApiError:
    return ApiError(status_code=404, code="not_found", message="no job with this id", field="job_id")


def bad_cursor() -> ApiError:
    return ApiError(
        status_code=422, code="validation_error", message="not a cursor from this API", field="cursor"
    )


def encode_cursor(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


def decode_cursor(raw: str) -> dict[str, Any]:
    try:
        value = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise bad_cursor() from None
    if not isinstance(value, dict):
        raise bad_cursor()
    return value


def conflict() -> ApiError:
    return ApiError(
        status_code=409,
        code="conflict",
        message="this Idempotency-Key was used for another request",
        field="Idempotency-Key",
    )


async def create_job(
    session: AsyncSession,
    *,
    settings: Settings,
    body: JobCreate,
    workspace_id: uuid.UUID,
    api_key_id: uuid.UUID | None,
    idempotency_key: str | None = None,
) -> Job:
    """A queued job. With an idempotency key, a retried request gets the job the first one made
    (the same request, or a 409)."""
    request = body.model_dump(mode="json", exclude={"options": {"webhook_url"}})
    url = body.options.webhook_url
    if idempotency_key is not None:
        earlier = await _by_key(session, workspace_id=workspace_id, key=idempotency_key)
        if earlier is not None:
            return _same(earlier, request, url)
    if body.icp_id is not None:
        await get_icp(session, workspace_id=workspace_id, icp_id=body.icp_id)  # 404 now, not in the run
    if url is not None:
        await validate_webhook_url(url, environment=settings.environment)
    job = Job(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        api_key_id=api_key_id,
        idempotency_key=idempotency_key,
        kind=body.kind,
        state="queued",
        request=request,
        webhook_url=url,
        webhook_secret=new_secret() if url else None,
    )
    session.add(job)
    try:
        await session.commit()
    except IntegrityError:  # the same key, sent twice at once: the other request's job
        await session.rollback()
        assert idempotency_key is not None
        earlier = await _by_key(session, workspace_id=workspace_id, key=idempotency_key)
        if earlier is None:
            raise
        return _same(earlier, request, url)
    return job


async def _by_key(session: AsyncSession, *, workspace_id: uuid.UUID, key: str) -> Job | None:
    query = (
        select(Job)
        .where(Job.workspace_id == workspace_id, Job.idempotency_key == key)
        .options(undefer(Job.request))
    )
    return (await session.execute(query)).scalar_one_or_none()


def _same(job: Job, request: dict[str, Any], url: str | None) -> Job:
    if job.request != request or job.webhook_url != url:
        raise conflict()
    return job


async def get_job(session: AsyncSession, *, workspace_id: uuid.UUID, job_id: uuid.UUID) -> Job:
    job = await session.get(Job, job_id, populate_existing=True)
    if job is None or job.workspace_id != workspace_id:
        raise not_found()
    return job


def job_out(job: Job) -> dict[str, Any]:
    end = job.finished_at or datetime.now(UTC)
    elapsed = (end - job.started_at).total_seconds() if job.started_at else None
    return {
        "job_id": job.id,
        "kind": job.kind,
        "state": job.state,
        "progress": {"done": job.position, "total": job.total},
        "cost_usd": round(job.cost_usd, 10),
        "attempts": job.attempts,
        "cancel_requested": job.cancel_requested,
        "error": job.error,
        "webhook_url": job.webhook_url,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "heartbeat_at": job.heartbeat_at,
        "elapsed_s": round(elapsed, 3) if elapsed is not None else None,
        "leads_per_s": round(job.position / elapsed, 3) if elapsed else None,
    }


async def list_jobs(
    session: AsyncSession, *, workspace_id: uuid.UUID, cursor: str | None, limit: int
) -> tuple[list[Job], str | None]:
    """Newest first; `next_cursor` continues after the last job of the page."""
    query = select(Job).where(Job.workspace_id == workspace_id)
    if cursor is not None:
        c = decode_cursor(cursor)
        try:
            at, last = datetime.fromisoformat(str(c["t"])), uuid.UUID(str(c["id"]))
        except (KeyError, ValueError):
            raise bad_cursor() from None
        query = query.where(or_(Job.created_at < at, and_(Job.created_at == at, Job.id < last)))
    rows = list(
        (
            await session.execute(query.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit + 1))
        ).scalars()
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor({"t": rows[-1].created_at.isoformat(), "id": str(rows[-1].id)})
    return rows, next_cursor


async def finish(
    session: AsyncSession, *, job: Job, state: str, events: list[Event], error: dict[str, Any] | None = None
) -> None:
    """The job's terminal state, its last events and its webhook, in the caller's transaction."""
    job.state = state
    job.finished_at = datetime.now(UTC)
    job.lease_owner = None
    job.lease_until = None
    job.error = error
    await session.flush()
    stored = await append_events(session, job_id=job.id, events=events)
    if job.webhook_url:
        announce(session, job=job, event=stored[-1])
    JOBS_FINISHED.labels(kind=job.kind, state=state).inc()


def announce(session: AsyncSession, *, job: Job, event: dict[str, Any]) -> None:
    """A webhook delivery for a stored event (its id, job id and timestamp in the body)."""
    assert job.webhook_url is not None
    payload = {"event_id": event["seq"], **event["data"]}
    enqueue(session, job_id=job.id, url=job.webhook_url, event=event["type"], payload=payload)


async def cancel_job(session: AsyncSession, *, workspace_id: uuid.UUID, job_id: uuid.UUID) -> Job:
    """A queued job is cancelled at once; a running one at its next step (its worker sees the flag);
    a finished one is left as it is."""
    job = await get_job(session, workspace_id=workspace_id, job_id=job_id)
    if job.state in TERMINAL_STATES:
        return job
    locked = (
        await session.execute(
            select(Job).where(Job.id == job_id).with_for_update().execution_options(populate_existing=True)
        )
    ).scalar_one()
    if locked.state == "queued":
        summary = {"state": "cancelled", "done": locked.position, "total": locked.total}
        await finish(
            session,
            job=locked,
            state="cancelled",
            events=[Event("status_update", summary), Event("pipeline_end", summary)],
        )
    elif locked.state == "running":
        await session.execute(update(Job).where(Job.id == job_id).values(cancel_requested=True))
    await session.commit()
    return await get_job(session, workspace_id=workspace_id, job_id=job_id)


def _result_row(r: JobResult) -> dict[str, Any]:
    return {"position": r.position, **r.data}


async def result_page(
    session: AsyncSession, *, job: Job, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    after = -1
    if cursor is not None:
        value = decode_cursor(cursor).get("p")
        if not isinstance(value, int) or not -1 <= value < 2**31:
            raise bad_cursor()
        after = value
    rows = list(
        (
            await session.execute(
                select(JobResult)
                .where(JobResult.job_id == job.id, JobResult.position > after)
                .order_by(JobResult.position)
                .limit(limit + 1)
            )
        ).scalars()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor({"p": rows[-1].position}) if more and rows else None
    if not more and rows and job.state not in TERMINAL_STATES:
        next_cursor = encode_cursor({"p": rows[-1].position})  # more may come
    return [_result_row(r) for r in rows], next_cursor


async def iter_results(
    sessionmaker: async_sessionmaker[AsyncSession], *, job_id: uuid.UUID
) -> AsyncIterator[dict[str, Any]]:
    """Every result in position order, RESULT_PAGE at a time (keyset pages, each its own query):
    never the whole job in memory."""
    after = -1
    while True:
        async with sessionmaker() as session:
            rows = list(
                (
                    await session.execute(
                        select(JobResult)
                        .where(JobResult.job_id == job_id, JobResult.position > after)
                        .order_by(JobResult.position)
                        .limit(RESULT_PAGE)
                    )
                ).scalars()
            )
        for r in rows:
            yield _result_row(r)
        if len(rows) < RESULT_PAGE:
            return
        after = rows[-1].position


def csv_record(row: dict[str, Any]) -> str:
    draft = row.get("draft") or {}
    values = {
        **row,
        "reasons": [r.get("text") for r in row.get("reasons") or []],
        "signals_missed": row.get("signals_missed") or [],
        "draft_subject": draft.get("subject"),
        "draft_body": draft.get("body"),
    }
    return csv_line([cell(values.get(c)) for c in RESULT_COLUMNS])


async def csv_stream(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
    yield csv_line(list(RESULT_COLUMNS))
    async for row in rows:
        yield csv_record(row)


async def ndjson_stream(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
    async for row in rows:
        yield orjson.dumps(row).decode() + "\n"


def download(rows: AsyncIterator[dict[str, Any]], fmt: str) -> AsyncIterator[str]:
    if fmt == "csv":
        return csv_stream(rows)
    if fmt == "ndjson":
        return ndjson_stream(rows)
    return json_chunks(rows)


async def list_deliveries(session: AsyncSession, *, job: Job) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).where(WebhookDelivery.job_id == job.id).order_by(WebhookDelivery.id)
    return list((await session.execute(query)).scalars())


def delivery_out(d: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "event": d.event,
        "url": d.url,
        "state": d.state,
        "attempts": d.attempts,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "next_attempt_at": d.next_attempt_at if d.state == "pending" else None,
        "created_at": d.created_at,
        "delivered_at": d.delivered_at,
        "log": d.log,
    }
