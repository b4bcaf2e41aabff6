"""GET /v1/miners/{id} (scope admin): a miner's reputation, quarantine state, counters and throttle."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel
from sqlalchemy import select

from app.api.deps import AdminPrincipal, SessionDep, SettingsDep
from app.core.errors import AUTHENTICATED, ApiError, error_responses
from app.core.validation import SafeStr
from app.ingest.miners import bucket
from app.ingest.models import Miner

router = APIRouter(prefix="/v1/miners", tags=["ingestion"], responses=error_responses(*AUTHENTICATED))


class MinerSummary(BaseModel):
    id: str
    reputation: float
    quarantined: bool
    last_seen_at: datetime | None


class Throttle(BaseModel):
    rate_per_s: float
    capacity: float
    tokens: float
    throttled_requests: int


class MinerInfo(BaseModel):
    id: str
    reputation: float
    quarantined: bool
    counters: dict[str, int]
    throttle: Throttle
    created_at: datetime
    last_seen_at: datetime | None


@router.get(
    "",
    summary="Every miner, lowest reputation first (admin; /metrics names no miner)",
    response_model=list[MinerSummary],
)
async def list_miners(
    _: AdminPrincipal,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[MinerSummary]:
    rows = (
        await session.execute(select(Miner).order_by(Miner.reputation, Miner.id).limit(limit).offset(offset))
    ).scalars()
    return [
        MinerSummary(id=m.id, reputation=m.reputation, quarantined=m.quarantined, last_seen_at=m.last_seen_at)
        for m in rows
    ]


@router.get(
    "/{miner_id}",
    summary="A miner's reputation, counters and throttle (admin)",
    response_model=MinerInfo,
    responses=error_responses(404),
)
async def get_miner(
    miner_id: Annotated[SafeStr, Path(max_length=64)],
    _: AdminPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> MinerInfo:
    miner = (await session.execute(select(Miner).where(Miner.id == miner_id))).scalar_one_or_none()
    if miner is None:
        raise ApiError(status_code=404, code="not_found", message=f"no miner {miner_id!r}", field="miner_id")
    b = bucket(settings, miner.reputation)
    names = [
        "accepted",
        "rejected",
        "duplicates",
        "near_duplicates",
        "boilerplate",
        "corroborated",
        "contradicted",
        "outcomes_positive",
        "outcomes_negative",
    ]
    return MinerInfo(
        id=miner.id,
        reputation=miner.reputation,
        quarantined=miner.quarantined,
        counters={n: int(getattr(miner, n)) for n in names},
        throttle=Throttle(
            rate_per_s=round(b.rate_per_s, 3),
            capacity=round(b.capacity, 3),
            tokens=round(miner.throttle_tokens, 3),
            throttled_requests=miner.throttled_requests,
        ),
        created_at=miner.created_at,
        last_seen_at=miner.last_seen_at,
    )
