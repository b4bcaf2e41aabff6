"""The console's pages under /app. Each page authenticates the signed-in key with the same rules
and scopes as the JSON API (`authorize`): search and lead pages need `search`, the operator view
needs `admin`. Errors render as pages (sign-in again, forbidden, not found), never as JSON."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine, Mapping
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute

from app.api.deps import SessionDep, StateDep, authorize
from app.api.state import AppState, state_of
from app.auth.service import Principal
from app.console import session as cookies
from app.console.operator import charts, miner_summary
from app.console.service import (
    EXAMPLE_PROMPT,
    SearchForm,
    display_name,
    lead_view,
    parse_search,
    run_search,
)
from app.console.startup import Console
from app.core.errors import ApiError
from app.leads.startup import Ranker

MAX_FORM_BYTES = 16 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
MESSAGES = {
    401: "Your API key is not valid, was revoked, or your session ended. Sign in again.",
    403: "This API key does not have the scope this page needs.",
    404: "There is nothing here.",
    429: "Too many requests for this API key. Wait a minute and try again.",
}


def get_console(state: StateDep) -> Console:
    console = state.console
    if console is None:
        raise ApiError(status_code=404, code="not_found", message="the console is turned off")
    return console


ConsoleDep = Annotated[Console, Depends(get_console)]


class PageError(Exception):
    """Raised by console routes; `ConsoleRoute` turns it (and ApiError) into an HTML page."""

    def __init__(self, status_code: int, message: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.headers = dict(headers or {})


def render(
    request: Request,
    console: Console,
    template: str,
    *,
    status_code: int = 200,
    principal: Principal | None = None,
    **context: Any,
) -> HTMLResponse:
    nonce, new = cookies.csrf_nonce(request)
    pepper = _state(request).core.settings.api_key_pepper
    html = console.templates.get_template(template).render(
        csrf_field=cookies.CSRF_FIELD,
        csrf_token=cookies.csrf_token(nonce=nonce, pepper=pepper),
        principal=principal,
        who=display_name(principal) if principal else None,
        scopes=sorted(principal.scopes) if principal else [],
        path=request.url.path,
        **context,
    )
    response = HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
    if new:
        cookies.set_csrf_cookie(response, nonce)
    return response


def _state(request: Request) -> AppState:
    return state_of(request.app)


def _error_page(request: Request, status_code: int, message: str, headers: Mapping[str, str]) -> Response:
    if status_code == 401:
        response: Response = RedirectResponse("/app/sign-in?expired=1", status_code=303)
        cookies.clear_session_cookie(response)
        return response
    console = _state(request).console
    if console is None:
        return Response(message, status_code=status_code, media_type="text/plain")
    principal = getattr(request.state, "console_principal", None)
    response = render(
        request,
        console,
        "error.html",
        status_code=status_code,
        principal=principal if isinstance(principal, Principal) else None,
        message=message,
    )
    response.headers.update({k: v for k, v in headers.items() if k.lower() == "retry-after"})
    return response


class ConsoleRoute(APIRoute):
    """Renders PageError and ApiError raised by a console route as an HTML page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except PageError as exc:
                return _error_page(request, exc.status_code, exc.message, exc.headers)
            except RequestValidationError:  # a malformed path parameter (a lead id that is no UUID)
                return _error_page(request, 404, MESSAGES[404], {})
            except ApiError as exc:
                message = (
                    MESSAGES.get(exc.status_code, exc.message) if exc.status_code != 404 else exc.message
                )
                if exc.status_code == 403:
                    message = f"{MESSAGES[403]} ({exc.message})"
                return _error_page(request, exc.status_code, message, exc.headers)

        return route


router = APIRouter(prefix="/app", route_class=ConsoleRoute, include_in_schema=False)
PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    303: {"description": "redirect to the sign-in page (no or expired session)"},
    403: {"description": "the key lacks the page's scope"},
    429: {"description": "the key's rate limit is exceeded"},
}


async def page_principal(request: Request, scope: str | None) -> Principal:
    token = cookies.session_key(request)
    try:
        return await authorize(_state(request), token=token, scope=scope)
    except ApiError as exc:
        if exc.status_code == 403 and token:  # a valid key without the scope: keep its header and menu
            request.state.console_principal = await _state(request).auth.authenticator.authenticate(token)
        raise


async def read_form(request: Request) -> dict[str, str]:
    """A url-encoded form body (bounded), with its CSRF token checked against the cookie."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise PageError(413, "The form is too large.")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise PageError(413, "The form is too large.")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=50
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise PageError(400, "The form could not be read.") from exc
    form = dict(pairs)
    if not cookies.csrf_valid(
        nonce=request.cookies.get(cookies.CSRF_COOKIE),
        token=form.get(cookies.CSRF_FIELD),
        pepper=_state(request).core.settings.api_key_pepper,
    ):
        raise PageError(
            403, "This form expired or did not come from this site. Reload the page and try again."
        )
    return form


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


@router.get(
    "/search", summary="Search page and results", response_class=HTMLResponse, responses=PAGE_RESPONSES
)
async def search_page(request: Request, console: ConsoleDep, state: StateDep) -> HTMLResponse:
    principal = await page_principal(request, "search")
    form = SearchForm.from_params(request.query_params)
    parsed = parse_search(form)
    result: dict[str, Any] | None = None
    errors = {} if form.empty else parsed.errors
    if parsed.body is not None:
        ranker = _ranker(state)
        if ranker is None:
            raise PageError(503, "Search is not available yet: the ranker is still loading.")
        result = await run_search(service=ranker.service, body=parsed.body, principal=principal)
    return render(
        request,
        console,
        "search.html",
        status_code=422 if errors else 200,
        principal=principal,
        form=form,
        errors=errors,
        result=result,
        query=form.query_string(),
        example=EXAMPLE_PROMPT,
    )


@router.post("/search", summary="Submit the search form", responses={303: {}, 403: {}, 413: {}})
async def search_submit(request: Request) -> RedirectResponse:
    form = SearchForm.from_params(await read_form(request))
    await page_principal(request, "search")
    return RedirectResponse(f"/app/search?{form.query_string()}", status_code=303)


@router.get(
    "/leads/{lead_id}",
    summary="A lead's profile, evidence, contacts and explanation",
    response_class=HTMLResponse,
    responses={**PAGE_RESPONSES, 404: {"description": "no such lead"}},
)
async def lead_page(
    lead_id: uuid.UUID, request: Request, console: ConsoleDep, state: StateDep, session: SessionDep
) -> HTMLResponse:
    principal = await page_principal(request, "search")
    form = SearchForm.from_params(request.query_params)
    ranker = _ranker(state)
    view = await lead_view(
        session=session,
        service=ranker.service if ranker else None,
        principal=principal,
        lead_id=lead_id,
        form=form,
    )
    return render(
        request, console, "lead.html", principal=principal, view=view, form=form, query=form.query_string()
    )


@router.get(
    "/operator", summary="Operator view (admin keys)", response_class=HTMLResponse, responses=PAGE_RESPONSES
)
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
