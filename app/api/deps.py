"""Annotated dependency aliases: routes declare what they need, nothing more."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import Principal
from app.core.config import Settings
from app.core.errors import ApiError
from app.core.lifespan import state_of
from app.core.state import AppState
from app.ingest.service import IngestService
from app.leads.component import Ranker


def get_state(request: Request) -> AppState:
    return state_of(request.app)


StateDep = Annotated[AppState, Depends(get_state)]


def get_settings_dep(state: StateDep) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_session(state: StateDep) -> AsyncIterator[AsyncSession]:
    async with state.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def get_ingest_service(state: StateDep) -> IngestService:
    service = state.components.get("ingest")
    if not isinstance(service, IngestService):
        raise ApiError(status_code=503, code="unavailable", message="ingestion is not started")
    return service


IngestServiceDep = Annotated[IngestService, Depends(get_ingest_service)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def authorize(state: AppState, *, token: str | None, scope: str | None) -> Principal:
    """Authenticate a key, check `scope` (None: any) and count it against the key's rate limit.

    Shared by the bearer dependency below and the console's cookie sign-in, so both enforce the
    same rules; raises ApiError 401, 403 or 429."""
    unauthorized = {"WWW-Authenticate": "Bearer"}
    if token is None:
        raise ApiError(
            status_code=401,
            code="unauthorized",
            message="missing bearer API key",
            field="Authorization",
            headers=unauthorized,
        )
    principal = await state.authenticator.authenticate(token)
    if principal is None:
        raise ApiError(
            status_code=401,
            code="unauthorized",
            message="invalid or revoked API key",
            field="Authorization",
            headers=unauthorized,
        )
    if scope is not None and scope not in principal.scopes:
        raise ApiError(
            status_code=403,
            code="forbidden",
            message=f"this API key lacks the '{scope}' scope",
            field="Authorization",
        )
    limit = principal.rate_limit_per_minute or state.settings.default_rate_limit_per_minute
    retry_after = await state.rate_limiter.hit(key_id=principal.key_id, limit=limit)
    if retry_after is not None:
        raise ApiError(
            status_code=429,
            code="rate_limited",
            message=f"rate limit of {limit} requests per minute exceeded",
            headers={"Retry-After": str(max(1, int(retry_after + 0.999)))},
        )
    return principal


def require_scope(scope: str | None) -> Callable[[Request, AppState], Awaitable[Principal]]:
    """A dependency that authenticates the bearer key, checks `scope` (None: any) and the rate limit."""

    async def dependency(request: Request, state: StateDep) -> Principal:
        principal = await authorize(state, token=_bearer(request), scope=scope)
        request.state.principal = principal
        return principal

    return dependency


get_principal = require_scope(None)
AnyPrincipal = Annotated[Principal, Depends(get_principal)]
SearchPrincipal = Annotated[Principal, Depends(require_scope("search"))]
IngestPrincipal = Annotated[Principal, Depends(require_scope("ingest"))]
AdminPrincipal = Annotated[Principal, Depends(require_scope("admin"))]


def get_ranker(state: StateDep) -> Ranker:
    """The ranker component (app/leads/component.py); 503 until its startup hook has run."""
    ranker = state.components.get("ranker")
    if not isinstance(ranker, Ranker):
        raise ApiError(status_code=503, code="unavailable", message="the ranker is not loaded")
    return ranker


RankerDep = Annotated[Ranker, Depends(get_ranker)]
