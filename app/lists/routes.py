"""`/v1/leads/enrich`, `/v1/leads/score`, `/v1/leads/export`: a seller's own list (scope `search`)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import RankerDep, SearchPrincipal, SessionDep, SettingsDep
from app.api.responses import errors
from app.lists.enrich import enrich
from app.lists.schemas import EnrichRequest, EnrichResponse, ScoreRequest, ScoreResponse
from app.lists.score import score

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


@router.post(
    "/score",
    summary="Grade a list against an ICP or a prompt",
    description=(
        "Domains/URLs/addresses (`items`) or `lead_ids`, and one of `icp_id` and `prompt`. Each known "
        "company gets a grade 0-100 and a band (A >= 75, B >= 50, C >= 25, D) from the ranker's fit "
        "and intent sub-scores (grade = round(100 x (0.5 fit + 0.5 intent))), with 2-5 reasons each "
        "citing the evidence snippets that support it; with fewer than two supported reasons the "
        "company is `insufficient_evidence` and has no grade. Every grading is in the audit log."
    ),
    response_model=ScoreResponse,
    responses=errors(404, 413, 503),
)
async def score_list(
    body: ScoreRequest,
    principal: SearchPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    ranker: RankerDep,
) -> ScoreResponse:
    result = await score(
        session,
        ranker=ranker,
        body=body,
        workspace_id=principal.workspace_id,
        api_key_id=principal.key_id,
        max_items=settings.lists_max_items,
        bm25_limit=settings.search_bm25_candidates,
    )
    return ScoreResponse.model_validate(result)
