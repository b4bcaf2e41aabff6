"""Ingestion routes: POST /v1/snippets (a batch of up to 1,000 miner snippets, contract in
docs/INGESTION.md), POST /v1/outcomes (outcome events), GET /v1/miners/{id} (scope admin). The two
ingestion endpoints share the 202 answer, 429 on throttle and 503 without a broker."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, Any

from aiokafka.errors import KafkaError
from fastapi import APIRouter, Body, Path, Query

from app.api.deps import (
    AdminPrincipal,
    IngestPrincipal,
    IngestServiceDep,
    SessionDep,
    SettingsDep,
)
from app.core.errors import AUTHENTICATED, ApiError, error_responses, retry_shortly
from app.core.kafka import KafkaUnavailableError
from app.core.validation import SafeStr
from app.ingest.schemas import IngestResponse, MinerInfo, MinerSummary, Rejected, SnippetBatch
from app.ingest.service import IngestAnswer, StorageBusy, list_miners, miner_info
from app.ingest.writer import Throttled

router = APIRouter(prefix="/v1", tags=["ingestion"], responses=error_responses(*AUTHENTICATED))


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
        raise retry_shortly(code="unavailable", message=str(exc)) from exc
    except (KafkaUnavailableError, KafkaError) as exc:
        raise retry_shortly(
            code="unavailable", message="event stream unavailable; nothing was accepted, retry shortly"
        ) from exc
    return IngestResponse(
        accepted=answer.accepted,
        duplicates=answer.duplicates,
        rejected=[Rejected(**r) for r in answer.rejected],
    )


# 422: too many items or not a list; 429 also when the miner is throttled; 503 without a broker.
INGEST_ERRORS = error_responses(*AUTHENTICATED, 400)


@router.post(
    "/snippets",
    status_code=202,
    summary="Ingest a batch of miner snippets",
    response_model=IngestResponse,
    responses=INGEST_ERRORS,
)
async def post_snippets(
    body: SnippetBatch, principal: IngestPrincipal, service: IngestServiceDep, settings: SettingsDep
) -> IngestResponse:
    """Validate and store (or publish to Kafka) a batch. Invalid items (and items for a miner the key
    is not bound to: `miner_not_allowed`) are listed under `rejected` by index; a throttled miner
    gets 429 with Retry-After and nothing of the request is stored."""
    return await run_ingest(
        partial(service.snippets, miners=principal.miner_ids),
        body.snippets,
        field="snippets",
        max_items=settings.ingest_max_batch,
    )


@router.post(
    "/outcomes",
    status_code=202,
    summary="Ingest outcome events (a batch or one event)",
    response_model=IngestResponse,
    responses=INGEST_ERRORS,
)
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


@router.get(
    "/miners",
    summary="Every miner, lowest reputation first (scope admin; /metrics names no miner)",
    response_model=list[MinerSummary],
)
async def get_miners(
    _: AdminPrincipal,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[MinerSummary]:
    return await list_miners(session, limit=limit, offset=offset)


@router.get(
    "/miners/{miner_id}",
    summary="A miner's reputation, quarantine state, counters and throttle (scope admin)",
    response_model=MinerInfo,
    responses=error_responses(404),
)
async def get_miner(
    miner_id: Annotated[SafeStr, Path(max_length=64)],
    _: AdminPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> MinerInfo:
    return await miner_info(session, settings=settings, miner_id=miner_id)
