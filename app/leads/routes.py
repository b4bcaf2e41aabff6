"""`/v1/leads`: search (scope `search`) and a lead's profile. Logic lives in app/leads."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response

from app.api.deps import (
    Credentials,
    RankerDep,
    SearchPrincipal,
    SessionDep,
    StateDep,
    authorize_and_get,
    bearer_token,
)
from app.core.errors import AUTHENTICATED, error_responses, method_not_allowed
from app.icps.service import direct_search_body
from app.jobs.search_pages import search_answer
from app.leads.cache import CacheRead
from app.leads.profile import lead_profile
from app.leads.schemas import LeadProfile, SearchRequestIn, SearchResponse

router = APIRouter(prefix="/v1/leads", tags=["leads"], responses=error_responses(*AUTHENTICATED))
# The search alone, included first of all routes (app/api/router.py): FastAPI tries the routes in
# order, each in Python, and the search is the hot path. Its path is fixed, so it matches nothing
# else (and `GET /v1/leads/search` still reaches `post_only` below, as before).
search_router = APIRouter(prefix="/v1/leads", tags=["leads"], responses=error_responses(*AUTHENTICATED))


@search_router.post(
    "/search",
    summary="The K companies most likely to buy the described product",
    description=(
        "A prompt or a saved ICP (`icp_id`), filters, `k` <= 200. With `max_results` (<= 10,000) the "
        "search is also ranked past k and `next_cursor` pages through the rest of that one result "
        "set, `k` leads at a time, with `GET /v1/leads/search/pages?cursor=...`."
    ),
    response_model=SearchResponse,
    responses=error_responses(400, 404),
)
async def search_leads(
    body: SearchRequestIn, credentials: Credentials, state: StateDep, ranker: RankerDep
) -> Response:
    # The key is checked here rather than by a dependency so that, for a search without an ICP, the
    # cached answer is read in the same Redis round trip as the revocation and the rate limit.
    request = direct_search_body(body)
    key = ranker.service.cache_key_of(request) if request is not None else None
    principal, admitted = await authorize_and_get(
        state, token=bearer_token(credentials), scope="search", also_get=key
    )
    read = CacheRead(key, admitted.value) if key is not None and admitted is not None else None
    data = await search_answer(
        sessionmaker=state.core.sessionmaker,
        ranker=ranker,
        settings=state.core.settings,
        body=body,
        request=request,
        workspace_id=principal.workspace_id,
        api_key_id=principal.key_id,
        read=read,
    )
    return Response(data, media_type="application/json")


# The POST-only actions under /v1/leads: without this, GET /v1/leads/search would match `/{lead_id}`
# (422). Registered before every /v1/leads router (app/api/router.py).
POST_ONLY = ("/search", "/enrich", "/score", "/drafts")
post_only = APIRouter(prefix="/v1/leads", tags=["leads"])


async def wrong_method() -> None:
    raise method_not_allowed("POST")


for _path in POST_ONLY:
    post_only.add_api_route(
        _path, wrong_method, methods=["GET", "HEAD", "PUT", "PATCH", "DELETE"], include_in_schema=False
    )


@router.get(
    "/{lead_id}",
    summary="A lead's full profile: facts, contacts, latest evidence and outcome counts",
    response_model=LeadProfile,
    responses=error_responses(404),
)
async def get_lead(lead_id: uuid.UUID, _: SearchPrincipal, session: SessionDep) -> dict[str, Any]:
    return await lead_profile(session, lead_id=lead_id)
