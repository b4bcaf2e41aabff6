"""API keys as a resource: who am I, and (admin) the list of keys. Minting is done by the CLI."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from app.api.deps import AdminPrincipal, AnyPrincipal, SessionDep
from app.auth.models import ApiKey
from app.core.errors import AUTHENTICATED, error_responses

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=error_responses(*AUTHENTICATED))


class WhoAmI(BaseModel):
    key_id: str
    name: str
    scopes: list[str]
    rate_limit_per_minute: int | None
    miner_ids: list[str] | None  # the miners an ingest key may post for; null: any


class KeyInfo(BaseModel):
    prefix: str
    name: str
    scopes: list[str]
    rate_limit_per_minute: int | None
    miner_ids: list[str] | None
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


@router.get("/me", summary="The calling API key", response_model=WhoAmI)
async def whoami(principal: AnyPrincipal) -> WhoAmI:
    return WhoAmI(
        key_id=str(principal.key_id),
        name=principal.name,
        scopes=sorted(principal.scopes),
        rate_limit_per_minute=principal.rate_limit_per_minute,
        miner_ids=sorted(principal.miner_ids) if principal.miner_ids is not None else None,
    )


@router.get("", summary="Every API key (admin; never the secrets)", response_model=list[KeyInfo])
async def list_keys(_: AdminPrincipal, session: SessionDep) -> list[KeyInfo]:
    rows = (await session.execute(select(ApiKey).order_by(ApiKey.created_at))).scalars().all()
    return [
        KeyInfo(
            prefix=r.prefix,
            name=r.name,
            scopes=r.scopes,
            rate_limit_per_minute=r.rate_limit_per_minute,
            miner_ids=r.miner_ids,
            created_at=r.created_at,
            last_used_at=r.last_used_at,
            revoked=r.revoked_at is not None,
        )
        for r in rows
    ]
