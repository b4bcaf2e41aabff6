"""`/v1/leads/enrich`, `/v1/leads/score`, `/v1/leads/export`: a seller's own list (scope `search`)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import SearchPrincipal, SessionDep, SettingsDep
from app.api.responses import errors
from app.lists.enrich import enrich
from app.lists.schemas import EnrichRequest, EnrichResponse

router = APIRouter(prefix="/v1/leads", tags=["lists"])


@router.post(
    "/enrich",
    summary="Enrich a list of domains, URLs or e-mail addresses",
    description=(
        "Up to LISTS_MAX_ITEMS (1,000) items per request, answered synchronously. Each item is "
        "reduced to a company domain (an address gives its domain); free-mail and malformed items "
        "are rejected one by one with a reason; an unknown company is `found: false`. Each found "
        "company has its profile from evidence and the requested signals, each with a value, a "
        "confidence and its evidence snippets; `signals_missed` lists requested signals with none."
    ),
    response_model=EnrichResponse,
    responses=errors(413),
)
async def enrich_list(
    body: EnrichRequest, _: SearchPrincipal, session: SessionDep, settings: SettingsDep
) -> EnrichResponse:
    result = await enrich(
        session,
        body=body,
        max_items=settings.lists_max_items,
        per_signal=settings.lists_evidence_per_signal,
    )
    return EnrichResponse.model_validate(result)
