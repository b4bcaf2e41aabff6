"""API keys as a resource: who am I, and (admin) the list of keys. Minting is done by the CLI."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from app.api.deps import AdminPrincipal, AnyPrincipal, SessionDep
from app.auth.models import ApiKey

router = APIRouter(prefix="/v1/keys", tags=["keys"])


class WhoAmI(BaseModel):
    key_id: str
    name: str
    scopes: list[str]
    rate_limit_per_minute: int | None
    workspace_id: str
    workspace: str


class KeyInfo(BaseModel):
    prefix: str
    name: str
    scopes: list[str]
    rate_limit_per_minute: int | None
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


@router.get("/me")
async def whoami(principal: AnyPrincipal) -> WhoAmI:
    return WhoAmI(
        key_id=str(principal.key_id),
        name=principal.name,
        scopes=sorted(principal.scopes),
        rate_limit_per_minute=principal.rate_limit_per_minute,
        workspace_id=str(principal.workspace_id),
        workspace=principal.workspace,
    )


@router.get("")
async def list_keys(principal: AdminPrincipal, session: SessionDep) -> list[KeyInfo]:
    query = select(ApiKey).where(ApiKey.workspace_id == principal.workspace_id).order_by(ApiKey.created_at)
    rows = (await session.execute(query)).scalars().all()
    return [
        KeyInfo(
            prefix=r.prefix,
            name=r.name,
            scopes=r.scopes,
            rate_limit_per_minute=r.rate_limit_per_minute,
            created_at=r.created_at,
            last_used_at=r.last_used_at,
            revoked=r.revoked_at is not None,
        )
        for r in rows
    ]
