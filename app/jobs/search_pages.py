"""Deep search: a search ranked past the one-response k (up to 10,000 leads), its ranking kept for
SEARCH_CURSOR_TTL_S (at least 15 minutes) so that `next_cursor` pages through one stable result
set, whatever the index does meanwhile. Another workspace's cursor is a 404, like an expired one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.catalog.companies import Company
from app.core.config import Settings
from app.core.errors import ApiError
from app.icps.service import search_body
from app.jobs.campaign import rank_deep
from app.jobs.schemas import DeepSearchRequest
from app.jobs.service import decode_cursor, encode_cursor
from app.jobs.tables import SearchResultSet
from app.leads.cache import CacheRead
from app.leads.schemas import SearchRequestBody, SearchRequestIn
from app.leads.startup import Ranker

NO_CURSOR = b',"next_cursor":null}'


async def search_answer(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    ranker: Ranker,
    settings: Settings,
    body: SearchRequestIn,
    request: SearchRequestBody | None,
    workspace_id: uuid.UUID,
    api_key_id: uuid.UUID | None,
    read: CacheRead | None,
) -> bytes:
    """The JSON body of `POST /v1/leads/search` (`SearchResponse`, the documented shape, checked by
    the contract tests; serialised without a second validation pass). `request`: the search when it
    needs no database read (`direct_search_body`), else None and the ICP is read. A search without an
    ICP and without `max_results` opens no database session: its bytes are the cached answer's."""
    if request is not None and body.max_results is None:
        data = await ranker.service.search_json(body=request, api_key_id=api_key_id, read=read)
        # = orjson.dumps({**result, "next_cursor": None}): the object's last key added to its bytes
        return data[:-1] + NO_CURSOR
    async with sessionmaker() as session:
        if request is None:
            request = await search_body(session, workspace_id=workspace_id, body=body)
        result = await ranker.service.search(body=request, api_key_id=api_key_id, read=read)
        cursor = None
        if body.max_results is not None:  # the workspace's own result set: never part of the cached answer
            cursor = await continue_search(
                session,
                ranker=ranker,
                settings=settings,
                request=request,
                workspace_id=workspace_id,
                shown=result["leads"],
                max_results=body.max_results,
            )
    return orjson.dumps({**result, "next_cursor": cursor})


def gone() -> ApiError:
    return ApiError(status_code=404, code="not_found", message="unknown or expired cursor", field="cursor")


async def start_search(
    session: AsyncSession,
    *,
    ranker: Ranker,
    settings: Settings,
    body: DeepSearchRequest,
    workspace_id: uuid.UUID,
) -> dict[str, Any]:
    request = await search_body(
        session,
        workspace_id=workspace_id,
        body=SearchRequestIn(prompt=body.prompt, icp_id=body.icp_id, filters=body.filters, explain=False),
    )
    ranked = await rank_deep(ranker, prompt=request.prompt, filters=request.filters, limit=body.max_results)
    row = SearchResultSet(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        request=body.model_dump(mode="json"),
        leads=[[str(r.lead_id), r.score, r.fit, r.intent] for r in ranked],
        model_version=ranker.models.current.version,
        expires_at=datetime.now(UTC) + timedelta(seconds=settings.search_cursor_ttl_s),
    )
    session.add(row)
    await session.commit()
    return await page(session, row=row, offset=0, size=body.page_size)


async def continue_search(
    session: AsyncSession,
    *,
    ranker: Ranker,
    settings: Settings,
    request: SearchRequestBody,
    workspace_id: uuid.UUID,
    shown: list[dict[str, Any]],
    max_results: int,
) -> str | None:
    """The cursor of the leads after `shown` (the answer of `POST /v1/leads/search`), up to
    `max_results` in all, or None when there are none: the search ranked past k once, the leads it
    already answered first (ranks 1..k as answered) and then the others in the deep ranking's order,
    kept SEARCH_CURSOR_TTL_S as one result set paged `k` at a time by `GET /v1/leads/search/pages`."""
    if max_results <= len(shown):
        return None
    ranked = await rank_deep(ranker, prompt=request.prompt, filters=request.filters, limit=max_results)
    seen = {lead["lead_id"] for lead in shown}
    first = [[lead["lead_id"], lead["score"], lead["fit_score"], lead["intent_score"]] for lead in shown]
    rest = [[str(r.lead_id), r.score, r.fit, r.intent] for r in ranked if str(r.lead_id) not in seen]
    rest = rest[: max_results - len(shown)]
    if not rest:
        return None
    row = SearchResultSet(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        request={"search": request.model_dump(mode="json"), "max_results": max_results},
        leads=first + rest,
        model_version=ranker.models.current.version,
        expires_at=datetime.now(UTC) + timedelta(seconds=settings.search_cursor_ttl_s),
    )
    session.add(row)
    await session.commit()
    return encode_cursor({"s": str(row.id), "o": len(first), "n": request.k})


async def next_page(session: AsyncSession, *, workspace_id: uuid.UUID, cursor: str) -> dict[str, Any]:
    value = decode_cursor(cursor)
    try:
        set_id, offset, size = uuid.UUID(str(value["s"])), int(value["o"]), int(value["n"])
    except (KeyError, ValueError, TypeError):
        raise gone() from None
    row = await session.get(SearchResultSet, set_id)
    if row is None or row.workspace_id != workspace_id or row.expires_at <= datetime.now(UTC):
        raise gone()
    if not 0 <= offset <= len(row.leads) or not 1 <= size <= 200:
        raise gone()
    return await page(session, row=row, offset=offset, size=size)


async def page(session: AsyncSession, *, row: SearchResultSet, offset: int, size: int) -> dict[str, Any]:
    entries = row.leads[offset : offset + size]
    ids = [uuid.UUID(e[0]) for e in entries]
    companies = {
        c.id: c for c in (await session.execute(select(Company).where(Company.id.in_(ids)))).scalars()
    } if ids else {}  # fmt: skip
    leads = []
    for i, (lead_id, score, fit, intent) in enumerate(entries):
        company = companies.get(uuid.UUID(lead_id))
        leads.append(
            {
                "rank": offset + i + 1,
                "lead_id": lead_id,
                "domain": company.domain if company else None,
                "name": company.name if company else None,
                "industry": company.industry if company else None,
                "employees": company.employees if company else None,
                "country": company.country if company else None,
                "score": score,
                "fit_score": fit,
                "intent_score": intent,
            }
        )
    end = offset + len(entries)
    more = end < len(row.leads)
    return {
        "result_set_id": row.id,
        "model_version": row.model_version,
        "total": len(row.leads),
        "expires_at": row.expires_at,
        "leads": leads,
        "next_cursor": encode_cursor({"s": str(row.id), "o": end, "n": size}) if more else None,
    }


async def drop_expired(session: AsyncSession) -> int:
    result = await session.execute(
        delete(SearchResultSet).where(SearchResultSet.expires_at < func.now()).returning(SearchResultSet.id)
    )
    await session.commit()
    return len(result.all())
