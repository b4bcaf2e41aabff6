"""What every console page shares: the page router (errors rendered as pages, never as JSON),
rendering with the security headers and the CSRF token, the signed-in key's authorization (the same
`authorize` as the JSON API) and bounded, CSRF-checked form bodies."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import Annotated, Any, Required, TypedDict, Unpack
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.types import DecoratedCallable as Handler

from app.api.deps import StateDep, authorize
from app.api.state import AppState, state_of
from app.auth.service import Principal
from app.console import session as cookies
from app.console.service import display_name
from app.console.startup import Console
from app.core.errors import ApiError

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
Responses = dict[int | str, dict[str, Any]]
PAGE_RESPONSES: Responses = {
    303: {"description": "redirect to the sign-in page (no or expired session)"},
    403: {"description": "the key lacks the page's scope"},
    429: {"description": "the key's rate limit is exceeded"},
}
FORM_RESPONSES: Responses = {
    **PAGE_RESPONSES,
    403: {"description": "the key lacks the scope, or a bad CSRF token"},
    413: {"description": "the form is too large"},
}


async def get_console(state: StateDep) -> Console:
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


def state_of_request(request: Request) -> AppState:
    return state_of(request.app)


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
    pepper = state_of_request(request).core.settings.api_key_pepper
    html = console.templates.get_template(template).render(
        csrf_field=cookies.CSRF_FIELD,
        csrf_token=cookies.csrf_token(nonce=nonce, pepper=pepper),
        principal=principal,
        workspace=display_name(principal) if principal else None,
        scopes=sorted(principal.scopes) if principal else [],
        path=request.url.path,
        **context,
    )
    response = HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
    if new:
        cookies.set_csrf_cookie(response, nonce)
    return response


def _error_page(request: Request, status_code: int, message: str, headers: Mapping[str, str]) -> Response:
    if status_code == 401:
        response: Response = RedirectResponse("/app/sign-in?expired=1", status_code=303)
        cookies.clear_session_cookie(response)
        return response
    console = state_of_request(request).console
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
            except RequestValidationError:  # a malformed path parameter (an id that is no UUID)
                return _error_page(request, 404, MESSAGES[404], {})
            except ApiError as exc:
                message = (
                    MESSAGES.get(exc.status_code, exc.message) if exc.status_code != 404 else exc.message
                )
                if exc.status_code == 403:
                    message = f"{MESSAGES[403]} ({exc.message})"
                return _error_page(request, exc.status_code, message, exc.headers)

        return route


class RouteDeclaration(TypedDict, total=False):
    summary: Required[str]
    responses: Responses
    response_class: type[Response]


class PageRouter(APIRouter):
    """A router of console pages: under /app, errors as pages, out of the OpenAPI document.

    `page` declares a signed-in GET (the statuses of PAGE_RESPONSES plus the route's own), `form` a
    signed-in, CSRF-checked POST (FORM_RESPONSES plus the route's own); both answer HTML unless the
    route names another response class."""

    def __init__(self) -> None:
        super().__init__(prefix="/app", route_class=ConsoleRoute, include_in_schema=False)

    def page(self, path: str, **declared: Unpack[RouteDeclaration]) -> Callable[[Handler], Handler]:
        return self._declare(path, "GET", PAGE_RESPONSES, **declared)

    def form(self, path: str, **declared: Unpack[RouteDeclaration]) -> Callable[[Handler], Handler]:
        return self._declare(path, "POST", FORM_RESPONSES, **declared)

    def _declare(
        self,
        path: str,
        method: str,
        base: Responses,
        *,
        summary: str,
        responses: Responses | None = None,
        response_class: type[Response] = HTMLResponse,
    ) -> Callable[[Handler], Handler]:
        return self.api_route(
            path,
            methods=[method],
            summary=summary,
            response_class=response_class,
            responses={**base, **(responses or {})},
        )


async def page_principal(request: Request, scope: str | None) -> Principal:
    """The signed-in key, checked as the JSON API checks a bearer key for the same scope."""
    token = cookies.session_key(request)
    state = state_of_request(request)
    try:
        principal = await authorize(state, token=token, scope=scope)
    except ApiError as exc:
        if exc.status_code == 403 and token:  # a valid key without the scope: keep its header and menu
            request.state.console_principal = await state.auth.authenticator.authenticate(token)
        raise
    request.state.console_principal = principal
    return principal


async def read_form(request: Request, *, max_bytes: int = MAX_FORM_BYTES) -> dict[str, str]:
    """A url-encoded form body (bounded), with its CSRF token checked against the cookie."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise PageError(413, "The form is too large.")
    body = await request.body()
    if len(body) > max_bytes:
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
        pepper=state_of_request(request).core.settings.api_key_pepper,
    ):
        raise PageError(
            403, "This form expired or did not come from this site. Reload the page and try again."
        )
    return form
