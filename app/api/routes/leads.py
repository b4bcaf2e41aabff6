"""`/v1/leads`: search (scope `search`) and a lead's profile (any scope). Logic lives in app/leads."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from fastapi import APIRouter, Response

from app.api.deps import RankerDep, SearchPrincipal, SessionDep
from app.api.responses import errors
from app.icps.service import search_body
from app.leads.profile import lead_profile
from app.leads.schemas import SearchRequestIn, SearchResponse

router = APIRouter(prefix="/v1/leads", tags=["leads"])


@router.post("/search", response_model=SearchResponse, responses=errors(404, 503))
async def search_leads(
    body: SearchRequestIn, principal: SearchPrincipal, ranker: RankerDep, session: SessionDep
) -> Response:
    # The service builds the response in the documented shape (`SearchResponse`, checked by the
    # contract tests); serialising it directly skips a second validation pass per request.
    request = await search_body(session, workspace_id=principal.workspace_id, body=body)
    result = await ranker.service.search(body=request, api_key_id=principal.key_id)
    return Response(orjson.dumps(result), media_type="application/json")


@router.get("/{lead_id}")
async def get_lead(lead_id: uuid.UUID, _: SearchPrincipal, session: SessionDep) -> dict[str, Any]:
    return await lead_profile(session, lead_id=lead_id)
