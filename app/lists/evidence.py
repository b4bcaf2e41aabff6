"""What the list routes know about a company: its profile (assembled from evidence at ingestion,
app/ingest/profile.py) and the accepted snippets the profile cites, plus its newest social posts."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from app.catalog.companies import Company
from app.catalog.tables import Miner, Snippet

POSTS_PER_COMPANY = 5
PROFILE_LISTS = ("funding", "hiring", "news_triggers", "pains")


@dataclass(frozen=True, slots=True)
class SnippetFact:
    id: str
    kind: str
    text: str
    source_url: str
    observed_at: datetime
    reputation: float


@dataclass(slots=True)
class LeadEvidence:
    company_id: uuid.UUID
    domain: str
    name: str
    industry: str | None
    employees: int | None
    country: str | None
    founded_year: int | None
    description: str
    profile: dict[str, Any]
    profile_version: int
    snippets: dict[str, SnippetFact] = field(default_factory=dict)

    def cited(self, ids: Iterable[str]) -> list[SnippetFact]:
        """The snippets among `ids` that are known evidence of this company, newest first."""
        found = {i: self.snippets[i] for i in ids if i in self.snippets}
        return sorted(found.values(), key=lambda s: (s.observed_at, s.id), reverse=True)

    def posts(self) -> list[SnippetFact]:
        return sorted(
            (s for s in self.snippets.values() if s.kind == "social"),
            key=lambda s: (s.observed_at, s.id),
            reverse=True,
        )


def _array(values: list[Any], item: TypeEngine[Any]) -> BindParameter[Any]:
    """One array parameter (`= ANY(:p)`), not one parameter per value: a long list stays one
    bind (PostgreSQL's protocol allows at most 32,767 per statement)."""
    return bindparam(None, value=values, type_=ARRAY(item))


def profile_snippet_ids(profile: dict[str, Any]) -> Iterator[str]:
    """Every snippet id a profile cites."""
    for entry in (profile.get("firmographics") or {}).values():
        yield from entry.get("evidence", [])
    for entry in (profile.get("technographics") or {}).values():
        yield from entry.get("evidence", [])
    for name in PROFILE_LISTS:
        for item in profile.get(name) or []:
            yield from item.get("evidence", [])


async def load_leads(
    session: AsyncSession,
    *,
    domains: Iterable[str] = (),
    ids: Iterable[uuid.UUID] = (),
) -> dict[uuid.UUID, LeadEvidence]:
    """The companies with these domains or ids, with their cited evidence; unknown ones are absent."""
    domain_list, id_list = sorted(set(domains)), sorted(set(ids))
    if not domain_list and not id_list:
        return {}
    rows = (
        await session.execute(
            select(Company).where(
                (Company.domain == any_(_array(domain_list, String())))
                | (Company.id == any_(_array(id_list, UUID())))
            )
        )
    ).scalars()
    leads = {
        c.id: LeadEvidence(
            company_id=c.id,
            domain=c.domain,
            name=c.name,
            industry=c.industry,
            employees=c.employees,
            country=c.country,
            founded_year=c.founded_year,
            description=c.description,
            profile=c.profile or {},
            profile_version=c.profile_version,
        )
        for c in rows
    }
    if not leads:
        return leads
    wanted = {sid for lead in leads.values() for sid in profile_snippet_ids(lead.profile)}
    columns = (
        Snippet.id,
        Snippet.company_id,
        Snippet.kind,
        Snippet.text,
        Snippet.source_url,
        Snippet.observed_at,
        func.coalesce(Miner.reputation, 0.5).label("reputation"),
    )
    cited = (
        select(*columns)
        .join(Miner, Miner.id == Snippet.miner_id, isouter=True)
        .where(Snippet.id == any_(_array(sorted(wanted), String())), Snippet.status == "accepted")
    )
    ranked = (
        select(
            Snippet.id.label("sid"),
            func.row_number()
            .over(partition_by=Snippet.company_id, order_by=(Snippet.observed_at.desc(), Snippet.id))
            .label("n"),
        )
        .where(
            Snippet.company_id == any_(_array(list(leads), UUID())),
            Snippet.kind == "social",
            Snippet.status == "accepted",
        )
        .subquery()
    )
    posts = (
        select(*columns)
        .join(Miner, Miner.id == Snippet.miner_id, isouter=True)
        .join(ranked, ranked.c.sid == Snippet.id)
        .where(ranked.c.n <= POSTS_PER_COMPANY)
    )
    for query in (cited, posts) if wanted else (posts,):
        for r in (await session.execute(query)).all():
            lead = leads.get(r.company_id)
            if lead is not None:
                lead.snippets[r.id] = SnippetFact(
                    r.id, r.kind, r.text, r.source_url, r.observed_at, float(r.reputation)
                )
    return leads
