"""Sign-in and sign-out, the search page, the lead page (profile, evidence, explanation; its grade
against an ICP and its outreach draft) and the operator view. Search and lead pages need the
`search` scope (as `/v1/leads/*`), the operator view `admin` (as `/v1/keys`)."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import SessionDep, StateDep, authorize
from app.api.state import AppState
from app.auth.service import Principal
from app.console import session as cookies
from app.console.grading import GradeView, grade_lead
from app.console.operator import charts, miner_summary
from app.console.routes.common import (
    MESSAGES,
    ConsoleDep,
    PageError,
    PageRouter,
    page_principal,
    read_form,
    render,
)
from app.console.service import EXAMPLE_PROMPT, SearchForm, lead_view, parse_search, run_search
from app.console.startup import Console
from app.core.errors import ApiError
from app.icps.service import list_icps
from app.leads.startup import Ranker

router = PageRouter()


@router.get("", summary="Console home: the search page when signed in, else sign-in")
async def home(request: Request) -> RedirectResponse:
    target = "/app/search" if cookies.session_key(request) else "/app/sign-in"
    return RedirectResponse(target, status_code=303)


@router.get("/sign-in", summary="Sign-in form", response_class=HTMLResponse)
async def sign_in_page(request: Request, console: ConsoleDep) -> HTMLResponse:
    notice = None
    if request.query_params.get("expired"):
        notice = MESSAGES[401]
    elif request.query_params.get("signed_out"):
        notice = "You are signed out."
    return render(request, console, "sign_in.html", notice=notice, error=None)


@router.post(
    "/sign-in",
    summary="Sign in with an API key",
    response_class=HTMLResponse,
    responses={401: {"description": "bad key"}, 403: {"description": "bad CSRF token"}, 413: {}},
)
async def sign_in(request: Request, console: ConsoleDep, state: StateDep) -> Response:
    form = await read_form(request)
    key = form.get("api_key", "").strip()
    if not key or len(key) > cookies.MAX_KEY_CHARS or "\x00" in key:
        return render(request, console, "sign_in.html", status_code=401, notice=None, error=_BAD_KEY)
    try:
        principal = await authorize(state, token=key, scope=None)
    except ApiError as exc:
        message = _BAD_KEY if exc.status_code == 401 else MESSAGES.get(exc.status_code, exc.message)
        return render(
            request, console, "sign_in.html", status_code=exc.status_code, notice=None, error=message
        )
    landing = (
        "/app/operator" if "search" not in principal.scopes and "admin" in principal.scopes else "/app/search"
    )
    response = RedirectResponse(landing, status_code=303)
    cookies.set_session_cookie(response, key=key, max_age_s=state.core.settings.console_session_ttl_s)
    return response


_BAD_KEY = "That API key was not recognised: check it was copied whole, and that it has not been revoked."


@router.post("/sign-out", summary="Sign out", responses={403: {"description": "bad CSRF token"}})
async def sign_out(request: Request) -> RedirectResponse:
    await read_form(request)
    response = RedirectResponse("/app/sign-in?signed_out=1", status_code=303)
    cookies.clear_session_cookie(response)
    return response


def _ranker(state: AppState) -> Ranker | None:
    return state.ranker


@router.page("/search", summary="Search page and results")
async def search_page(
    request: Request, console: ConsoleDep, state: StateDep, session: SessionDep
) -> HTMLResponse:
    principal = await page_principal(request, "search")
    form = SearchForm.from_params(request.query_params)
    parsed = parse_search(form)
    result: dict[str, Any] | None = None
    errors = {} if form.empty else parsed.errors
    status = 422 if errors else 200
    if parsed.body is not None:
        ranker = _ranker(state)
        if ranker is None:
            raise PageError(503, "Search is not available yet: the ranker is still loading.")
        try:
            run = await run_search(
                session=session, service=ranker.service, body=parsed.body, principal=principal
            )
            result = run.result
        except ApiError as exc:
            if exc.field != "icp_id":
                raise
            # The ICP was deleted (or is another workspace's): the API's 404, on the form.
            errors, status = {"icp_id": exc.message}, exc.status_code
    icps = await list_icps(session, workspace_id=principal.workspace_id)
    return render(
        request,
        console,
        "search.html",
        status_code=status,
        principal=principal,
        form=form,
        errors=errors,
        result=result,
        icps=icps,
        icp=next((i for i in icps if str(i.id) == form.icp_id.strip()), None),
        query=form.query_string(),
        example=EXAMPLE_PROMPT,
    )


@router.post("/search", summary="Submit the search form", responses={303: {}, 403: {}, 413: {}})
async def search_submit(request: Request) -> RedirectResponse:
    form = SearchForm.from_params(await read_form(request))
    await page_principal(request, "search")
    return RedirectResponse(f"/app/search?{form.query_string()}", status_code=303)


async def _lead_page(
    request: Request,
    *,
    console: Console,
    state: AppState,
    session: AsyncSession,
    principal: Principal,
    lead_id: uuid.UUID,
    grade: GradeView | None = None,
    choice: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    form = SearchForm.from_params(request.query_params)
    ranker = _ranker(state)
    view = await lead_view(
        session=session,
        service=ranker.service if ranker else None,
        principal=principal,
        lead_id=lead_id,
        form=form,
    )
    icps = await list_icps(session, workspace_id=principal.workspace_id)
    return render(
        request,
        console,
        "lead.html",
        status_code=422 if errors else 200,
        principal=principal,
        view=view,
        form=form,
        query=form.query_string(),
        icps=icps,
        grade=grade,
        choice=choice or {"icp_id": form.icp_id.strip(), "draft": "on", "any_grade": ""},
        errors=errors or {},
    )


@router.page(
    "/leads/{lead_id}",
    summary="A lead's profile, evidence, contacts and explanation",
    responses={404: {"description": "no such lead"}},
)
async def lead_page(
    lead_id: uuid.UUID, request: Request, console: ConsoleDep, state: StateDep, session: SessionDep
) -> HTMLResponse:
    principal = await page_principal(request, "search")
    return await _lead_page(
        request, console=console, state=state, session=session, principal=principal, lead_id=lead_id
    )


@router.form(
    "/leads/{lead_id}/grade",
    summary="Grade the lead against an ICP (and write its outreach draft)",
    responses={404: {"description": "no such lead or ICP"}, 422: {}, 503: {}},
)
async def lead_grade(
    lead_id: uuid.UUID, request: Request, console: ConsoleDep, state: StateDep, session: SessionDep
) -> HTMLResponse:
    """The grade and draft come from the services of `POST /v1/leads/score` and `/v1/leads/drafts`:
    stored and audited as through the API. The page answers the POST itself (nothing to redirect
    to: a grade is computed, not a stored page)."""
    form = await read_form(request)
    principal = await page_principal(request, "search")
    choice = {name: form.get(name, "") for name in ("icp_id", "draft", "any_grade")}
    page = partial(
        _lead_page,
        request,
        console=console,
        state=state,
        session=session,
        principal=principal,
        lead_id=lead_id,
        choice=choice,
    )
    try:
        icp_id = uuid.UUID(choice["icp_id"].strip())
    except ValueError:
        return await page(errors={"icp_id": "Choose one of the workspace's ICPs."})
    ranker = _ranker(state)
    if ranker is None:
        raise PageError(503, "Grading is not available yet: the ranker is still loading.")
    grade = await grade_lead(
        session,
        ranker=ranker,
        writer=state.drafts,
        settings=state.core.settings,
        principal=principal,
        lead_id=lead_id,
        icp_id=icp_id,
        with_draft=choice["draft"] == "on",
        any_grade=choice["any_grade"] == "on",
    )
    return await page(grade=grade)


@router.page("/operator", summary="Operator view (admin keys)")
async def operator_page(
    request: Request, console: ConsoleDep, session: SessionDep, state: StateDep
) -> HTMLResponse:
    principal = await page_principal(request, "admin")
    samples = console.history.with_now()
    return render(
        request,
        console,
        "operator.html",
        principal=principal,
        charts=charts(samples),
        miners=await miner_summary(session),
        interval_s=state.core.settings.console_sample_interval_s,
        window_s=round(samples[-1].at - samples[0].at),
    )


@router.get("/static/{name}", summary="Console assets (CSS, JS), served from memory")
async def static_file(name: str, request: Request, console: ConsoleDep) -> Response:
    asset = console.static.get(name)
    if asset is None:
        raise PageError(404, "There is nothing here.")
    headers = {
        "ETag": f'"{asset.etag}"',
        "Cache-Control": "public, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)
