"""`POST /v1/leads/drafts`: outreach drafts for the leads of a list graded at or above the ICP's
threshold (scope `search`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import DraftWriterDep, RankerDep, SearchPrincipal, SessionDep
from app.core.errors import AUTHENTICATED, ApiError, error_responses
from app.drafts.schemas import DraftList, DraftRequest, DraftResponse, StoredDraft
from app.drafts.service import make_drafts, stored_drafts

router = APIRouter(prefix="/v1/leads", tags=["drafts"])


@router.post(
    "/drafts",
    summary="Outreach drafts for the well-graded leads of a list",
    description=(
        "Grades the list against the ICP and, for each lead graded at or above `threshold` (default: "
        "the ICP's `draft_threshold`), writes a subject and a message of at most 120 words in the "
        "seller's voice (the ICP's product description) that states only facts found in the lead's "
        "evidence: each sentence lists the snippet ids it took facts from in `citations`. No draft "
        "without usable evidence. With LLM_BASE_URL set an OpenAI-compatible model writes it (its "
        "answer used only when every citation is one of the lead's snippets); else a deterministic "
        "writer composes it. Every draft is stored and in the audit log."
    ),
    response_model=DraftResponse,
    responses=error_responses(*AUTHENTICATED, 400, 404, 413, 503),
)
async def drafts(
    body: DraftRequest,
    principal: SearchPrincipal,
    session: SessionDep,
    ranker: RankerDep,
    writer: DraftWriterDep,
) -> DraftResponse:
    result = await make_drafts(
        session,
        ranker=ranker,
        writer=writer,
        body=body,
        workspace_id=principal.workspace_id,
        api_key_id=principal.key_id,
    )
    return DraftResponse.model_validate(result)


stored = APIRouter(prefix="/v1/drafts", tags=["drafts"])


@stored.get(
    "",
    summary="The workspace's drafts, newest first",
    response_model=DraftList,
    responses=error_responses(*AUTHENTICATED),
)
async def list_drafts(
    principal: SearchPrincipal,
    session: SessionDep,
    icp_id: Annotated[uuid.UUID | None, Query()] = None,
    lead_id: Annotated[uuid.UUID | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DraftList:
    rows = await stored_drafts(
        session, workspace_id=principal.workspace_id, icp_id=icp_id, lead_id=lead_id, limit=limit
    )
    return DraftList.model_validate({"drafts": rows})


@stored.get(
    "/{draft_id}",
    summary="One stored draft",
    response_model=StoredDraft,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def get_draft(draft_id: uuid.UUID, principal: SearchPrincipal, session: SessionDep) -> StoredDraft:
    rows = await stored_drafts(session, workspace_id=principal.workspace_id, draft_id=draft_id, limit=1)
    if not rows:
        raise ApiError(status_code=404, code="not_found", message="no draft with this id", field="draft_id")
    return StoredDraft.model_validate(rows[0])
