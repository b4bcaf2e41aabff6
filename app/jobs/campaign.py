"""A campaign's target (prompt, ICP or business context) and its leads: the search service's ranked
candidates past the one-response k, up to the campaign's limit (the candidate budget grows to the
limit, so the reranker orders every lead the campaign returns)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.icps.service import get_icp, icp_filters, icp_prompt
from app.icps.tables import Icp
from app.jobs.schemas import BusinessContext
from app.leads.candidates import pgvector_ann
from app.leads.flow import run_search
from app.leads.schemas import SearchFilters
from app.leads.startup import Ranker
from app.lists.grading import Target
from app.ranking.explain import fit_and_intent
from app.ranking.prompt import parse_prompt

DRAFT_THRESHOLD = 50


@dataclass(frozen=True, slots=True)
class Campaign:
    target: Target  # what leads are graded against
    search_filters: SearchFilters  # the hard filters of the search
    icp: Icp | None
    draft_threshold: int


def grading_filters(prompt: str, filters: SearchFilters) -> SearchFilters:
    """The request's filters, with what the prompt says (industries, countries, size) where the
    request says nothing: the fit reasons of a grade compare the lead with these."""
    parsed = parse_prompt(prompt)
    return filters.model_copy(
        update={
            "industries": filters.industries or list(parsed.industries),
            "countries": filters.countries or list(parsed.countries),
            "employees_min": filters.employees_min
            if filters.employees_min is not None
            else parsed.employees_min,
            "employees_max": filters.employees_max
            if filters.employees_max is not None
            else parsed.employees_max,
        }
    )


async def campaign_target(
    session: AsyncSession, *, workspace_id: uuid.UUID, request: dict[str, object]
) -> Campaign:
    """The stored request turned into what is searched and graded (an ICP's filters, replaced field
    by field by the request's own)."""
    filters = SearchFilters.model_validate(request.get("filters") or {})
    raw_icp = request.get("icp_id")
    if raw_icp is not None:
        icp = await get_icp(session, workspace_id=workspace_id, icp_id=uuid.UUID(str(raw_icp)))
        merged = icp_filters(icp, filters if request.get("filters") else None)
        target = Target(
            prompt=icp_prompt(icp), filters=merged, technologies=tuple(icp.technologies), icp_id=icp.id
        )
        return Campaign(target, merged, icp, icp.draft_threshold)
    context = request.get("business_context")
    if isinstance(context, dict):
        prompt = BusinessContext.model_validate(context).query()
    else:
        prompt = str(request.get("prompt") or "")
    target = Target(
        prompt=prompt, filters=grading_filters(prompt, filters), technologies=tuple(filters.technologies)
    )
    return Campaign(target, filters, None, DRAFT_THRESHOLD)


@dataclass(frozen=True, slots=True)
class RankedLead:
    lead_id: uuid.UUID
    score: float
    fit: float
    intent: float


async def rank_deep(ranker: Ranker, *, prompt: str, filters: SearchFilters, limit: int) -> list[RankedLead]:
    """The search service's ranking past its one-response k: the `limit` best companies for the
    prompt under the hard filters, best first, with the reranker's probability and the fit and
    intent sub-scores (the candidate budget grows to the limit)."""
    service = ranker.service
    settings = service.settings
    store = ranker.index.store

    run = await run_search(
        store=store,
        bm25_index=ranker.index.bm25,
        embedder=ranker.index.embedder,
        reranker=ranker.models.current,
        parsed=parse_prompt(prompt),
        filters=filters,
        ann_query=pgvector_ann(
            service.engine,
            store=store,
            limit=max(settings.search_ann_candidates, min(limit, 1000)),
            exact_max_rows=settings.search_exact_ann_max_rows,
        ),
        bm25_k=max(settings.search_bm25_candidates, limit),
        budget=max(settings.search_candidate_budget, limit),
        fill=settings.search_fill,
        cut=settings.search_first_stage_cut,
        k=limit,
    )
    ranked = run.ranked
    out = []
    for i, row in enumerate(ranked.rows.tolist()):
        fit, intent = fit_and_intent(ranked.features[i])
        out.append(RankedLead(store.ids[int(row)], round(float(ranked.probabilities[i]), 4), fit, intent))
    return out


async def ranked_leads(ranker: Ranker, *, campaign: Campaign, limit: int) -> list[uuid.UUID]:
    """The `limit` best companies for the campaign, best first (company ids)."""
    ranked = await rank_deep(
        ranker, prompt=campaign.target.prompt, filters=campaign.search_filters, limit=limit
    )
    return [r.lead_id for r in ranked]
