"""Ingestion routes: POST /v1/snippets (a batch of up to 1,000 miner snippets, contract in
docs/INGESTION.md), POST /v1/outcomes (outcome events), GET /v1/miners/{id} (scope admin). The two
ingestion endpoints share the 202 answer, 429 on throttle and 503 without a broker."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiokafka.errors import KafkaError
from fastapi import APIRouter, Body
from pydantic import BaseModel, Field
from sqlalchemy import select

from app.api.deps import AdminPrincipal, IngestPrincipal, IngestServiceDep, SessionDep, SettingsDep
from app.catalog.tables import Miner
from app.core.errors import ApiError
from app.core.kafka import KafkaUnavailableError
from app.ingest.miners import bucket
from app.ingest.service import IngestAnswer, StorageBusy
from app.ingest.writer import Throttled

router = APIRouter(prefix="/v1", tags=["ingestion"])


class Rejected(BaseModel):
    index: int
    field: str
    reason: str


class IngestResponse(BaseModel):
    accepted: int
    duplicates: int
    rejected: list[Rejected]


async def run_ingest(
    handler: Callable[[list[Any]], Awaitable[IngestAnswer]], items: list[Any], *, field: str, max_items: int
) -> IngestResponse:
    if len(items) > max_items:
        raise ApiError(
            status_code=422, code="validation_error", message=f"at most {max_items} items", field=field
        )
    try:
        answer = await handler(items)
    except Throttled as exc:
        raise ApiError(
            status_code=429,
            code="throttled",
            message=f"miner {exc.miner_id!r} is over its ingestion rate; nothing was stored",
            field="miner_id",
            headers={"Retry-After": str(max(1, int(exc.retry_after_s + 0.999)))},
        ) from exc
    except StorageBusy as exc:
        raise ApiError(
            status_code=503, code="unavailable", message=str(exc), headers={"Retry-After": "1"}
        ) from exc
    except (KafkaUnavailableError, KafkaError) as exc:
        raise ApiError(
            status_code=503, code="unavailable", message=f"event stream unavailable: {exc}"
        ) from exc
    return IngestResponse(
        accepted=answer.accepted,
        duplicates=answer.duplicates,
        rejected=[Rejected(**r) for r in answer.rejected],
    )


class SnippetBatch(BaseModel):
    snippets: list[Any] = Field(description="Miner snippets, each validated on its own (at most 1,000).")


@router.post("/snippets", status_code=202, responses={429: {"description": "miner throttled"}})
async def post_snippets(
    body: SnippetBatch, _: IngestPrincipal, service: IngestServiceDep, settings: SettingsDep
) -> IngestResponse:
    """Validate and store (or publish to Kafka) a batch. Invalid items are listed under `rejected`
    by index; a throttled miner gets 429 with Retry-After and nothing of the request is stored."""
    return await run_ingest(
        service.snippets, body.snippets, field="snippets", max_items=settings.ingest_max_batch
    )


@router.post("/outcomes", status_code=202)
async def post_outcomes(
    _: IngestPrincipal,
    service: IngestServiceDep,
    settings: SettingsDep,
    body: dict[str, Any] = Body(  # noqa: B008 - FastAPI's way to take a free-form object
        ...,
        examples=[
            {
                "outcomes": [
                    {
                        "event_id": "e-1",
                        "domain": "acme.com",
                        "type": "reply",
                        "occurred_at": "2026-11-20T10:00:00Z",
                    }
                ]
            }
        ],
    ),
) -> IngestResponse:
    """A batch `{"outcomes": [event, ...]}` (at most 1,000) or a single event object."""
    if "outcomes" in body:
        items = body["outcomes"]
        if not isinstance(items, list):
            raise ApiError(
                status_code=422, code="validation_error", message="expected a list", field="outcomes"
            )
    else:
        items = [body]
    return await run_ingest(service.outcomes, items, field="outcomes", max_items=settings.ingest_max_batch)


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


@router.get("/miners/{miner_id}")
async def get_miner(
    miner_id: str, _: AdminPrincipal, session: SessionDep, settings: SettingsDep
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
