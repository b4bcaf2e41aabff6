"""POST /v1/outcomes: outcome events, as `{"outcomes": [...]}` or one event object."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from app.api.deps import IngestPrincipal, IngestServiceDep, SettingsDep
from app.api.routes.ingest_common import IngestResponse, run_ingest
from app.core.errors import AUTHENTICATED, ApiError, error_responses

router = APIRouter(prefix="/v1", tags=["ingestion"], responses=error_responses(*AUTHENTICATED))


@router.post(
    "/outcomes",
    status_code=202,
    summary="Outcome events (one or a batch)",
    response_model=IngestResponse,
    responses=error_responses(400),
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
