"""POST /v1/snippets: a batch of up to 1,000 miner snippets (contract in docs/INGESTION.md)."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.api.deps import IngestPrincipal, IngestServiceDep, SettingsDep
from app.api.routes.ingest_common import IngestResponse, run_ingest
from app.core.errors import AUTHENTICATED, error_responses

router = APIRouter(prefix="/v1", tags=["ingestion"], responses=error_responses(*AUTHENTICATED))


class SnippetBatch(BaseModel):
    snippets: list[Any] = Field(description="Miner snippets, each validated on its own (at most 1,000).")


@router.post(
    "/snippets",
    status_code=202,
    summary="A batch of miner snippets",
    response_model=IngestResponse,
    responses=error_responses(400),
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
