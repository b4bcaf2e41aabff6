"""A company's full profile with its evidence, as `GET /v1/leads/{lead_id}` answers it (`LeadProfile`)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.companies import Company, Contact
from app.catalog.tables import Miner, Outcome, Snippet
from app.core.errors import ApiError
from app.leads.hydrate import iso

MAX_EVIDENCE = 50


async def lead_profile(session: AsyncSession, *, lead_id: uuid.UUID) -> dict[str, Any]:
    company = await session.get(Company, lead_id)
    if company is None:
        raise ApiError(status_code=404, code="not_found", message="no lead with this id", field="lead_id")
    contacts = (
        await session.execute(
            select(Contact.name, Contact.title, Contact.email, Contact.linkedin_url)
            .where(Contact.company_id == lead_id)
            .order_by(Contact.id)
        )
    ).all()
    snippets = (
        await session.execute(
            select(
                Snippet.id,
                Snippet.kind,
                Snippet.text,
                Snippet.source_url,
                Snippet.observed_at,
                Snippet.miner_id,
                Snippet.status,
                Snippet.corroborations,
                Miner.reputation,
            )
            .join(Miner, Miner.id == Snippet.miner_id, isouter=True)
            .where(Snippet.company_id == lead_id)
            .order_by(Snippet.observed_at.desc())
            .limit(MAX_EVIDENCE)
        )
    ).all()
    outcomes = (
        await session.execute(
            select(Outcome.type, func.count()).where(Outcome.company_id == lead_id).group_by(Outcome.type)
        )
    ).all()
    return {
        "lead_id": str(company.id),
        "domain": company.domain,
        "name": company.name,
        "industry": company.industry,
        "naics_code": company.naics_code,
        "employees": company.employees,
        "country": company.country,
        "founded_year": company.founded_year,
        "description": company.description,
        "profile": company.profile,
        "snippet_count": company.snippet_count,
        "last_snippet_at": iso(company.last_snippet_at) if company.last_snippet_at else None,
        "updated_at": iso(company.updated_at),
        "contacts": [
            {"name": c.name, "title": c.title, "email": c.email, "linkedin_url": c.linkedin_url}
            for c in contacts
        ],
        "evidence": [
            {
                "snippet_id": s.id,
                "kind": s.kind,
                "text": s.text,
                "source_url": s.source_url,
                "observed_at": iso(s.observed_at),
                "miner_id": s.miner_id,
                "miner_reputation": s.reputation,
                "status": s.status,
                "corroborations": s.corroborations,
            }
            for s in snippets
        ],
        "outcomes": {t: int(n) for t, n in outcomes},
    }
