"""`/v1/leads/enrich`, `/v1/leads/score`, `/v1/leads/export`: a seller's own list (scope `search`)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from app.api.deps import RankerDep, SearchPrincipal, SessionDep, SettingsDep, StateDep
from app.audit.service import AuditEvent, append
from app.core.errors import AUTHENTICATED, error_responses
from app.icps.service import get_icp
from app.lists.enrich import enrich
from app.lists.export import COLUMNS, csv_chunks, export_rows, json_chunks
from app.lists.schemas import EnrichRequest, EnrichResponse, ExportFormat, ScoreRequest, ScoreResponse
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
    responses=error_responses(*AUTHENTICATED, 400, 413),
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
        "and intent sub-scores: grade = round(100 x p(0.5 fit + 0.5 intent)), p the likelihood of a "
        "positive outcome calibrated on the workspace's (else every workspace's) outcomes, or p(r) = r "
        "with too few (`calibration` says which), with 2-5 reasons each "
        "citing the evidence snippets that support it; with fewer than two supported reasons the "
        "company is `insufficient_evidence` and has no grade. Every grading is in the audit log."
    ),
    response_model=ScoreResponse,
    responses=error_responses(*AUTHENTICATED, 400, 404, 413, 503),
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


@router.get(
    "/export",
    summary="Download an ICP's graded leads as CSV or JSON",
    description=(
        "Each company graded against the ICP (its newest evidence version), with its latest draft, "
        "best grade first, streamed. CSV columns: " + ", ".join(COLUMNS) + ". JSON: an array of "
        "objects with the same keys (reasons and evidence_ids as lists)."
    ),
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "the export",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "array"}},
            },
        },
        **error_responses(*AUTHENTICATED, 404),
    },
)
async def export(
    *,
    principal: SearchPrincipal,
    session: SessionDep,
    state: StateDep,
    icp_id: Annotated[uuid.UUID, Query()],
    format: Annotated[ExportFormat, Query()] = "csv",
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    min_grade: Annotated[int, Query(ge=0, le=100)] = 0,
) -> StreamingResponse:
    icp = await get_icp(session, workspace_id=principal.workspace_id, icp_id=icp_id)
    await append(
        session,
        workspace_id=principal.workspace_id,
        api_key_id=principal.key_id,
        events=[
            AuditEvent(
                action="export",
                object_type="icp",
                object_id=str(icp.id),
                detail={"format": format, "limit": limit, "min_grade": min_grade, "via": "api"},
            )
        ],
    )
    await session.commit()

    async def body() -> AsyncIterator[str]:
        # Its own session: the request's is closed once the route returns.
        async with state.core.sessionmaker() as stream_session:
            rows = export_rows(
                stream_session,
                workspace_id=principal.workspace_id,
                icp_id=icp.id,
                limit=limit,
                min_grade=min_grade,
            )
            chunks = csv_chunks(rows) if format == "csv" else json_chunks(rows)
            async for chunk in chunks:
                yield chunk

    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    filename = f"leads-{icp.id}.{format}"
    return StreamingResponse(
        body(), media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
