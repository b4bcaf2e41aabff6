"""Campaign pages: start one (a prompt or an ICP, a limit, drafts on or off), the workspace's
campaigns with their state, a campaign's live progress (its event stream, read through the session
cookie), cancel, and its results as CSV or JSON. The `search` scope, as `/v1/jobs`; the same
services, so another workspace's job is a 404 here as there."""

from __future__ import annotations

import secrets
import uuid
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from app.api.deps import SessionDep, StateDep
from app.auth.service import Principal
from app.console.campaign import (
    SHOWN_ROWS,
    CampaignForm,
    first_reason,
    is_finished,
    parse_campaign,
    percent,
)
from app.console.routes.common import ConsoleDep, PageError, PageRouter, page_principal, read_form, render
from app.icps.service import list_icps
from app.jobs.events import event_response, parse_last_event_id
from app.jobs.service import (
    cancel_job,
    create_job,
    download,
    get_job,
    iter_results,
    job_out,
    list_jobs,
    result_page,
)
from app.jobs.tables import Job

router = PageRouter()
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such campaign in the workspace"}}
PAGE_SIZE = 50
DOWNLOADS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


async def _campaigns_page(
    request: Request,
    console: ConsoleDep,
    session: SessionDep,
    *,
    principal: Principal,
    form: CampaignForm,
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    cursor = request.query_params.get("cursor") or None
    if cursor is not None and len(cursor) > 500:
        raise PageError(404, "There is nothing here.")
    rows, next_cursor = await list_jobs(
        session, workspace_id=principal.workspace_id, cursor=cursor, limit=PAGE_SIZE
    )
    return render(
        request,
        console,
        "campaigns.html",
        status_code=status_code,
        principal=principal,
        form=form,
        errors=errors,
        nonce=form.nonce if form.idempotency_key else secrets.token_hex(16),
        icps=await list_icps(session, workspace_id=principal.workspace_id),
        jobs=[job_out(j) for j in rows],
        percent=percent,
        next_cursor=next_cursor,
    )


@router.page("/campaigns", summary="Start a campaign; the workspace's campaigns")
async def campaigns_page(request: Request, console: ConsoleDep, session: SessionDep) -> HTMLResponse:
    principal = await page_principal(request, "search")
    form = CampaignForm.from_params(request.query_params)
    return await _campaigns_page(request, console, session, principal=principal, form=form, errors={})


@router.form(
    "/campaigns",
    summary="Start a campaign",
    responses={404: {"description": "no such ICP"}, 409: {}, 422: {}},
)
async def start_campaign(
    request: Request, console: ConsoleDep, session: SessionDep, state: StateDep
) -> Response:
    form = CampaignForm.from_params(await read_form(request))
    principal = await page_principal(request, "search")
    parsed = parse_campaign(form)
    if parsed.body is None:
        return await _campaigns_page(
            request, console, session, principal=principal, form=form, errors=parsed.errors, status_code=422
        )
    job = await create_job(
        session,
        settings=state.core.settings,
        body=parsed.body,
        workspace_id=principal.workspace_id,
        api_key_id=principal.key_id,
        idempotency_key=form.idempotency_key,
    )
    return RedirectResponse(f"/app/campaigns/{job.id}", status_code=303)


async def _job(request: Request, session: SessionDep, job_id: uuid.UUID) -> tuple[Principal, Job]:
    principal = await page_principal(request, "search")
    return principal, await get_job(session, workspace_id=principal.workspace_id, job_id=job_id)


@router.page("/campaigns/{job_id}", summary="A campaign's live progress and results", responses=NOT_FOUND)
async def campaign_page(
    job_id: uuid.UUID, request: Request, console: ConsoleDep, session: SessionDep
) -> HTMLResponse:
    principal, job = await _job(request, session, job_id)
    last_event_id = job.event_seq  # read before the results: the stream continues after it
    await session.refresh(job, ["request"])
    request_fields = dict(job.request)
    icp_name = None
    if request_fields.get("icp_id"):
        icps = await list_icps(session, workspace_id=principal.workspace_id)
        icp_name = next((i.name for i in icps if str(i.id) == str(request_fields["icp_id"])), "(deleted)")
    out = job_out(job)
    results, _ = await result_page(session, job=job, cursor=None, limit=SHOWN_ROWS)
    return render(
        request,
        console,
        "campaign.html",
        principal=principal,
        job=out,
        request_fields=request_fields,
        icp_name=icp_name,
        finished=is_finished(out),
        percent=percent(out),
        results=results,
        shown_rows=SHOWN_ROWS,
        first_reason=first_reason,
        last_event_id=last_event_id,
    )


@router.page(
    "/campaigns/{job_id}/events",
    summary="A campaign's events as a server-sent event stream (the session cookie's key)",
    responses=NOT_FOUND,
    response_class=StreamingResponse,
)
async def campaign_events(
    job_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    state: StateDep,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    """The stream of `GET /v1/jobs/{id}/events`. A reconnecting EventSource sends `Last-Event-ID`,
    which wins over the page's `?last_event_id=` (where its first connection started)."""
    await _job(request, session, job_id)
    raw = last_event_id if last_event_id is not None else request.query_params.get("last_event_id")
    return event_response(
        state.core.sessionmaker,
        state.core.settings,
        job_id=job_id,
        after=parse_last_event_id(raw),
        headers={"X-Content-Type-Options": "nosniff"},
    )


@router.form(
    "/campaigns/{job_id}/cancel",
    summary="Cancel a campaign",
    responses=NOT_FOUND,
    response_class=RedirectResponse,
)
async def cancel_campaign(job_id: uuid.UUID, request: Request, session: SessionDep) -> RedirectResponse:
    await read_form(request)
    principal = await page_principal(request, "search")
    await cancel_job(session, workspace_id=principal.workspace_id, job_id=job_id)
    return RedirectResponse(f"/app/campaigns/{job_id}", status_code=303)


@router.page(
    "/campaigns/{job_id}/results.{fmt}",
    summary="A campaign's results so far as CSV or JSON",
    responses=NOT_FOUND,
    response_class=StreamingResponse,
)
async def campaign_results(
    job_id: uuid.UUID, fmt: str, request: Request, session: SessionDep, state: StateDep
) -> StreamingResponse:
    media = DOWNLOADS.get(fmt)
    if media is None:
        raise PageError(404, "There is nothing here.")
    _, job = await _job(request, session, job_id)
    return StreamingResponse(
        download(iter_results(state.core.sessionmaker, job_id=job.id), fmt),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="job-{job.id}.{fmt}"'},
    )
