"""API keys as a resource: who am I, and (admin) the list of keys. Minting is done by the CLI."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import AdminPrincipal, AnyPrincipal, SessionDep
from app.auth.schemas import KeyInfo, WhoAmI
from app.auth.service import list_keys
from app.core.errors import AUTHENTICATED, error_responses

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=error_responses(*AUTHENTICATED))


@router.get(
    "/me",
    summary="The calling key: id, name, scopes and rate limit",
    response_model=WhoAmI,
    responses=error_responses(401, 429),
)
async def whoami(principal: AnyPrincipal) -> WhoAmI:
    return WhoAmI.of(principal)


@router.get(
    "",
    summary="Every API key, oldest first (scope admin)",
    response_model=list[KeyInfo],
    responses=error_responses(*AUTHENTICATED),
)
async def get_keys(principal: AdminPrincipal, session: SessionDep) -> list[KeyInfo]:
    return [KeyInfo.of(row) for row in await list_keys(session, workspace_id=principal.workspace_id)]
