"""`/v1/jobs`: campaigns, enrich and score runs as durable jobs (scope `search`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse
from pydantic import Strict

from app.api.deps import RankerDep, SearchPrincipal, SessionDep, SettingsDep, StateDep
from app.core.errors import AUTHENTICATED, error_responses
from app.core.validation import Trimmed
from app.jobs.events import event_response, parse_last_event_id
from app.jobs.schemas import (
    EVENT_TYPES,
    DeepSearchPage,
    DeepSearchRequest,
    DeliveryList,
    JobCreate,
    JobCreated,
    JobOut,
    JobPage,
    ResultFormat,
    ResultPage,
)
from app.jobs.search_pages import next_page, start_search
from app.jobs.service import (
    RESULT_COLUMNS,
    cancel_job,
    create_job,
    delivery_out,
    download,
    get_job,
    iter_results,
    job_out,
    list_deliveries,
    list_jobs,
    result_page,
)

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
# One server-sent event of the stream (heartbeat comments are not events).
SSE_EVENT = {
    "type": "object",
    "required": ["id", "event", "data"],
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9]+$"},
        "event": {"type": "string", "enum": list(EVENT_TYPES)},
        "data": {"type": "string", "description": "JSON: job_id, timestamp, and the event's fields"},
    },
}
Cursor = Annotated[str | None, Query(max_length=500)]
SafeKey = Annotated[str, Strict(), Trimmed(1, 200)]


@router.post(
    "",
    status_code=202,
    summary="Start a campaign, enrich or score job",
    description=(
        "Queued at once (202) and run by a job worker. `campaign`: one of `prompt`, `icp_id` or "
        "`business_context`, with `filters` and `limit` (<= 10,000 leads, ranked past the search's "
        "k); `enrich`: `items`; `score`: `items`/`lead_ids` and an `icp_id` or a `prompt`. Options: "
        "`signals` (enrich each lead), `drafts`, `webhook_url` (its HMAC key is `webhook_secret`, "
        "returned once). A request retried with the same `Idempotency-Key` header gets the job the "
        "first one made (409 if the request differs)."
    ),
    response_model=JobCreated,
    responses=error_responses(*AUTHENTICATED, 400, 404, 409),
)
async def start_job(
    *,
    body: JobCreate,
    principal: SearchPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    idempotency_key: Annotated[SafeKey | None, Header()] = None,
) -> JobCreated:
    job = await create_job(
        session,
        settings=settings,
        body=body,
        workspace_id=principal.workspace_id,
        api_key_id=principal.key_id,
        idempotency_key=idempotency_key,
    )
    return JobCreated(job_id=job.id, state="queued", webhook_secret=job.webhook_secret)


@router.get(
    "",
    summary="The workspace's jobs, newest first",
    description="`next_cursor` continues the listing; a cursor this API did not make is a 404.",
    response_model=JobPage,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def jobs(
    principal: SearchPrincipal,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> JobPage:
    rows, next_cursor = await list_jobs(
        session, workspace_id=principal.workspace_id, cursor=cursor, limit=limit
    )
    return JobPage.model_validate({"jobs": [job_out(j) for j in rows], "next_cursor": next_cursor})


@router.get(
    "/{job_id}",
    summary="A job's state, progress, timings and cost so far",
    response_model=JobOut,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def job(job_id: uuid.UUID, principal: SearchPrincipal, session: SessionDep) -> JobOut:
    row = await get_job(session, workspace_id=principal.workspace_id, job_id=job_id)
    return JobOut.model_validate(job_out(row))


@router.post(
    "/{job_id}/cancel",
    summary="Cancel a job",
    description=(
        "A queued job is cancelled at once, a running one after its current step; a finished job "
        "is unchanged."
    ),
    response_model=JobOut,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def cancel(job_id: uuid.UUID, principal: SearchPrincipal, session: SessionDep) -> JobOut:
    row = await cancel_job(session, workspace_id=principal.workspace_id, job_id=job_id)
    return JobOut.model_validate(job_out(row))


@router.get(
    "/{job_id}/events",
    summary="A job's events as a server-sent event stream",
    description=(
        "`text/event-stream`: every stored event (" + ", ".join(EVENT_TYPES) + "), each with an `id` "
        "and JSON `data` (job_id, timestamp; lead events add lead_id, domain, grade, reasons). A client "
        "reconnecting with `Last-Event-ID` (or `?last_event_id=`) gets the events after that id, none "
        "twice and none missed. A comment line (JOBS_SSE_HEARTBEAT_S, 15 s) keeps proxies from "
        "closing an idle stream; the stream ends after pipeline_end or pipeline_error, or between two "
        "events after JOBS_SSE_MAX_STREAM_S (300 s) with a `: reconnect` comment, to be resumed."
    ),
    response_class=StreamingResponse,
    responses={
        200: {"description": "the stream", "content": {"text/event-stream": {"schema": SSE_EVENT}}},
        **error_responses(*AUTHENTICATED, 404),
    },
)
async def events(
    *,
    job_id: uuid.UUID,
    principal: SearchPrincipal,
    session: SessionDep,
    state: StateDep,
    settings: SettingsDep,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
    after: Annotated[int | None, Query(alias="last_event_id", ge=0, le=2**31 - 1)] = None,
) -> StreamingResponse:
    await get_job(session, workspace_id=principal.workspace_id, job_id=job_id)
    start = after if after is not None else parse_last_event_id(last_event_id)
    return event_response(state.core.sessionmaker, settings, job_id=job_id, after=start)


@router.get(
    "/{job_id}/results",
    summary="A job's results: a page as JSON, or every result streamed as CSV, JSON or NDJSON",
    description=(
        "Without `format`: a page of `limit` results in position order and `next_cursor` (also set "
        "while the job is still running: more may come). With `format=csv|json|ndjson`: every result "
        "so far, streamed page by page. CSV columns: " + ", ".join(RESULT_COLUMNS) + "."
    ),
    response_model=None,  # two JSON shapes: the page, or the download (declared below)
    responses={
        200: {
            "description": "a page, or the download",
            "content": {
                # A page (ResultPage) without `format`; with format=json the whole download, an array.
                "application/json": {
                    "schema": {
                        "anyOf": [
                            ResultPage.model_json_schema(),
                            {"type": "array", "items": {"type": "object"}},
                        ]
                    }
                },
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        },
        **error_responses(*AUTHENTICATED, 404),
    },
)
async def results(
    *,
    job_id: uuid.UUID,
    principal: SearchPrincipal,
    session: SessionDep,
    state: StateDep,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    format: Annotated[ResultFormat | None, Query()] = None,
) -> ResultPage | StreamingResponse:
    row = await get_job(session, workspace_id=principal.workspace_id, job_id=job_id)
    if format is None:
        page, next_cursor = await result_page(session, job=row, cursor=cursor, limit=limit)
        return ResultPage(results=page, next_cursor=next_cursor)
    media = {"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson", "json": "application/json"}[
        format
    ]
    return StreamingResponse(
        download(iter_results(state.core.sessionmaker, job_id=row.id), format),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="job-{row.id}.{format}"'},
    )


@router.get(
    "/{job_id}/deliveries",
    summary="A job's webhook deliveries and their attempts",
    response_model=DeliveryList,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def deliveries(job_id: uuid.UUID, principal: SearchPrincipal, session: SessionDep) -> DeliveryList:
    row = await get_job(session, workspace_id=principal.workspace_id, job_id=job_id)
    return DeliveryList.model_validate(
        {"deliveries": [delivery_out(d) for d in await list_deliveries(session, job=row)]}
    )


search_router = APIRouter(prefix="/v1/leads/search/pages", tags=["leads"])


@search_router.post(
    "",
    summary="Search past k: rank up to 10,000 leads once and page through them by cursor",
    description=(
        "The search of `POST /v1/leads/search` (a prompt or an ICP, filters) ranked to `max_results` "
        "leads at once and kept SEARCH_CURSOR_TTL_S (30 minutes; never less than 15): the first "
        "`page_size` leads and a `next_cursor` for the rest of the same result set."
    ),
    response_model=DeepSearchPage,
    responses=error_responses(*AUTHENTICATED, 400, 404, 503),
)
async def deep_search(
    body: DeepSearchRequest,
    principal: SearchPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    ranker: RankerDep,
) -> DeepSearchPage:
    out = await start_search(
        session, ranker=ranker, settings=settings, body=body, workspace_id=principal.workspace_id
    )
    return DeepSearchPage.model_validate(out)


@search_router.get(
    "",
    summary="The next page of a deep search",
    description=(
        "`cursor`: a `next_cursor` of `POST /v1/leads/search/pages`, of this route, or of "
        "`POST /v1/leads/search` with `max_results`; unknown, expired or another workspace's: 404."
    ),
    response_model=DeepSearchPage,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def deep_search_page(
    principal: SearchPrincipal, session: SessionDep, cursor: Annotated[str, Query(max_length=500)]
) -> DeepSearchPage:
    out = await next_page(session, workspace_id=principal.workspace_id, cursor=cursor)
    return DeepSearchPage.model_validate(out)
