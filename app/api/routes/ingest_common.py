"""What the two ingestion endpoints share: the 202 answer, 429 on throttle, 503 without a broker."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka.errors import KafkaError
from pydantic import BaseModel

from app.core.errors import ApiError
from app.core.kafka import KafkaUnavailableError
from app.ingest.service import IngestAnswer, StorageBusy
from app.ingest.store import Throttled


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
            status_code=503,
            code="unavailable",
            message="event stream unavailable; nothing was accepted, retry shortly",
            headers={"Retry-After": "1"},
        ) from exc
    return IngestResponse(
        accepted=answer.accepted,
        duplicates=answer.duplicates,
        rejected=[Rejected(**r) for r in answer.rejected],
    )
