"""Annotated dependency aliases: routes declare what they need, nothing more.

Every dependency is `async def`, even those that never await: FastAPI runs a plain `def` dependency
in its thread pool, a thread hop per dependency and request (measurable CPU on every search)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.state import AppState, state_of
from app.auth.service import Admitted, Principal, admit_in_one_trip
from app.core.config import Settings
from app.core.errors import ApiError
from app.drafts.service import DraftWriter
from app.ingest.service import IngestService
from app.leads.startup import Ranker


async def get_state(request: Request) -> AppState:
    return state_of(request.app)


StateDep = Annotated[AppState, Depends(get_state)]


async def get_settings_dep(state: StateDep) -> Settings:
    return state.core.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_session(state: StateDep) -> AsyncIterator[AsyncSession]:
    async with state.core.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


T = TypeVar("T")


def started(component: T | None, *, missing: str) -> T:
    """A component of the state once its startup hook has run; until then 503, saying `missing`."""
    if component is None:
        raise ApiError(status_code=503, code="unavailable", message=missing)
    return component


async def get_ingest_service(state: StateDep) -> IngestService:
    return started(state.ingest, missing="ingestion is not started")


IngestServiceDep = Annotated[IngestService, Depends(get_ingest_service)]


# Declares the bearer security scheme in OpenAPI; the checks (and their 401 answers) are ours.
BEARER = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer lp_...`")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


def bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    return (credentials.credentials.strip() if credentials is not None else "") or None


def _unauthorized(message: str) -> ApiError:
    return ApiError(
        status_code=401,
        code="unauthorized",
        message=message,
        field="Authorization",
        headers={"WWW-Authenticate": "Bearer"},
    )


async def authorize(state: AppState, *, token: str | None, scope: str | None) -> Principal:
    """Authenticate a key, check `scope` (None: any) and count it against the key's rate limit.

    Shared by the bearer dependency below and the console's cookie sign-in, so both enforce the
    same rules; raises ApiError 401, 403 or 429."""
    principal, _ = await authorize_and_get(state, token=token, scope=scope, also_get=None)
    return principal


async def authorize_and_get(
    state: AppState, *, token: str | None, scope: str | None, also_get: str | None
) -> tuple[Principal, Admitted | None]:
    """`authorize`, and the value of the Redis key `also_get` (a cached response) read in the same
    round trip as the revocation version and the rate-limit count when the key's principal is
    cached (`admit_in_one_trip`); the second item is None when it was not read."""
    if token is None:
        raise _unauthorized("missing bearer API key")
    auth = state.auth
    default_limit = state.core.settings.default_rate_limit_per_minute
    remembered = auth.authenticator.remembered(token) if also_get is not None else None
    admitted = None
    if also_get is not None and remembered is not None and (scope is None or scope in remembered.scopes):
        admitted = await admit_in_one_trip(
            auth.authenticator,
            auth.rate_limiter,
            key=token,
            remembered=remembered,
            default_limit=default_limit,
            also_get=also_get,
        )
    if admitted is not None:
        principal, retry_after = admitted.principal, admitted.retry_after
        if principal is None:
            raise _unauthorized("invalid or revoked API key")
        _check_scope(principal, scope)
    else:
        principal = await auth.authenticator.authenticate(token)
        if principal is None:
            raise _unauthorized("invalid or revoked API key")
        _check_scope(principal, scope)
        limit = principal.rate_limit_per_minute or default_limit
        retry_after = await auth.rate_limiter.hit(key_id=principal.key_id, limit=limit)
    if retry_after is not None:
        limit = principal.rate_limit_per_minute or default_limit
        raise ApiError(
            status_code=429,
            code="rate_limited",
            message=f"rate limit of {limit} requests per minute exceeded",
            headers={"Retry-After": str(max(1, int(retry_after + 0.999)))},
        )
    return principal, admitted


def _check_scope(principal: Principal, scope: str | None) -> None:
    if scope is not None and scope not in principal.scopes:
        raise ApiError(
            status_code=403,
            code="forbidden",
            message=f"this API key lacks the '{scope}' scope",
            field="Authorization",
        )


def require_scope(scope: str | None) -> Callable[[Request, AppState, Credentials], Awaitable[Principal]]:
    """A dependency that authenticates the bearer key, checks `scope` (None: any) and the rate limit."""

    async def dependency(request: Request, state: StateDep, credentials: Credentials) -> Principal:
        principal = await authorize(state, token=bearer_token(credentials), scope=scope)
        request.state.principal = principal
        return principal

    return dependency


get_principal = require_scope(None)
AnyPrincipal = Annotated[Principal, Depends(get_principal)]
SearchPrincipal = Annotated[Principal, Depends(require_scope("search"))]
IngestPrincipal = Annotated[Principal, Depends(require_scope("ingest"))]
AdminPrincipal = Annotated[Principal, Depends(require_scope("admin"))]


async def get_ranker(state: StateDep) -> Ranker:
    """The ranker component (app/leads/startup.py); 503 until its startup hook has run."""
    return started(state.ranker, missing="the ranker is not loaded")


RankerDep = Annotated[Ranker, Depends(get_ranker)]


async def get_draft_writer(state: StateDep) -> DraftWriter:
    """The drafts writer (app/drafts/startup.py); 503 until its startup hook has run."""
    return started(state.drafts, missing="the drafts writer is not started")


DraftWriterDep = Annotated[DraftWriter, Depends(get_draft_writer)]
